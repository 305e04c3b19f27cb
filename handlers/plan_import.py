"""Chat import: the office sends the plan file, reviews the summary, then Confirm or Cancel.

The router calls `on_plan_file` for a document sent outside any form, and `resume` for the
review form (`FLOW`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path

from db.models import Plan
from domain.errors import DomainError
from domain.importer.model import ParsedPlan
from domain.importer.output import changes_text, result_text, summary_text
from domain.importer.readers import MAX_BYTES, SUFFIXES
from domain.importer.service import (
    apply_plan,
    find_registered,
    for_target,
    known_names,
    parse_bytes,
    preview_changes,
    resolve_units,
)
from domain.membership import is_office
from handlers.forms import checked
from handlers.messages import IncomingFile, Option, Reply, split_text
from handlers.routing import Flow, Router
from handlers.turn import Turn, clear_form

FLOW = "plan_import"
YES, NO = "imp:yes", "imp:no"
# Longest chunk of the summary per message (Zalo takes 2000 characters).
CHUNK = 1800
SHOWN_TASKS = 25
STALE_AFTER = 3 * 24 * 3600  # seconds


MIME_SUFFIX = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/pdf": ".pdf",
    "text/csv": ".csv",
    "text/plain": ".txt",
    "text/markdown": ".md",
}


# Formats an office may send that the importer cannot read: it says so, and which it can.
OLD_FORMATS = (".xls", ".odt", ".ods", ".rtf")


def _is_plan_file(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES


def _file_name(file: IncomingFile) -> str:
    """The file's name, with a suffix from its type when the client sent none."""
    if _is_plan_file(file.name):
        return file.name
    return (file.name or "ke-hoach") + MIME_SUFFIX.get(file.mime_type or "", "")


async def _parse(turn: Turn, data: bytes, name: str) -> ParsedPlan:
    known = await known_names(turn.session)
    year = turn.deps.today().year
    parsed = await asyncio.to_thread(parse_bytes, data, name, known, year)
    await resolve_units(turn.session, parsed)
    return parsed


async def _target(turn: Turn, parsed: ParsedPlan) -> Plan | None:
    """The plan a re-imported file updates: the exported sheet's plan (id and title match), or
    the plan already registered for this document."""
    if parsed.target_plan_id is not None:
        plan = await turn.session.get(Plan, parsed.target_plan_id)
        if plan is not None and plan.title == parsed.title:
            return plan
    # The same plan sent again (same number and issuer, or same title): an update.
    return await find_registered(turn.session, parsed)


async def on_plan_file(turn: Turn) -> list[Reply]:
    """A document from the office outside any form: read it and ask to confirm. [] if not ours."""
    file = turn.msg.file
    if file is None or file.kind != "document" or turn.member is None:
        return []
    if not is_office(turn.member):
        return []
    name = _file_name(file)
    if Path(name).suffix.lower() in OLD_FORMATS:
        formats = ", ".join(SUFFIXES)
        return [Reply(turn.t("importer.error.format", name=name, formats=formats))]
    if not _is_plan_file(name):
        return []
    if file.size is not None and file.size > MAX_BYTES:
        return [Reply(turn.t("importer.chat.too_big", name=name, mb=MAX_BYTES // 2**20))]
    data = await file.fetch()
    try:
        parsed = await _parse(turn, data, name)
    except DomainError as exc:
        return [Reply(turn.t("importer.chat.failed", reason=turn.t(exc.key, **exc.params)))]
    target = await _target(turn, parsed)
    text = summary_text(parsed, turn.locale, limit=SHOWN_TASKS)
    target_id: int | None = None
    if target is not None:
        target_id, target_title = target.id, target.title
        for_target(parsed)
        text = summary_text(parsed, turn.locale, limit=SHOWN_TASKS)
        try:
            preview = await preview_changes(turn.session, parsed, turn.now, target)
        except DomainError as exc:
            return [Reply(turn.t("importer.chat.failed", reason=turn.t(exc.key, **exc.params)))]
        text += "\n\n" + changes_text(preview, turn.locale)
        question = turn.t("importer.chat.ask_confirm_update", id=target_id, title=target_title)
    else:
        question = turn.t("importer.chat.ask_confirm")
    folder = _folder(turn)
    stored = folder / f"{secrets.token_hex(8)}{Path(name).suffix.lower()}"

    def _store() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(data)
        # Files of imports never confirmed nor cancelled are dropped after a while.
        horizon = time.time() - STALE_AFTER
        for old in folder.iterdir():
            if old.is_file() and old.stat().st_mtime < horizon:
                old.unlink(missing_ok=True)

    await asyncio.to_thread(_store)
    for chunk in split_text(text, CHUNK):
        turn.say(chunk)
    options = [
        Option(YES, turn.t("importer.chat.confirm")),
        Option(NO, turn.t("importer.chat.cancel")),
    ]
    data_state = {"path": str(stored), "name": name, "target": target_id}
    return await turn.ask(FLOW, "confirm", question, options, data=data_state)


def _folder(turn: Turn) -> Path:
    return turn.deps.data_dir / "imports"


def _load(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


async def resume(turn: Turn, step: str) -> list[Reply]:
    """The answer to Confirm / Cancel."""
    state = turn.data
    path = Path(str(state.get("path", "")))
    if path.parent != _folder(turn):
        path = _folder(turn) / "missing"  # only files this flow stored are ever read
    if turn.msg.file is not None and _is_plan_file(_file_name(turn.msg.file)):
        # Another file while one waits for confirmation: the newer one replaces it.
        await asyncio.to_thread(_discard, path)
        await clear_form(turn.session, turn.msg.channel, turn.msg.user_id)
        turn.form = None
        return await on_plan_file(turn)
    if turn.choice == NO:
        await asyncio.to_thread(_discard, path)
        return await turn.done(turn.t("importer.chat.cancelled"))
    if turn.choice != YES or step != "confirm":
        return turn.repeat(turn.t("importer.chat.choose"))
    data = await asyncio.to_thread(_load, path)
    if turn.member is None or not is_office(turn.member) or data is None:
        return await turn.done(turn.t("importer.chat.expired"))
    name = str(state.get("name") or path.name)
    try:
        # A savepoint: a file that fails half-way leaves nothing behind.
        async with turn.session.begin_nested():
            parsed = await _parse(turn, data, name)
            target = await turn.session.get(Plan, state["target"]) if state.get("target") else None
            result = await apply_plan(
                turn.session,
                parsed,
                turn.now,
                target=target,
                actor=f"{turn.msg.channel}:{turn.msg.user_id}",
            )
    except DomainError as exc:
        return await turn.done(turn.t("importer.chat.failed", reason=turn.t(exc.key, **exc.params)))
    await asyncio.to_thread(_discard, path)
    if result.groups:  # issue 13: go straight to choosing the groups' units
        option = Option("cmd:nhom", turn.t("collectives.chat.map_now"))
        return await turn.done(result_text(result, turn.locale), [option])
    return await turn.done(result_text(result, turn.locale))


router = Router("import", flows=(Flow(FLOW, checked(resume)),), files=(on_plan_file,))
