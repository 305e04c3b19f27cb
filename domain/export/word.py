"""The compiled report as a Word draft laid out per Decree 30/2020 (or the Party's rules)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import zoneinfo
from collections.abc import Callable
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell

from db.models import DocumentFamily, TaskRole
from domain.export.data import Entry, ExportData, TaskData, TaskProgress, Timeliness
from domain.export.labels import (
    about,
    addressee,
    doc_abbreviation,
    entry_timeliness_label,
    fmt_date,
    lower_first,
    plan_reference,
    short_title,
    status_label,
    subject,
    unit_abbreviation,
    unit_timeliness_label,
    xml_safe,
)
from domain.units import vi_sort_key
from locales import t

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
HEADER_PT = 13
# Decree 30/2020 margins (mm): top/bottom 20-25, left 30-35, right 15-20.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
A4_MM = (210, 297)
APPENDIX_WIDTHS_MM = (14, 48, 28, 28, 22, 56, 24, 32)  # sums to 252 = 297 - 30 - 15

Container = Any  # a Document or a table cell: both have add_paragraph()


def _set_font(
    run: Any, size: float, *, bold: bool = False, italic: bool = False, underline: bool = False
) -> None:
    """Times New Roman on every script slot, so Vietnamese letters never fall back."""
    rpr = run._element.find(qn("w:rPr"))
    if rpr is not None:
        run._element.remove(rpr)
    run._element.insert(0, _rpr(size, bold, italic, underline))


@functools.cache
def _rpr_template(size: float, bold: bool, italic: bool, underline: bool) -> Any:
    half_points = str(round(size * 2))
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), FONT)
    rpr.append(fonts)
    # Children in schema order: rFonts, b, i, sz, szCs, u.
    for flag, tag in ((bold, "w:b"), (italic, "w:i")):
        if flag:
            rpr.append(OxmlElement(tag))
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), half_points)
        rpr.append(el)
    if underline:
        u = OxmlElement("w:u")
        u.set(qn("w:val"), "single")
        rpr.append(u)
    return rpr


def _rpr(size: float, bold: bool, italic: bool, underline: bool) -> Any:
    # python-docx's property setters re-validate child order on every call; copying a
    # ready-made <w:rPr> is what keeps a 200-task report at a fraction of a second.
    return copy.deepcopy(_rpr_template(size, bold, italic, underline))


def _add_text(run_parent: Any, text: str, size: float, **style: bool) -> None:
    """Add text as runs, keeping the writer's line breaks as line breaks."""
    p = run_parent._p
    rpr = _rpr(
        size,
        style.get("bold", False),
        style.get("italic", False),
        style.get("underline", False),
    )
    lines = xml_safe(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    for i, line in enumerate(lines):
        r = OxmlElement("w:r")
        r.append(copy.deepcopy(rpr))
        el = OxmlElement("w:t")
        el.set(qn("xml:space"), "preserve")
        el.text = line
        r.append(el)
        if i < len(lines) - 1:
            r.append(OxmlElement("w:br"))
        p.append(r)


@functools.cache
def _ppr_template(align: WD_ALIGN_PARAGRAPH | None, indent: bool, after: float) -> Any:
    ppr = OxmlElement("w:pPr")
    # Children in schema order: spacing, ind, jc. Line spacing 1.15 = 276/240, "auto".
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:before"), "0")
    spacing.set(qn("w:after"), str(round(after * 20)))
    spacing.set(qn("w:line"), "276")
    spacing.set(qn("w:lineRule"), "auto")
    ppr.append(spacing)
    if indent:
        ind = OxmlElement("w:ind")
        ind.set(qn("w:firstLine"), str(round(Cm(1.0).twips)))
        ppr.append(ind)
    if align is not None:
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), _JC[align])
        ppr.append(jc)
    return ppr


_JC = {
    WD_ALIGN_PARAGRAPH.LEFT: "left",
    WD_ALIGN_PARAGRAPH.CENTER: "center",
    WD_ALIGN_PARAGRAPH.RIGHT: "right",
    WD_ALIGN_PARAGRAPH.JUSTIFY: "both",
}


def _para(
    where: Container,
    text: str = "",
    *,
    size: float = BODY_PT,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    after: float = 6,
    first: bool = False,
    **style: bool,
) -> Any:
    """One paragraph; `first=True` reuses a table cell's empty first paragraph."""
    p = where.paragraphs[0] if first else where.add_paragraph()
    old = p._p.find(qn("w:pPr"))
    if old is not None:
        p._p.remove(old)
    p._p.insert(0, copy.deepcopy(_ppr_template(align, indent, after)))
    if text:
        _add_text(p, text, size, **style)
    return p


def _set_base_styles(doc: Any) -> None:
    """Times New Roman 14 in the document defaults and the Normal style, Vietnamese language."""
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{slot}"), FONT)
    lang = rpr_default.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "vi-VN")
    for size_tag in ("w:sz", "w:szCs"):
        el = rpr_default.find(qn(size_tag))
        if el is not None:
            el.set(qn("w:val"), str(BODY_PT * 2))
    for name in ("Heading 1", "Heading 2"):
        # Word's headings, in the document's own look: black Times New Roman 14, bold.
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        style.font.bold = True
        style.font.italic = name == "Heading 2"
        style.font.color.rgb = RGBColor(0, 0, 0)
        hf = style.element.get_or_add_rPr().get_or_add_rFonts()
        for slot in ("eastAsia", "cs", "ascii", "hAnsi"):
            hf.set(qn(f"w:{slot}"), FONT)
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            hf.attrib.pop(qn(f"w:{attr}"), None)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(6)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    nf = normal.element.get_or_add_rPr().get_or_add_rFonts()
    nf.set(qn("w:eastAsia"), FONT)
    nf.set(qn("w:cs"), FONT)


def _page_setup(section: Any, *, landscape: bool) -> None:
    width, height = A4_MM
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(height), Mm(width)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)


def _page_number_header(section: Any) -> None:
    """Page numbers centred at the top from page 2; page 1 has an empty first-page header."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = p.add_run()
        _set_font(run, HEADER_PT)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = str(text)
            run._element.append(instr)
    first = section.first_page_header.paragraphs[0]
    _set_font(first.add_run(""), HEADER_PT)


def _borderless(table: Any) -> None:
    """No borders at all, whatever the table style says."""
    tbl_pr = table._element.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    # Schema order: tblBorders comes before shd, tblLayout, tblCellMar and tblLook.
    later = [tbl_pr.find(qn(f"w:{tag}")) for tag in ("shd", "tblLayout", "tblCellMar", "tblLook")]
    anchor = next((el for el in later if el is not None), None)
    if anchor is None:
        tbl_pr.append(borders)
    else:
        anchor.addprevious(borders)


def _fixed_widths(table: Any, widths_mm: tuple[float, ...]) -> None:
    table.autofit = False  # python-docx writes <w:tblLayout w:type="fixed"/>
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _grid(doc: Any, headers: list[str], widths_mm: tuple[float, ...]) -> Any:
    """A bordered table with a bold, repeated header row."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _para(
            cell,
            text,
            size=TABLE_PT,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            after=0,
            first=True,
            bold=True,
        )
    _repeat_header(table.rows[0])
    _fixed_widths(table, widths_mm)
    return table


def _grid_row(
    table: Any,
    values: list[str],
    widths_mm: tuple[float, ...],
    centred: frozenset[int] = frozenset(),
) -> None:
    row = table.add_row()
    # Not row.cells: python-docx rebuilds the whole table's cell grid for that (quadratic).
    cells = [_Cell(tc, table) for tc in row._tr.tc_lst]
    for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
        cell.width = Mm(widths_mm[i])
        align = WD_ALIGN_PARAGRAPH.CENTER if i in centred else WD_ALIGN_PARAGRAPH.LEFT
        _para(cell, text, size=TABLE_PT, align=align, after=0, first=True)


def _rule(cell: Any, length_mm: float, column_mm: float) -> None:
    """A short centred horizontal rule (Decree 30/2020: under the body's name and the motto)."""
    p = cell.add_paragraph()
    ppr = OxmlElement("w:pPr")
    border = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "auto")):
        top.set(qn(f"w:{key}"), value)
    border.append(top)
    ppr.append(border)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:before"), "20")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")
    ppr.append(spacing)
    side = str(round(max(0.0, (column_mm - length_mm) / 2) / 25.4 * 1440))
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), side)
    ind.set(qn("w:right"), side)
    ppr.append(ind)
    # The empty line carrying the rule is 4 pt high (its paragraph mark's size).
    mark = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "8")
        mark.append(el)
    ppr.append(mark)
    p._p.insert(0, ppr)


def issuer_lines(parent: str | None, issuer: str | None) -> tuple[list[str], list[str]]:
    """(plain lines, bold lines) naming the issuing body, in capitals.

    A People's Committee writes its own name on two bold lines ("ỦY BAN NHÂN DÂN" / "ĐẶC KHU
    KIÊN HẢI") with no parent body; any other body has its parent above it in plain capitals.
    """
    name = " ".join((issuer or "").split())
    folded = name.casefold()
    for lead in ("ủy ban nhân dân", "uỷ ban nhân dân"):
        if folded.startswith(lead) and len(name) > len(lead):
            return [], ["ỦY BAN NHÂN DÂN", name[len(lead) :].strip().upper()]
    parent = " ".join((parent or "").split())
    # Motto fragments an imperfect import may leave there are not a parent body.
    if any(word in parent.upper() for word in ("CHỦ NGHĨA", "ĐỘC LẬP", "QUYẾT NGHỊ")):
        parent = ""
    plain = [parent.upper()] if parent else []
    return plain, [name.upper() or "…"]


def keep_together(text: str) -> str:
    """Non-breaking spaces inside a name's hyphenated joins ("Văn hóa - Xã hội") and after
    short words such as "ngày", so a line never breaks mid-phrase there."""
    return text.replace(" - ", NBSP + "-" + NBSP)


HEADER_WIDTHS_MM = (72, 101)
NBSP = "\u00a0"


def _header(doc: Any, data: ExportData, locale: str) -> None:
    """The two-column borderless header: issuing body and number | national motto, place, date."""
    plan = data.plan
    party = plan.family is DocumentFamily.PARTY
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    # The header reaches 8 mm into the wide left margin so the national motto fits one line.
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(-round(8 / 25.4 * 1440)))
    indent.set(qn("w:type"), "dxa")
    table._element.tblPr.find(qn("w:tblBorders")).addprevious(indent)
    _fixed_widths(table, HEADER_WIDTHS_MM)
    left, right = table.rows[0].cells
    centre = WD_ALIGN_PARAGRAPH.CENTER
    abbr = doc_abbreviation(plan)
    plain, bold = issuer_lines(plan.parent_body, plan.issuer)
    first = True
    for line in plain:
        _para(left, line, size=HEADER_PT, align=centre, after=0, first=first)
        first = False
    for line in bold:
        _para(left, line, size=HEADER_PT, align=centre, after=0, first=first, bold=True)
        first = False
    if party:
        _para(left, "*", size=HEADER_PT, align=centre, after=0)
        _para(
            left,
            t("export.doc.number_party", locale, abbr=abbr),
            size=HEADER_PT,
            align=centre,
            after=0,
        )
        _para(
            right,
            t("export.doc.party_name", locale),
            size=HEADER_PT + 1,
            align=centre,
            after=0,
            first=True,
            bold=True,
        )
        _rule(right, 60, HEADER_WIDTHS_MM[1])
    else:
        _rule(left, 24, HEADER_WIDTHS_MM[0])
        _para(
            left,
            t("export.doc.number_admin", locale, abbr=abbr),
            size=HEADER_PT,
            align=centre,
            after=0,
        )
        _para(
            right,
            t("export.doc.nation", locale),
            size=HEADER_PT,
            align=centre,
            after=0,
            first=True,
            bold=True,
        )
        _para(
            right,
            t("export.doc.motto", locale),
            size=BODY_PT,
            align=centre,
            after=0,
            bold=True,
        )
        _rule(right, 58, HEADER_WIDTHS_MM[1])
    place = plan.place or "…"
    # Non-breaking spaces keep "ngày … tháng … năm 2026" on one line.
    date_line = t("export.doc.place_date", locale, place=place, year=data.today.year)
    head, _sep, tail = date_line.partition(", ")
    date_line = head + ", " + tail.replace(" ", NBSP) if tail else date_line
    _para(
        right,
        date_line,
        size=BODY_PT,
        align=centre,
        after=0,
        italic=True,
    )


def _title(doc: Any, data: ExportData, locale: str) -> None:
    centre = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "", after=0)
    _para(doc, t("export.doc.title", locale), align=centre, after=0, bold=True)
    to = addressee(data.plan)
    _para(doc, subject(data, locale), align=centre, after=6 if to else 12, bold=True)
    if to:
        # One addressee: "Kính gửi" under the subject (Decree 30/2020, Appendix I).
        _para(doc, t("export.doc.dear", locale, to=to), align=centre, after=12)


# Word list numbering of the section headings: I., II. … then 1., 2. under each.
HEADING_NUM_ID = "90"
_HEADING_LEVELS = (("upperRoman", "%1.", False), ("decimal", "%2.", True))


def _heading_numbering(doc: Any) -> None:
    """A multi-level list (I. / 1.) tied to Heading 1 and Heading 2, so Word numbers the
    sections itself: a clerk who inserts or removes one gets the others renumbered."""
    numbering = doc.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), HEADING_NUM_ID)
    kind = OxmlElement("w:multiLevelType")
    kind.set(qn("w:val"), "multilevel")
    abstract.append(kind)
    for ilvl, (fmt, text, italic) in enumerate(_HEADING_LEVELS):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(ilvl))
        for tag, value in (
            ("w:start", "1"),
            ("w:numFmt", fmt),
            ("w:pStyle", f"Heading{ilvl + 1}"),
            ("w:suff", "space"),
            ("w:lvlText", text),
            ("w:lvlJc", "left"),
        ):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            lvl.append(el)
        ppr = OxmlElement("w:pPr")
        ind = OxmlElement("w:ind")
        ind.set(qn("w:left"), "0")
        ind.set(qn("w:firstLine"), str(round(Cm(1.0).twips)))
        ppr.append(ind)
        lvl.append(ppr)
        lvl.append(copy.deepcopy(_rpr_template(BODY_PT, True, italic, False)))
        abstract.append(lvl)
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # every abstractNum precedes every num
    else:
        numbering.append(abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), HEADING_NUM_ID)
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), HEADING_NUM_ID)
    num.append(ref)
    numbering.append(num)
    for ilvl, name in enumerate(("Heading 1", "Heading 2")):
        ppr = doc.styles[name].element.get_or_add_pPr()
        num_pr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", str(ilvl)), ("w:numId", HEADING_NUM_ID)):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            num_pr.append(el)
        # Schema order: keepNext, keepLines, pageBreakBefore, …, numPr, …, spacing.
        later = [
            ppr.find(qn(f"w:{tag}"))
            for tag in ("suppressLineNumbers", "pBdr", "shd", "tabs", "spacing", "ind", "jc")
        ]
        anchor = next((el for el in later if el is not None), None)
        if anchor is None:
            ppr.append(num_pr)
        else:
            anchor.addprevious(num_pr)


def _heading(doc: Any, text: str, level: int = 1) -> None:
    """A section heading in Word's own heading style (navigation pane, table of contents),
    numbered by Word (see `_heading_numbering`)."""
    style = "Heading 1" if level == 1 else "Heading 2"
    # Left-aligned: a justified line of capitals is stretched across the page.
    p = _para(doc, text, align=WD_ALIGN_PARAGRAPH.LEFT, indent=True, bold=True, italic=level > 1)
    p.style = doc.styles[style]


def _empty(doc: Any, locale: str) -> None:
    _para(doc, t("export.doc.empty", locale), indent=True, italic=True)


def _section_one(doc: Any, data: ExportData, locale: str) -> None:
    """I. Leadership and rollout: what the plan assigned and the period's reporting window."""
    _heading(doc, t("export.doc.section1", locale))
    plan = data.plan
    # Groups named as written ("các đơn vị liên quan") are not counted as units.
    lead_units = {
        e.unit_id
        for task in data.tasks
        for e in task.entries
        if e.role is TaskRole.LEAD and e.timeliness is not Timeliness.NOT_REQUIRED
    }
    _para(
        doc,
        t(
            "export.doc.rollout",
            locale,
            plan=plan_reference(plan, locale),
            about=about(plan.title) if locale == "vi" else short_title(plan.title),
            issuer=plan.issuer or t("export.doc.issuer_unknown", locale),
            tasks=len(data.tasks),
            units=len(lead_units),
        ),
        indent=True,
    )
    if plan.coordinator:
        _para(doc, t("export.doc.coordinator", locale, unit=plan.coordinator), indent=True)
    _para(
        doc,
        t(
            "export.doc.window",
            locale,
            period=lower_first(data.period_label),
            start=fmt_date(data.period_start),
            end=fmt_date(data.period_end),
            due=fmt_date(data.period_due),
        ),
        indent=True,
    )
    _followup(doc, data, locale)


def _followup(doc: Any, data: ExportData, locale: str) -> None:
    """What the office did in the period, from the system's own records: the reminders the
    units were sent and the reports received."""
    reports = sum(len(task.reported) for task in data.tasks)
    units = len({e.unit_id for task in data.tasks for e in task.reported})
    office = data.plan.coordinator or data.plan.issuer or t("export.doc.issuer_unknown", locale)
    if data.reminders_sent:
        text = t(
            "export.doc.followup",
            locale,
            office=keep_together(office),
            n=data.reminders_sent,
            reports=reports,
            units=units,
        )
    elif reports:
        text = t(
            "export.doc.received",
            locale,
            office=keep_together(office),
            reports=reports,
            units=units,
        )
    else:
        return
    _para(doc, text, indent=True)


def counts_sentence(
    locale: str, sentence: str, prefix: str, counts: dict[Any, int], total: int
) -> str:
    """ "Tổng số 7 đơn vị …: 1 đơn vị gửi đúng hạn (14,3%); 2 …": the first class always, the
    others only when some fall in them, each with its rate."""
    parts = [
        t(f"{prefix}.{state.value}", locale, n=n, pct=percent(n, total))
        for i, (state, n) in enumerate(counts.items())
        if n or i == 0
    ]
    return t(sentence, locale, total=total, parts="; ".join(parts))


def _timeliness(doc: Any, data: ExportData, locale: str, tz: zoneinfo.ZoneInfo) -> None:
    """II.1: which units reported on time, late or not at all, in words and as a table."""
    _heading(doc, t("export.doc.section2_1", locale), level=2)
    if not data.units:
        _para(doc, t("export.doc.nobody_due", locale), indent=True)
        _unmapped(doc, data, locale)
        return
    _para(
        doc,
        counts_sentence(
            locale,
            "export.doc.units_sentence",
            "export.doc.units_part",
            dict(data.unit_counts()),
            len(data.units),
        ),
        indent=True,
    )
    for state, key in (
        (Timeliness.LATE, "export.doc.list_late"),
        (Timeliness.PARTIAL, "export.doc.list_partial"),
        (Timeliness.NOT_SENT, "export.doc.list_not_sent"),
    ):
        names = [u.name for u in data.units_by(state)]
        if names:
            _para(doc, t(key, locale, units="; ".join(map(keep_together, names))), indent=True)
    _unmapped(doc, data, locale)
    widths = (14, 60, 19, 19, 25, 28)
    table = _grid(
        doc,
        [
            t(f"export.doc.unit_col.{c}", locale)
            for c in ("no", "unit", "expected", "reported", "submitted", "timeliness")
        ],
        widths,
    )
    for i, unit in enumerate(data.units, 1):
        submitted = unit.last_submitted_at.astimezone(tz).date() if unit.last_submitted_at else None
        _grid_row(
            table,
            [
                str(i),
                keep_together(unit.name),
                str(unit.expected),
                str(unit.reported),
                fmt_date(submitted),
                unit_timeliness_label(unit, locale),
            ],
            widths,
            centred=frozenset({0, 2, 3, 4}),
        )
    _para(doc, "", after=0)


def _unmapped(doc: Any, data: ExportData, locale: str) -> None:
    """Tasks given (in part) to a group with no units yet: said in one sentence with their
    numbers, never silently left out (the appendix notes each group)."""
    refs = [task.ref for task in data.tasks if task.unmapped_groups]
    if refs:
        _para(
            doc,
            t("export.doc.unmapped_sentence", locale, n=len(refs), refs=", ".join(refs)),
            indent=True,
        )


def percent(part: int, whole: int) -> str:
    """ "42,9%" as Vietnamese writes it (one decimal, comma); "0%" of nothing."""
    if whole <= 0:
        return "0%"
    value = round(100 * part / whole, 1)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def _task_totals(doc: Any, data: ExportData, locale: str) -> None:
    """II.2 opens with the task totals and rates, then names the tasks behind schedule."""
    _para(
        doc,
        counts_sentence(
            locale,
            "export.doc.tasks_sentence",
            "export.doc.tasks_part",
            dict(data.progress_counts()),
            len(data.tasks),
        ),
        indent=True,
    )
    behind = [task for task in data.tasks if task.progress_class is TaskProgress.BEHIND]
    if behind:
        items = [
            t("export.doc.behind_item", locale, ref=task.ref, date=fmt_date(task.due_date))
            if task.due_date
            else t("export.doc.task_ref", locale, ref=task.ref)
            for task in behind
        ]
        _para(doc, t("export.doc.list_behind", locale, tasks="; ".join(items)), indent=True)


def _next_period(doc: Any, data: ExportData, locale: str) -> bool:
    """IV: the one-off tasks due next period and the ongoing duties. False if none."""
    due = data.tasks_due_next()
    ongoing = sum(1 for task in data.tasks if task.schedule in ("recurring", "composite"))
    if due:
        _para(
            doc,
            t("export.doc.next_due_intro", locale, period=lower_first(data.next_period_label)),
            indent=True,
        )
        for task in due:
            _para(
                doc,
                t(
                    "export.doc.next_due_item",
                    locale,
                    ref=task.ref,
                    title=task.title.rstrip(". "),
                    date=fmt_date(task.due_date),
                    leads=keep_together("; ".join(task.leads)),
                ),
                indent=True,
            )
    if ongoing:
        _para(doc, t("export.doc.ongoing_next", locale, n=ongoing), indent=True)
    return bool(due or ongoing)


def _entry_head(entry: Entry, locale: str, *, with_status: bool) -> str:
    if not with_status or entry.status is None:
        return t("export.doc.entry_unit", locale, unit=entry.unit_name)
    if entry.progress is not None:
        return t(
            "export.doc.entry_status_progress",
            locale,
            unit=keep_together(entry.unit_name),
            status=status_label(entry.status, locale),
            progress=entry.progress,
        )
    return t(
        "export.doc.entry_status",
        locale,
        unit=keep_together(entry.unit_name),
        status=status_label(entry.status, locale),
    )


def _task_texts(
    doc: Any,
    data: ExportData,
    locale: str,
    pick: Callable[[Entry], str],
    *,
    with_status: bool = False,
    show_missing: bool = False,
) -> bool:
    """Each task with something to say, then every unit's text as written. False if none."""
    wrote = False
    section: str | None = None
    for task in data.tasks:
        lines = [e for e in task.entries if e.has_report and pick(e).strip()]
        missing = task.missing if show_missing else []
        if with_status:
            # Results: a unit that reported a status without text is still listed.
            lines = [e for e in task.entries if e.has_report]
        if not lines and not missing:
            continue
        if task.section and task.section != section:
            _para(doc, task.section, indent=True, italic=True, bold=True)
            section = task.section
        _para(doc, _task_heading(task, locale), indent=True, bold=True)
        for e in lines:
            p = _para(doc, "", indent=True)
            _add_text(p, _entry_head(e, locale, with_status=with_status), BODY_PT, italic=True)
            text = pick(e)
            if text.strip():
                _add_text(p, " ", BODY_PT)
                _add_text(p, text, BODY_PT)
        for e in missing:
            _para(
                doc,
                t("export.doc.entry_missing", locale, unit=e.unit_name),
                indent=True,
                italic=True,
            )
        wrote = True
    return wrote


def _task_heading(task: TaskData, locale: str) -> str:
    return t("export.doc.task_heading", locale, ref=task.ref, title=task.title)


def _body(doc: Any, data: ExportData, locale: str, tz: zoneinfo.ZoneInfo) -> None:
    _section_one(doc, data, locale)
    _heading(doc, t("export.doc.section2", locale))
    _timeliness(doc, data, locale, tz)
    _heading(doc, t("export.doc.section2_2", locale), level=2)
    _task_totals(doc, data, locale)
    # With no report at all, II.2 says so once (the table above already names every unit).
    if not data.has_reports or not _task_texts(
        doc, data, locale, lambda e: e.results, with_status=True, show_missing=True
    ):
        _empty(doc, locale)
    _heading(doc, t("export.doc.section3", locale))
    if not _unit_texts(doc, data, locale, lambda e: e.difficulties):
        _empty(doc, locale)
    _heading(doc, t("export.doc.section4", locale))
    planned = _next_period(doc, data, locale)
    if not _task_texts(doc, data, locale, lambda e: e.next_plan) and not planned:
        _empty(doc, locale)
    _heading(doc, t("export.doc.section5", locale))
    if not _unit_texts(doc, data, locale, lambda e: e.proposals):
        _empty(doc, locale)


def _unit_texts(doc: Any, data: ExportData, locale: str, pick: Callable[[Entry], str]) -> bool:
    """III and V: difficulties or proposals unit by unit, each text as written once with the
    tasks it was given for (a unit often gives the same one for several). False if none."""
    found: dict[tuple[int, str], tuple[str, str, list[str]]] = {}
    for task in data.tasks:
        for e in task.reported:
            text = pick(e).strip()
            if not text:
                continue
            key = (e.unit_id, " ".join(text.split()).casefold())
            refs = found.setdefault(key, (e.unit_name, text, []))[2]
            if task.ref not in refs:
                refs.append(task.ref)
    for name, text, refs in sorted(found.values(), key=lambda item: vi_sort_key(item[0])):
        p = _para(doc, "", indent=True)
        head = t(
            "export.doc.unit_text_head", locale, unit=keep_together(name), tasks=", ".join(refs)
        )
        _add_text(p, head, BODY_PT, italic=True)
        _add_text(p, " ", BODY_PT)
        _add_text(p, text, BODY_PT)
    return bool(found)


def _signature(doc: Any, data: ExportData, locale: str) -> None:
    """ "Nơi nhận" on the left, the signing authority on the right; names left blank."""
    plan = data.plan
    party = plan.family is DocumentFamily.PARTY
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    _fixed_widths(table, (80, 85))
    left, right = table.rows[0].cells
    if party:
        _para(
            left,
            t("export.doc.recipients", locale),
            size=BODY_PT,
            align=None,
            after=0,
            first=True,
            underline=True,
        )
        entry_pt = 12.0
    else:
        _para(
            left,
            t("export.doc.recipients", locale),
            size=12,
            align=None,
            after=0,
            first=True,
            bold=True,
            italic=True,
        )
        entry_pt = 11.0
    for line in recipients(data, locale):
        _para(left, line, size=entry_pt, align=None, after=0)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    lines = _signature_lines(plan.family, plan.issuer or "", locale)
    if plan.signer_title:
        # The office's own wording ("KT. CHỦ TỊCH; PHÓ CHỦ TỊCH") after any "TM." line.
        own = [p.strip().upper() for p in plan.signer_title.replace("\n", ";").split(";")]
        keep = {t("export.doc.sign_ubnd", locale), t("export.doc.sign_party", locale)}
        lines = [x for x in lines[:1] if x in keep] + [p for p in own if p]
    for i, line in enumerate(lines):
        _para(right, line, size=BODY_PT, align=centre, after=0, first=i == 0, bold=True)
    for _ in range(4):
        _para(right, "", size=BODY_PT, align=centre, after=0)
    if plan.signer_name:
        _para(right, plan.signer_name, size=BODY_PT, align=centre, after=0, bold=True)
    # The block never splits across pages (its blank signing lines would make a blank page).
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def recipients(data: ExportData, locale: str) -> list[str]:
    """ "Nơi nhận": the addressee (as "Như trên" when named in "Kính gửi"), the coordinating
    office, the lead units, and the archive line with the office's abbreviation."""
    plan = data.plan
    lines = [t("export.doc.recipient_above", locale)] if addressee(plan) else []
    if plan.coordinator:
        lines.append(t("export.doc.recipient_unit", locale, unit=keep_together(plan.coordinator)))
    if data.units:
        lines.append(t("export.doc.recipient_leads", locale))
    if not lines:
        lines.append(t("export.doc.recipient_more", locale))
    office = unit_abbreviation(plan.coordinator) if plan.coordinator else ""
    lines.append(
        t("export.doc.recipient_archive_to", locale, office=office)
        if office
        else t("export.doc.recipient_archive", locale)
    )
    return lines


def _signature_lines(family: DocumentFamily, issuer: str, locale: str) -> list[str]:
    if family is DocumentFamily.PARTY:
        return [t("export.doc.sign_party", locale), t("export.doc.sign_party_title", locale)]
    folded = issuer.casefold()
    if "ủy ban nhân dân" in folded or "uỷ ban nhân dân" in folded or "ubnd" in folded:
        return [
            t("export.doc.sign_ubnd", locale),
            t("export.doc.sign_ubnd_kt", locale),
            t("export.doc.sign_ubnd_title", locale),
        ]
    if folded.startswith("sở"):
        return [t("export.doc.sign_dept_kt", locale), t("export.doc.sign_dept_title", locale)]
    return [t("export.doc.sign_head", locale)]


def _flatten_break(doc: Any) -> None:
    """Make the paragraph carrying the section break 1 pt high, with no spacing.

    It follows the signature table; at full height it spills onto a page of its own when the
    signature ends a page, leaving a blank page before the appendix.
    """
    breaks = doc.element.body.findall(qn("w:p"))
    holder = next(
        (
            p
            for p in reversed(breaks)
            if p.find(qn("w:pPr")) is not None
            and p.find(qn("w:pPr")).find(qn("w:sectPr")) is not None
        ),
        None,
    )
    if holder is None:
        return
    ppr = holder.find(qn("w:pPr"))
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:before"), "0")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "20")
    spacing.set(qn("w:lineRule"), "exact")
    ppr.insert(0, spacing)
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark.append(size)
    ppr.find(qn("w:sectPr")).addprevious(mark)


def _appendix(doc: Any, data: ExportData, locale: str) -> None:
    """A landscape section with one row per task."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _flatten_break(doc)
    _page_setup(section, landscape=True)
    section.different_first_page_header_footer = False
    centre = WD_ALIGN_PARAGRAPH.CENTER
    plan = data.plan
    _para(doc, t("export.doc.appendix", locale), align=centre, after=0, bold=True)
    _para(
        doc,
        t(
            "export.doc.appendix_title",
            locale,
            period=lower_first(data.period_label).upper(),
            plan=plan_reference(plan, locale).upper(),
        ),
        align=centre,
        after=0,
        bold=True,
    )
    number_key = (
        "export.doc.appendix_ref_party"
        if plan.family is DocumentFamily.PARTY
        else "export.doc.appendix_ref"
    )
    _para(
        doc,
        t(
            number_key,
            locale,
            abbr=doc_abbreviation(plan),
            year=data.today.year,
            issuer=plan.issuer or t("export.doc.issuer_unknown", locale),
        ),
        align=centre,
        after=12,
        italic=True,
    )
    headers = [
        t(f"export.doc.appendix_col.{c}", locale)
        for c in ("no", "task", "lead", "support", "deadline", "results", "state", "note")
    ]
    table = _grid(doc, headers, APPENDIX_WIDTHS_MM)
    for task in data.tasks:
        _grid_row(
            table,
            [
                task.ref,
                task.title,
                "\n".join(map(keep_together, task.leads)),
                "\n".join(map(keep_together, task.supports)),
                task.timeframe_text or fmt_date(task.due_date),
                _appendix_results(task, locale),
                _appendix_state(task, locale),
                _appendix_note(task, locale),
            ],
            APPENDIX_WIDTHS_MM,
            centred=frozenset({0}),
        )


def _appendix_results(task: TaskData, locale: str) -> str:
    reported = [e for e in task.reported if e.results.strip()]
    if not reported:
        return ""
    if len(task.entries) == 1:
        return reported[0].results
    return "\n".join(
        t("export.doc.appendix_result", locale, unit=e.unit_name, text=e.results) for e in reported
    )


def _appendix_state(task: TaskData, locale: str) -> str:
    if task.progress_class is TaskProgress.UNASSIGNED:
        return t("export.xlsx.task_class.unassigned", locale)
    label = status_label(task.state, locale)
    if task.missing:
        return label  # a lead still silent: no progress figure to quote
    progress = task.min_progress
    return f"{label} ({progress}%)" if progress is not None else label


def _appendix_note(task: TaskData, locale: str) -> str:
    notes: list[str] = []
    if task.overdue_days:
        notes.append(
            t(
                "export.doc.note_overdue",
                locale,
                days=task.overdue_days,
                date=fmt_date(task.due_date),
            )
        )
    late = [e for e in task.entries if e.timeliness is Timeliness.LATE]
    for e in late:
        notes.append(
            t(
                "export.doc.note_late",
                locale,
                unit=e.unit_name,
                timeliness=lower_first(entry_timeliness_label(e, locale)),
            )
        )
    if task.missing:
        notes.append(
            t("export.doc.note_missing", locale, units="; ".join(e.unit_name for e in task.missing))
        )
    for words in task.unmapped_groups:
        notes.append(t("collectives.export.note", locale, name=words))
    for e in task.entries:
        if e.timeliness is Timeliness.DONE_EARLIER:
            notes.append(t("export.doc.note_done_earlier", locale, unit=e.unit_name))
        if e.evidence_ref.strip():
            notes.append(
                t("export.doc.note_evidence", locale, unit=e.unit_name, text=e.evidence_ref)
            )
    return "\n".join(notes)


def _properties(doc: Any, data: ExportData, locale: str) -> None:
    """Core properties a document list shows: short title, issuing body, now, Vietnamese."""
    props = doc.core_properties
    props.title = _cap(subject(data, locale))
    props.subject = _cap(short_title(data.plan.title))
    props.author = _cap(data.plan.issuer or "")
    props.last_modified_by = props.author
    props.comments = ""
    props.keywords = _cap(data.period_label)
    props.language = "vi-VN" if locale == "vi" else "en-US"
    props.created = data.generated_at.astimezone(dt.UTC).replace(tzinfo=None)
    props.modified = props.created
    props.revision = 1


def _cap(text: str, limit: int = 255) -> str:
    """Core properties hold at most 255 characters: cut at a word boundary."""
    text = xml_safe(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def render_docx(data: ExportData, locale: str = "vi", tz: zoneinfo.ZoneInfo | None = None) -> bytes:
    """The compiled report draft as .docx bytes; number, date and signature left blank."""
    zone = tz or zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    doc = Document()
    _set_base_styles(doc)
    _heading_numbering(doc)
    first = doc.sections[0]
    _page_setup(first, landscape=False)
    _page_number_header(first)
    _properties(doc, data, locale)
    _header(doc, data, locale)
    _title(doc, data, locale)
    _body(doc, data, locale, zone)
    _para(doc, "", after=0)
    _signature(doc, data, locale)
    _appendix(doc, data, locale)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
