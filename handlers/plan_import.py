"""Chat import: the office sends the plan file, reviews the summary, then Confirm or Cancel.

The router calls `on_plan_file` for a document sent outside any form, and `resume` for the
review form (`FLOW`).
"""

from __future__ import annotations

import asyncio
import enum
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from handlers import forms
from handlers.forms import Answer, Form, Step, first
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
    review = ImportReview(str(stored), name, target_id)
    return await FORM.ask(turn, "confirm", question, options, review)


def _folder(turn: Turn) -> Path:
    return turn.deps.data_dir / "imports"


def _load(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


@dataclass
class ImportReview:
    """The review form's data: the stored file, its name, the plan it would update."""

    path: str
    name: str
    target: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        return {"path": self.path, "name": self.name, "target": self.target}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ImportReview:
        """Read back from the form row."""
        target = raw.get("target")
        return cls(
            str(raw.get("path", "")), str(raw.get("name", "")), int(target) if target else None
        )


class Verdict(enum.Enum):
    """The office's answer to the summary."""

    CONFIRM = YES
    CANCEL = NO


def _another_plan_file(answer: Answer) -> IncomingFile | None:
    """Another plan document sent while one waits for confirmation."""
    if answer.file is not None and _is_plan_file(_file_name(answer.file)):
        return answer.file
    return None


def _stored(turn: Turn, review: ImportReview) -> Path:
    """The file this flow stored (only files in its own folder are ever read)."""
    path = Path(review.path)
    return path if path.parent == _folder(turn) else _folder(turn) / "missing"


async def _on_confirm(
    turn: Turn, review: ImportReview, answer: Verdict | IncomingFile
) -> list[Reply]:
    path = _stored(turn, review)
    if isinstance(answer, IncomingFile):
        # The newer file replaces the one waiting.
        await asyncio.to_thread(_discard, path)
        await clear_form(turn.session, turn.msg.channel, turn.msg.user_id)
        turn.form = None
        return await on_plan_file(turn)
    if answer is Verdict.CANCEL:
        await asyncio.to_thread(_discard, path)
        return await turn.done(turn.t("importer.chat.cancelled"))
    data = await asyncio.to_thread(_load, path)
    if turn.member is None or not is_office(turn.member) or data is None:
        return await turn.done(turn.t("importer.chat.expired"))
    name = review.name or path.name
    try:
        # A savepoint: a file that fails half-way leaves nothing behind.
        async with turn.session.begin_nested():
            parsed = await _parse(turn, data, name)
            target = await turn.session.get(Plan, review.target) if review.target else None
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


FORM: Form[ImportReview] = Form(
    FLOW,
    ImportReview,
    [
        Step(
            "confirm",
            first(
                _another_plan_file,
                forms.option(YES, Verdict.CONFIRM),
                forms.option(NO, Verdict.CANCEL),
            ),
            _on_confirm,
        )
    ],
    cancel=None,
    choose_listed="importer.chat.choose",
)


router = Router("import", flows=(Flow(FLOW, FORM),), files=(on_plan_file,))
