"""Localised wording shared by the export formats (timeliness, task states, dates)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from db.models import DocumentFamily, Plan, ReportStatus
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
    if unit.timeliness is Timeliness.LATE and unit.reported >= unit.expected:
        return t("export.timeliness.late", locale, days=unit.days_late)
    if unit.timeliness in (Timeliness.PARTIAL, Timeliness.LATE):
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


def has_number(number: str | None) -> bool:
    """True when a plan number carries its digits ("125/KH-UBND"); "/KH-UBND" is a blank one."""
    return bool(number and re.match(r"^\s*\d", number))


# "ngày 09/9/2025 của Bộ Chính trị", "ngày 11 tháng 11 năm 2025 của UBND tỉnh" - up to the
# next "về", "và", "thực hiện", comma or the end: a quoted document's date and author.
_DATE_OF = re.compile(
    r",?\s*ngày\s+\d{1,2}(?:/\d{1,2}/\d{4}|\s+tháng\s+\d{1,2}\s+năm\s+\d{4})"
    r'(?:\s+của\s+.+?)?(?=\s+["“]?(?:về|và|thực hiện|triển khai)\s|,|;|$)',
    re.IGNORECASE,
)
_DOC_TYPES = r"(?:Nghị quyết|Chỉ thị|Kết luận|Quyết định|Chương trình|Luật|Đề án|Chiến lược)"
# The last "(triển khai) thực hiện Nghị quyết số …" in a title that first cites other plans.
_CORE = re.compile(
    rf"(?:triển khai\s+)?(?:thực hiện|triển khai)\s+{_DOC_TYPES}\s+số", re.IGNORECASE
)
_TRAILING_NOTE = re.compile(r"\s*\*?\((?:ban hành )?kèm theo[^)]*\)\*?\s*$", re.IGNORECASE)
SHORT_TITLE_MAX = 150
_PLACE_MARKERS = (
    ("thành", "phố"),
    ("đặc", "khu"),
    ("thị", "xã"),
    ("tỉnh",),
    ("huyện",),
    ("quận",),
    ("phường",),
)
_PLACE_STOP = {"giai", "năm", "đến", "và", "trong", "theo", "về", "do", "trên", "tại", "của"}
_PROPER = (
    "Ban Chấp hành Trung ương",
    "Bộ Chính trị",
    "Ban Bí thư",
    "Quốc hội",
    "Ủy ban thường vụ Quốc hội",
    "Chính phủ",
    "Thủ tướng Chính phủ",
    "Nhân dân",
    "Việt Nam",
    "Đảng",
)


def _sentence_case(text: str) -> str:
    """An all-capital title in sentence case, keeping place names, bodies and document codes."""
    words = text.lower().split(" ")
    i = 0
    while i < len(words):
        word = words[i]
        if any(c.isdigit() for c in word) and ("/" in word or "-" in word):
            words[i] = word.upper()  # 32/ct-ttg -> 32/CT-TTG
        marker = next((m for m in _PLACE_MARKERS if tuple(words[i : i + len(m)]) == m), None)
        if marker is None:
            i += 1
            continue
        i += len(marker)
        for _ in range(3):
            if i >= len(words):
                break
            bare = words[i].strip(",;.:()")
            if not bare or bare in _PLACE_STOP or bare[:1].isdigit():
                break
            words[i] = words[i][:1].upper() + words[i][1:]
            i += 1
            if bare != words[i - 1].lower():
                break  # punctuation ends the name
    text = " ".join(words)
    for name in _PROPER:
        text = re.sub(rf"\b{re.escape(name.lower())}\b", name, text)
    text = re.sub(
        rf"\b({_DOC_TYPES.lower()[3:-1]}) số\b", lambda m: m.group(1).capitalize() + " số", text
    )
    return text[:1].upper() + text[1:]


def short_title(title: str) -> str:
    """A plan title short enough for a subject line and document properties.

    Drops the dates and authors of quoted documents, a leading chain of plans the plan itself
    implements, and a "(kèm theo …)" note; all-capital titles get sentence case. Cut at a
    word boundary (after a comma where possible) past `SHORT_TITLE_MAX` characters.
    """
    text = " ".join(title.replace("*", " ").split())
    text = _TRAILING_NOTE.sub("", text)
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        text = _sentence_case(text)
    if re.match(rf"^(?:triển khai\s+)?thực hiện\s+(?:Kế hoạch|{_DOC_TYPES})", text, re.I):
        # "Thực hiện Kế hoạch số … và Kế hoạch số … thực hiện Nghị quyết số … về …": keep the
        # resolution the chain leads to (the first one not already inside a "về" clause).
        for core in _CORE.finditer(text):
            if core.start() > 0 and " về " not in text[: core.start()]:
                text = text[core.start() :]
                break
    text = _DATE_OF.sub("", text).strip(" ,;")
    if len(text) > SHORT_TITLE_MAX:
        cut = text[:SHORT_TITLE_MAX]
        at = max(cut.rfind(", "), cut.rfind(" và "))
        text = cut[:at] if at > SHORT_TITLE_MAX // 2 else cut.rsplit(" ", 1)[0]
        text = text.rstrip(" ,;")
    return text[:1].upper() + text[1:] if text else text


def about(title: str) -> str:
    """The plan's short title after its reference: "về …", or joined directly when it already
    says what it implements ("triển khai Nghị quyết …"), so "về thực hiện" never appears."""
    short = short_title(title)
    if not short:
        return ""
    m = re.match(r"^(?:triển khai\s*,?\s+)?thực hiện\s+|^triển khai\s+", short, re.IGNORECASE)
    if m:
        return "triển khai " + short[m.end() :]
    return "về " + title_in_sentence(short)


def plan_name(plan: PlanInfo | Plan) -> str:
    """A plan named in a chat line or an error: its number, else its short title, cut short."""
    if has_number(plan.number):
        return str(plan.number)
    title = short_title(plan.title)
    return title if len(title) <= 80 else title[:79].rsplit(" ", 1)[0] + "…"


def plan_reference(plan: PlanInfo, locale: str) -> str:
    """ "Kế hoạch số 125/KH-UBND ngày 15/01/2026", with what is known; never "số /"."""
    date = fmt_date(plan.issued_on) if plan.issued_on else ""
    if has_number(plan.number) and date:
        return t("export.doc.plan_ref_full", locale, number=plan.number, date=date)
    if has_number(plan.number):
        return t("export.doc.plan_ref_number", locale, number=plan.number)
    if date:
        return t("export.doc.plan_ref_date", locale, date=date)
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
    """The report's subject: the plan by number and date, its short title, then the period."""
    return " ".join(
        t(
            "export.doc.subject",
            locale,
            period=lower_first(data.period_label),
            plan=plan_reference(data.plan, locale),
            about=about(data.plan.title) if locale == "vi" else short_title(data.plan.title),
        ).split()
    )


def export_filename(data: ExportData, ext: str) -> str:
    """An ASCII file name: bao-cao-<plan id>-<period key>.<ext>."""
    return f"bao-cao-ke-hoach-{data.plan.id}-{data.period_key}.{ext}"


_SUPERIOR = re.compile(
    r"của\s+((?:Ủy|Uỷ) ban nhân dân (?:tỉnh|thành phố) .+?)"
    r"(?=\s+(?:và|thực hiện|về)\s|,|;|$)",
    re.IGNORECASE,
)
_MOTTO_BITS = ("CHỦ NGHĨA", "ĐỘC LẬP", "QUYẾT NGHỊ")


def clean_parent(parent: str | None) -> str:
    """The parent body as recorded, unless an imperfect import left a motto fragment there."""
    text = " ".join((parent or "").split())
    return "" if any(bit in text.upper() for bit in _MOTTO_BITS) else text


def addressee(plan: PlanInfo) -> str:
    """Who the report goes to: the parent body, or the provincial committee whose plan this one
    implements ("… của Ủy ban nhân dân tỉnh An Giang"); "" when neither is known."""
    parent = clean_parent(plan.parent_body)
    if parent:
        return parent
    m = _SUPERIOR.search(" ".join(plan.title.split()))
    return m.group(1).strip() if m else ""


def unit_abbreviation(name: str) -> str:
    """ "Phòng Văn hóa - Xã hội" -> "VHXH", the short form an archive line uses."""
    words = re.sub(r"\(.*?\)", " ", name).replace("-", " ").split()
    if words and words[0].casefold() in ("phòng", "ban", "sở"):
        words = words[1:]
    letters = [w[0].upper() for w in words if w[:1].isalpha() and w.casefold() != "và"]
    return "".join(letters)[:8]
