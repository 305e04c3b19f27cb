"""`dondoc plan import FILE [--plan PLAN] [--dry-run]` and `dondoc plan export PLAN --xlsx FILE`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import emit
from bot.cli import help_text as H
from bot.commands.registry import resolve_plan
from bot.runtime import Runtime
from db.models import Plan
from domain import registry
from domain.errors import DomainError
from domain.importer.export import export_xlsx
from domain.importer.model import ParsedPlan
from domain.importer.output import changes_text, result_json, result_text, summary_text, to_json
from domain.importer.service import (
    apply_plan,
    find_registered,
    for_target,
    prepare,
    preview_changes,
)
from locales import t

MODULE = "bot.commands.plan_import"


def add_plan_commands(plan_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `import` and `export` under the `plan` command."""
    p = plan_sub.add_parser(
        "import", help=H("cli.help.import"), description=H("cli.help.import_description")
    )
    p.add_argument("file", type=Path, help=H("cli.help.import_file"))
    p.add_argument("--plan", help=H("cli.help.import_plan"))
    p.add_argument("--dry-run", action="store_true", help=H("cli.help.import_dry_run"))
    p.set_defaults(func=_import)
    p = plan_sub.add_parser(
        "export", help=H("cli.help.plan_export"), description=H("cli.help.plan_export_description")
    )
    p.add_argument("plan", help=H("cli.help.plan_ref"))
    p.add_argument("--xlsx", type=Path, required=True, help=H("cli.help.plan_export_xlsx"))
    p.set_defaults(func=_export)


def _plan_subparsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser] | None:
    parser = sub.choices.get("plan")
    if parser is None:
        return None
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Attach to the `plan` group the registry made (unless its hook list already did)."""
    plan_sub = _plan_subparsers(sub)
    if plan_sub is None:
        plan = sub.add_parser("plan", help=H("cli.help.plan")).add_subparsers(
            dest="plan_cmd", required=True, metavar=H("cli.metavar.action")
        )
        add_plan_commands(plan)
    elif "import" not in plan_sub.choices:
        add_plan_commands(plan_sub)


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise DomainError("importer.error.file_missing", path=str(path))
    return path.read_bytes()


async def _target(s: AsyncSession, parsed: ParsedPlan, ref: str | None) -> Plan | None:
    """The plan to update: --plan, the plan an exported task sheet names (same title), or the
    plan already registered for this document."""
    if ref:
        target = await registry.find_plan(s, ref)
        if target is None:
            raise DomainError("importer.error.plan_not_found", ref=ref)
        return target
    if parsed.target_plan_id is not None:
        found = await registry.find_plan(s, parsed.target_plan_id)
        if found is not None and found.title == parsed.title:
            return found
    # The same plan imported again (same number and issuer, or same title): an update.
    return await find_registered(s, parsed)


TEXT_SUFFIXES = (".txt", ".md", ".csv", ".tsv")


def looks_binary(data: bytes, name: str) -> bool:
    """A file named as text whose bytes are not text (NUL bytes, many control characters)."""
    if not name.lower().endswith(TEXT_SUFFIXES):
        return False
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NUL bytes
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" in head or controls > len(head) // 20


async def _import(args: argparse.Namespace, runtime: Runtime) -> int:
    locale = runtime.settings.default_locale
    path: Path = args.file
    data = await asyncio.to_thread(_read, path)
    if looks_binary(data, path.name):
        raise DomainError("cli.import_binary", file=path.name)
    deps = runtime.deps
    # --plan as the other commands take it: id, number ("27"), or words of the title.
    ref = str((await resolve_plan(runtime, args.plan)).id) if args.plan else None
    async with deps.db.transaction() as s:
        parsed = await prepare(s, data, path.name, deps.today().year)
        target = await _target(s, parsed, ref)
        if target is not None:
            for_target(parsed)
        if args.dry_run:
            text = summary_text(parsed, locale)
            if target is not None:
                preview = await preview_changes(s, parsed, deps.now(), target)
                text += "\n\n" + changes_text(preview, locale)
            text += "\n\n" + t("importer.done.dry_run", locale)
            emit(args, to_json(parsed, locale), text)
            return 0
        result = await apply_plan(s, parsed, deps.now(), target=target, actor="cli")
    emit(args, result_json(result), result_text(result, locale))
    return 0


async def _export(args: argparse.Namespace, runtime: Runtime) -> int:
    locale = runtime.settings.default_locale
    found = await resolve_plan(runtime, args.plan)
    async with runtime.deps.db.read() as s:
        plan = await s.get(Plan, found.id)
        assert plan is not None
        count = await export_xlsx(s, plan, args.xlsx, locale)
    emit(
        args,
        {"plan_id": plan.id, "tasks": count, "file": str(args.xlsx)},
        t("importer.export.done", locale, count=count, path=str(args.xlsx)),
    )
    return 0
