"""`dondoc holiday list|add|remove`: the working-day calendar reminders and deadlines follow."""

from __future__ import annotations

import argparse
import sys

from bot.cli import emit, help_text
from bot.commands.reminders import parse_date
from bot.runtime import Runtime
from domain.workdays import add_holidays, calendar_of_year, remove_holidays
from locales import t

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `holiday` commands."""
    h = help_text
    hol = sub.add_parser("holiday", help=h("cli.help.holiday"), description=h("cli.help.holiday"))
    hsub = hol.add_subparsers(
        dest="holiday_command", metavar=help_text("cli.metavar.action"), required=True
    )

    ls = hsub.add_parser("list", help=h("cli.help.holiday_list"))
    ls.add_argument("--year", type=int, help=h("cli.help.holiday_year"))
    ls.set_defaults(func=_list)

    add = hsub.add_parser("add", help=h("cli.help.holiday_add"))
    add.add_argument("day", help=h("cli.help.first_day"))
    add.add_argument("--to", dest="last", help=h("cli.help.last_day"))
    add.add_argument("--name", required=True, help=h("cli.help.holiday_name"))
    add.add_argument("--working", action="store_true", help=h("cli.help.holiday_working"))
    add.set_defaults(func=_add)

    rm = hsub.add_parser("remove", help=h("cli.help.holiday_remove"))
    rm.add_argument("day", help=h("cli.help.first_day"))
    rm.add_argument("--to", dest="last", help=h("cli.help.last_day"))
    rm.set_defaults(func=_remove)


async def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = runtime.settings.default_locale
    year = args.year or runtime.deps.today().year
    async with runtime.db.read() as s:
        days = await calendar_of_year(s, year)
    data = [
        {"day": d.day.isoformat(), "name": d.name, "working": d.working, "source": d.source}
        for d in days
    ]
    lines = [
        t(
            "workdays.list_line",
            loc,
            day=d.day.strftime("%d/%m/%Y"),
            weekday=WEEKDAYS[d.day.weekday()] if loc == "vi" else d.day.strftime("%a"),
            name=d.name,
            working=t("workdays.working_mark", loc)
            if d.working
            else t(f"cli.holiday.source_{d.source}", loc),
        )
        for d in days
    ]
    emit(args, data, "\n".join(lines) or t("workdays.list_empty", loc))
    if not any(d.source != "law" for d in days):
        sys.stdout.flush()  # the note follows the list, also when both go to one terminal
        print(t("cli.holiday.only_computed", loc, year=year), file=sys.stderr)
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
