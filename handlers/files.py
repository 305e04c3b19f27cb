"""Evidence files users send: what is accepted, and storing them under DATA_DIR.

Channel-neutral: any binding (or the report form) calls `check_file` before downloading and
`store_file` to save the bytes and get the dict `ReportAnswers.files` holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import unicodedata
from pathlib import Path, PurePath
from typing import Any

from domain.deps import Deps
from domain.errors import DomainError
from handlers.messages import IncomingFile

MAX_FILE_BYTES = 20 * 1024 * 1024  # Telegram bots cannot download more.

# extension -> (MIME types accepted for it, leading bytes a real file of that type starts with)
ALLOWED: dict[str, tuple[frozenset[str], tuple[bytes, ...]]] = {
    "pdf": (frozenset({"application/pdf"}), (b"%PDF",)),
    "doc": (frozenset({"application/msword"}), (b"\xd0\xcf\x11\xe0",)),
    "docx": (
        frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
        (b"PK\x03\x04",),
    ),
    "xls": (frozenset({"application/vnd.ms-excel"}), (b"\xd0\xcf\x11\xe0",)),
    "xlsx": (
        frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        (b"PK\x03\x04",),
    ),
    "jpg": (frozenset({"image/jpeg"}), (b"\xff\xd8\xff",)),
    "jpeg": (frozenset({"image/jpeg"}), (b"\xff\xd8\xff",)),
    "png": (frozenset({"image/png"}), (b"\x89PNG\r\n\x1a\n",)),
}
MIME_TO_EXT = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "image/jpeg": "jpg",
    "image/png": "png",
}
# Generic types some phones send for any file: judged by the extension and content instead.
GENERIC_MIME = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def file_extension(f: IncomingFile) -> str | None:
    """The file's type as one of the allowed extensions, from its name or else its MIME type."""
    suffix = PurePath(f.name or "").suffix.lower().lstrip(".")
    if suffix:
        return suffix
    return MIME_TO_EXT.get((f.mime_type or "").lower())


def check_file(f: IncomingFile) -> str | None:
    """None when the file is acceptable, else the message key explaining the refusal."""
    if f.size is not None and f.size > MAX_FILE_BYTES:
        return "telegram.file_too_large"
    ext = file_extension(f)
    if ext not in ALLOWED:
        return "telegram.file_bad_type"
    mime = (f.mime_type or "").lower()
    if mime not in GENERIC_MIME and mime not in ALLOWED[ext][0]:
        return "telegram.file_bad_type"
    return None


def safe_filename(name: str, ext: str) -> str:
    """A file-system-safe version of a user's file name (ASCII, no path parts)."""
    stem = PurePath(name.replace("\\", "/")).name
    stem = PurePath(stem).stem if PurePath(stem).suffix else stem
    ascii_stem = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    ascii_stem = ascii_stem.encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("._")[:80]
    return f"{ascii_stem or 'file'}.{ext}"


async def store_file(deps: Deps, f: IncomingFile, *, channel: str = "") -> dict[str, Any]:
    """Download an accepted file into DATA_DIR/uploads/YYYY/MM and describe it.

    Raises DomainError with the refusal key when the file is refused after all (too big once
    downloaded, or its content is not what its name says).
    """
    key = check_file(f)
    if key:
        raise DomainError(key)
    ext = file_extension(f)
    assert ext is not None
    content = await f.fetch()
    if len(content) > MAX_FILE_BYTES:
        raise DomainError("telegram.file_too_large")
    if not content.startswith(ALLOWED[ext][1]):
        raise DomainError("telegram.file_bad_type")
    now: dt.datetime = deps.now().astimezone(deps.tz)
    folder = Path(deps.data_dir) / "uploads" / f"{now:%Y}" / f"{now:%m}"
    target = folder / f"{now:%Y%m%d%H%M%S}_{secrets.token_hex(4)}_{safe_filename(f.name, ext)}"

    def _write() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    await asyncio.to_thread(_write)
    mime = (f.mime_type or "").lower()
    if mime in GENERIC_MIME:
        mime = next(iter(ALLOWED[ext][0]))
    return {
        "filename": f.name or target.name,
        "path": str(target.resolve()),
        "mime_type": mime,
        "size": len(content),
        "channel": channel,
    }
