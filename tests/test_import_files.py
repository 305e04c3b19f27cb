"""Own-written plans as real office files made at test time: Word (.docx, and .doc through
LibreOffice where installed), a scanned PDF through Tesseract where installed."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.import_accuracy import load_labels, score
from domain.errors import DomainError
from domain.importer.readers import read_document
from domain.importer.service import parse_bytes

OWN = Path(__file__).parent / "fixtures" / "corpus" / "own"
COMMUNE = OWN / "xa-tan-phu-chuyen-doi-so.txt"


def _docx(text: str) -> bytes:
    from docx import Document

    doc = Document()
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _tasks(plan):  # type: ignore[no-untyped-def]
    return [(t.ref, t.lead, t.support, t.timeframe.due) for t in plan.tasks]


def test_own_commune_plan_reads_the_same_from_word_as_from_text() -> None:
    text = COMMUNE.read_text(encoding="utf-8")
    as_text = parse_bytes(text.encode(), "kh.txt", default_year=2026)
    as_word = parse_bytes(_docx(text), "kh.docx", default_year=2026)
    assert _tasks(as_word) == _tasks(as_text)
    assert (as_word.number, as_word.coordinator) == ("45/KH-UBND", as_text.coordinator)
    [label] = [lb for lb in load_labels() if lb.plan_file == COMMUNE]
    assert score(label).fields["lead"][0] >= 10  # of 11 labelled tasks


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_old_word_doc_goes_through_libreoffice(tmp_path: Path) -> None:
    text = COMMUNE.read_text(encoding="utf-8")
    docx = tmp_path / "kh.docx"
    docx.write_bytes(_docx(text))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    plan = parse_bytes((tmp_path / "kh.doc").read_bytes(), "kh.doc", default_year=2026)
    assert _tasks(plan) == _tasks(parse_bytes(text.encode(), "kh.txt", default_year=2026))


def _scanned(text: str) -> bytes:
    """A PDF page that is only a picture of the text (no text layer)."""
    import matplotlib

    matplotlib.use("Agg")
    import textwrap

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines = [p for line in text.splitlines() for p in textwrap.wrap(line, 90) or [""]][:60]
    fig = Figure(figsize=(8.27, 11.69), dpi=200)
    for i, line in enumerate(lines):
        fig.text(0.05, 0.97 - i * 0.0155, line, fontsize=8, family="DejaVu Sans")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = canvas.buffer_rgba()
    page = Figure(figsize=(8.27, 11.69))
    ax = page.add_axes((0, 0, 1, 1))
    ax.imshow(image)
    ax.axis("off")
    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        pdf.savefig(page, dpi=200)
    return buf.getvalue()


def _has_vie() -> bool:
    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        return False
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    return "vie" in langs.split()


@pytest.mark.slow
@pytest.mark.skipif(not _has_vie(), reason="tesseract-ocr-vie is not installed")
def test_scanned_pdf_goes_through_vietnamese_ocr() -> None:
    text = COMMUNE.read_text(encoding="utf-8").split("IV. KINH PHÍ")[0]
    doc = read_document(_scanned(text), "ban-scan.pdf")
    words = " ".join(getattr(b, "text", "") for b in doc.blocks)
    assert "Đơn vị chủ trì" in words and "Văn phòng HĐND và UBND xã" in words
    plan = parse_bytes(_scanned(text), "ban-scan.pdf", default_year=2026)
    # One page holds the first items: each read with its lead unit.
    assert len(plan.tasks) >= 2
    assert plan.tasks[0].lead == ["Văn phòng HĐND và UBND xã"]


def test_scan_without_ocr_gives_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fixtures import plan_fixtures as F

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DomainError) as err:
        read_document(F.scanned_pdf(), "ban-scan.pdf")
    assert err.value.key == "importer.error.pdf_no_text"
    with pytest.raises(DomainError) as err:
        read_document(b"\xd0\xcf\x11\xe0 old word", "cu.doc")
    assert err.value.key == "importer.error.doc_needs_docx"
