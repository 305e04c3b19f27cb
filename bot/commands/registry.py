"""`dondoc plan|unit|task|rule|invite|member …`: the registry from the command line."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli import CliError, emit
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
from locales import t

# Hooks other modules use to add sub-commands under `dondoc plan` (import, export).
PLAN_COMMAND_HOOKS: list[str] = []


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add plan, unit, task, rule, invite and member commands."""
    plan = sub.add_parser("plan", help="plans").add_subparsers(
        dest="plan_cmd", required=True, metavar="ACTION"
    )
    p = plan.add_parser("create", help="create a plan")
    p.add_argument("--title", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--number")
    p.add_argument("--issuer")
    p.add_argument("--parent-body")
    p.add_argument("--place")
    p.add_argument("--issued-on", type=_date)
    p.add_argument("--coordinator", help="coordinating unit's name")
    p.add_argument("--family", choices=[f.value for f in DocumentFamily], default="administrative")
    p.add_argument(
        "--cutoff",
        choices=[c.value for c in CutoffMode],
        default=CutoffMode.DECREE_09.value,
        help="data cut-off: Decree 09/2019 windows (default) or calendar periods",
    )
    p.set_defaults(func=_plan_create)
    plan.add_parser("list", help="list plans").set_defaults(func=_plan_list)
    p = plan.add_parser("show", help="show a plan, its rules and tasks")
    p.add_argument("plan", help="plan id or number")
    p.set_defaults(func=_plan_show)
    for module in PLAN_COMMAND_HOOKS:
        import importlib

        importlib.import_module(module).add_plan_commands(plan)

    unit = sub.add_parser("unit", help="units").add_subparsers(
        dest="unit_cmd", required=True, metavar="ACTION"
    )
    p = unit.add_parser("add", help="add a unit (or add aliases to an existing one)")
    p.add_argument("name")
    p.add_argument("--alias", action="append", default=[], help="another spelling (repeatable)")
    p.set_defaults(func=_unit_add)
    unit.add_parser("list", help="list units").set_defaults(func=_unit_list)

    task = sub.add_parser("task", help="tasks").add_subparsers(
        dest="task_cmd", required=True, metavar="ACTION"
    )
    p = task.add_parser("add", help="add a task to a plan")
    p.add_argument("--plan", required=True)
    p.add_argument("--ref", required=True, help="STT")
    p.add_argument("--title", required=True)
    p.add_argument("--lead", required=True, type=_csv, help="lead units, separated by ';'")
    p.add_argument("--support", default=[], type=_csv, help="supporting units, ';'-separated")
    p.add_argument("--timeframe", default="", help="timeframe words as written")
    p.add_argument("--schedule", choices=[s.value for s in ScheduleKind], default=None)
    p.add_argument("--due", type=_date)
    p.set_defaults(func=_task_add)
    p = task.add_parser("list", help="list a plan's tasks")
    p.add_argument("--plan", required=True)
    p.set_defaults(func=_task_list)

    rule = sub.add_parser("rule", help="reporting rules").add_subparsers(
        dest="rule_cmd", required=True, metavar="ACTION"
    )
    p = rule.add_parser("set", help="set when a kind of periodic report is due")
    p.add_argument("--plan", required=True)
    p.add_argument("--period", required=True, choices=[k.value for k in PeriodKind])
    p.add_argument("--day", required=True, type=int, help="due day of the month")
    p.add_argument("--month", default="last", help="due month (1-12) or 'last' (of the period)")
    p.set_defaults(func=_rule_set)

    invite = sub.add_parser("invite", help="invites").add_subparsers(
        dest="invite_cmd", required=True, metavar="ACTION"
    )
    p = invite.add_parser("create", help="create a single-use invite code")
    p.add_argument("--unit", help="unit id or name")
    p.add_argument("--role", choices=[r.value for r in Role], default="focal")
    p.add_argument("--days", type=int, help="days the code stays valid")
    p.set_defaults(func=_invite_create)

    member = sub.add_parser("member", help="members").add_subparsers(
        dest="member_cmd", required=True, metavar="ACTION"
    )
    member.add_parser("list", help="list members").set_defaults(func=_member_list)


async def _plan(runtime: Runtime, ref: str) -> Plan:
    async with runtime.db.read() as s:
        plan = await find_plan(s, ref)
    if plan is None:
        raise CliError(f"no plan {ref!r} (see `dondoc plan list`)")
    return plan


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
        f"plan {plan.id}: {plan.title}",
    )
    return 0


async def _plan_list(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.read() as s:
        plans = await list_plans(s)
    emit(
        args,
        [{"id": p.id, "name": p.title, "number": p.number, "year": p.year} for p in plans],
        "\n".join(f"{p.id}\t{p.number or '-'}\t{p.title}" for p in plans) or "(no plans)",
    )
    return 0


async def _plan_show(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await _plan(runtime, args.plan)
    async with runtime.db.read() as s:
        rules = await rule_specs(s, plan.id)
        tasks = await list_tasks(s, plan.id)
        unmapped = unmapped_lines(await unmapped_tasks(s, plan.id))
        coordinator = (
            await find_unit(s, str(plan.coordinator_unit_id)) if plan.coordinator_unit_id else None
        )
    opened = open_period(rules, runtime.deps.today(), plan.cutoff_mode)
    data = {
        "id": plan.id,
        "name": plan.title,
        "number": plan.number,
        "issuer": plan.issuer,
        "issued_on": plan.issued_on,
        "coordinator": coordinator.name if coordinator else None,
        "family": plan.family.value,
        "rules": [
            {"period": r.kind.value, "due_day": r.due_day, "due_month": r.due_month or "last"}
            for r in rules
        ],
        "open_period": {"key": opened.key, "due": opened.due} if opened else None,
        "tasks": [_task_json(t) for t in tasks],
    }
    lines = [
        f"{plan.id}: {plan.title}",
        f"number: {plan.number or '-'}",
        f"coordinator: {data['coordinator'] or '-'}",
    ]
    lines += [
        f"rule: {r.kind.value} due day {r.due_day} month {r.due_month or 'last'}" for r in rules
    ]
    if opened:
        lines.append(f"open period: {opened.key} due {opened.due.isoformat()}")
    lines.append(f"tasks: {len(tasks)}")
    data["unmapped_group_tasks"] = unmapped
    if unmapped:  # issue 13: tasks of groups with no units yet are shown, never dropped
        lines.append(
            t("collectives.unmapped.head", runtime.settings.default_locale, n=len(unmapped))
        )
        lines.extend(f"  {line}" for line in unmapped)
    emit(args, data, "\n".join(lines))
    return 0


def _task_json(task: Task) -> dict[str, object]:
    """A task as JSON."""
    return {
        "id": task.id,
        "name": task.title,
        "ref": task.ref,
        "lead": [tu.unit.name for tu in task.units if tu.role is TaskRole.LEAD],
        "support": [tu.unit.name for tu in task.units if tu.role is TaskRole.SUPPORT],
        "timeframe": task.timeframe_text,
        "schedule": task.schedule.value,
        "due": task.due_date.isoformat() if task.due_date else None,
    }


async def _unit_add(args: argparse.Namespace, runtime: Runtime) -> int:
    async with runtime.db.transaction() as s:
        unit, created = await get_or_create_unit(s, args.name, runtime.deps.now())
        for alias in args.alias:
            await add_alias(s, unit, alias)
    emit(
        args,
        {"id": unit.id, "name": unit.name, "created": created},
        f"{'created' if created else 'exists'}: unit {unit.id}: {unit.name}",
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
        or "(no units)",
    )
    return 0


async def _task_add(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await _plan(runtime, args.plan)
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
        f"task {task.id}: {task.ref}. {task.title}",
    )
    return 0


async def _task_list(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await _plan(runtime, args.plan)
    async with runtime.db.read() as s:
        tasks = await list_tasks(s, plan.id)
    emit(
        args,
        [_task_json(t) for t in tasks],
        "\n".join(f"{t.id}\t{t.ref}\t{t.title}\t[{t.timeframe_text}]" for t in tasks)
        or "(no tasks)",
    )
    return 0


async def _rule_set(args: argparse.Namespace, runtime: Runtime) -> int:
    plan = await _plan(runtime, args.plan)
    if args.month == "last":
        month = None
    elif str(args.month).isdigit():
        month = int(args.month)
    else:
        raise CliError("--month must be 1-12 or 'last'")
    async with runtime.db.transaction() as s:
        attached = await s.merge(plan)
        rule = await set_rule(
            s, attached, PeriodKind(args.period), args.day, month, runtime.deps.now()
        )
    emit(
        args,
        {
            "id": rule.id,
            "name": rule.period_kind.value,
            "due_day": rule.due_day,
            "due_month": rule.due_month or "last",
        },
        f"rule {rule.id}: {rule.period_kind.value} due day {rule.due_day} "
        f"month {rule.due_month or 'last'}",
    )
    return 0


async def _invite_create(args: argparse.Namespace, runtime: Runtime) -> int:
    role = Role(args.role)
    ttl = dt.timedelta(days=args.days) if args.days else runtime.deps.invite_ttl
    if args.days is not None and args.days < 1:
        raise CliError("--days must be at least 1")
    async with runtime.db.transaction() as s:
        unit = await find_unit(s, args.unit) if args.unit else None
        if args.unit and unit is None:
            raise CliError(f"no unit {args.unit!r} (see `dondoc unit list`)")
        new = await create_invite(s, runtime.deps.now(), role=role, unit=unit, ttl=ttl, actor="cli")
    template = runtime.deps.join_links.get("telegram")
    link = template.format(code=new.code) if template else None
    data = {
        "code": new.code,
        "link": link,
        "unit": unit.name if unit else None,
        "role": role.value,
        "expires_at": new.invite.expires_at.isoformat(),
    }
    text = (
        f"code: {new.code}\nunit: {data['unit'] or '-'}\nrole: {role.value}\n"
        f"expires: {data['expires_at']}"
    )
    if link:
        text += f"\nlink: {link}"
    emit(args, data, text)
    return 0


async def _member_list(args: argparse.Namespace, runtime: Runtime) -> int:
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
        f"{m.id}\t{m.full_name or '-'}\t{m.role.value}\t{m.unit.name if m.unit else '-'}\t"
        + ", ".join(f"{a.channel}:{a.external_id}" for a in m.accounts)
        for m in members
    ]
    emit(args, rows, "\n".join(lines) or "(no members)")
    return 0
