"""`dondoc group …` and the office's administration: plan edit/archive/delete, unit rename/merge/
remove, member remove, invite revoke. Output in the default locale (Vietnamese)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from bot.cli import CliError, emit, help_text
from bot.runtime import Runtime
from db.models import Member, Plan, PlanGroup, Unit, UnitKind
from domain import admin, collectives
from domain.errors import DomainError
from domain.registry import find_unit
from locales import t


def _date(text: str) -> dt.date | str:
    if text == "":
        return ""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(help_text("cli.admin.bad_date", value=text))


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def _actions(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str) -> Any:
    """The sub-command list of an existing command (`plan`, `unit` …), to add actions to it."""
    parser = sub.choices[name]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError(f"`{name}` has no sub-commands")  # pragma: no cover - a wiring bug


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `group` and the administration actions under plan, unit, member and invite."""
    group = sub.add_parser("group", help=help_text("cli.admin.h01"))
    actions = group.add_subparsers(
        dest="group_cmd", required=True, metavar=help_text("cli.metavar.action")
    )
    p = actions.add_parser("list", help=help_text("cli.admin.h02"))
    p.add_argument("--plan", required=True, help=help_text("cli.admin.h03"))
    p.set_defaults(func=_group_list)
    p = actions.add_parser("set", help=help_text("cli.admin.h04"))
    p.add_argument("--plan", required=True, help=help_text("cli.admin.h03"))
    p.add_argument("group", help=help_text("cli.admin.h05"))
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--units",
        type=_names,
        metavar=help_text("cli.metavar.units"),
        help=help_text("cli.admin.h06"),
    )
    how.add_argument("--guess", action="store_true", help=help_text("cli.admin.h07"))
    how.add_argument("--none", action="store_true", help=help_text("cli.admin.h08"))
    p.set_defaults(func=_group_set)

    plan = _actions(sub, "plan")
    p = plan.add_parser("edit", help=help_text("cli.admin.h09"))
    p.add_argument("plan", help=help_text("cli.admin.h03"))
    p.add_argument("--title", help=help_text("cli.help.title"))
    p.add_argument("--short-title", help=help_text("cli.help.short_title"))
    p.add_argument("--number", help=help_text("cli.help.number"))
    p.add_argument("--issued-on", type=_date, help=help_text("cli.admin.h10"))
    p.add_argument("--issuer", help=help_text("cli.admin.h11"))
    p.add_argument("--parent-body", help=help_text("cli.admin.h12"))
    p.add_argument("--place", help=help_text("cli.admin.h13"))
    p.add_argument("--coordinator", help=help_text("cli.admin.h14"))
    p.add_argument("--signer-title", help=help_text("cli.admin.h15"))
    p.add_argument("--signer-name", help=help_text("cli.admin.h16"))
    p.set_defaults(func=_plan_edit)
    p = plan.add_parser("archive", help=help_text("cli.admin.h17"))
    p.add_argument("plan", help=help_text("cli.help.plan_ref"))
    p.add_argument("--restore", action="store_true", help=help_text("cli.admin.h18"))
    p.set_defaults(func=_plan_archive)
    p = plan.add_parser("delete", help=help_text("cli.admin.h19"))
    p.add_argument("plan", help=help_text("cli.help.plan_ref"))
    p.add_argument("--yes", action="store_true", help=help_text("cli.admin.h20"))
    p.add_argument("--force", action="store_true", help=help_text("cli.admin.h21"))
    p.set_defaults(func=_plan_delete)

    unit = _actions(sub, "unit")
    p = unit.add_parser("rename", help=help_text("cli.admin.h22"))
    p.add_argument("unit", help=help_text("cli.help.unit_ref"))
    p.add_argument("new_name", help=help_text("cli.help.new_name"))
    p.set_defaults(func=_unit_rename)
    p = unit.add_parser("merge", help=help_text("cli.admin.h23"))
    p.add_argument("source", help=help_text("cli.admin.h24"))
    p.add_argument("target", help=help_text("cli.admin.h25"))
    p.set_defaults(func=_unit_merge)
    p = unit.add_parser("remove", help=help_text("cli.admin.h26"))
    p.add_argument("unit", help=help_text("cli.help.unit_ref"))
    p.add_argument("--force", action="store_true", help=help_text("cli.admin.h27"))
    p.set_defaults(func=_unit_remove)

    member = _actions(sub, "member")
    p = member.add_parser("remove", help=help_text("cli.admin.h28"))
    p.add_argument("member", help=help_text("cli.admin.h29"))
    p.set_defaults(func=_member_remove)

    invite = _actions(sub, "invite")
    p = invite.add_parser("revoke", help=help_text("cli.admin.h30"))
    p.add_argument("invite", help=help_text("cli.admin.h31"))
    p.set_defaults(func=_invite_revoke)


def _loc(runtime: Runtime) -> str:
    return runtime.settings.default_locale


async def _plan(runtime: Runtime, ref: str) -> Plan:
    """The plan as the other commands find it: id, number ("27"), or words of its title."""
    from bot.commands.registry import resolve_plan

    return await resolve_plan(runtime, ref, t("admin.error.no_plan", _loc(runtime), plan=ref))


# ---------------------------------------------------------------- groups


async def _group_list(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    plan = await _plan(runtime, args.plan)
    rows: list[dict[str, object]] = []
    lines = [t("collectives.list.head", loc, id=plan.id, title=plan.title)]
    async with runtime.db.read() as s:
        views = await collectives.list_groups(s, plan.id)
        for view in views:
            entry = view.json()
            group = await s.get(PlanGroup, view.id)
            assert group is not None
            if not view.mapped:
                guess, source = await collectives.first_guess(s, group)
                entry["guess"] = [u.name for u in guess]
                entry["guess_source"] = source
            rows.append(entry)
            lines.append("")
            lines.append(
                t("collectives.list.group", loc, id=view.id, name=view.name)
                + " "
                + t("collectives.list.tasks", loc, refs=", ".join(view.tasks) or "-")
            )
            if view.mapped:
                lines.append("  " + t("collectives.list.members", loc, count=len(view.members)))
                lines.extend(f"    - {u.name}" for u in view.members)
            else:
                lines.append("  " + t("collectives.list.unmapped", loc))
                names = entry.get("guess") or []
                if isinstance(names, list) and names:
                    lines.append(
                        "  "
                        + t(
                            f"collectives.list.guess_{entry['guess_source']}",
                            loc,
                            names="; ".join(str(n) for n in names),
                        )
                    )
    if not views:
        lines.append(t("collectives.list.none", loc))
    emit(args, {"plan_id": plan.id, "groups": rows}, "\n".join(lines))
    return 0


async def _group_set(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    plan = await _plan(runtime, args.plan)
    async with runtime.db.transaction() as s:
        group = await collectives.find_group(s, plan.id, args.group)
        if group is None:
            raise DomainError("collectives.error.no_group", name=args.group, plan=args.plan)
        if args.none:
            units: list[Unit] = []
        elif args.guess:
            units, _ = await collectives.first_guess(s, group)
            if not units:
                raise DomainError("collectives.error.no_guess", name=group.name)
        else:
            units = await collectives.resolve_unit_names(s, args.units)
            if not units:
                raise DomainError("collectives.error.no_units_given")
        chosen = await collectives.set_members(
            s, group, [u.id for u in units], runtime.deps.now(), actor="cli"
        )
        views = {v.id: v for v in await collectives.list_groups(s, plan.id)}
        refs = views[group.id].tasks if group.id in views else []
        name = group.name
    data = {"id": group.id, "name": name, "tasks": refs, "units": [u.name for u in chosen]}
    if chosen:
        text = t(
            "collectives.set.done",
            loc,
            name=name,
            count=len(chosen),
            refs=", ".join(refs) or "-",
        )
        text += "\n" + "\n".join(f"  - {u.name}" for u in chosen)
    else:
        text = t("collectives.set.cleared", loc, name=name)
    emit(args, data, text)
    return 0


# ---------------------------------------------------------------- plans


async def _plan_edit(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    changes = {
        name: getattr(args, name)
        for name in admin.PLAN_FIELDS
        if getattr(args, name, None) is not None
    }
    if not changes:
        raise CliError(t("admin.error.nothing_to_edit", loc))
    plan = await _plan(runtime, args.plan)
    async with runtime.db.transaction() as s:
        attached = await s.get(Plan, plan.id)
        assert attached is not None
        await s.refresh(attached, ["coordinator"])
        done = await admin.edit_plan(s, attached, changes, runtime.deps.now(), actor="cli")
    if not done:
        emit(args, {"id": plan.id, "changes": {}}, t("admin.plan.unchanged", loc, id=plan.id))
        return 0
    lines = [t("admin.plan.edited", loc, id=plan.id)]
    for name, (before, after) in done.items():
        lines.append(
            "  "
            + t(
                "admin.plan.change",
                loc,
                field=t(f"admin.field.{name}", loc),
                before=_show(before),
                after=_show(after),
            )
        )
    emit(
        args,
        {"id": plan.id, "changes": {k: {"before": b, "after": a} for k, (b, a) in done.items()}},
        "\n".join(lines),
    )
    return 0


def _show(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


async def _plan_archive(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    plan = await _plan(runtime, args.plan)
    async with runtime.db.transaction() as s:
        attached = await s.get(Plan, plan.id)
        assert attached is not None
        changed = await admin.set_plan_active(
            s, attached, bool(args.restore), runtime.deps.now(), actor="cli"
        )
    state = "restored" if args.restore else "archived"
    key = f"admin.plan.{state}" if changed else f"admin.plan.already_{state}"
    emit(
        args,
        {"id": plan.id, "active": bool(args.restore), "changed": changed},
        t(key, loc, id=plan.id, title=plan.title),
    )
    return 0


def _confirm(prompt: str, expected: str) -> bool:
    print(prompt, end=" ", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, KeyboardInterrupt):
        answer = ""
    if not answer.endswith("\n"):
        print(flush=True)
    return answer.strip() == expected


async def _plan_delete(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    plan = await _plan(runtime, args.plan)
    async with runtime.db.read() as s:
        reports = await admin.plan_report_count(s, plan.id)
    if reports and not args.force:
        raise DomainError("admin.error.plan_has_reports", id=plan.id, count=reports)
    if not args.yes and not _confirm(
        t("admin.plan.confirm_delete", loc, id=plan.id, title=plan.title, reports=reports),
        str(plan.id),
    ):
        raise CliError(t("admin.plan.delete_cancelled", loc))
    async with runtime.db.transaction() as s:
        attached = await s.get(Plan, plan.id)
        assert attached is not None
        await admin.delete_plan(s, attached, runtime.deps.now(), force=args.force, actor="cli")
    emit(
        args,
        {"id": plan.id, "deleted": True, "reports": reports},
        t("admin.plan.deleted", loc, id=plan.id, title=plan.title, reports=reports),
    )
    return 0


# ---------------------------------------------------------------- units, members, invites


async def _unit(s: Any, ref: str) -> Unit:
    unit = await find_unit(s, ref)
    if unit is None or unit.kind is UnitKind.GROUP:
        found = await collectives.resolve_unit_names(s, [ref])
        unit = found[0]
    return unit


async def _unit_rename(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    async with runtime.db.transaction() as s:
        unit = await _unit(s, args.unit)
        old = await admin.rename_unit(s, unit, args.new_name, runtime.deps.now(), actor="cli")
        data = {"id": unit.id, "name": unit.name, "before": old}
    emit(args, data, t("admin.unit.renamed", loc, id=data["id"], before=old, after=data["name"]))
    return 0


async def _unit_merge(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    async with runtime.db.transaction() as s:
        source = await _unit(s, args.source)
        target = await _unit(s, args.target)
        source_name = source.name
        out = await admin.merge_units(s, source, target, runtime.deps.now(), actor="cli")
        data = {
            "id": target.id,
            "name": target.name,
            "merged": source_name,
            "tasks": out.tasks,
            "reports": out.reports,
            "reports_dropped": out.reports_dropped,
            "members": out.members,
        }
    emit(
        args,
        data,
        t(
            "admin.unit.merged",
            loc,
            source=source_name,
            target=data["name"],
            tasks=out.tasks,
            reports=out.reports,
            members=out.members,
            dropped=out.reports_dropped,
        ),
    )
    return 0


async def _unit_remove(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    async with runtime.db.transaction() as s:
        unit = await _unit(s, args.unit)
        name, unit_id = unit.name, unit.id
        await admin.remove_unit(s, unit, runtime.deps.now(), force=args.force, actor="cli")
    emit(
        args,
        {"id": unit_id, "name": name, "removed": True},
        t("admin.unit.removed", loc, name=name),
    )
    return 0


async def _member_remove(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    ref = str(args.member).strip()
    async with runtime.db.transaction() as s:
        member = await s.get(Member, int(ref)) if ref.isdigit() else None
        if member is None:
            raise DomainError("admin.error.no_member", member=ref)
        if not member.active:
            raise DomainError("admin.error.member_inactive", member=ref)
        accounts = await admin.remove_member(s, member, runtime.deps.now(), actor="cli")
        name = member.full_name or f"#{member.id}"
    emit(
        args,
        {"id": int(ref), "name": name, "accounts": accounts},
        t("admin.member.removed", loc, name=name, accounts=accounts),
    )
    return 0


async def _invite_revoke(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = _loc(runtime)
    async with runtime.db.transaction() as s:
        invite = await admin.revoke_invite(s, args.invite, runtime.deps.now(), actor="cli")
        invite_id = invite.id
    emit(args, {"id": invite_id, "revoked": True}, t("admin.invite.revoked", loc, id=invite_id))
    return 0
