"""Evidence files: which are accepted, and storing them under DATA_DIR."""

from __future__ import annotations

import asyncio
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from domain.deps import Deps
from handlers.messages import IncomingFile

MAX_FILE_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = {"pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"}


def extension(name: str) -> str:
    """Lower-case extension without the dot."""
    return Path(name).suffix.lower().lstrip(".")


def refusal(file: IncomingFile) -> str | None:
    """A message key when the file cannot be accepted, else None."""
    if file.size is not None and file.size > MAX_FILE_BYTES:
        return "evidence.too_big"
    ext = extension(file.name) or ("jpg" if file.kind == "photo" else "")
    if ext not in ALLOWED_EXTENSIONS:
        return "evidence.bad_type"
    return None


def safe_name(name: str) -> str:
    """A filesystem-safe version of a user's file name (keeps Vietnamese letters)."""
    base = unicodedata.normalize("NFC", Path(name).name)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "file"
    return base[:120]


async def store(deps: Deps, file: IncomingFile, channel: str) -> dict[str, Any]:
    """Download and save the file; returns the record ReportAnswers.files expects."""
    data = await file.fetch()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("evidence.too_big")
    name = file.name if extension(file.name) else f"{file.name or 'photo'}.jpg"
    folder = deps.data_dir / "evidence" / deps.today().strftime("%Y-%m")
    path = folder / f"{secrets.token_hex(8)}_{safe_name(name)}"

    def _write() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    await asyncio.to_thread(_write)
    return {
        "filename": safe_name(name),
        "path": str(path),
        "mime_type": file.mime_type,
        "size": len(data),
        "channel": channel,
    }
