"""`dondoc reminders preview|policy`: what the engine would send, and the plan's reminder policy."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli import emit
from bot.cli import help_text as H
from bot.runtime import Runtime
from db.models import Plan
from domain.collectives import unmapped_lines, unmapped_tasks
from domain.errors import DomainError
from domain.reminders import Notice, Reminder, plan_window, policy_of, set_policy
from domain.units import vi_sort_key
from locales import t


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `reminders` commands."""
    rem = sub.add_parser("reminders", help=H("cli.help.reminders"))
    rsub = rem.add_subparsers(
        dest="reminders_command", metavar=H("cli.metavar.action"), required=True
    )

    prev = rsub.add_parser("preview", help=H("cli.help.preview"))
    prev.add_argument("--plan", required=True, help=H("cli.help.plan_ref"))
    prev.add_argument("--from", dest="first", required=True, help=H("cli.help.first_day"))
    prev.add_argument("--to", dest="last", required=True, help=H("cli.help.last_day_window"))
    prev.set_defaults(func=_preview)

    pol = rsub.add_parser("policy", help=H("cli.help.policy"))
    pol.add_argument("--plan", required=True, help=H("cli.help.plan_ref"))
    pol.add_argument("--days", metavar=H("cli.metavar.day_list"), help=H("cli.help.policy_days"))
    pol.add_argument("--offsets", help=H("cli.help.policy_offsets"))
    pol.add_argument("--overdue", help=H("cli.help.policy_overdue"))
    pol.add_argument("--task-offsets", dest="task_offsets", help=H("cli.help.policy_task_offsets"))
    pol.add_argument("--time", help=H("cli.help.policy_time"))
    pol.set_defaults(func=_policy)


def parse_date(text: str) -> dt.date:
    """dd/mm/yyyy (as a clerk writes it) or YYYY-MM-DD, else a DomainError naming the value."""
    value = text.strip()
    try:
        if "/" in value:
            day, month, year = (int(p) for p in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError("reminders.bad_date", value=text) from None


def parse_days(text: str) -> list[int]:
    """ "7,3,1,0" -> [7, 3, 1, 0]; "" -> []."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise DomainError("reminders.bad_list", value=text) from None


def notice_text(notice: Notice, locale: str) -> str:
    """A warning in words."""
    return t(notice.key, locale, **dict(notice.params))


def _line(rem: Reminder, runtime: Runtime) -> str:
    loc = runtime.settings.default_locale
    if rem.recipients:
        who = ", ".join(f"{r.name or r.chat_id} ({r.channel.capitalize()})" for r in rem.recipients)
    else:
        who = t("reminders.preview_nobody", loc)
    if rem.slot.period is not None:
        period = rem.slot.period.label(loc)
    elif rem.tasks:
        period = t("cli.reminder_tasks", loc, refs=", ".join(task.ref for task in rem.tasks))
    else:
        period = "-"
    return t(
        "reminders.preview_line",
        loc,
        at=rem.slot.at.astimezone(runtime.deps.tz).strftime("%d/%m/%Y %H:%M"),
        kind=t(f"cli.reminder_kind.{rem.kind}", loc),
        period=period,
        due=rem.slot.due.strftime("%d/%m/%Y"),
        unit=rem.unit_name or t("reminders.preview_office", loc),
        recipients=who,
    )


async def _plan(runtime: Runtime, ref: str) -> Plan:
    """The plan as the other commands find it: id, number ("27"), or words of its title."""
    from bot.commands.registry import resolve_plan

    return await resolve_plan(runtime, ref)


async def _preview(args: argparse.Namespace, runtime: Runtime) -> int:
    first, last = parse_date(args.first), parse_date(args.last)
    if last < first:
        raise DomainError(
            "workdays.bad_range", first=first.strftime("%d/%m/%Y"), last=last.strftime("%d/%m/%Y")
        )
    tz = runtime.deps.tz
    plan = await _plan(runtime, args.plan)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last, dt.time.max, tzinfo=tz)
    async with runtime.db.read() as s:
        outcome = await plan_window(s, plan, tz, start, end, runtime.deps.now())
        unmapped = unmapped_lines(await unmapped_tasks(s, plan.id))
    loc = runtime.settings.default_locale
    warnings = [
        notice_text(n, loc)
        for n in sorted(outcome.warnings, key=lambda n: (n.key, vi_sort_key(notice_text(n, loc))))
    ]
    data: dict[str, object] = {
        "reminders": [r.as_json(tz) for r in outcome.reminders],
        "warnings": warnings,
    }
    if unmapped:
        data["unmapped_group_tasks"] = unmapped
    # In time order; at one time, by kind and then by unit in Vietnamese alphabetical order.
    shown = sorted(
        outcome.reminders, key=lambda r: (r.slot.at, r.kind, vi_sort_key(r.unit_name or ""))
    )
    lines = [_line(r, runtime) for r in shown] or [t("reminders.preview_empty", loc)]
    if unmapped:  # nobody is reminded of these until the office maps their groups
        lines.append(t("collectives.unmapped.head", loc, n=len(unmapped)))
        lines.extend(f"  {line}" for line in unmapped)
    lines.extend(t("reminders.warning", loc, text=w) for w in warnings)
    emit(args, data, "\n".join(lines))
    return 0


async def _policy(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await _plan(runtime, args.plan)
    changes = {
        "days": parse_days(args.days) if args.days is not None else None,
        "offsets": parse_days(args.offsets) if args.offsets is not None else None,
        "overdue": parse_days(args.overdue) if args.overdue is not None else None,
        "task_offsets": parse_days(args.task_offsets) if args.task_offsets is not None else None,
    }
    async with runtime.db.transaction() as s:
        row = await s.get(Plan, plan.id)
        assert row is not None
        if any(v is not None for v in changes.values()) or args.time is not None:
            policy = await set_policy(
                s, row, runtime.deps.now(), time=args.time, actor="cli", **changes
            )
        else:
            policy = policy_of(row)
    loc = runtime.settings.default_locale
    none = t("reminders.none", loc)
    data = {
        "plan": plan.id,
        "days": list(policy.days),
        "offsets": list(policy.offsets),
        "overdue": list(policy.overdue),
        "task_offsets": list(policy.task_offsets),
        "time": policy.time.strftime("%H:%M"),
    }
    text = t(
        "reminders.policy_show",
        loc,
        plan=plan.number or plan.id,
        days=",".join(map(str, policy.days)) or none,
        offsets=",".join(map(str, policy.offsets)),
        overdue=",".join(map(str, policy.overdue)),
        task_offsets=",".join(map(str, policy.task_offsets)),
        time=data["time"],
    )
    emit(args, data, text)
    return 0
