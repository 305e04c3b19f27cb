"""Task tables: which column is which whatever the header's wording, rows read across page
breaks (a header repeated, a row continued, section rows, numbered parent rows), and the
tasks those rows give (refs within groups, the units each cell names)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.importer.fields import cadence_in, first_clause
from domain.importer.model import Block, Para, ParsedTask, Table
from domain.importer.unitnames import KnownNames
from domain.units import is_group

# Makes a task from (ref, title, lead cell, support cell, time cell, section).
MakeTask = Callable[[str, str, str, str, str, str | None], ParsedTask]

_ROMAN_RE = re.compile(
    r"^(?=[IVXLC]+\b)(M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3}))[.)]?$"
)


def _low(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


def column_role(header: str) -> str | None:
    """What a header cell names, whatever its wording."""
    h = _low(header).replace("\n", " ")
    if not h or len(h) > 60 or len(h.split()) > 8:
        return None  # a header cell is a short label, not a task's text
    if re.search(
        r"sản phẩm|kinh phí|nguồn vốn|ghi chú|hình thức|dự toán|kết quả|chỉ tiêu|^hồ sơ", h
    ):
        return "other"
    if re.match(r"(?:cơ quan |đơn vị )?trình\b", h):
        return "other"  # the body that submits a draft, not the one that does the work
    if re.search(r"bắt đầu|khởi công|khởi động|^từ\b", h) and not re.search(
        r"hoàn thành|kết thúc|thời hạn", h
    ):
        return "other"  # when the work starts; the due is when it ends
    if re.search(
        r"thời gian|thời hạn|tiến độ|hoàn thành|kết thúc|mốc|lộ trình|thời điểm|^năm\b"
        r"|timeframe|deadline|due",
        h,
    ):
        return "time"
    if "phối hợp" in h or "support" in h:
        return "support"
    if re.search(r"thẩm tra|thẩm định|tham gia|(?:cho|chuẩn bị|góp) ý kiến", h):
        return "support"  # bodies that review or contribute to another's work
    if "soạn thảo" in h or ("xây dựng" in h and re.match(r"(?:cơ quan|đơn vị)\b", h)):
        return "lead"
    if re.match(r"(nội dung|tên|nhiệm vụ|công việc|hoạt động|giải pháp)", h) and "chủ trì" not in h:
        return "title"
    if re.search(r"chủ trì|thực hiện|chịu trách nhiệm|đầu mối|giao cho|phụ trách|lead", h):
        return "lead"
    if re.search(r"^(stt|tt|số tt|số thứ tự|mã|mã số|số|ref|no\.?|#)(\b|$)", h):
        return "ref"
    if re.search(r"^(group|section)\b", h):
        return "section"
    if re.search(r"^(task|title)\b", h):
        return "title"
    if re.search(r"nhóm|lĩnh vực|chương trình", h) and "nhiệm vụ" not in h.replace(
        "nhóm nhiệm vụ", ""
    ):
        return "section"
    if re.search(r"nhiệm vụ|nội dung|tên|công việc|hoạt động|giải pháp|đề án", h):
        return "title"
    return None


def header_roles(row: list[str]) -> dict[int, str] | None:
    """Column roles when the row is a task table's header, else None."""
    roles: dict[int, str] = {}
    for i, cell in enumerate(row):
        role = column_role(cell)
        if role == "title" and "title" in roles.values():
            role = "detail"  # "Nhiệm vụ" then "Nội dung cụ thể": the second adds detail
        if role and role not in roles.values():
            roles[i] = role
        elif role == "lead" and "lead" in roles.values() and "support" not in roles.values():
            roles[i] = "support"
    values = set(roles.values())
    if "title" not in values and ({"lead", "support"} & values):
        # A table of targets ("Chỉ tiêu" | "Chủ trì"): the target is the task's text.
        for i, cell in enumerate(row):
            if roles.get(i) == "other" and re.match(r"(?:nội dung )?chỉ tiêu", _low(cell)):
                roles[i] = "title"
                roles[-1] = "target"  # marks a table of targets, not of tasks
                values.add("title")
                break
    if "title" in values and ({"lead", "support"} & values):
        return roles
    return None


@dataclass
class _TableState:
    roles: dict[int, str] | None = None
    header: list[str] = field(default_factory=list)
    last: dict[str, str] | None = None
    section: str | None = None
    group_label: str | None = None
    top_group: str | None = None  # a lettered group (A, B …) above Roman ones
    number: str = ""  # the last numbered row's number, the parent of lettered rows


def _row_cells(row: list[str], roles: dict[int, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, role in roles.items():
        if 0 <= i < len(row) and role not in ("other", "target"):
            out[role] = row[i].strip()
    return out


def _is_numbering_row(row: list[str]) -> bool:
    cells = [c.strip("() ") for c in row if c.strip()]
    return len(cells) >= 3 and all(c.isdigit() for c in cells)


def _append(prev: str, more: str) -> str:
    if not more:
        return prev
    if not prev:
        return more
    return f"{prev} {more}"


class _TableReader:
    """Reads task rows across consecutive tables (a header repeated after each page break)."""

    def __init__(self) -> None:
        self.state = _TableState()
        self.rows: list[dict[str, str]] = []
        self.header_rows: list[list[str]] = []
        self.line = 0  # the source line of the table being read
        # The time a table's heading gives its rows ("… chỉ tiêu … đến năm 2030") when the
        # table has no time column.
        self.heading_time = ""

    def feed(self, table: Table, continues: bool) -> tuple[bool, list[list[str]]]:
        """Read a table: (is a task table, rows above its header that are prose)."""
        st = self.state
        self.line = table.line
        start = 0
        header_idx = 0
        found = None
        for i, row in enumerate(table.rows[:8]):
            found = header_roles(row)
            if found:
                start = header_idx = i
                break
        if (
            found is not None
            and continues
            and st.roles
            and len(table.rows[header_idx]) < len(st.header)
        ):
            # The header repeated after a page break, short of a merged cell: keep the columns.
            self.header_rows.append(table.rows[header_idx])
            found, start, header_idx = None, 0, 0
        if found is None:
            if not (continues and st.roles and len(table.rows[0]) >= len(st.header) - 4):
                return False, table.rows
        else:
            if not continues:
                st.last, st.section, st.group_label = None, None, None
            st.roles, st.header = dict(found), table.rows[start]
            start += 1
            # A two-row header: "Cơ quan thực hiện" over "Chủ trì" | "Phối hợp".
            if start < len(table.rows):
                sub = table.rows[start]
                sub_roles = {i: column_role(c) for i, c in enumerate(sub) if column_role(c)}
                if sub_roles and not any(_ref_like(c) for c in sub[:1]) and len(sub_roles) >= 2:
                    for i, role in sub_roles.items():
                        if role in ("lead", "support"):
                            st.roles[i] = role
                        elif role == "time":
                            # "Thời gian" over "Bắt đầu" | "Hoàn thành": the end is the due.
                            for j in [j for j, r in st.roles.items() if r == "time"]:
                                st.roles[j] = "other"
                            st.roles[i] = "time"
                        elif role == "other" and st.roles.get(i) == "time":
                            st.roles[i] = "other"
                    start += 1
                    self.header_rows.append(sub)
        assert st.roles is not None
        if found is not None:
            self.header_rows.append(table.rows[header_idx])
        leading = table.rows[:header_idx] if found is not None else []
        for row in table.rows[start:]:
            self._row(row, st.roles)
        return True, [r for r in leading if header_roles(r) is None]

    def _row(self, row: list[str], roles: dict[int, str]) -> None:
        st = self.state
        if not any(c.strip() for c in row) or _is_numbering_row(row):
            return
        row = _missing_number_cell(row, roles, len(st.header))
        if row in self.header_rows or header_roles(row) is not None:
            return  # the header repeated after a page break
        cells = _row_cells(row, roles)
        ref = cells.get("ref", "").strip().rstrip(".)")
        if re.fullmatch(r"[a-zđ]", ref) and st.number:
            ref = f"{st.number}.{ref}"  # "a", "b" under row "2" are "2.a", "2.b"
        elif re.fullmatch(r"\d+(?:\.\d+)*", ref):
            st.number = ref
        filled = [c for c in row if c.strip()]
        if (
            _ROMAN_RE.match(ref)
            or re.fullmatch(r"[A-ZĐ]", ref)
            or (len(filled) >= 2 and len(set(filled)) == 1)
            or (
                not ref
                and cells.get("title")
                and not any(cells.get(k) for k in ("lead", "support", "time"))
                and (
                    cells.get("title", "").isupper()
                    or re.match(r"^(?:[IVX]{1,5}|[A-ZĐ])[.)]\s", cells.get("title", ""))
                    or (len(filled) == 1 and st.last is None)
                )
            )
        ):
            label = cells.get("title") or (filled[-1] if filled else "")
            if len(set(filled)) == 1:
                label = filled[0]
            st.section = re.sub(r"^(?:[IVXLC]+|[A-ZĐ])[.)]\s*", "", label).strip() or None
            st.group_label = ref if _ROMAN_RE.match(ref) or re.fullmatch(r"[A-ZĐ]", ref) else None
            numbered = re.match(r"^([IVXLC]{1,5})[.)]\s", cells.get("title", ""))
            if not ref and numbered:
                st.group_label = numbered.group(1)  # "I. Kinh tế số" written in the text column
            if re.fullmatch(r"[A-HĐ]", ref):
                st.top_group = ref
            st.last = None
            st.number = ""
            return
        has_ref_col = "ref" in roles.values()
        # Without a number, a row continues the one above (a page break split it); without a
        # number column, only a row whose text starts in lower case does.
        # A table whose number column is left empty throughout numbers no row: each row with a
        # text is then a row of its own.
        last_numbered = st.last is not None and bool(st.last.get("ref"))
        continued = (
            (not ref and last_numbered) if has_ref_col else cells.get("title", "x")[:1].islower()
        )
        if continued and st.last is not None:
            for key in ("title", "detail", "lead", "support", "time", "section"):
                if cells.get(key):
                    st.last[key] = _append(st.last.get(key, ""), cells[key])
            return
        if not cells.get("title"):
            return
        entry = dict(cells)
        entry["ref"] = ref
        entry["_section"] = cells.get("section") or st.section or ""
        entry["_group"] = st.group_label or ""
        entry["_top"] = st.top_group or ""
        entry["_line"] = str(self.line)
        entry["_target"] = "1" if "target" in roles.values() else ""
        if "time" not in roles.values() and self.heading_time:
            # A target row opening with a cadence ("Mỗi năm tăng …") also repeats yearly.
            cadence = cadence_in(first_clause(cells["title"]))
            entry["time"] = f"{cadence}; {self.heading_time}" if cadence else self.heading_time
        self.rows.append(entry)
        st.last = entry


def _missing_number_cell(row: list[str], roles: dict[int, str], width: int = 0) -> list[str]:
    """A row copied without its (empty) number cell: text where the number column expects a
    number, and a spare empty cell at the end (or one cell fewer than the header), moves one
    column right."""
    ref_col = next((i for i, r in roles.items() if r == "ref"), None)
    short = width > 3 and len(row) == width - 1
    if ref_col != 0 or len(row) < 3 or not row[0].strip():
        return row
    if row[-1].strip() and not short:
        return row
    first = row[0].strip()
    if _ref_like(first) or re.fullmatch(r"[A-ZĐa-zđ][.)]?|\d+(?:\.\d+)*[.)]?", first):
        return row
    if len(first) < 12:
        return row
    return ["", *row] if short else ["", *row[:-1]]


# "(Y phối hợp chuẩn bị)" after a lead: Y is a partner. "(Y là cơ quan thường trực …)": Y leads
# too (a different unit, not a qualifier).
_BRACKET_PARTNER = re.compile(r"\(\s*([^()]+?)\s+(?:phối hợp|tham gia)\b[^()]*\)", re.IGNORECASE)
_BRACKET_STANDING = re.compile(
    r"\(\s*([^()]+?)\s+là\s+(?:cơ quan|đơn vị)\s+(?:thường trực|đầu mối)\b[^()]*\)",
    re.IGNORECASE,
)
# What a unit does, written after its name in a cell: "X chủ trì thẩm tra", "Y tham gia".
_ROLE_TAIL = re.compile(
    r"\s+(?:chủ trì|phối hợp|tham gia|thực hiện|thẩm tra|thẩm định)"
    r"(?:\s+(?:thẩm tra|thẩm định|chuẩn bị ý kiến|chuẩn bị|soạn thảo|thực hiện|dự thảo))*"
    r"\s*[.;,]?\s*$",
    re.IGNORECASE,
)


def _cell_parts(text: str) -> list[str]:
    """A cell's entries: ";" and bullets (at the cell's or a line's start) separate them;
    footnote marks go. Line breaks stay (a name may wrap inside a cell)."""
    text = re.sub(r"\s*\[\d{1,2}\]", "", text)
    # A head word typed twice ("Sở Sở Công Thương").
    text = re.sub(r"\b(Sở|Bộ|Ban|Phòng|Cục|Chi cục|UBND|Ủy ban)\s+\1\b", r"\1", text)
    parts = re.split(r";|(?:^|\n)\s*[-–•+]\s+", text)
    parts = [re.sub(r"^[-–•+]\s+", "", p.strip(" .,;\n")) for p in parts]
    return [p for p in parts if p.strip(" -–")]


def trim_cell_unit(name: str, trim: Callable[[str], str]) -> str:
    """A name in a table cell: `trim` cuts the clause after it ("Sở X thúc đẩy, theo dõi …");
    a collective named by its role keeps its words ("Các đơn vị phối hợp thực hiện")."""
    name = re.sub(r"\s+", " ", name).strip()
    cut = trim(name)
    tail = name[len(cut) :] if name.startswith(cut) else ""
    if is_group(name) and re.fullmatch(r"(?:\s+(?:phối hợp|thực hiện|chủ trì|tham gia))+", tail):
        return name
    return cut


def _drop_role(name: str) -> str:
    """ "Ủy ban Pháp luật chủ trì thẩm tra" -> the unit; a collective keeps its words ("Các đơn
    vị phối hợp thực hiện" names who it is)."""
    name = name.strip()
    return name if is_group(name) else _ROLE_TAIL.sub("", name).strip()


def cell_units(lead_cell: str, support_cell: str) -> tuple[str, str]:
    """The lead and support unit lists ("; "-joined) that a row's two unit cells name: role
    words after a name dropped, partners and standing bodies named in brackets moved to their
    place."""
    lead: list[str] = []
    support: list[str] = []
    # One cell for both: "- Chủ trì: Sở X - Phối hợp: Sở Y".
    label = re.search(r"(?:(?:đơn vị|cơ quan)\s+)?phối hợp\s*:", lead_cell, re.IGNORECASE)
    if label:
        support_cell = f"{lead_cell[label.end() :]}; {support_cell}"
        lead_cell = lead_cell[: label.start()]
    lead_cell = re.sub(
        r"^[\s\-–•+]*(?:(?:đơn vị|cơ quan)\s+)?chủ trì\s*:", "", lead_cell, flags=re.IGNORECASE
    )
    parts: list[str] = []
    for part in _cell_parts(lead_cell):
        # "Sở X chủ trì, Sở Y phối hợp"; "Sở X (chủ trì); Sở Y (phối hợp)".
        both = re.match(r"(.+?)\s+\(?chủ trì\)?\s*[,;]\s*(.+?)\s+\(?phối hợp\)?$", part)
        if both:
            parts.append(both.group(1))
            support.append(both.group(2))
        elif re.search(r"\s\(phối hợp\)$", part):
            support.append(part[: part.rindex("(")])
        else:
            parts.append(re.sub(r"\s*\(chủ trì\)$", "", part))
    leads = [p for p in parts if re.search(r"\bchủ trì\b", p, re.IGNORECASE)]
    if leads and len(leads) < len(parts):
        # "Sở X chủ trì hướng dẫn; các sở, UBND cấp xã thực hiện …": the others take part.
        support.extend(p for p in parts if p not in leads)
        parts = leads
    for part in parts:
        standing = [m.group(1) for m in _BRACKET_STANDING.finditer(part)]
        part = _BRACKET_STANDING.sub("", part)
        support.extend(m.group(1) for m in _BRACKET_PARTNER.finditer(part))
        lead.extend([_BRACKET_PARTNER.sub("", part), *standing])
    for part in _cell_parts(support_cell):
        support.extend(m.group(1) for m in _BRACKET_PARTNER.finditer(part))
        support.append(_BRACKET_PARTNER.sub("", part))
    lead = [_drop_role(x) for x in lead]
    support = [_drop_role(x) for x in support]
    return "; ".join(x for x in lead if x), "; ".join(x for x in support if x)


def _is_kind(piece: str) -> bool:
    """A kind of body, not one named unit: "Trường", "các tổ chức chính trị - xã hội", "Ủy ban
    nhân dân xã" (no capitalised proper name after the head word)."""
    words = re.sub(r"^(?:các|những)\s+", "", piece.strip(), flags=re.IGNORECASE).split()
    if not words:
        return False
    if re.match(r"(?:các|những)\s", piece.strip(), flags=re.IGNORECASE) or len(words) == 1:
        return True
    return not any(w[:1].isupper() for w in words[1:])


def collective_kinds(text: str) -> list[str]:
    """Entries of a unit cell that list kinds of body with commas and no "và" ("Viện, Trường",
    "Các sở, ban, ngành, các tổ chức chính trị - xã hội"): one collective entry, not one unit
    per piece. A list that names a unit ("Hội đồng Dân tộc, các Ủy ban …") is no such entry."""
    out = []
    for part in re.split(r";|\n", text):
        part = part.strip(" .")
        pieces = [p.strip() for p in part.split(",")]
        if len(pieces) < 2 or re.search(r"\s(?:và|cùng)\s", part) or not pieces[0]:
            continue
        single = (
            all(len(p.split()) == 1 for p in pieces[1:])
            and len(re.sub(r"^(?:các|những)\s+", "", pieces[0], flags=re.IGNORECASE).split()) == 1
        )
        # "Các sở, ban, ngành, Ủy ban nhân dân xã, phường"; a further "các …" piece is an
        # entry of its own ("Các phòng, ban, ngành, các đơn vị").
        collective = re.match(r"(?:các|những)\s", pieces[0], flags=re.IGNORECASE) and all(
            _is_kind(p) and not re.match(r"(?:các|những)\s", p, flags=re.IGNORECASE)
            for p in pieces[1:]
        )
        if single or collective:
            out.append(part)
    return out


def _with_detail(row: dict[str, str]) -> str:
    title, detail = row.get("title", ""), row.get("detail", "")
    if title and detail:
        return f"{title.rstrip(' :.')}: {detail}"
    return title or detail


def _ref_like(cell: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)*\.?|[IVX]+\.?", cell.strip()))


_HEADING_TIME = re.compile(
    r"(?:đến|tới)\s+năm\s+\d{4}|giai đoạn\s+\d{4}\s*[-–]\s*\d{4}|\bnăm\s+\d{4}", re.IGNORECASE
)


def heading_time(paras: list[str]) -> str:
    """The time words of a table's heading: the last heading line above it (upper case, not
    the "(Kèm theo Kế hoạch số … ngày …)" line) that names a year or a term."""
    for text in reversed(paras):
        if text.startswith("(") or text.upper() != text:
            continue
        m = _HEADING_TIME.search(text)
        if m:
            return m.group(0).lower()
    return ""


def split_blocks(blocks: list[Block]) -> tuple[list[Para], list[dict[str, str]]]:
    """Paragraphs, and the rows of the task tables among the blocks (a table that is not a task
    table gives its cells back as paragraphs)."""
    paras: list[Para] = []
    reader = _TableReader()
    heading: list[str] = []  # paragraphs since the last table, for a table without a time column
    # Text met since the last task table: a page's running title or number between two parts of
    # one table does not end it, real prose does.
    gap: int | None = None
    for block in blocks:
        if isinstance(block, Table):
            continues = gap is not None and gap < 120
            if not continues:
                reader.heading_time = heading_time(heading[-6:])
            is_tasks, prose = reader.feed(block, continues)
            heading = []
            for row in prose:
                for cell in row:
                    paras.extend(Para(x.strip()) for x in cell.split("\n") if x.strip())
            gap = 0 if is_tasks else None
        elif block.text.strip():
            paras.append(block)
            heading.append(block.text.strip())
            if gap is not None:
                gap += len(block.text.strip())
    return paras, reader.rows


_ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII"]


def _hidden_groups(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows whose numbering starts again inside a Roman group, with no group row between, belong
    to a group the copy left out: the one just before the next group row ("2" … "6" after "II.8"
    and before "VII" are "VI.2" … "VI.6"). Without a next group to go by they stay."""
    out = [dict(r) for r in rows]
    i = 1
    while i < len(out):
        prev, row = out[i - 1], out[i]
        a, b = prev.get("ref", "").split(".")[0], row.get("ref", "").split(".")[0]
        group = row.get("_group", "")
        if not (
            group
            and group == prev.get("_group")
            and a.isdigit()
            and b.isdigit()
            and int(b) <= int(a)
        ):
            i += 1
            continue
        j = i
        while j < len(out) and out[j].get("_group") == group:
            j += 1
        nxt = out[j].get("_group", "") if j < len(out) else ""
        if group in _ROMANS and nxt in _ROMANS and _ROMANS.index(nxt) - _ROMANS.index(group) > 1:
            hidden = _ROMANS[_ROMANS.index(nxt) - 1]
            for k in range(i, j):
                out[k]["_group"] = hidden
        i = j
    return out


def table_tasks(
    rows: list[dict[str, str]], make: MakeTask, known: KnownNames | None = None
) -> list[ParsedTask]:
    """The tasks of task-table rows, refs as the table numbers them; `known` learns the
    collective kinds the unit cells name ("Viện, Trường")."""
    rows = _hidden_groups(rows)
    # A numbered row without units or time whose children follow ("1" over "1.1", "1.2") is a
    # heading, not a task.
    parents: dict[str, str] = {}
    kept: list[dict[str, str]] = []
    for i, row in enumerate(rows):
        ref = row.get("ref", "")
        nxt = rows[i + 1].get("ref", "") if i + 1 < len(rows) else ""
        bare = not any(row.get(k) for k in ("lead", "support", "time"))
        if ref and bare and nxt.startswith(ref + "."):
            parents[ref] = row.get("title", "")
            continue
        parent = ref.rsplit(".", 1)[0] if "." in ref else ""
        if parent in parents and not row.get("section"):
            row = {**row, "_section": parents[parent]}
        kept.append(row)
    # Heading rows count too: "1" heading group I and "1" a task of group II is a restart.
    all_refs = [r.get("ref", "") for r in rows if r.get("ref")]
    rows = kept
    refs = [r.get("ref", "") for r in rows if r.get("ref")]
    if len(all_refs) != len(set(all_refs)):
        # Numbering restarts in each group (A, B … or I, II …): the group is part of the ref, the
        # outermost group that makes refs unique. Rows before any group (or after a gap in the
        # text) keep their bare number.
        for key in ("_top", "_group"):
            grouped = [r for r in rows if r.get("ref") and r.get(key)]
            named = [f"{r[key]}.{r['ref']}" for r in grouped]
            unique = len(set(named)) == len(named) or key == "_group"
            if len(grouped) * 2 > len(refs) and unique:
                rows = [
                    {**r, "ref": f"{r[key]}.{r['ref']}"} if r.get("ref") and r.get(key) else r
                    for r in rows
                ]
                break
    tasks = []
    in_group: dict[str, int] = {}
    for n, row in enumerate(rows, 1):
        # A row with no number is numbered in order within its group.
        group = row.get("_group", "")
        in_group[group] = in_group.get(group, 0) + 1
        ref = row.get("ref") or (f"{group}.{in_group[group]}" if group else str(n))
        lead, support = cell_units(row.get("lead", ""), row.get("support", ""))
        if known is not None:
            known.add(collective_kinds(f"{lead}; {support}"))
        task = make(
            ref,
            re.sub(r"[ \t]*\n[ \t]*", "\n", _with_detail(row)).strip(),
            lead,
            support,
            row.get("time", ""),
            row.get("_section") or None,
        )
        task.group = group
        task.line = int(row.get("_line") or 0)
        tasks.append(task)
    return tasks
