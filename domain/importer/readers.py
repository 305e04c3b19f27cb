"""Readers: a plan file (.docx, .xlsx, .csv, .txt/.md, .pdf) to blocks in document order."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from domain.errors import DomainError
from domain.importer.model import Block, Document, Para, Table

SUFFIXES = (".docx", ".doc", ".xlsx", ".xlsm", ".csv", ".txt", ".md", ".pdf")
MAX_BYTES = 20 * 1024 * 1024


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def read_document(data: bytes, filename: str) -> Document:
    """Read a plan file's bytes; DomainError with a clear key when it cannot be read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError("importer.error.format", name=filename, formats=", ".join(SUFFIXES))
    if not data.strip():
        raise DomainError("importer.error.empty", name=filename)
    if len(data) > MAX_BYTES:
        raise DomainError("importer.error.too_big", name=filename, mb=MAX_BYTES // (1024 * 1024))
    if suffix == ".doc":
        data, suffix = read_doc(data, filename), ".docx"
    readers: dict[str, Callable[[bytes], list[Block]]] = {
        ".docx": _read_docx,
        ".xlsx": _read_xlsx,
        ".xlsm": _read_xlsx,
        ".csv": _read_csv,
        ".txt": _read_text,
        ".md": _read_text,
        ".pdf": _read_pdf,
    }
    try:
        blocks = readers[suffix](data)
    except DomainError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, UnicodeError, csv.Error) as exc:
        raise DomainError("importer.error.unreadable", name=filename, kind=suffix) from exc
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("docx", "openpyxl", "pypdf", "lxml"):
            raise DomainError("importer.error.unreadable", name=filename, kind=suffix) from exc
        raise
    if not any((isinstance(b, Para) and b.text) or isinstance(b, Table) for b in blocks):
        raise DomainError("importer.error.empty", name=filename)
    return Document(name=filename, blocks=blocks)


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1258."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _md_line(line: str) -> tuple[str, bool]:
    text = re.sub(r"^#{1,6}\s+", "", line.strip())
    bold = text.startswith("**") and text.endswith("**") and len(text) > 4
    return _clean(text.replace("**", "").replace("__", "")), bold


def _read_text(data: bytes) -> list[Block]:
    from domain.importer.normalise import looks_like_web_text, normalise_text

    text = decode_text(data)
    if looks_like_web_text(text):
        return normalise_text(text)
    if "\t" not in text and _has_spaced_header(text):
        # A table laid out with spaces (text copied from a PDF viewer): read it by columns.
        return lines_to_blocks(layout_lines(text))
    return lines_to_blocks(text.splitlines())


def _tab_cells(text: str) -> list[str]:
    """A tab-separated row whose cells may be quoted (line breaks kept inside quotes)."""
    try:
        return [_clean(c) for c in next(csv.reader([text], delimiter="\t"))]
    except (csv.Error, StopIteration):
        return [_clean(c.strip('"')) for c in text.split("\t")]


def lines_to_blocks(lines: list[str]) -> list[Block]:
    """Lines of text to paragraphs, with tab-separated and pipe rows gathered into tables."""
    blocks: list[Block] = []
    rows: list[list[str]] = []
    first_row = 0

    def flush() -> None:
        if rows:
            blocks.append(Table([list(r) for r in rows], line=first_row))
            rows.clear()

    pending = ""
    for no, raw in enumerate(lines, 1):
        if not rows and not pending:
            first_row = no
        if pending:
            # A cell copied from a spreadsheet keeps its line breaks inside quotes.
            pending += "\n" + raw
            if pending.count('"') % 2 == 0:
                rows.append(_tab_cells(pending))
                pending = ""
            continue
        stripped = raw.strip()
        if "\t" in raw and raw.count('"') % 2 == 1 and (rows or raw.count("\t") >= 2):
            pending = raw
            continue
        if raw.count("\t") >= 2:
            if '"' in raw:
                rows.append(_tab_cells(raw))
                continue
            rows.append([_md_line(c)[0] for c in raw.split("\t")])
            continue
        if stripped.startswith("|") and stripped.count("|") >= 3:
            if re.fullmatch(r"\|?[\s:|-]+\|?", stripped):
                continue
            rows.append([_md_line(c)[0] for c in stripped.strip("|").split("|")])
            continue
        flush()
        text, bold = _md_line(raw)
        if text:
            blocks.append(Para(text, bold, no))
    if pending:
        rows.append([_md_line(c)[0] for c in pending.split("\t")])
    flush()
    return blocks


def _read_csv(data: bytes) -> list[Block]:
    text = decode_text(data)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[_clean(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    rows = [r for r in rows if any(r)]
    return [Table(rows)] if rows else []


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value))


def _read_xlsx(data: bytes) -> list[Block]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), data_only=True)
    blocks: list[Block] = []
    try:
        for ws in wb.worksheets:
            grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            # A merged cell's value stands for every cell it covers (a lead unit over rows).
            for merged in ws.merged_cells.ranges:
                top = (
                    grid[merged.min_row - 1][merged.min_col - 1]
                    if merged.min_row <= len(grid)
                    else ""
                )
                for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
                    for c in range(merged.min_col, merged.max_col + 1):
                        if c - 1 < len(grid[r - 1]):
                            grid[r - 1][c - 1] = top
            rows = grid
            rows = [r for r in rows if any(r)]
            if rows:
                width = max(max((i + 1 for i, c in enumerate(r) if c), default=0) for r in rows)
                blocks.append(Table([r[:width] + [""] * (width - len(r)) for r in rows], ws.title))
    finally:
        wb.close()
    return blocks


def _read_docx(data: bytes) -> list[Block]:
    from docx import Document as open_docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    doc = open_docx(io.BytesIO(data))
    blocks: list[Block] = []
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, doc)
            text = _clean(para.text)
            if text:
                runs = [r for r in para.runs if r.text.strip()]
                bold = bool(runs) and all(bool(r.bold) for r in runs)
                blocks.append(Para(text, bold))
        elif tag == "tbl":
            table = DocxTable(child, doc)
            rows: list[list[str]] = []
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    lines = [_clean(p.text) for p in cell.paragraphs]
                    cells.append("\n".join(x for x in lines if x))
                rows.append(cells)
            if rows:
                blocks.append(Table(rows))
    return blocks


def _read_pdf(data: bytes) -> list[Block]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DomainError("importer.error.pdf_encrypted")
    ruled = _read_pdf_tables(data)
    if ruled is not None:
        return ruled
    lines: list[str] = []
    for page in reader.pages:
        try:
            text = page.extract_text(extraction_mode="layout") or ""
        except Exception:
            text = page.extract_text() or ""
        lines.extend(layout_lines(text))
        lines.append("")
    if sum(len(x.strip()) for x in lines) < 20:
        return _ocr_pdf(data)
    return lines_to_blocks(reflow(lines))


def _read_pdf_tables(data: bytes) -> list[Block] | None:
    """A PDF whose task table is drawn with rules, through pdfplumber: the text lines and the
    tables in page order. None when pdfplumber is missing or finds no task table."""
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - a dependency; the layout reader still works
        return None
    from domain.importer.tables import header_roles

    items: list[tuple[int, float, str | list[list[str]]]] = []
    found = False
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages):
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]
            for table in tables:
                rows = [[_clean(c or "") for c in row] for row in table.extract()]
                rows = [r for r in rows if any(r)]
                if any(header_roles(r) for r in rows[:4]):
                    found = True
                items.append((number, table.bbox[1], rows))

            def outside(obj: dict[str, object], boxes: Sequence[Sequence[float]] = boxes) -> bool:
                x = float(obj.get("x0", 0))  # type: ignore[arg-type]
                y = float(obj.get("top", 0))  # type: ignore[arg-type]
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            for line in page.filter(outside).extract_text_lines():
                items.append((number, float(line["top"]), str(line["text"])))
    if not found:
        return None
    items.sort(key=lambda item: (item[0], item[1]))
    blocks: list[Block] = []
    pending: list[str] = []
    for _page, _top, item in items:
        if isinstance(item, str):
            if not re.fullmatch(r"\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*", item):  # page numbers
                pending.append(item)
            continue
        blocks.extend(lines_to_blocks(reflow(pending)))
        pending = []
        if item:
            blocks.append(Table(item))
    blocks.extend(lines_to_blocks(reflow(pending)))
    return blocks


def _ocr_pdf(data: bytes) -> list[Block]:
    """A scanned PDF (no text layer): Tesseract with the Vietnamese model when installed, else
    one clear error."""
    import shutil
    import subprocess
    import tempfile

    tesseract, pdftoppm = shutil.which("tesseract"), shutil.which("pdftoppm")
    if not tesseract or not pdftoppm:
        raise DomainError("importer.error.pdf_no_text")
    langs = subprocess.run(  # noqa: S603 - our own tool paths and arguments
        [tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.split()
    if "vie" not in langs:
        raise DomainError("importer.error.pdf_no_text")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "scan.pdf"
        pdf.write_bytes(data)
        subprocess.run(  # noqa: S603 - our own tool paths and arguments
            [pdftoppm, "-r", "300", "-gray", "-png", str(pdf), str(Path(tmp) / "page")],
            capture_output=True,
            timeout=300,
            check=False,
        )
        text = []
        for image in sorted(Path(tmp).glob("page*.png")):
            done = subprocess.run(  # noqa: S603 - our own tool paths and arguments
                [tesseract, str(image), "-", "-l", "vie", "--psm", "4"],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            text.append(done.stdout)
    joined = "\n".join(text)
    if len(re.sub(r"\W", "", joined)) < 40:
        raise DomainError("importer.error.pdf_no_text")
    from domain.importer.normalise import normalise_text

    return normalise_text(joined)


def read_doc(data: bytes, filename: str) -> bytes:
    """An old Word .doc converted to .docx by LibreOffice (headless) when installed; else one
    clear error asking for .docx."""
    import shutil
    import subprocess
    import tempfile

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        raise DomainError("importer.error.doc_needs_docx", name=filename)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "plan.doc"
        src.write_bytes(data)
        try:
            subprocess.run(  # noqa: S603 - our own tool paths and arguments
                [
                    office,
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--headless",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    tmp,
                    str(src),
                ],
                capture_output=True,
                timeout=120,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DomainError("importer.error.doc_needs_docx", name=filename) from exc
        out = Path(tmp) / "plan.docx"
        if not out.is_file():
            raise DomainError("importer.error.doc_needs_docx", name=filename)
        return out.read_bytes()


_SEGMENT = re.compile(r"\S+(?: \S+)*")


def _has_spaced_header(text: str) -> bool:
    from domain.importer.tables import header_roles

    for line in text.splitlines():
        if re.search(r"\S {2,}\S", line):
            cells = _SEGMENT.findall(line)
            if len(cells) >= 3 and header_roles(cells):
                return True
    return False


def layout_lines(text: str) -> list[str]:
    """Lines of a laid-out PDF page; table rows (found by their header) become tab-separated,
    each piece of text put in the column it stands under."""
    from domain.importer.tables import header_roles

    out: list[str] = []
    bounds: list[float] | None = None
    width = 0
    for line in text.splitlines():
        segs = [(m.start(), m.end(), m.group()) for m in _SEGMENT.finditer(line)]
        texts = [t for _, _, t in segs]
        if len(segs) >= 3 and header_roles(texts):
            bounds = [(segs[i - 1][1] + segs[i][0]) / 2 for i in range(1, len(segs))]
            width = len(segs)
            out.append("\t".join(texts))
            continue
        if bounds is not None and segs:
            first_start, first_end, first = segs[0]
            ends_table = (
                len(segs) == 1
                and first_start < bounds[0]
                and first_end > bounds[min(1, len(bounds) - 1)]
                and not re.fullmatch(r"[\dIVX.]+", first)
            )
            if not ends_table:
                cells = [""] * width
                for start, end, piece in segs:
                    centre = (start + end) / 2
                    idx = sum(1 for b in bounds if centre > b)
                    cells[idx] = f"{cells[idx]} {piece}".strip()
                if re.fullmatch(r"\d{1,3}", " ".join(texts)) and len(segs) == 1:
                    continue  # a page number
                out.append("\t".join(cells))
                continue
            bounds = None
        # Two columns side by side (the letterhead) become separate lines.
        out.extend(part for part in re.split(r"\s{4,}", line.strip()) if part)
        if not segs:
            out.append("")
    return out


_NEW_ITEM = re.compile(
    r"^\s*(?:[-–•+*]|\d+(?:\.\d+)*[.)]\s|[a-zđ]\)\s|[IVX]{1,5}[.)]\s|Số\s*:|Nơi nhận)"
)


def reflow(lines: list[str]) -> list[str]:
    """Join the lines a PDF wrapped inside one paragraph (not items, headings or table rows)."""
    out: list[str] = []
    for raw in lines:
        line = raw.rstrip(" \r\n")
        if not line.strip():
            continue  # laid-out pages put blank lines between every line
        prev = out[-1] if out else ""
        if (
            prev
            and line.strip()
            and "\t" not in line
            and "\t" not in prev
            and not prev.rstrip().endswith((".", ":", ";", "!", "?"))
            and not _NEW_ITEM.match(line)
            and not line.strip().isupper()
            and not prev.strip().isupper()
            and len(prev) > 60
        ):
            out[-1] = f"{prev.rstrip()} {line.strip()}"
        else:
            out.append(line)
    return out
