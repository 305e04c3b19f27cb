"""`dondoc holiday list|add|remove`: the working-day calendar reminders follow."""

from __future__ import annotations

import argparse

from bot.cli import emit
from bot.commands.reminders import parse_date
from bot.runtime import Runtime
from domain.workdays import add_holidays, list_holidays, remove_holidays
from locales import t

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `holiday` commands."""
    hol = sub.add_parser("holiday", help="public holidays and make-up working days")
    hsub = hol.add_subparsers(dest="holiday_command", metavar="ACTION", required=True)

    ls = hsub.add_parser("list", help="list recorded days")
    ls.add_argument("--year", type=int, help="only this year")
    ls.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    ls.set_defaults(func=_list)

    add = hsub.add_parser("add", help="record days off (or a make-up working day)")
    add.add_argument("day", help="first day, YYYY-MM-DD")
    add.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: the same day)")
    add.add_argument("--name", required=True, help="occasion, e.g. 'Tết Nguyên đán'")
    add.add_argument(
        "--working", action="store_true", help="a weekend day worked in exchange (make-up day)"
    )
    add.set_defaults(func=_add)

    rm = hsub.add_parser("remove", help="delete recorded days")
    rm.add_argument("day", help="first day, YYYY-MM-DD")
    rm.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: the same day)")
    rm.set_defaults(func=_remove)


async def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.read() as s:
        rows = await list_holidays(s, args.year)
    loc = runtime.settings.default_locale
    data = [{"day": h.day.isoformat(), "name": h.name, "working": h.working} for h in rows]
    mark = t("workdays.working_mark", loc)
    lines = [
        t(
            "workdays.list_line",
            loc,
            day=h.day.strftime("%d/%m/%Y"),
            weekday=WEEKDAYS[h.day.weekday()] if loc == "vi" else h.day.strftime("%a"),
            name=h.name,
            working=mark if h.working else "",
        )
        for h in rows
    ]
    emit(args, data, "\n".join(lines) or t("workdays.list_empty", loc))
    return 0


async def _add(args: argparse.Namespace, runtime: Runtime) -> int:
    first = parse_date(args.day)
    last = parse_date(args.last) if args.last else first
    async with runtime.db.transaction() as s:
        rows = await add_holidays(
            s, runtime.deps.now(), first, last, args.name, working=args.working, actor="cli"
        )
    loc = runtime.settings.default_locale
    emit(
        args,
        {"added": [r.day.isoformat() for r in rows]},
        t("workdays.added", loc, count=len(rows), name=args.name.strip()),
    )
    return 0


async def _remove(args: argparse.Namespace, runtime: Runtime) -> int:
    first = parse_date(args.day)
    last = parse_date(args.last) if args.last else first
    async with runtime.db.transaction() as s:
        count = await remove_holidays(s, runtime.deps.now(), first, last, actor="cli")
    loc = runtime.settings.default_locale
    emit(args, {"removed": count}, t("workdays.removed", loc, count=count))
    return 0
