"""The Word draft as a clerk sees it: docx -> PDF (LibreOffice) -> pages (poppler).

Skipped, with the reason, where LibreOffice or poppler-utils is absent (.ci/run installs
libreoffice-writer-nogui and poppler-utils).
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from db.database import Database
from domain.clock import FrozenClock
from domain.export import gather_export
from domain.export.pdf import docx_to_pdf, pdf_pages_png, soffice
from domain.export.word import render_docx
from tests.test_export_data import TZ, build_plan

pytestmark = [
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (libreoffice-writer-nogui) absent"),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
        reason="poppler-utils absent",
    ),
    pytest.mark.slow,
]


def _pdf_pages(pdf: bytes) -> tuple[list[str], list[tuple[float, float]]]:
    """Text and size (points) of every page."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        info = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "999", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    sizes = [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages, sizes


async def test_pages_header_numbers_landscape_appendix_no_blank_page(
    db: Database, clock: FrozenClock
) -> None:
    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    pdf = await asyncio.to_thread(docx_to_pdf, render_docx(data, "vi", TZ))
    pages, sizes = _pdf_pages(pdf)
    assert len(pages) == len(sizes) >= 2
    # Page 1: the header block, the title, no page number at the top.
    first = [line.strip() for line in pages[0].splitlines() if line.strip()]
    assert "ỦY BAN NHÂN DÂN" in first[0] and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first[0]
    assert "Độc lập - Tự do - Hạnh phúc" in pages[0] and "BÁO CÁO" in pages[0]
    assert not first[0].isdigit()
    # From page 2 on, the page number heads every page.
    for number, page in enumerate(pages[1:], 2):
        top = next(line.strip() for line in page.splitlines() if line.strip())
        assert top == str(number), (number, top)
    # No blank page: every page carries more than its number.
    for number, page in enumerate(pages, 1):
        words = [w for w in page.split() if not w.isdigit()]
        assert len(words) > 5, f"page {number} is blank"
    # Portrait body, landscape appendix that opens with its own heading.
    portrait = [i for i, (w, h) in enumerate(sizes) if h > w]
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert portrait and landscape and max(portrait) < min(landscape)
    appendix = pages[min(landscape)]
    assert "Phụ lục" in appendix and "Kèm theo Báo cáo số" in appendix
    assert "Nơi nhận" in "".join(pages[: min(landscape)])
    # The same pages as images: page 1 is not empty white.
    images = await asyncio.to_thread(pdf_pages_png, pdf, dpi=40, first=1, last=1)
    assert len(images) == 1
    img = Image.open(io.BytesIO(images[0])).convert("L")
    assert img.getextrema()[0] < 100  # some dark ink on the page


async def test_kien_hai_plan_pages_have_no_blank_page(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """The real plan (37 tasks) after a quarter of reports: every page carries text."""
    from tests.test_export_data import hanoi
    from tests.test_import_shared_plans import KIEN_HAI
    from tests.test_late_reports import _setup, _submit

    if not KIEN_HAI.is_file():
        pytest.skip("../shared/plans is absent")
    deps, plan_id, units = await _setup(db, clock, tmp_path)
    await _submit(deps, plan_id, units[0], hanoi(2026, 12, 1))
    await _submit(deps, plan_id, units[1], hanoi(2026, 12, 12))
    await _submit(deps, plan_id, units[2], hanoi(2026, 12, 14), how_many=1)
    clock.set(hanoi(2026, 12, 15))
    data = await gather_export(deps, str(plan_id), "2026-Q4", "vi")
    pdf = await asyncio.to_thread(docx_to_pdf, render_docx(data, "vi", TZ))
    pages, sizes = _pdf_pages(pdf)
    for number, page in enumerate(pages, 1):
        words = [w for w in page.split() if not w.isdigit()]
        assert len(words) > 5, f"page {number} is blank"
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert landscape and "Phụ lục" in pages[landscape[0]]
    # The parent body the importer read from the preamble is the addressee.
    assert "Kính gửi: Ủy ban nhân dân tỉnh An Giang." in pages[0]
    body = "\n".join(pages[: landscape[0]])
    flat = " ".join(body.split())
    # Word numbers the headings itself, and LibreOffice prints the numbers.
    for heading in (
        "I. CÔNG TÁC LÃNH ĐẠO",
        "II. KẾT QUẢ THỰC HIỆN",
        "1. Tình hình gửi báo cáo",
        "2. Kết quả thực hiện các nhiệm vụ",
        "III. TỒN TẠI, HẠN CHẾ",
        "IV. NHIỆM VỤ TRỌNG TÂM",
        "V. ĐỀ XUẤT, KIẾN NGHỊ",
    ):
        assert heading in flat, heading
    assert "nhiệm vụ giao cho nhóm chưa xác định đơn vị (" in flat
    # Nothing left for the clerk to fill in the body: section I closes on the period's records.
    assert "Văn phòng bổ sung" not in flat
    assert "đã tiếp nhận" in flat and "báo cáo nhiệm vụ của 3 đơn vị" in flat
    # The late and partial unit is counted late, and its row says what it sent and how late.
    late = next(u for u in data.units if u.unit_id == units[2])
    assert "2 đơn vị gửi chậm (" in flat and late.name in flat.split("gửi báo cáo chậm:")[1]
    assert f"Đã gửi 1/{late.expected} nhiệm vụ, chậm 4 ngày" in flat
    # The appendix table runs over several pages, its header row repeated on each.
    assert len(landscape) >= 2
    for i in landscape:
        lines = [" ".join(line.split()) for line in pages[i].splitlines()]
        assert any(line.startswith("STT Nhiệm vụ Chủ trì Phối hợp") for line in lines), i
