"""Normalisation: a plan's raw text to clean paragraphs and tables, before any structure is guessed.

Text copied from a web page or a PDF comes hard-wrapped at about 80 columns, with `**bold**` and
`*italic*` markup, site boilerplate, tables written one cell per line between lone `|` lines
("vertical" tables) or as pipe rows, page numbers and words split over lines. This stage:

- drops site boilerplate (a legal-library page's banner and its "related documents" tail);
- rebuilds vertical tables (rows end where two `|` lines meet; a row has at most as many cells
  as the table's first row) and leaves tab-separated and pipe rows to `readers.lines_to_blocks`;
- unwraps hard-wrapped lines: a line break inside a sentence is not a new paragraph; a new
  paragraph starts after a blank line, with a numbering, a bullet or a heading, or after a
  sentence end;
- strips emphasis markup (a paragraph wholly in bold keeps `bold=True`), drops page numbers and
  rejoins words hyphenated across lines.

Every paragraph keeps the (1-based) number of the source line it starts on, for provenance.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.importer.model import Block, Para, Table

_SITE_MARKERS = re.compile(
    r"THƯ VIỆN PHÁP LUẬT|Đang tải văn bản|LuatVietnam|Văn bản này chưa cập nhật", re.IGNORECASE
)
_SITE_TAIL = re.compile(
    r"^(?:#+\s*)?(?:Văn bản liên quan|FILE ATTACHED TO DOCUMENT|Văn bản này chưa cập nhật"
    r"|Lược đồ|Tải về|Bản dịch này thuộc)",
    re.IGNORECASE,
)
_LETTERHEAD = re.compile(
    r"^(?:ỦY BAN|UỶ BAN|BỘ\s|THỦ TƯỚNG|CHÍNH PHỦ|ĐẢNG|HỘI ĐỒNG|SỞ\s|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY"
    r"|HUYỆN ỦY|BAN\s|CỘNG HÒA|CỘNG HOÀ|VĂN PHÒNG|QUỐC HỘI)"
)
# A line that starts a new paragraph whatever came before it.
_STARTS = re.compile(
    r"^\s*(?:[-–•+]\s*\S|\*\s|\d+(?:\.\d+)*[.)]\s|\d+(?:\.\d+)+\s|[a-zđ][)]\s|[a-zđ]\.\s"
    r"|[IVXLC]{1,6}[.)]\s|(?:Điều|Chương|Mục|Phần|PHẦN|CHƯƠNG)\s+[\dIVXLC]+\b|Số\s*:|Nơi nhận"
    r"|Căn cứ\b|Thực hiện\s|Phụ lục|PHỤ LỤC|#|\(Kèm theo|\(Ban hành kèm)"
)
# Words a wrapped line may end on but a paragraph (a heading) would not.
_OPEN_END = re.compile(
    r"(?:\b(?:và|với|của|các|cho|tại|theo|về|trên|số|ngày|tháng|năm|những|để|trong|đến|từ|là|"
    r"có|được|phối hợp|chủ trì|đối với|thuộc|gồm|như|hoặc|nhằm|bằng|giữa|sau|trước|qua|"
    r"sở|ban|bộ|phòng|ủy ban|uỷ ban|trung tâm|giao|đề nghị|chi cục|cục|hội|công an|văn phòng"
    r"|mặt trận)"
    r"|[,(\-–])$",
    re.IGNORECASE,
)
# "3. Bộ Tư lệnh" over "Thành phố chủ trì, phối hợp …": the name goes on, then its verb.
_NAME_GOES_ON = re.compile(
    r"^(?!Chủ trì|Phối hợp|Tham mưu|Thực hiện|Triển khai|Tổ chức|Xây dựng|Có trách nhiệm)"
    r"[A-ZĐÀ-Ỹ]\w*(?:\s+[\wÀ-ỹ-]+){0,4}?\s+(?:chủ trì|phối hợp|có trách nhiệm)\b"
)
_SENTENCE_END = re.compile(r"[.:;!?…]\)?\*{0,3}$|\./\.$")
_AFTER_TABLE = re.compile(r"^(?:PHỤ LỤC|Phụ lục\s|KẾ HOẠCH|DANH MỤC|[IVX]{1,5}\.\s+[A-ZĐ]{2})")
# Letterhead fields that begin a line of their own at the top of a plan: the document number
# ("Số: 12/KH-UBND", a Party plan's "Số 18-KH/ĐU") and the place and date line.
_HEAD_FIELD = re.compile(r"^(?:Số\s*(?::|\d+\s*[-/]\s*[A-ZĐ])|[A-ZĐÀ-Ỹ][^,\d.;:]{1,40},\s*ngày\b)")
_HEAD_PARAS = 8  # how many paragraphs the letterhead zone at the top can hold
_PAGE_NO = re.compile(r"^\s*(?:-\s*)?(?:trang\s*)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*-)?\s*$", re.I)


@dataclass
class Line:
    """A source line and its 1-based number."""

    no: int
    text: str


def clean_line(text: str) -> str:
    """NFC, no odd spaces."""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
    return text.replace("\ufeff", "").rstrip()


def strip_markup(text: str) -> str:
    """Drop emphasis markup and stray HTML tags from a paragraph."""
    text = re.sub(r"</?(?:b|i|u|em|strong|span|p|br|div|sup|sub)\b[^>]*>", " ", text, flags=re.I)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", text)
    text = re.sub(r"^#{1,6}\s+", "", text.strip())
    return re.sub(r"[ \t]+", " ", text).strip()


def _bold_whole(text: str) -> bool:
    t = text.strip()
    if not (t.startswith("**") and t.endswith("**") and len(t) > 4):
        return False
    inner = t[2:-2]
    # "**1.** Sở Tài chính **chủ trì**" is not wholly bold.
    return "**" not in inner.replace("****", "")


def drop_boilerplate(lines: list[Line]) -> list[Line]:
    """Cut a legal-library page's banner (before the letterhead) and its trailing listings."""
    head = " ".join(x.text for x in lines[:80])
    if not _SITE_MARKERS.search(head):
        return lines
    start = 0
    for i, line in enumerate(lines[:200]):
        if _SITE_MARKERS.search(line.text) or "Đang tải" in line.text:
            start = i + 1
    for i in range(start, min(len(lines), start + 200)):
        bare = strip_markup(lines[i].text)
        if bare and _LETTERHEAD.match(bare) and bare.upper() == bare:
            # Keep the lone "|" that opens the letterhead table.
            start = i - 1 if i > 0 and lines[i - 1].text.strip() == "|" else i
            break
    out = lines[start:]
    for i, line in enumerate(out):
        if i > len(out) // 3 and _SITE_TAIL.match(strip_markup(line.text)):
            return out[:i]
    return out


def _drop_elisions(lines: list[Line]) -> list[Line]:
    """Drop a cell that only marks text left out ("…......") between two "|" lines of a
    vertical table: it is no cell of the table, and kept it would shift every later cell."""
    out: list[Line] = []
    for i, line in enumerate(lines):
        if (
            0 < i < len(lines) - 1
            and re.fullmatch(r"[….·\s]{3,}", line.text)
            and _is_pipe(lines[i - 1])
            and _is_pipe(lines[i + 1])
        ):
            continue
        out.append(line)
    return out


def _is_pipe(line: Line) -> bool:
    return line.text.strip() == "|"


def _vertical_table(lines: list[Line], i: int) -> tuple[list[list[list[Line]]], int]:
    """Rows (of cells, of lines) of a vertical table starting at the lone "|" at `i`, and the
    index after it."""
    rows: list[list[list[Line]]] = []
    width: int | None = None
    row: list[list[Line]] = []
    cell: list[Line] = []
    j = i + 1  # after the opening "|"
    n = len(lines)
    while j < n:
        line = lines[j]
        if _is_pipe(line):
            row.append(cell)
            cell = []
            k = j + 1
            if k < n and _is_pipe(lines[k]):
                # Two "|" lines meet: the row ends and the next begins. Each further "|" is an
                # empty cell: the row's own last ones while it is short of the width, else the
                # next row's first ones.
                end = k
                while end + 1 < n and _is_pipe(lines[end + 1]):
                    end += 1
                extra = end - k
                while extra and width is not None and len(row) < width:
                    row.append([])
                    extra -= 1
                rows.append(row)
                filled = len(row)
                while filled and not any(x.text.strip(" *") for x in row[filled - 1]):
                    filled -= 1  # trailing empty cells do not widen the table
                width = max(width or 0, filled)
                row = [[] for _ in range(extra)]
                j = end + 1
                continue
            nxt = k
            while nxt < n and not lines[nxt].text.strip():
                nxt += 1
            full = width is not None and len(row) >= width and not _one_more_cell(lines, k)
            head = nxt
            while head < n and not _is_pipe(lines[head]) and not strip_markup(lines[head].text):
                head += 1
            if head < n and _AFTER_TABLE.match(strip_markup(lines[head].text)):
                full = True  # a heading follows: the table is over
            blank_after = k < n and not lines[k].text.strip()
            if full or (blank_after and (width is None or not rows)) or nxt >= n:
                rows.append(row)
                return rows, k
            j = k
            continue
        cell.append(line)
        j += 1
    if cell:
        row.append(cell)
    if row:
        rows.append(row)
    return rows, n


def _one_more_cell(lines: list[Line], k: int) -> bool:
    """After a row's last expected "|": a short chunk closed by "|" is one more cell (a row wider
    than the header that set the width), not prose after the table."""
    for count, line in enumerate(lines[k : k + 14]):
        if _is_pipe(line):
            return count > 0
        if not line.text.strip():
            return False
    return False


def _cell_text(cell: list[Line]) -> str:
    paras = unwrap(cell, page_numbers=False)
    return "\n".join(strip_markup(p.text) for p in paras if strip_markup(p.text))


def _starts_paragraph(line: str) -> bool:
    return bool(_STARTS.match(strip_markup(line) if line.startswith("*") else line))


def unwrap(lines: list[Line], page_numbers: bool = True) -> list[Line]:
    """Join hard-wrapped lines into paragraphs (markup kept; see module doc for the rules)."""
    out: list[Line] = []
    blank_before = True
    first_line = True  # the current paragraph has one line so far
    in_head = True  # still in the letterhead at the top (see _head_break)
    last_len = 0  # length of the source line before this one
    for raw in lines:
        text = raw.text.strip()
        text = text.replace("****", "")
        if not text:
            blank_before = True
            continue
        if page_numbers and _PAGE_NO.match(text) and blank_before:
            continue
        # A rule, or the lone "*" under a Party letterhead, separates what it stands between.
        if re.fullmatch(r"[-_=*·.]{3,}", text) or text in ("*", "**", "* *", "** **"):
            blank_before = True
            continue
        prev = out[-1] if out else None
        join = False
        if prev is not None and not blank_before and "\t" not in text and "\t" not in prev.text:
            p = prev.text
            open_bold = p.count("**") % 2 == 1
            open_italic = _single_stars(p) % 2 == 1
            if text.startswith("|") or p.lstrip().startswith("|"):
                join = False  # a pipe row is a line of its own
            elif open_bold or open_italic:
                join = True
            elif (
                (in_head and _head_break(strip_markup(p), strip_markup(text)))
                or _bold_whole(p)
                or (p.startswith("**") and p.rstrip().endswith("**"))
            ):
                join = False
            elif text.startswith("**") and not p.endswith(("**", "*")):
                join = _OPEN_END.search(strip_markup(p)) is not None
            elif _dash_goes_on(text, last_len) and not _SENTENCE_END.search(p):
                join = True
            elif _starts_paragraph(text) or _SENTENCE_END.search(p):
                join = False
            elif text[:1].islower() or text[:1].isdigit() or _OPEN_END.search(strip_markup(p)):
                join = True
            else:
                # An upper-case start after an unfinished line: a wrap, unless the line before
                # was a short heading on its own (a numbered title with no full stop).
                short_heading = (
                    first_line
                    and _starts_paragraph(p)
                    and not re.match(r"\s*[-–•+]", strip_markup(p))  # a bullet is no title
                    and len(strip_markup(p)) < 60
                    and not re.search(r"\b(?:chủ trì|phối hợp)\b", p)
                    and not _NAME_GOES_ON.match(strip_markup(text))
                )
                join = not short_heading
        if join and prev is not None:
            if prev.text.endswith("-") and not prev.text.endswith(" -") and text[:1].islower():
                prev.text = prev.text[:-1] + text  # a word hyphenated across the break
            else:
                prev.text = f"{prev.text} {text}"
            first_line = False
        else:
            out.append(Line(raw.no, text))
            first_line = True
            if len(out) > _HEAD_PARAS or re.match(r"\**\s*KẾ HOẠCH\b", text):
                in_head = False
        blank_before = False
        last_len = len(text)
    return out


_WRAP_WIDTH = 60  # a source line this long that stops mid-sentence was cut by the wrap


def _dash_goes_on(text: str, last_len: int) -> bool:
    """A line "- xã hội xã." right after a full-width line cut mid-sentence continues a
    hyphenated compound ("các đoàn thể chính trị" + "- xã hội"): a bullet starts with its own
    word, not a lower-case one, after a line that ran to the wrap."""
    m = re.match(r"[-–]\s+(\S)", text)
    return m is not None and m.group(1).islower() and last_len >= _WRAP_WIDTH


def _head_break(prev: str, text: str) -> bool:
    """In a plan's letterhead each field is a line of its own, wrapped text or not: the number,
    the place and date, and each body in capitals ("ĐẢNG BỘ TỈNH X" over "ĐẢNG ỦY XÃ Y"),
    unless the line before ends on a word that needs more ("ỦY BAN NHÂN DÂN TỈNH" + "VÀ")."""
    if _HEAD_FIELD.match(text):
        return True
    return (
        text.isupper()
        and _LETTERHEAD.match(text) is not None
        and _OPEN_END.search(prev) is None
        and not prev.endswith(("&", "VÀ"))
    )


def _single_stars(text: str) -> int:
    return len(re.findall(r"(?<!\*)\*(?!\*)", text))


def normalise_text(text: str) -> list[Block]:
    """Raw text of a plan to paragraphs and tables in document order."""
    from domain.importer.readers import lines_to_blocks

    lines = [Line(i + 1, clean_line(t)) for i, t in enumerate(text.splitlines())]
    lines = _drop_elisions(drop_boilerplate(lines))
    blocks: list[Block] = []
    pending: list[Line] = []

    def flush() -> None:
        if not pending:
            return
        rowish: list[Line] = []

        def flush_rows() -> None:
            for block in lines_to_blocks([r.text for r in rowish]):
                if isinstance(block, Table):
                    block.line = rowish[0].no
                    _merge_table(blocks, block)
                elif strip_markup(block.text):
                    blocks.append(Para(strip_markup(block.text), block.bold, rowish[0].no))
            rowish.clear()

        for para in unwrap(pending):
            if "\t" in para.text or (para.text.startswith("|") and para.text.count("|") >= 3):
                rowish.append(para)
                continue
            if rowish:
                flush_rows()
            text = strip_markup(para.text)
            if text:
                blocks.append(Para(text, _bold_whole(para.text), para.no))
        if rowish:
            flush_rows()
        pending.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_pipe_row(line.text):
            end = _pipe_region_end(lines, i)
            if _broken_pipe_region(lines[i:end]):
                flush()
                table = _multiline_pipe_table(lines[i:end])
                if table is not None:
                    blocks.append(table)
                    i = end
                    continue
        if _is_pipe(line):
            flush()
            rows, i = _vertical_table(lines, i)
            table_rows = [[_cell_text(c) for c in row] for row in rows]
            table_rows = [r for r in table_rows if any(c.strip() for c in r)]
            if table_rows:
                first = next((ln.no for row in rows for c in row for ln in c), line.no)
                blocks.append(Table(table_rows, line=first))
            continue
        pending.append(line)
        i += 1
    flush()
    return blocks


def _is_pipe_row(text: str) -> bool:
    t = text.strip()
    return t.startswith("|") and t.count("|") >= 3 and bool(t.strip("| "))


def _pipe_region_end(lines: list[Line], i: int) -> int:
    """The index after the run of lines with a "|" starting at the pipe row at `i` (a blank
    line or a line of prose ends it)."""
    j = i
    while j < len(lines) and "|" in lines[j].text:
        j += 1
    return j


def _broken_pipe_region(region: list[Line]) -> bool:
    """A pipe table whose rows run over several lines (cells with line breaks copied from a web
    page): some line is not a whole "| a | b |" row."""
    if len(region) < 3:
        return False
    whole = 0
    for line in region:
        t = line.text.strip()
        if t.startswith("|") and t.endswith("|") and t.count("|") >= 3:
            whole += 1
    return whole < len(region)


_ROW_END = re.compile(r"\|\s*\|\s*$")


def _multiline_pipe_table(region: list[Line]) -> Table | None:
    """Rebuild a pipe table whose rows run over several lines.

    A line break next to a "|" is that cell boundary ("|" at the start of a line opens a cell,
    one at the end closes it, so "|" then "|" across a break is an empty cell); a break away
    from any "|" is a wrap inside a cell. A row ends on a line that closes it once it has as
    many cells as the header, on a line that closes with an empty cell ("| |", "||"), or on a
    line of bare "|" or of "|---|" rules.
    """
    rows: list[list[str]] = []
    current = ""
    width = 0
    for line in region:
        t = line.text.strip()
        if not t.startswith("|"):
            t = strip_markup(t)
        rule = bool(re.fullmatch(r"[|\s:\-–]+", t)) and "-" in t
        if rule or not t.strip("| "):
            if current:
                rows.append(_split_pipe_row(current))
                current = ""
            continue
        if not current:
            current = t
        elif current.endswith("|") or t.startswith("|"):
            current += t
        else:
            current += " " + t
        cells = len(_split_pipe_row(current))
        if _ROW_END.search(t) or (width and t.endswith("|") and cells >= width):
            rows.append(_split_pipe_row(current))
            width = width or len(rows[0])
            current = ""
        elif not rows and t.endswith("|") and cells >= 3:
            rows.append(_split_pipe_row(current))  # the header row, on one line
            width = len(rows[0])
            current = ""
    if current:
        rows.append(_split_pipe_row(current))
    rows = [r for r in rows if any(c for c in r)]
    if len(rows) < 2:
        return None
    width = len(rows[0])
    rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
    return Table(rows, line=region[0].no)


def _split_pipe_row(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [strip_markup(c) for c in text.split("|")]


def _merge_table(blocks: list[Block], table: Table) -> None:
    """Consecutive one-row tables (pipe or tab rows read line by line) make one table."""
    if blocks and isinstance(blocks[-1], Table) and blocks[-1].name == "" and table.rows:
        last = blocks[-1]
        if last.rows and len(last.rows[-1]) and abs(len(last.rows[-1]) - len(table.rows[0])) <= 2:
            last.rows.extend(table.rows)
            return
    blocks.append(table)


def looks_like_web_text(text: str) -> bool:
    """Text from a web page or a PDF copy (markup, lone "|" lines or hard wraps), not a file
    whose every paragraph is one line."""
    lines = [x for x in text.splitlines() if x.strip()]
    if not lines:
        return False
    if sum(1 for x in lines if x.strip() == "|") >= 2:
        return True
    if text.count("**") >= 4:
        return True
    lengths = sorted(len(x) for x in lines)
    p90 = lengths[int(len(lengths) * 0.9)]
    long_lines = sum(1 for x in lines if len(x) > 120)
    # Hard-wrapped: most lines stop short of a fixed width and few run long.
    return p90 <= 100 and long_lines <= len(lines) * 0.02 and len(lines) >= 20
