"""The Word draft, opened again: layout per Decree 30/2020, content matching the database."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from db.database import Database
from db.models import DocumentFamily, Plan
from domain.clock import FrozenClock
from domain.export import ExportFormat, export, gather_export
from domain.export.word import render_docx
from domain.periods import period_by_key
from domain.registry import rule_specs
from domain.status import UnitState, summary
from tests.test_export_data import (
    CA,
    DIFF_VHXH,
    KT,
    MTTQ,
    NEXT_VHXH,
    PROPOSAL_KT,
    PROPOSAL_VHXH,
    RESULTS_KT,
    RESULTS_TYT,
    RESULTS_VHXH,
    TYT,
    TZ,
    VHXH,
    build_plan,
)

FONT = "Times New Roman"
# The section headings as written; Word numbers them (I., II. … and 1., 2. under them).
SECTIONS = (
    "CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TỔ CHỨC TRIỂN KHAI THỰC HIỆN",
    "KẾT QUẢ THỰC HIỆN",
    "TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "NHIỆM VỤ TRỌNG TÂM KỲ TỚI",
    "ĐỀ XUẤT, KIẾN NGHỊ",
)
APPENDIX_HEAD = [
    "STT",
    "Nhiệm vụ",
    "Chủ trì",
    "Phối hợp",
    "Thời hạn",
    "Kết quả thực hiện",
    "Tình trạng",
    "Ghi chú",
]


def has_rule(p: Paragraph) -> bool:
    """True when the paragraph draws a horizontal rule (a top border)."""
    ppr = p._p.find(qn("w:pPr"))
    bdr = ppr.find(qn("w:pBdr")) if ppr is not None else None
    return bdr is not None and bdr.find(qn("w:top")) is not None


def blocks(doc: Any) -> list[Paragraph | Table]:
    """Body paragraphs and tables in document order."""
    out: list[Paragraph | Table] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append(Paragraph(el, doc))
        elif el.tag == qn("w:tbl"):
            out.append(Table(el, doc))
    return out


def texts(items: list[Paragraph | Table]) -> list[str]:
    """Paragraph texts (tables flattened to their cells' paragraphs)."""
    out: list[str] = []
    for b in items:
        if isinstance(b, Paragraph):
            out.append(b.text)
        else:
            out.extend(p.text for row in b.rows for c in row.cells for p in c.paragraphs)
    return out


def runs_of(par: Paragraph) -> list[Any]:
    return [r for r in par.runs if r.text.strip()]


def all_bold(par: Paragraph) -> bool:
    return all(r.bold for r in runs_of(par)) and bool(runs_of(par))


async def make_docx(db: Database, clock: FrozenClock, **kw: Any) -> tuple[Any, Any]:
    sc = await build_plan(db, clock, **kw)
    out = await export(
        sc.deps, plan_ref=str(sc.plan_id), period_key="2026-Q4", fmt=ExportFormat.DOCX
    )
    return Document(io.BytesIO(out.content)), sc


async def test_header_title_subject_and_sections(db: Database, clock: FrozenClock) -> None:
    doc, _sc = await make_docx(db, clock)
    body = blocks(doc)
    header = body[0]
    assert isinstance(header, Table)
    assert len(header.columns) == 2 and len(header.rows) == 1
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    left, right = (c.paragraphs for c in header.rows[0].cells)
    # A People's Committee names itself on two bold lines, no parent body (Decree 30/2020).
    assert left[0].text == "ỦY BAN NHÂN DÂN" and all_bold(left[0])
    assert left[1].text == "ĐẶC KHU KIÊN HẢI" and all_bold(left[1])
    assert has_rule(left[2]) and not left[2].text  # the short rule under the body's name
    assert left[3].text.startswith("Số:") and left[3].text.endswith("/BC-UBND")
    assert left[3].text.replace("Số:", "").replace("/BC-UBND", "").strip() == ""  # number blank
    assert right[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and all_bold(right[0])
    assert right[1].text == "Độc lập - Tự do - Hạnh phúc" and all_bold(right[1])
    assert has_rule(right[2]) and not right[2].text  # the rule under the motto
    place = right[3]
    assert "\u00a0" in place.text  # the date is kept on one line
    assert all(r.italic for r in runs_of(place))
    assert place.text.startswith("Kiên Hải, ngày") and place.text.endswith("năm\u00a02026")
    assert not any(ch.isdigit() for ch in place.text.replace("2026", ""))  # day/month blank

    paragraphs = [b for b in body if isinstance(b, Paragraph) and b.text.strip()]
    title = paragraphs[0]
    assert title.text == "BÁO CÁO" and all_bold(title)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    subject = paragraphs[1]
    assert all_bold(subject) and subject.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "quý IV/2026" in subject.text
    assert "Kế hoạch số 125/KH-UBND ngày 15/01/2026" in subject.text
    assert "Nghị quyết số 72-NQ/TW" in subject.text
    assert "về thực hiện" not in subject.text and "thực hiện Kế hoạch" in subject.text
    assert subject.text.endswith("quý IV/2026")
    assert "V/v" not in subject.text

    flat = [p.text for p in paragraphs]
    positions = [flat.index(h) for h in SECTIONS]
    assert positions == sorted(positions)
    for h in SECTIONS:
        assert all_bold(paragraphs[flat.index(h)])

    # Unit texts as written, each under the right heading.
    def section_of(text: str) -> int:
        at = next(i for i, p in enumerate(flat) if text in p)
        return max(i for i, pos in enumerate(positions) if pos < at)

    assert section_of(RESULTS_VHXH) == 1
    assert section_of(RESULTS_TYT) == 1
    assert section_of(RESULTS_KT) == 1
    assert section_of(DIFF_VHXH) == 2
    assert section_of(NEXT_VHXH) == 3
    assert section_of(PROPOSAL_VHXH) == 4 and section_of(PROPOSAL_KT) == 4
    # Multi-line unit text kept with its line break and its braces.
    assert any(RESULTS_VHXH in p for p in flat)

    # Signature block and "Nơi nhận" left for the office.
    sign = [b for b in body if isinstance(b, Table)][2]
    left_cell, right_cell = sign.rows[0].cells
    recipients = left_cell.paragraphs[0]
    assert recipients.text == "Nơi nhận:"
    assert all(r.bold and r.italic and r.font.size.pt == 12 for r in runs_of(recipients))
    assert all(r.font.size.pt == 11 for p in left_cell.paragraphs[1:] for r in runs_of(p))
    assert [p.text for p in right_cell.paragraphs if p.text] == [
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
    ]


async def test_timeliness_table_matches_database(db: Database, clock: FrozenClock) -> None:
    doc, sc = await make_docx(db, clock)
    tables = [b for b in blocks(doc) if isinstance(b, Table)]
    table = tables[1]
    head = [c.text for c in table.rows[0].cells]
    assert head == [
        "STT",
        "Đơn vị",
        "Phải báo cáo",
        "Đã báo cáo",
        "Ngày gửi",
        "Tình trạng",
    ]
    # Unit names keep their hyphenated joins with non-breaking spaces (never split there).
    rows = {
        r.cells[1].text.replace("\u00a0", " "): [c.text for c in r.cells] for r in table.rows[1:]
    }
    async with db.read() as s:
        plan = await s.get(Plan, sc.plan_id)
        assert plan is not None
        period = period_by_key(await rule_specs(s, plan.id), "2026-Q4")
        assert period is not None
        status = await summary(s, plan, period, clock.now(), TZ)
    owing = [u for u in status.units if u.state is not UnitState.NOTHING_DUE]
    assert set(rows) == {u.name for u in owing}
    for u in owing:
        row = rows[u.name]
        assert row[2] == str(u.expected) and row[3] == str(u.reported)
    assert rows[VHXH][4:] == ["20/11/2026", "Đúng hạn"]
    assert rows[TYT][4:] == ["13/12/2026", "Chậm 3 ngày"]
    assert rows[KT][5] == "Đã gửi 1/2 nhiệm vụ"
    assert rows[CA][4:] == ["", "Chưa gửi"] and rows[MTTQ][4:] == ["", "Chưa gửi"]
    flat = texts(blocks(doc))
    assert any(f"Các đơn vị chưa gửi báo cáo: {CA}; {MTTQ}." == p for p in flat)
    assert any(
        p.startswith("Tổng số 5 đơn vị phải gửi báo cáo: 1 đơn vị gửi đúng hạn") for p in flat
    )


async def test_page_layout_fonts_and_landscape_appendix(db: Database, clock: FrozenClock) -> None:
    doc, _sc = await make_docx(db, clock)
    first, appendix = doc.sections
    assert first.orientation == WD_ORIENT.PORTRAIT
    assert abs(first.page_width.mm - 210) < 0.5 and abs(first.page_height.mm - 297) < 0.5
    assert 20 <= round(first.top_margin.mm) <= 25 and 20 <= round(first.bottom_margin.mm) <= 25
    assert 30 <= round(first.left_margin.mm) <= 35 and 15 <= round(first.right_margin.mm) <= 20
    # No page number on page 1: a different, empty first-page header; PAGE field afterwards.
    assert first.different_first_page_header_footer
    assert "PAGE" not in first.first_page_header._element.xml
    assert "PAGE" in first.header._element.xml
    assert not first.first_page_footer._element.xml.count("PAGE")

    assert appendix.orientation == WD_ORIENT.LANDSCAPE
    assert appendix.page_width.mm > appendix.page_height.mm
    assert abs(appendix.page_width.mm - 297) < 0.5
    body = blocks(doc)
    # Everything after the paragraph holding the first section break belongs to the appendix.
    brk = next(
        i
        for i, b in enumerate(body)
        if isinstance(b, Paragraph)
        and b._p.find(qn("w:pPr")) is not None
        and b._p.pPr.find(qn("w:sectPr")) is not None
    )
    tail = body[brk + 1 :]
    tail_text = [b.text for b in tail if isinstance(b, Paragraph)]
    assert tail_text[0] == "Phụ lục"
    assert any(p.startswith("(Kèm theo Báo cáo số") and "/BC-UBND" in p for p in tail_text)
    table = next(b for b in tail if isinstance(b, Table))
    assert [c.text for c in table.rows[0].cells] == APPENDIX_HEAD
    assert [r.cells[0].text for r in table.rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    row3 = [c.text for c in table.rows[3].cells]
    assert row3[2] == f"{KT}\n{CA}" and row3[4] == "Trong năm 2026"
    assert RESULTS_KT in row3[5] and row3[6] == "Đang triển khai"  # Công an has not reported
    assert f"Chưa báo cáo: {CA}" in row3[7]
    assert "Quá hạn" in table.rows[6].cells[7].text  # task 6, due 30/06/2026

    # Times New Roman on every run (all four script slots), body and headers; sizes 13-14
    # except "Nơi nhận" (12) and its entries (11).
    parts = [doc.element.body, first.header._element, first.first_page_header._element]
    runs = [r for part in parts for r in part.iter(qn("w:r"))]
    assert len(runs) > 50
    sizes: set[float] = set()
    for r in runs:
        fonts = r.find(qn("w:rPr")).find(qn("w:rFonts"))
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            assert fonts.get(qn(f"w:{slot}")) == FONT
        sz = r.find(qn("w:rPr")).find(qn("w:sz"))
        sizes.add(int(sz.get(qn("w:val"))) / 2)
    assert sizes <= {11, 12, 13, 14}
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rfonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert rfonts.get(qn("w:ascii")) == FONT and rfonts.get(qn("w:eastAsia")) == FONT
    assert rfonts.get(qn("w:asciiTheme")) is None
    assert doc.styles["Normal"].font.name == FONT


async def test_party_family_header(db: Database, clock: FrozenClock) -> None:
    doc, _sc = await make_docx(db, clock, family=DocumentFamily.PARTY)
    header = blocks(doc)[0]
    assert isinstance(header, Table)
    left, right = (c.paragraphs for c in header.rows[0].cells)
    assert right[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM" and all_bold(right[0])
    assert left[1].text == "ĐẢNG ỦY ĐẶC KHU KIÊN HẢI" and all_bold(left[1])
    number = next(p.text for p in left if p.text.startswith("Số"))
    assert number.endswith("-BC/ĐU") and "/BC-" not in number
    flat = texts(blocks(doc))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in flat
    assert "T/M ĐẢNG ỦY" in flat and "TM. ỦY BAN NHÂN DÂN" not in flat
    assert any("Kế hoạch số 15-KH/ĐU" in p for p in flat)


async def test_period_without_reports_is_still_a_draft(db: Database, clock: FrozenClock) -> None:
    doc, _sc = await make_docx(db, clock, with_reports=False)
    flat = [b.text for b in blocks(doc) if isinstance(b, Paragraph)]
    for h in SECTIONS:
        assert h in flat
    positions = [flat.index(h) for h in SECTIONS]
    # II (results), III and V each say "Chưa có báo cáo." instead of disappearing; IV is
    # drafted from the plan: the tasks due next quarter and the ongoing duties.
    for i, (start, end) in enumerate(
        zip(positions[1:], [*positions[2:], len(flat)], strict=True), 1
    ):
        if SECTIONS[i] == "NHIỆM VỤ TRỌNG TÂM KỲ TỚI":
            part = flat[start:end]
            assert part[1] == "Các nhiệm vụ cần hoàn thành trước kỳ báo cáo tới (quý I/2027):"
            assert [line[:13] for line in part[2:4]] == ["- Nhiệm vụ 2:", "- Nhiệm vụ 3:"]
            assert "hạn 31/12/2026; chủ trì: Phòng Kinh tế; Công an đặc khu" in part[3]
            assert part[4] == "- Tiếp tục thực hiện 3 nhiệm vụ thường xuyên."
        else:
            assert "Chưa có báo cáo." in flat[start:end]
    totals = next(line for line in flat if line.startswith("Trong tổng số"))
    assert totals.startswith("Trong tổng số 6 nhiệm vụ: 0 nhiệm vụ đã hoàn thành (0%);")
    table = [b for b in blocks(doc) if isinstance(b, Table)][1]
    assert {r.cells[5].text for r in table.rows[1:]} == {"Chưa gửi"}
    appendix = [b for b in blocks(doc) if isinstance(b, Table)][-1]
    assert len(appendix.rows) == 1 + 6
    states = [r.cells[6].text for r in appendix.rows[1:]]
    # Task 5 is led by a group with no units: nobody owes it, and it says so.
    assert states[4] == "Giao cho nhóm chưa xác định đơn vị"
    assert set(states[:4] + states[5:]) == {"Chưa có báo cáo"}


async def test_english_labels_and_unsafe_characters(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, None, "2026-Q4", "en")
    entry = data.tasks[0].entries[0]
    entry.results = "Dòng một\r\nDòng hai\x0bkết thúc"
    doc = Document(io.BytesIO(render_docx(data, "en", TZ)))
    flat = texts(blocks(doc))
    assert "REPORT" in flat and "SOCIALIST REPUBLIC OF VIETNAM" in flat
    assert any(
        p.startswith("Results of implementing Plan No. 125/KH-UBND") and p.endswith("Q4 2026")
        for p in flat
    )
    # A control character XML cannot hold shows as U+FFFD instead of breaking the file.
    assert any("Dòng một\nDòng hai\ufffdkết thúc" in p for p in flat)


async def test_every_count_in_the_text(db: Database, clock: FrozenClock) -> None:
    """Units: VH-XH on time, Trạm Y tế 3 days late, Kinh tế 1 of 2 on time, Công an and MTTQ
    silent. Tasks at 15/12/2026: 1 maintained and 2 in progress (on schedule), 3 done by one
    lead of two (in progress), 4 unreported, 5 led by a group (nothing owed), 6 due 30/06 and
    not reported (behind)."""
    doc, _sc = await make_docx(db, clock)
    flat = [b.text for b in blocks(doc) if isinstance(b, Paragraph)]
    assert (
        "Tổng số 5 đơn vị phải gửi báo cáo: 1 đơn vị gửi đúng hạn, đầy đủ (20%); 1 đơn vị gửi"
        " chậm (20%); 1 đơn vị gửi đúng hạn nhưng chưa đầy đủ (20%); 2 đơn vị chưa gửi (40%)."
    ) in flat
    # Task 5, led by a group with no units yet, is counted as such, never as "not due"; a
    # class with no task is left out, except the first.
    assert (
        "Trong tổng số 6 nhiệm vụ: 0 nhiệm vụ đã hoàn thành (0%); 3 nhiệm vụ đang triển khai"
        " đúng tiến độ (50%); 1 nhiệm vụ chậm tiến độ hoặc gặp vướng mắc (16,7%); 1 nhiệm vụ"
        " chưa có báo cáo (16,7%); 1 nhiệm vụ giao cho nhóm chưa xác định đơn vị (16,7%)."
    ) in flat
    assert not any("0 nhiệm vụ chưa đến kỳ" in p or "0 nhiệm vụ chưa triển khai" in p for p in flat)
    # Section I from the system's records: 3 task reports from 3 units, no reminder sent.
    assert (
        "Trong kỳ, Phòng Văn hóa\u00a0-\u00a0Xã hội đã tiếp nhận 3 báo cáo nhiệm vụ của 3 đơn vị."
        in flat
    )
    assert not any(p.startswith("(Văn phòng bổ sung") for p in flat)
    assert "Các nhiệm vụ chậm tiến độ: nhiệm vụ 6 (hạn 30/06/2026)." in flat


async def test_real_word_styles_and_repeated_table_headers(
    db: Database, clock: FrozenClock
) -> None:
    doc, _sc = await make_docx(db, clock)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SECTIONS)
    subs = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert subs[:2] == [
        "Tình hình gửi báo cáo của các đơn vị",
        "Kết quả thực hiện các nhiệm vụ",
    ]
    # Real Word list numbering: Heading 1 is I., II. …, Heading 2 is 1., 2. under it, and no
    # heading types its own number.
    numbering = doc.part.numbering_part.element
    for ilvl, (name, fmt, text) in enumerate(
        (("Heading 1", "upperRoman", "%1."), ("Heading 2", "decimal", "%2."))
    ):
        num_pr = doc.styles[name].element.pPr.find(qn("w:numPr"))
        assert num_pr is not None
        assert num_pr.find(qn("w:ilvl")).get(qn("w:val")) == str(ilvl)
        num_id = num_pr.find(qn("w:numId")).get(qn("w:val"))
        num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
        abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
        abstract = next(
            a
            for a in numbering.findall(qn("w:abstractNum"))
            if a.get(qn("w:abstractNumId")) == abstract_id
        )
        lvl = abstract.findall(qn("w:lvl"))[ilvl]
        assert lvl.find(qn("w:numFmt")).get(qn("w:val")) == fmt
        assert lvl.find(qn("w:lvlText")).get(qn("w:val")) == text
    assert not any(h[:1].isdigit() or h.split(".")[0] in ("I", "II", "V") for h in headings + subs)
    assert doc.styles["Heading 1"].font.name == FONT
    grids = [b for b in blocks(doc) if isinstance(b, Table) and b.cell(0, 0).text == "STT"]
    assert len(grids) == 2
    for table in grids:
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
    props = doc.core_properties
    assert props.author == "Ủy ban nhân dân đặc khu Kiên Hải" and props.language == "vi-VN"
    assert props.title.startswith("Kết quả thực hiện Kế hoạch số 125/KH-UBND")
    assert props.created is not None and props.created.year == 2026


async def test_difficulties_and_proposals_unit_by_unit(db: Database, clock: FrozenClock) -> None:
    """III and V list each unit's text once, with the tasks it was given for, units in
    Vietnamese order; the task headings are not repeated there."""
    import dataclasses

    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    kt = next(e for e in data.tasks[2].entries if e.unit_name == KT)
    # Phòng Kinh tế gives the same proposal for task 6 too, as units often do.
    data.tasks[5].entries = [dataclasses.replace(kt)]
    doc = Document(io.BytesIO(render_docx(data, "vi", TZ)))
    flat = [p.text for p in doc.paragraphs]
    start = flat.index("ĐỀ XUẤT, KIẾN NGHỊ")
    section = flat[start + 1 : start + 3]
    assert section == [
        f"- {KT} (nhiệm vụ 3, 6): {PROPOSAL_KT}",
        f"- Phòng Văn hóa\u00a0-\u00a0Xã hội (nhiệm vụ 1): {PROPOSAL_VHXH}",
    ]
    assert sum(PROPOSAL_KT in p for p in flat) == 1
    difficulties = flat[flat.index("TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN") + 1]
    assert difficulties == f"- Phòng Văn hóa\u00a0-\u00a0Xã hội (nhiệm vụ 1): {DIFF_VHXH}"


async def test_section_one_counts_the_reminders_sent(db: Database, clock: FrozenClock) -> None:
    """Section I says how many reminders the units were sent for the period (the office's
    digest and failed or other periods' deliveries are not counted)."""
    from db.models import ReminderDelivery

    sc = await build_plan(db, clock)
    now = clock.now()
    async with db.transaction() as s:
        for i, (period, unit, state) in enumerate(
            [
                ("2026-Q4", sc.unit_ids[KT], "sent"),
                ("2026-Q4", sc.unit_ids[CA], "sent"),
                ("2026-Q4", sc.unit_ids[CA], "failed"),
                ("2026-Q4", None, "sent"),  # the office's digest
                ("2026-Q3", sc.unit_ids[KT], "sent"),
            ]
        ):
            s.add(
                ReminderDelivery(
                    key=f"k{i}",
                    plan_id=sc.plan_id,
                    period_key=period,
                    unit_id=unit,
                    channel="telegram",
                    kind="before_due" if unit else "digest",
                    point="x",
                    scheduled_at=now,
                    state=state,
                    claimed_at=now,
                )
            )
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    assert data.reminders_sent == 2
    doc = Document(io.BytesIO(render_docx(data, "vi", TZ)))
    assert (
        "Trong kỳ, Phòng Văn hóa\u00a0-\u00a0Xã hội đã đôn đốc các đơn vị 2 lượt qua hệ thống nhắc"
        " việc; đã tiếp nhận 3 báo cáo nhiệm vụ của 3 đơn vị."
    ) in [p.text for p in doc.paragraphs]
