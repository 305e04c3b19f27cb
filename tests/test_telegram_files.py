"""handlers/files.py: which evidence files are accepted, and how they are stored."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from domain.clock import FrozenClock
from domain.deps import Deps
from domain.errors import DomainError
from handlers.files import check_file, safe_filename, store_file
from handlers.messages import IncomingFile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def incoming(name: str, mime: str | None, content: bytes, size: int | None = -1) -> IncomingFile:
    async def fetch() -> bytes:
        return content

    return IncomingFile(name, len(content) if size == -1 else size, mime, fetch)


@pytest.mark.parametrize(
    ("name", "mime", "size", "expected"),
    [
        ("bao-cao.pdf", "application/pdf", 1000, None),
        ("Báo cáo.DOCX", DOCX, 1000, None),
        ("bang.xls", "application/vnd.ms-excel", 1000, None),
        ("anh.png", "image/png", 1000, None),
        ("anh.jpg", "application/octet-stream", 1000, None),
        ("", "image/jpeg", 1000, None),
        ("bao-cao.pdf", "application/pdf", 20 * 1024 * 1024 + 1, "telegram.file_too_large"),
        ("bao-cao.pdf", "application/pdf", None, None),
        ("setup.exe", "application/x-msdownload", 10, "telegram.file_bad_type"),
        ("notes.txt", "text/plain", 10, "telegram.file_bad_type"),
        ("trick.pdf", "application/x-msdownload", 10, "telegram.file_bad_type"),
        ("noext", None, 10, "telegram.file_bad_type"),
    ],
)
def test_check_file(name: str, mime: str | None, size: int | None, expected: str | None) -> None:
    assert check_file(incoming(name, mime, b"", size)) == expected


def test_safe_filename() -> None:
    assert safe_filename("../../etc/Báo cáo quý IV đợt 1.pdf", "pdf") == (
        "Bao_cao_quy_IV_dot_1.pdf"
    )
    assert safe_filename("..\\..\\x.docx", "docx") == "x.docx"
    assert safe_filename("", "png") == "file.png"


def deps(tmp_path: Path) -> Deps:
    return Deps(
        db=None,  # type: ignore[arg-type]
        clock=FrozenClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)),
        tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"),
        data_dir=tmp_path,
    )


def check_saved(path: Path, content: bytes, data_dir: Path) -> None:
    assert path.read_bytes() == content
    assert path.is_relative_to(data_dir.resolve() / "uploads" / "2026" / "11")


async def test_store_file_saves_under_data_dir(tmp_path: Path) -> None:
    content = b"%PDF-1.7 report"
    stored = await store_file(
        deps(tmp_path), incoming("Báo cáo.pdf", "application/pdf", content), channel="telegram"
    )
    path = Path(stored["path"])
    check_saved(path, content, tmp_path)
    assert stored == {
        "filename": "Báo cáo.pdf",
        "path": str(path),
        "mime_type": "application/pdf",
        "size": len(content),
        "channel": "telegram",
    }


async def test_store_file_checks_content(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as err:
        await store_file(deps(tmp_path), incoming("x.pdf", "application/pdf", b"MZ\x90binary"))
    assert err.value.key == "telegram.file_bad_type"
    with pytest.raises(DomainError) as err:
        await store_file(
            deps(tmp_path),
            incoming("x.pdf", "application/pdf", b"%PDF" + b"0" * (20 * 1024 * 1024), size=10),
        )
    assert err.value.key == "telegram.file_too_large"
    assert not (tmp_path / "uploads").exists()
