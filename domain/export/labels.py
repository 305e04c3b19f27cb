"""Localised wording shared by the export formats (timeliness, task states, dates)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from db.models import DocumentFamily, ReportStatus
from domain.export.data import Entry, ExportData, PlanInfo, TaskState, Timeliness, UnitTimeliness
from locales import t

# Characters XML 1.0 cannot carry (Word and Excel files would be rejected).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Replace characters XML cannot hold with U+FFFD, visibly, instead of failing or dropping."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def fmt_date(day: dt.date | None) -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y") if day else ""


def fmt_moment(moment: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """dd/mm/yyyy HH:MM in the deployment's time zone."""
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M") if moment else ""


def unit_timeliness_label(unit: UnitTimeliness, locale: str) -> str:
    """On time / late by N days / sent m of n / not sent."""
    if unit.timeliness is Timeliness.ON_TIME:
        return t("export.timeliness.on_time", locale)
    if unit.timeliness is Timeliness.LATE:
        return t("export.timeliness.late", locale, days=unit.days_late)
    if unit.timeliness is Timeliness.PARTIAL:
        if unit.days_late > 0:
            return t(
                "export.timeliness.partial_late",
                locale,
                reported=unit.reported,
                expected=unit.expected,
                days=unit.days_late,
            )
        return t(
            "export.timeliness.partial", locale, reported=unit.reported, expected=unit.expected
        )
    return t("export.timeliness.not_sent", locale)


def entry_timeliness_label(entry: Entry, locale: str) -> str:
    """The timeliness of one unit's report on one task."""
    if entry.timeliness is Timeliness.LATE:
        return t("export.timeliness.late", locale, days=entry.days_late)
    return t(f"export.timeliness.{entry.timeliness.value}", locale)


def status_label(status: ReportStatus | TaskState, locale: str) -> str:
    """A report status or task state in words (Hoàn thành, Đang triển khai…)."""
    return t(f"export.state.{status.value}", locale)


def lower_first(text: str) -> str:
    """ "Quý IV/2026" -> "quý IV/2026" inside a sentence; "Q4 2026" and "UBND" stay as they are."""
    if len(text) > 1 and text[1].islower():
        return text[:1].lower() + text[1:]
    return text


# Document types keep their capital when a title starts with one ("về Nghị quyết số 72…").
_KEEP_CAPITAL = re.compile(
    r"^(Nghị quyết|Nghị định|Chỉ thị|Kết luận|Quyết định|Kế hoạch|Chương trình|Luật|Đề án"
    r"|Thông tư|Công văn|Hướng dẫn|Đảng|Nhà nước|Chính phủ|Quốc hội|Nhân dân|Việt Nam)\b"
)


def title_in_sentence(title: str) -> str:
    """A plan title placed after "về": lower its first letter unless it names a document type
    or a proper noun (all-capital words such as "UBND" keep theirs too)."""
    first = title.split(maxsplit=1)[0] if title.strip() else ""
    if _KEEP_CAPITAL.match(title) or (len(first) > 1 and first.isupper()):
        return title
    return lower_first(title)


def plan_reference(plan: PlanInfo, locale: str) -> str:
    """ "Kế hoạch số 125/KH-UBND ngày 15/01/2026", with what is known."""
    if plan.number and plan.issued_on:
        return t(
            "export.doc.plan_ref_full", locale, number=plan.number, date=fmt_date(plan.issued_on)
        )
    if plan.number:
        return t("export.doc.plan_ref_number", locale, number=plan.number)
    return t("export.doc.plan_ref_bare", locale)


def doc_abbreviation(plan: PlanInfo) -> str:
    """The issuer's abbreviation for the report number, taken from the plan's own number."""
    number = plan.number or ""
    if plan.family is DocumentFamily.PARTY:
        m = re.search(r"-KH/(\S+)", number)
        return m.group(1) if m else "ĐU"
    m = re.search(r"/KH-(\S+)", number)
    if m:
        return m.group(1)
    issuer = (plan.issuer or "").casefold()
    return "UBND" if "ủy ban nhân dân" in issuer or "ubnd" in issuer else "…"


def subject(data: ExportData, locale: str) -> str:
    """The report's subject: the period and the plan by number, date and title."""
    return t(
        "export.doc.subject",
        locale,
        period=lower_first(data.period_label),
        plan=plan_reference(data.plan, locale),
        title=title_in_sentence(data.plan.title),
    )


def export_filename(data: ExportData, ext: str) -> str:
    """An ASCII file name: bao-cao-<plan id>-<period key>.<ext>."""
    return f"bao-cao-ke-hoach-{data.plan.id}-{data.period_key}.{ext}"
