"""`dondoc export`: the compiled report of a plan's period as Word, Excel, PNG or JSON."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bot.cli import emit
from bot.cli import help_text as H
from bot.commands.registry import resolve_plan
from bot.runtime import Runtime
from domain.errors import DomainError
from domain.export import ExportFormat, export
from domain.export.labels import plan_name
from locales import SUPPORTED_LOCALES, t

FORMATS = [f.value for f in ExportFormat]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `export` command."""
    p = sub.add_parser(
        "export", help=H("cli.help.export"), description=H("cli.help.export_description")
    )
    p.add_argument("--plan", help=H("cli.help.export_plan"))
    p.add_argument("--period", help=H("cli.help.export_period"))
    p.add_argument("--format", choices=FORMATS, help=H("cli.help.export_format"))
    p.add_argument("--output", "-o", help=H("cli.help.export_output"))
    p.add_argument("--locale", choices=SUPPORTED_LOCALES, help=H("cli.help.export_locale"))
    p.set_defaults(func=_export)


def _format(args: argparse.Namespace) -> ExportFormat:
    if args.format:
        return ExportFormat(args.format)
    if args.output and args.output != "-":
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return ExportFormat(suffix)
        if suffix:
            raise DomainError("export.error.bad_format", fmt=suffix)
    return ExportFormat.DOCX


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise DomainError("export.cli.no_folder", folder=str(path.parent))


def _write(path: Path, content: bytes) -> None:
    """Write through a temporary file so a failed run never leaves half a report behind."""
    folder = path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".dondoc-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def _export(args: argparse.Namespace, runtime: Runtime) -> int:
    locale = args.locale or runtime.settings.default_locale
    fmt = _format(args)
    if args.output and args.output != "-":
        _check_folder(Path(args.output))
    # --plan as the other commands take it: id, number ("27"), or words of the title.
    plan_ref = str((await resolve_plan(runtime, args.plan)).id) if args.plan else None
    result = await export(
        runtime.deps, plan_ref=plan_ref, period_key=args.period, fmt=fmt, locale=locale
    )
    if args.output == "-":
        sys.stdout.buffer.write(result.content)
        sys.stdout.buffer.flush()
        return 0
    path = Path(args.output) if args.output else Path(result.filename)
    _write(path, result.content)
    data = result.data
    emit(
        args,
        {
            "path": str(path),
            "format": fmt.value,
            "bytes": len(result.content),
            "plan": plan_name(data.plan),
            "period": data.period_key,
            "units": {k.value: v for k, v in data.unit_counts().items()},
            "tasks": len(data.tasks),
        },
        t(
            "export.cli.written",
            locale,
            path=str(path),
            size=len(result.content),
            period=data.period_label,
            plan=plan_name(data.plan),
            tasks=len(data.tasks),
            units=len(data.units),
        ),
    )
    return 0
