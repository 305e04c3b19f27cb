"""`dondoc plan|unit|task|rule|invite|member …`: the registry from the command line."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli import CliError, emit, help_text
from bot.runtime import Runtime
from db.models import (
    CutoffMode,
    DocumentFamily,
    PeriodKind,
    Plan,
    Role,
    ScheduleKind,
    Task,
    TaskRole,
    Unit,
)
from domain.collectives import unmapped_lines, unmapped_tasks
from domain.membership import create_invite, list_members
from domain.periods import open_period
from domain.registry import (
    add_alias,
    add_task,
    create_plan,
    find_plan,
    find_unit,
    get_or_create_unit,
    list_plans,
    list_tasks,
    list_units,
    rule_specs,
    set_rule,
)
from domain.units import matches, search_key, vi_sort_key
from domain.workdays import WorkCalendar, deadline_calendar, task_deadline
from locales import t

H = help_text
KIND_KEYS = {
    PeriodKind.MONTHLY: "cli.kind.monthly",
    PeriodKind.QUARTERLY: "cli.kind.quarterly",
    PeriodKind.SEMIANNUAL: "cli.kind.semiannual",
    PeriodKind.NINE_MONTHS: "cli.kind.nine_months",
    PeriodKind.ANNUAL: "cli.kind.annual",
}


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "-"


# Hooks other modules use to add sub-commands under `dondoc plan` (import, export).
PLAN_COMMAND_HOOKS: list[str] = []


def _date(text: str) -> dt.date:
    from bot.commands.reminders import parse_date
    from domain.errors import DomainError

    try:
        return parse_date(text)
    except DomainError:
        raise argparse.ArgumentTypeError(H("reminders.bad_date", value=text)) from None


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add plan, unit, task, rule, invite and member commands."""
    plan = sub.add_parser("plan", help=H("cli.help.plan")).add_subparsers(
        dest="plan_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    p = plan.add_parser("create", help=H("cli.help.plan_create"))
    p.add_argument("--title", required=True, help=H("cli.help.title"))
    p.add_argument("--year", type=int, required=True, help=H("cli.help.year"))
    p.add_argument("--number", help=H("cli.help.number"))
    p.add_argument("--issuer", help=H("cli.help.issuer"))
    p.add_argument("--parent-body", help=H("cli.help.parent_body"))
    p.add_argument("--place", help=H("cli.help.place"))
    p.add_argument("--issued-on", type=_date, help=H("cli.help.issued_on"))
    p.add_argument("--coordinator", help=H("cli.help.coordinator"))
    p.add_argument(
        "--family",
        choices=[f.value for f in DocumentFamily],
        default="administrative",
        help=H("cli.help.family"),
    )
    p.add_argument(
        "--cutoff",
        choices=[c.value for c in CutoffMode],
        default=CutoffMode.DECREE_09.value,
        help=H("cli.help.cutoff"),
    )
    p.set_defaults(func=_plan_create)
    plan.add_parser("list", help=H("cli.help.plan_list")).set_defaults(func=_plan_list)
    p = plan.add_parser("show", help=H("cli.help.plan_show"))
    p.add_argument("plan", help=H("cli.help.plan_ref"))
    p.set_defaults(func=_plan_show)
    for module in PLAN_COMMAND_HOOKS:
        import importlib

        importlib.import_module(module).add_plan_commands(plan)

    unit = sub.add_parser("unit", help=H("cli.help.unit")).add_subparsers(
        dest="unit_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    p = unit.add_parser("add", help=H("cli.help.unit_add"))
    p.add_argument("name", help=H("cli.help.unit_name"))
    p.add_argument("--alias", action="append", default=[], help=H("cli.help.alias"))
    p.set_defaults(func=_unit_add)
    unit.add_parser("list", help=H("cli.help.unit_list")).set_defaults(func=_unit_list)

    task = sub.add_parser("task", help=H("cli.help.task")).add_subparsers(
        dest="task_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    p = task.add_parser("add", help=H("cli.help.task_add"))
    p.add_argument("--plan", required=True, help=H("cli.help.plan_ref"))
    p.add_argument("--ref", required=True, help=H("cli.help.ref"))
    p.add_argument("--title", required=True, help=H("cli.help.task_title"))
    p.add_argument("--lead", required=True, type=_csv, help=H("cli.help.lead"))
    p.add_argument("--support", default=[], type=_csv, help=H("cli.help.support"))
    p.add_argument("--timeframe", default="", help=H("cli.help.timeframe"))
    p.add_argument(
        "--schedule",
        choices=[s.value for s in ScheduleKind],
        default=None,
        help=H("cli.help.schedule"),
    )
    p.add_argument("--due", type=_date, help=H("cli.help.due"))
    p.set_defaults(func=_task_add)
    p = task.add_parser("list", help=H("cli.help.task_list"))
    p.add_argument("--plan", required=True, help=H("cli.help.plan_ref"))
    p.set_defaults(func=_task_list)

    rule = sub.add_parser("rule", help=H("cli.help.rule")).add_subparsers(
        dest="rule_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    p = rule.add_parser("set", help=H("cli.help.rule_set"))
    p.add_argument("--plan", required=True, help=H("cli.help.plan_ref"))
    p.add_argument(
        "--period", required=True, choices=[k.value for k in PeriodKind], help=H("cli.help.period")
    )
    p.add_argument("--day", required=True, type=int, help=H("cli.help.day"))
    p.add_argument("--month", default="last", help=H("cli.help.month"))
    p.add_argument(
        "--deadlines",
        choices=["next-working-day", "as-written"],
        help=help_text("cli.help.deadlines"),
    )
    p.set_defaults(func=_rule_set)

    invite = sub.add_parser("invite", help=H("cli.help.invite")).add_subparsers(
        dest="invite_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    p = invite.add_parser("create", help=H("cli.help.invite_create"))
    p.add_argument("--unit", help=H("cli.help.unit_ref"))
    p.add_argument(
        "--role", choices=[r.value for r in Role], default="focal", help=H("cli.help.role")
    )
    p.add_argument("--days", type=int, help=H("cli.help.days"))
    p.set_defaults(func=_invite_create)

    member = sub.add_parser("member", help=H("cli.help.member")).add_subparsers(
        dest="member_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    member.add_parser("list", help=H("cli.help.member_list")).set_defaults(func=_member_list)


def _loc(runtime: Runtime) -> str:
    return runtime.settings.default_locale


def _pick(found: list[tuple[int, str]], ref: str, what: str, loc: str) -> int:
    """The one candidate, else a one-line error (none, or several to choose from)."""
    unique = dict(found)
    if len(unique) == 1:
        return next(iter(unique))
    if not unique:
        raise CliError(t(f"cli.no_{what}", loc, ref=ref))
    names = "; ".join(
        f"{i}: {n}" for i, n in sorted(unique.items(), key=lambda x: vi_sort_key(x[1]))
    )
    raise CliError(t(f"cli.many_{what}", loc, ref=ref, names=names))


async def resolve_plan(runtime: Runtime, ref: str, missing: str | None = None) -> Plan:
    """A plan by id, number (with or without tone marks, "27" for "27/KH-UBND") or title words;
    `missing` is the line to print when nothing matches (default: cli.no_plan)."""
    loc = _loc(runtime)
    async with runtime.db.read() as s:
        plan = await find_plan(s, ref)
        if plan is not None:
            return plan
        plans = await list_plans(s)
    wanted = search_key(ref)
    by_number = [
        (p.id, p.title)
        for p in plans
        if p.number
        and (search_key(p.number) == wanted or search_key(p.number).split("/")[0] == wanted)
    ]
    found = by_number or [(p.id, p.title) for p in plans if wanted and matches(ref, p.title)]
    if not found and missing is not None:
        raise CliError(missing)
    chosen = _pick(found, ref, "plan", loc)
    return next(p for p in plans if p.id == chosen)


async def _unit(runtime: Runtime, ref: str) -> Unit:
    """A unit as the chat finds it: id, name or alias (spelling-insensitive), or part of a name
    typed without tone marks ("tram y te")."""
    async with runtime.db.read() as s:
        unit = await find_unit(s, ref)
        if unit is not None:
            return unit
        units = await list_units(s)
    found = [
        (u.id, u.name)
        for u in units
        if search_key(ref)
        and (matches(ref, u.name) or any(matches(ref, a.alias) for a in u.aliases))
    ]
    chosen = _pick(found, ref, "unit", _loc(runtime))
    return next(u for u in units if u.id == chosen)


async def _plan_create(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.transaction() as s:
        plan = await create_plan(
            s,
            runtime.deps.now(),
            title=args.title,
            year=args.year,
            number=args.number,
            issuer=args.issuer,
            parent_body=args.parent_body,
            place=args.place,
            issued_on=args.issued_on,
            coordinator=args.coordinator,
            family=DocumentFamily(args.family),
            cutoff_mode=CutoffMode(args.cutoff),
        )
    emit(
        args,
        {"id": plan.id, "name": plan.title, "number": plan.number},
        t("cli.plan_created", _loc(runtime), id=plan.id, title=plan.title),
    )
    return 0


async def _plan_list(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.read() as s:
        plans = await list_plans(s)
    emit(
        args,
        [{"id": p.id, "name": p.title, "number": p.number, "year": p.year} for p in plans],
        "\n".join(f"{p.id}\t{p.number or '-'}\t{p.title}" for p in plans)
        or t("cli.no_plans", _loc(runtime)),
    )
    return 0


def rule_text(kind: PeriodKind, day: int, month: int | None, loc: str) -> str:
    """ "Báo cáo quý: hạn ngày 10 tháng cuối kỳ"."""
    when = (
        t("cli.rule_last_month", loc, day=day)
        if month is None
        else t("cli.rule_month", loc, day=day, month=month)
    )
    return t("cli.rule_line", loc, kind=t(KIND_KEYS[kind], loc), when=when)


async def _plan_show(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    plan = await resolve_plan(runtime, args.plan)
    async with runtime.db.read() as s:
        rules = await rule_specs(s, plan.id)
        tasks = await list_tasks(s, plan.id)
        unmapped = unmapped_lines(await unmapped_tasks(s, plan.id))
        coordinator = (
            await find_unit(s, str(plan.coordinator_unit_id)) if plan.coordinator_unit_id else None
        )
        cal = await deadline_calendar(s, plan.keep_written_deadlines)
    opened = open_period(rules, runtime.deps.today(), plan.cutoff_mode, cal)
    data = {
        "id": plan.id,
        "name": plan.title,
        "number": plan.number,
        "issuer": plan.issuer,
        "issued_on": plan.issued_on,
        "coordinator": coordinator.name if coordinator else None,
        "family": plan.family.value,
        "keep_written_deadlines": plan.keep_written_deadlines,
        "rules": [
            {"period": r.kind.value, "due_day": r.due_day, "due_month": r.due_month or "last"}
            for r in rules
        ],
        "open_period": {"key": opened.key, "due": opened.due} if opened else None,
        "tasks": [_task_json(t, cal) for t in tasks],
    }
    lines = [
        t("cli.plan_title", loc, id=plan.id, title=plan.title),
        t("cli.plan_number", loc, number=plan.number or "-"),
        t("cli.plan_coordinator", loc, unit=data["coordinator"] or "-"),
    ]
    lines += [rule_text(r.kind, r.due_day, r.due_month, loc) for r in rules] or [
        t("cli.plan_no_rules", loc)
    ]
    lines.append(
        t("cli.deadlines_as_written" if plan.keep_written_deadlines else "cli.deadlines_moved", loc)
    )
    if opened:
        lines.append(
            t("cli.open_period", loc, period=opened.label(loc), due=_d(opened.due))
            + (t("cli.moved_from", loc, day=_d(opened.written)) if opened.written else "")
        )
    lines.append(t("cli.plan_tasks", loc, count=len(tasks)))
    data["unmapped_group_tasks"] = unmapped
    if unmapped:  # issue 13: tasks of groups with no units yet are shown, never dropped
        lines.append(t("collectives.unmapped.head", loc, n=len(unmapped)))
        lines.extend(f"  {line}" for line in unmapped)
    emit(args, data, "\n".join(lines))
    return 0


def _task_json(task: Task, cal: WorkCalendar | None) -> dict[str, object]:
    """A task as JSON: `due` when the deadline ends (moved off a day off), `due_written` as the
    plan wrote it."""
    due = task_deadline(task.due_date, cal)
    return {
        "id": task.id,
        "name": task.title,
        "ref": task.ref,
        "lead": [tu.unit.name for tu in task.units if tu.role is TaskRole.LEAD],
        "support": [tu.unit.name for tu in task.units if tu.role is TaskRole.SUPPORT],
        "timeframe": task.timeframe_text,
        "schedule": task.schedule.value,
        "due": due.isoformat() if due else None,
        "due_written": task.due_date.isoformat() if task.due_date else None,
    }


async def _unit_add(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.transaction() as s:
        unit, created = await get_or_create_unit(s, args.name, runtime.deps.now())
        for alias in args.alias:
            await add_alias(s, unit, alias)
    emit(
        args,
        {"id": unit.id, "name": unit.name, "created": created},
        t(
            "cli.unit_created" if created else "cli.unit_exists",
            _loc(runtime),
            id=unit.id,
            name=unit.name,
        ),
    )
    return 0


async def _unit_list(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.read() as s:
        units = await list_units(s)
    emit(
        args,
        [
            {
                "id": u.id,
                "name": u.name,
                "kind": u.kind.value,
                "independent": u.independent,
                "aliases": [a.alias for a in u.aliases],
            }
            for u in units
        ],
        "\n".join(
            f"{u.id}\t{u.name}"
            + (f"\t({', '.join(a.alias for a in u.aliases)})" if u.aliases else "")
            for u in units
        )
        or t("cli.no_units", _loc(runtime)),
    )
    return 0


async def _task_add(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await resolve_plan(runtime, args.plan)
    schedule = (
        ScheduleKind(args.schedule)
        if args.schedule
        else (ScheduleKind.ONE_OFF if args.due else ScheduleKind.UNSPECIFIED)
    )
    async with runtime.db.transaction() as s:
        task = await add_task(
            s,
            plan,
            runtime.deps.now(),
            ref=args.ref,
            title=args.title,
            lead=args.lead,
            support=args.support,
            timeframe_text=args.timeframe,
            schedule=schedule,
            due_date=args.due,
        )
    emit(
        args,
        {"id": task.id, "name": task.title, "ref": task.ref},
        t("cli.task_added", _loc(runtime), id=task.id, ref=task.ref, title=task.title),
    )
    return 0


def _task_lines(task: Task, loc: str, cal: WorkCalendar | None) -> str:
    lead = "; ".join(tu.unit.name for tu in task.units if tu.role is TaskRole.LEAD) or "-"
    due = task_deadline(task.due_date, cal)
    when = _d(due) if due else t("cli.no_due", loc)
    if due != task.due_date:
        when += t("cli.moved_from", loc, day=_d(task.due_date))
    if task.timeframe_text:
        when += f" ({task.timeframe_text})"
    return f"{task.ref}. {task.title}\n    " + t("cli.task_detail", loc, lead=lead, due=when)


async def _task_list(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await resolve_plan(runtime, args.plan)
    async with runtime.db.read() as s:
        tasks = await list_tasks(s, plan.id)
        cal = await deadline_calendar(s, plan.keep_written_deadlines)
    loc = _loc(runtime)
    emit(
        args,
        [_task_json(t, cal) for t in tasks],
        "\n".join(_task_lines(task, loc, cal) for task in tasks) or t("cli.no_tasks", loc),
    )
    return 0


async def _rule_set(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    plan = await resolve_plan(runtime, args.plan)
    if args.month == "last":
        month = None
    elif str(args.month).isdigit():
        month = int(args.month)
    else:
        raise CliError(t("cli.bad_month", loc, value=args.month))
    async with runtime.db.transaction() as s:
        attached = await s.merge(plan)
        rule = await set_rule(
            s, attached, PeriodKind(args.period), args.day, month, runtime.deps.now()
        )
        if args.deadlines is not None:
            attached.keep_written_deadlines = args.deadlines == "as-written"
        keep = attached.keep_written_deadlines
    text = rule_text(rule.period_kind, rule.due_day, rule.due_month, loc)
    text += "\n" + t("cli.deadlines_as_written" if keep else "cli.deadlines_moved", loc)
    emit(
        args,
        {
            "id": rule.id,
            "name": rule.period_kind.value,
            "due_day": rule.due_day,
            "due_month": rule.due_month or "last",
            "keep_written_deadlines": keep,
        },
        t("cli.rule_saved", loc, text=text),
    )
    return 0


async def _invite_create(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    role = Role(args.role)
    if args.days is not None and not 1 <= args.days <= 365:
        raise CliError(t("cli.bad_days", loc, value=args.days))
    ttl = dt.timedelta(days=args.days) if args.days else runtime.deps.invite_ttl
    unit = await _unit(runtime, args.unit) if args.unit else None
    async with runtime.db.transaction() as s:
        attached = await s.merge(unit) if unit else None
        new = await create_invite(
            s, runtime.deps.now(), role=role, unit=attached, ttl=ttl, actor="cli"
        )
    template = runtime.deps.join_links.get("telegram")
    link = template.format(code=new.code) if template else None
    expires = new.invite.expires_at.astimezone(runtime.deps.tz)
    data = {
        "code": new.code,
        "link": link,
        "unit": unit.name if unit else None,
        "role": role.value,
        "expires_at": expires.isoformat(timespec="seconds"),
    }
    lines = [
        t("cli.invite_code", loc, code=new.code),
        t("cli.invite_for", loc, role=t(f"role.{role.value}", loc), unit=data["unit"] or "-"),
        t("cli.invite_expires", loc, when=expires.strftime("%H:%M %d/%m/%Y")),
        "",
        t("cli.invite_how", loc),
        t("cli.invite_telegram_link", loc, link=link)
        if link
        else t("cli.invite_telegram_code", loc, code=new.code),
        t("cli.invite_zalo", loc, code=new.code),
        "",
        t(
            "cli.invite_message",
            loc,
            code=new.code,
            link=f"{link} " if link else "",
            when=_d(expires.date()),
        ),
    ]
    emit(args, data, "\n".join(lines))
    return 0


async def _member_list(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    async with runtime.db.read() as s:
        members = await list_members(s)
    rows = [
        {
            "id": m.id,
            "name": m.full_name,
            "unit": m.unit.name if m.unit else None,
            "role": m.role.value,
            "locale": m.locale,
            "accounts": [
                {
                    "channel": a.channel,
                    "external_id": a.external_id,
                    "unreachable": a.unreachable_since is not None,
                }
                for a in m.accounts
            ],
        }
        for m in members
    ]
    lines = [
        f"{m.id}\t{m.full_name or '-'}\t{t(f'role.{m.role.value}', loc)}\t"
        f"{m.unit.name if m.unit else '-'}\t"
        + ", ".join(f"{a.channel}:{a.external_id}" for a in m.accounts)
        for m in members
    ]
    emit(args, rows, "\n".join(lines) or t("cli.no_members", loc))
    return 0
