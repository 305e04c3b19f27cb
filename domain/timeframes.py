"""Timeframe words to schedules (DOMAIN.md section 3) and reporting clauses to rules (section 4).

The original words are always kept; the schedule is a normalised reading of them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from db.models import PeriodKind, ScheduleKind
from domain.periods import RuleSpec

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class Timeframe:
    """A task's timeframe: the words as written and their normalised schedule."""

    text: str
    kind: ScheduleKind
    due: dt.date | None = None
    recurrence: PeriodKind | None = None
    # "Trước ngày 24/6/2026": due as written, but the work must be done the day before.
    strict: bool = False


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = text.replace("hàng", "hằng").replace("hoá", "hóa").replace("uỷ", "ủy")
    return re.sub(r"\s+", " ", text).strip()


def _year(raw: str | None, default: int) -> int:
    if not raw:
        return default
    year = int(raw)
    return year + 2000 if year < 100 else year


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# A year after a date, month or quarter: "/2026", "-2026", "năm 2026", ", năm 2026".
# A two-digit year is not the next day of a range ("ngày 05 tháng 6 - 20 tháng 7").
_Y = r"(?:\s*(?:/|-|,?\s*năm)\s*(\d{4}|\d{2}(?!\d|\s*tháng|\s*/)))"
_DATE_RE = re.compile(
    r"(?:(trước|chậm nhất|hạn chót|hạn)\s*(?:là\s*|vào\s*)?(?:ngày\s*)?|ngày\s*)?"
    r"(?<!\d)(\d{1,2})\s*(?:/|-|\.|tháng)\s*(\d{1,2})" + _Y + r"?(?![\d/])"
)
_QUARTER_RE = re.compile(
    r"(?<![a-zà-ỹđ])(?:quý|qúy|q\.?)\s*(iv|iii|ii|i|[1-4])(?![a-z0-9])" + _Y + r"?", re.IGNORECASE
)
# "Quý III, IV/2026", "quý I và II năm 2027": several quarters under one word, the year after
# the last; the work is done by the end of the last.
_QUARTER_LIST_RE = re.compile(
    r"(?<![a-zà-ỹđ])(?:quý|qúy|q\.?)\s*(?:iv|iii|ii|i|[1-4])"
    r"((?:\s*(?:,|và|-|–|đến)\s*(?:iv|iii|ii|i|[1-4])(?![a-z0-9]))+)" + _Y + r"?",
    re.IGNORECASE,
)
# "Tháng 10-12/2026", "tháng 6, 7 và 8/2026": several months under one word, the year after
# the last (a first month with its own year, "tháng 12/2025 - tháng 01/2026", is two dates).
_MONTH_LIST_RE = re.compile(
    r"(?<![\d/])tháng\s*\d{1,2}((?:\s*(?:,|và|-|–|đến)\s*(?:tháng\s*)?\d{1,2}"
    r"(?!\d|\s*tháng|\s*/\s*\d{1,2}\s*/))+)" + _Y + r"?"
)
# "Cuối năm", "trong năm" with no year: the plan's year.
_PLAN_YEAR_RE = re.compile(r"^(?:trong|cuối|đến cuối|hết|đến hết) năm(?: nay)?$")
_HALF_RE = re.compile(r"(6|sáu|9|chín)\s*tháng\s*(đầu|cuối)?\s*(?:năm)?\s*(?:/\s*)?(\d{4})?")
_MONTH_RE = re.compile(r"(?<![\d/])tháng\s*(\d{1,2})(?!\d)" + _Y + r"?")
_RANGE_RE = re.compile(r"(?<!\d)(\d{4})\s*(?:-|–|—|đến|tới)\s*(?:năm\s*)?(\d{4})(?!\d)")
_YEAR_RE = re.compile(r"(?<![\d/.-])(\d{4})(?![\d/])")
_SINCE_RE = re.compile(r"^(?:từ (?:năm\s*)?(\d{4})(?:\s*trở đi)?|(?:năm\s*)?(\d{4})\s*trở đi)$")
# "Hằng năm (từ năm 2027)": yearly from that year on, like "Từ năm 2027".
_SINCE_YEARLY_RE = re.compile(r"^h[ằà]ng năm,? \(?từ (?:năm\s*)?(\d{4})(?:\s*trở đi)?\)?$")
_BEFORE_YEAR_RE = re.compile(r"trước năm\s*(\d{4})")
# "Trước tháng 10/2026", "trước quý III/2026": done by the end of the month or quarter before.
_BEFORE_MONTH_RE = re.compile(r"trước\s+tháng\s*(\d{1,2})(?!\d)" + _Y + r"?")
_BEFORE_QUARTER_RE = re.compile(
    r"trước\s+(?:quý|qúy|q\.?)\s*(iv|iii|ii|i|[1-4])(?![a-z0-9])" + _Y + r"?"
)

# "định kỳ hằng năm" is yearly, not ongoing: "định kỳ" alone is.
_ONGOING = re.compile(
    r"thường xuyên|liên tục|hằng ngày|hằng tuần|mỗi ngày|mỗi tuần|24/24|duy trì"
    r"|định kỳ(?!,? *(?:hằng |mỗi )?(?:năm|quý|tháng|0?6 tháng|sáu tháng))"
)
_YEARLY = re.compile(
    r"hằng năm|mỗi năm|định kỳ năm|(?:các|những) năm (?:tiếp theo|sau|kế tiếp|tiếp sau)"
)
# "T6/2026", "T3-T4/2026": "T" for "tháng" in a crowded table cell.
_T_MONTH = re.compile(r"(?<![^\W\d_])t\s*(\d{1,2})(?=\s*(?:/|-|–|,|và|$))")
_QUARTERLY = re.compile(r"hằng quý|mỗi quý|định kỳ quý")
_MONTHLY = re.compile(r"hằng tháng|mỗi tháng|định kỳ tháng")
_HALFLY = re.compile(r"6 tháng (?:một|1) lần|định kỳ 6 tháng|hằng 6 tháng")
_EVENT = re.compile(
    # "Khi có phản ánh, kiến nghị", "khi có sự cố": timeframe words that open on an occasion.
    r"^khi có |khi có (?:đề nghị|yêu cầu|văn bản|chỉ đạo|hướng dẫn|quyết định|nghị định|phát sinh)"
    r"|đột xuất|theo yêu cầu|khi được yêu cầu|sau khi có|khi phát sinh|theo đề nghị"
    r"|nếu có nhu cầu|khi phát hiện|khi cần thiết|khi [^,;]{0,40}xảy ra|sau khi (?:được|có)"
)
# "Ngay sau khi Kế hoạch được ban hành": once, as soon as this plan is out (no date of its own).
_AFTER_THIS_PLAN = re.compile(
    r"sau khi (?:kế hoạch|văn bản)(?: này)? (?:được )?ban hành|sau khi ban hành kế hoạch"
    r"|sau khi nhận (?:được )?kế hoạch"
)
_INHERITED = re.compile(
    r"^(?:thực hiện\s+)?theo (?:sự )?(?:chương trình|kế hoạch|lịch|lộ trình|hướng dẫn|văn bản"
    r"|tiến độ|chỉ đạo|kết quả rà soát|đề xuất|quyết định|nghị quyết|công văn|thông báo|đề án)"
)
# "Kế hoạch số 12/KH-UBND ngày 05/3/2026": another document's number and date, no deadline.
_CITATION = re.compile(
    r"số\s*\d+\s*[/-][\w/.-]*(?:\s*,)?"
    r"(?:\s*ngày\s*\d{1,2}\s*(?:/|-|tháng)\s*\d{1,2}\s*(?:/|-|năm)\s*\d{4})?"
)
# "Theo tiến độ được giao của Luật An ninh mạng 2025": the year names the other document.
_INHERITED_DOC = re.compile(
    r"^(?:thực hiện\s+)?theo [^,;]{0,40}?\bcủa (?:luật|bộ luật|nghị quyết|nghị định|quyết định"
    r"|chương trình|kế hoạch|đề án|chiến lược)\b"
)


# "trong thời hạn 10 ngày kể từ ngày nhận Kế hoạch": once, by a date only the receipt fixes.
_RELATIVE = re.compile(
    r"(?:(?:trong(?: thời hạn| vòng)?|chậm nhất|sau)\s+|^)(?:\d+|một|hai|ba|năm|mười)\s+"
    r"(?:ngày|tuần|tháng)(?: làm việc)?,?\s+(?:kể )?từ (?:ngày|khi)"
)


def parse_timeframe(text: str | None, plan_year: int) -> Timeframe:
    """Read timeframe words ("Quý IV/2026, triển khai thường xuyên") into a schedule.

    A year left out takes the plan's year.
    """
    written = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()
    written = written.rstrip(" .;,")
    low = _T_MONTH.sub(r"tháng \1", _norm(written))
    if not low:
        return Timeframe("", ScheduleKind.UNSPECIFIED)
    low = _CITATION.sub(" ", low)
    if _INHERITED_DOC.search(low) or _inherited_lead(low, plan_year):
        return Timeframe(written, ScheduleKind.INHERITED)
    if _AFTER_THIS_PLAN.search(low) and not _milestone(low, plan_year)[0]:
        return Timeframe(written, ScheduleKind.ONE_OFF)
    since = _SINCE_RE.search(low) or _SINCE_YEARLY_RE.search(low)
    if since and not _RANGE_RE.search(low):
        # "Từ năm 2026 (trở đi)": yearly from that year on.
        start = _year(since.group(1) or since.group(2), plan_year)
        return Timeframe(written, ScheduleKind.RECURRING, dt.date(start, 12, 31), PeriodKind.ANNUAL)
    due, strict, recurrence = _milestone(low, plan_year)
    ongoing = bool(_ONGOING.search(low))
    cadence = _cadence(low)
    if due is not None:
        term = _RANGE_RE.search(low)
        if recurrence is None and term and cadence is None and not ongoing:
            return Timeframe(written, ScheduleKind.ONE_OFF, due, PeriodKind.ANNUAL)
        if cadence is not None and not re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", low):
            # "Quý I hằng năm", "trước ngày 15/12 hằng năm": that date, every year.
            return Timeframe(written, ScheduleKind.RECURRING, due, cadence, strict)
        if ongoing or cadence is not None:
            return Timeframe(written, ScheduleKind.COMPOSITE, due, cadence, strict)
        return Timeframe(written, ScheduleKind.ONE_OFF, due, recurrence, strict)
    if cadence is not None or ongoing:
        if cadence is PeriodKind.ANNUAL and not ongoing:
            return Timeframe(written, ScheduleKind.RECURRING, dt.date(plan_year, 12, 31), cadence)
        if cadence is not None and cadence is not PeriodKind.ANNUAL and not ongoing:
            return Timeframe(
                written, ScheduleKind.RECURRING, _first_end(cadence, plan_year), cadence
            )
        return Timeframe(written, ScheduleKind.RECURRING, None, None)
    if _EVENT.search(low):
        return Timeframe(written, ScheduleKind.EVENT_DRIVEN)
    if _INHERITED.search(low) or "theo chương trình" in low or "theo kế hoạch" in low:
        return Timeframe(written, ScheduleKind.INHERITED)
    if _RELATIVE.search(low):
        return Timeframe(written, ScheduleKind.ONE_OFF)
    return Timeframe(written, ScheduleKind.UNSPECIFIED)


def _inherited_lead(low: str, plan_year: int) -> bool:
    """Words that open "Theo Kế hoạch/chương trình …" take that document's schedule: a year or a
    cadence in the same clause ("Theo Kế hoạch kiểm tra năm 2026", "theo chương trình giám sát
    hằng năm của …") names the document, not a date of the task. A later clause with a date
    of its own ("Theo kế hoạch; hoàn thành trước ngày 30/6/2026") still dates the task."""
    if not _INHERITED.match(low):
        return False
    rest = low[len(re.split(r"[,;(]|\s[-–]\s", low, maxsplit=1)[0]) :]
    dated = _milestone(rest, plan_year)[0] or _cadence(rest)
    return not (dated or _ONGOING.search(rest) or _EVENT.search(rest))


def _first_end(kind: PeriodKind, year: int) -> dt.date:
    month = {PeriodKind.MONTHLY: 1, PeriodKind.QUARTERLY: 3, PeriodKind.SEMIANNUAL: 6}.get(kind, 12)
    return _last_day(year, month)


def _cadence(low: str) -> PeriodKind | None:
    if _MONTHLY.search(low):
        return PeriodKind.MONTHLY
    if _QUARTERLY.search(low):
        return PeriodKind.QUARTERLY
    if _HALFLY.search(low):
        return PeriodKind.SEMIANNUAL
    if _YEARLY.search(low):
        return PeriodKind.ANNUAL
    return None


def _milestone(low: str, plan_year: int) -> tuple[dt.date | None, bool, PeriodKind | None]:
    """The latest dated milestone in the words: (due, strictly before, term recurrence)."""
    candidates: list[tuple[dt.date, bool]] = []
    consumed = low
    if _PLAN_YEAR_RE.match(low):
        return dt.date(plan_year, 12, 31), False, None
    for m in _BEFORE_MONTH_RE.finditer(low):
        year, month = _year(m.group(2), plan_year), int(m.group(1))
        if 1 <= month <= 12:
            candidates.append((_last_day(year - (month == 1), (month - 2) % 12 + 1), False))
            consumed = consumed.replace(m.group(0), " ", 1)
    for m in _BEFORE_QUARTER_RE.finditer(consumed):
        year, q = _year(m.group(2), plan_year), _ROMAN[m.group(1)]
        candidates.append((_last_day(year - (q == 1), (q - 2) % 4 * 3 + 3), False))
    consumed = _BEFORE_QUARTER_RE.sub(" ", consumed)
    for m in _MONTH_LIST_RE.finditer(low):
        month = int(re.findall(r"\d{1,2}", m.group(1))[-1])
        if 1 <= month <= 12:
            candidates.append((_last_day(_year(m.group(2), plan_year), month), False))
            consumed = consumed.replace(m.group(0), " ", 1)
    for m in _QUARTER_LIST_RE.finditer(consumed):
        q = _ROMAN[re.findall(r"iv|iii|ii|i|[1-4]", m.group(1).lower())[-1]]
        candidates.append((_last_day(_year(m.group(2), plan_year), q * 3), False))
    consumed = _QUARTER_LIST_RE.sub(" ", consumed)
    for m in _DATE_RE.finditer(consumed):
        day, month = int(m.group(2)), int(m.group(3))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        date = _safe_date(_year(m.group(4), plan_year), month, day)
        if date:
            candidates.append((date, (m.group(1) or "") == "trước"))
            consumed = consumed.replace(m.group(0), " ", 1)
    for m in _QUARTER_RE.finditer(consumed):
        q = _ROMAN[m.group(1).lower()]
        candidates.append((_last_day(_year(m.group(2), plan_year), q * 3), False))
    consumed = _QUARTER_RE.sub(" ", consumed)
    for m in _HALF_RE.finditer(consumed):
        months = 6 if m.group(1) in ("6", "sáu") else 9
        if m.group(2) == "cuối":
            months = 12
        candidates.append((_last_day(_year(m.group(3), plan_year), months), False))
    consumed = _HALF_RE.sub(" ", consumed)
    for m in _MONTH_RE.finditer(consumed):
        month = int(m.group(1))
        if 1 <= month <= 12:
            candidates.append((_last_day(_year(m.group(2), plan_year), month), False))
    consumed = _MONTH_RE.sub(" ", consumed)
    term = _RANGE_RE.search(consumed)
    if term:
        candidates.append((dt.date(int(term.group(2)), 12, 31), False))
        consumed = _RANGE_RE.sub(" ", consumed)
    before = _BEFORE_YEAR_RE.search(consumed)
    if before:
        candidates.append((dt.date(int(before.group(1)) - 1, 12, 31), False))
        consumed = _BEFORE_YEAR_RE.sub(" ", consumed)
    for m in _YEAR_RE.finditer(consumed):
        year = int(m.group(1))
        if 1990 <= year <= 2100:
            candidates.append((dt.date(year, 12, 31), False))
    if not candidates:
        return None, False, None
    due, strict = max(candidates)
    return due, strict, None


_HIDDEN_RE = re.compile(
    r"(?:(?:(?:hoàn thành|xong|trình|gửi|báo cáo)\s+)?"
    r"(?:trước|chậm nhất|hạn chót)\s*(?:là\s*|vào\s*)?"
    r"(?:ngày\s*\d{1,2}\s*(?:/|tháng)|\d{1,2}\s*/)\s*\d{1,2}"
    r"(?:\s*(?:/|năm)\s*\d{2,4})?"
    r"|(?:(?:hoàn thành|xong|chậm nhất)\s+(?:(?:trong|trước|vào)\s+)?|(?:trong|trước|vào)\s+)"
    r"(?:quý|q)\s*(?:iv|iii|ii|i|[1-4])(?![a-z])"
    r"(?:\s*(?:/|năm)\s*\d{4})?"
    r"|(?:(?:hoàn thành|xong|chậm nhất)\s+(?:(?:trong|trước|vào)\s+)?|(?:trong|trước)\s+)"
    r"tháng\s*\d{1,2}(?:\s*(?:/|năm)\s*\d{4})?"
    r"|(?:hoàn thành|xong)\s+(?:trong\s+)?năm\s+\d{4}"
    # "hoàn thành (ít nhất 12 tuyến) trong năm 2026": a short object between verb and year.
    r"|(?:hoàn thành|xong)\s+(?:[^\s,;:()]*[^\s,.;:()]\s+){1,8}?trong\s+năm\s+\d{4}"
    # "từ ngày 15/12/2026 đến ngày 15/02/2027": a span, done by its last day.
    # (also "từ ngày 08 đến ngày 20 tháng 12 năm 2026"); a data period ("số liệu từ …") is none.
    r"|(?<!số liệu )(?<!tính )từ\s+ngày\s*\d{1,2}(?:\s*(?:/|tháng)\s*\d{1,2})?"
    r"(?:\s*(?:/|năm)\s*\d{2,4})?\s*(?:đến|tới)\s+(?:hết\s+)?ngày\s*\d{1,2}\s*(?:/|tháng)\s*\d{1,2}"
    r"(?:\s*(?:/|năm)\s*\d{2,4})?"
    r"|(?:hoàn thành|xong)\s+trước\s+năm\s+\d{4}"
    r"|(?:vào\s+|trong\s+)?cuối\s+năm\s+\d{4}"
    r"|(?:trong\s+)?6 tháng (?:đầu|cuối) năm(?:\s*\d{4})?)"
    # "trước ngày 15/10 hằng năm": that day every year.
    r"(?:\s+(?:h[ằà]ng|mỗi) năm)?",
    re.IGNORECASE,
)


def deadline_start(text: str) -> int | None:
    """Where the first deadline hidden in a sentence begins (see `find_deadline`), if any."""
    m = _HIDDEN_RE.search(unicodedata.normalize("NFC", text))
    return m.start() if m else None


def find_deadline(text: str, plan_year: int) -> Timeframe | None:
    """A deadline hidden inside a task sentence ("… trình … trước ngày 24/6/2026"), if any."""
    nfc = unicodedata.normalize("NFC", text)
    found = list(_HIDDEN_RE.finditer(nfc))
    if not found:
        return None
    best: Timeframe | None = None
    for m in found:
        words = m.group(0).strip()
        words = re.sub(r"^(?:hoàn thành|xong)\s+[^,;:()]*?(?=trong\s+năm\s)", "", words, flags=re.I)
        words = re.sub(r"^(hoàn thành|xong|trình|gửi|báo cáo)\s+", "", words, flags=re.I)
        words = re.sub(r"^(?:trong|vào)\s+", "", words, flags=re.I)
        then = _THEN_ONGOING.match(nfc[m.end() :])
        if then and (_ONGOING.search(_norm(then.group(1))) or _cadence(_norm(then.group(1)))):
            # "hoàn thành trong tháng 8/2026; sau đó duy trì … thường xuyên": once, then ongoing.
            words = f"{words}, {then.group(1).strip()}"
        tf = parse_timeframe(words[:1].upper() + words[1:], plan_year)
        if tf.due and (best is None or (best.due and tf.due > best.due)):
            best = tf
    return best


# The clause right after a deadline that carries the work on: "; sau đó duy trì kiểm tra …".
_THEN_ONGOING = re.compile(r"\s*[,;]?\s*((?:sau đó|tiếp đó|rồi)\b[^.;]*)", re.IGNORECASE)


# ---------------------------------------------------------------- reporting clauses

_DEADLINE_RE = re.compile(
    r"(?:trước|chậm nhất|vào|hạn)\s*(?:là\s*)?(?:vào\s*)?ngày\s*(\d{1,2})"
    r"(?:\s*(?:/|tháng)\s*(\d{1,2})(?!\s*/\s*\d{4})(?!\s*năm\s*\d{4}))?"
)
_YEAR_DATED = re.compile(r"ngày\s*\d{1,2}\s*(?:/|tháng)\s*\d{1,2}\s*(?:/|năm)\s*\d{4}")


def _kinds_in(text: str) -> list[PeriodKind]:
    """Period kinds named in a stretch of text, in order of appearance."""
    found: list[tuple[int, PeriodKind]] = []
    work = text
    patterns = [
        (r"9 tháng|chín tháng", PeriodKind.NINE_MONTHS),
        (r"6 tháng|sáu tháng|bán niên|sơ kết", PeriodKind.SEMIANNUAL),
        (r"quý", PeriodKind.QUARTERLY),
        (r"hằng tháng|định kỳ tháng|báo cáo tháng|mỗi tháng", PeriodKind.MONTHLY),
    ]
    for pat, kind in patterns:
        for m in re.finditer(pat, work):
            found.append((m.start(), kind))
        work = re.sub(pat, lambda mm: " " * len(mm.group(0)), work)
    work = re.sub(r"(đầu|cuối|trong|của) năm", lambda mm: " " * len(mm.group(0)), work)
    for m in re.finditer(r"(?<![\d/])\bnăm\b|tổng kết|hằng năm", work):
        found.append((m.start(), PeriodKind.ANNUAL))
    seen: list[PeriodKind] = []
    for _, kind in sorted(found, key=lambda f: f[0]):
        if kind not in seen:
            seen.append(kind)
    return seen


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.;:!?])\s+|\n+", text)
    return [p.strip(" -•+*\t") for p in parts if p.strip(" -•+*\t")]


def parse_reporting(text: str) -> list[RuleSpec]:
    """Reporting rules found in a clause (or a whole document's prose), one per period kind."""
    rules: dict[PeriodKind, RuleSpec] = {}
    for raw in _sentences(unicodedata.normalize("NFC", text)):
        low = _norm(raw)
        found, qualified = _rules_in_sentence(low)
        if not found or not (qualified or "báo cáo" in low or "gửi" in low):
            continue
        for rule in found:
            rules.setdefault(rule.kind, rule)
    if not rules:
        # No dated clause: "Định kỳ 06 tháng các cơ quan báo cáo kết quả … gửi về Sở X".
        for raw in _sentences(unicodedata.normalize("NFC", text)):
            found = _period_only(_norm(raw))
            if found:
                return found
    return sorted(rules.values(), key=lambda r: list(PeriodKind).index(r.kind))


_OWN_RE = re.compile(
    r"^\s*(?:của\s*)?(?:tháng cuối\s*(quý|kỳ|năm|6 tháng)?|(hằng năm|hằng tháng|hằng quý))"
)


# "trước ngày 20/6 (báo cáo 6 tháng)": the period a deadline serves, named in brackets after it.
# Also unbracketed after "đối với": "trước ngày 20/6 đối với báo cáo 6 tháng".
_OWN_BRACKET = re.compile(
    r"^\s*(?:\(\s*((?:đối với\s+|với\s+)?(?:báo cáo|kỳ)[^()]{1,30})\)"
    r"|,?\s*(đối với\s+(?:các\s+)?(?:báo cáo|kỳ)(?:\s+báo cáo)?\s+(?:0?\d tháng|sáu tháng"
    r"|chín tháng|quý|năm|tháng|hằng (?:năm|quý|tháng))))"
)
# "trước ngày 20/6 và 20/11": the second day is a deadline too.
_SECOND_DAY = re.compile(
    r"((?:trước|chậm nhất)\s*(?:ngày\s*)?\d{1,2}\s*/\s*\d{1,2}\s*và\s*)(?:ngày\s*)?(?=\d)"
)


# "báo cáo năm trước ngày 10/12/2026": the yearly report's day, though its first year is written.
_YEARLY_DATED = re.compile(
    r"(báo cáo (?:năm|hằng năm|định kỳ hằng năm)[^.;]{0,40}?(?:trước|chậm nhất)\s*(?:ngày\s*)?"
    r"\d{1,2}\s*/\s*\d{1,2})\s*/\s*\d{4}"
)


def _rules_in_sentence(low: str) -> tuple[list[RuleSpec], bool]:
    """Rules of one sentence, and whether every one was named by its own qualifier.

    Each deadline takes the period named right after it ("… tháng cuối quý", "… hằng năm"),
    else the periods named just before it ("6 tháng (trước ngày 15/6)"), else the sentence's
    subject ("Báo cáo quý, 6 tháng, năm … trước ngày 20 của tháng cuối kỳ").
    """
    low = _YEARLY_DATED.sub(r"\1", low)
    low = _YEAR_DATED.sub(" ", low)
    low = _SECOND_DAY.sub(r"\1trước ngày ", low)
    deadlines = list(_DEADLINE_RE.finditer(low))
    if not deadlines:
        return _month_only(low), False
    qualified = True
    subject = _kinds_in(low[: deadlines[0].start()])
    out: list[RuleSpec] = []
    days: list[tuple[int, int | None]] = []  # each deadline's day when its kinds are the subject's
    prev_end = 0
    for i, m in enumerate(deadlines):
        day = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        end = deadlines[i + 1].start() if i + 1 < len(deadlines) else len(low)
        tail = low[m.end() : end]
        before = low[prev_end : m.start()]
        own_m = _OWN_RE.match(tail)
        bracket = _OWN_BRACKET.match(tail) if own_m is None else None
        prev_end = m.end() + (own_m.end() if own_m else bracket.end() if bracket else 0)
        if not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
            continue
        own: list[PeriodKind] = []
        if own_m and own_m.group(1) == "quý":
            own = [PeriodKind.QUARTERLY]
        elif own_m and own_m.group(2):
            own = {
                "hằng năm": [PeriodKind.ANNUAL],
                "hằng tháng": [PeriodKind.MONTHLY],
                "hằng quý": [PeriodKind.QUARTERLY],
            }[own_m.group(2)]
        elif bracket:
            own = _kinds_in(bracket.group(1) or bracket.group(2))
        if not own:
            qualified = False
        kinds = own or _kinds_in(before) or subject
        last_month = month is None or bool(
            own_m and own_m.group(0).strip().startswith(("của", "tháng"))
        )
        if not own and (i == 0 or not _kinds_in(before)):
            days.append((day, None if last_month else month))
        for kind in kinds:
            out.append(RuleSpec(kind, day, None if last_month else month))
    if len(days) == len(deadlines) == len(subject) > 1:
        # "báo cáo 6 tháng, năm … trước ngày 20/6 và 20/11": as many days as periods, in order.
        return [RuleSpec(k, d, mo) for k, (d, mo) in zip(subject, days, strict=True)], qualified
    return out, qualified


def _month_only(low: str) -> list[RuleSpec]:
    """ "báo cáo đánh giá tháng 6 và tháng 12 hằng năm": due at the end of those months."""
    months = sorted({int(m) for m in re.findall(r"tháng\s*(\d{1,2})(?!\s*/)", low)})
    if not months or "báo cáo" not in low:
        return []
    if months == [6, 12]:
        return [RuleSpec(PeriodKind.SEMIANNUAL, 31, None)]
    if months == [3, 6, 9, 12]:
        return [RuleSpec(PeriodKind.QUARTERLY, 31, None)]
    if len(months) == 1 and re.search(r"hằng năm|mỗi năm", low):
        return [RuleSpec(PeriodKind.ANNUAL, 31, months[0])]
    return []


_PERIOD_ONLY = re.compile(
    r"(?:định kỳ\s*(?:hằng\s*)?(?P<p1>06 tháng|6 tháng|sáu tháng|quý|năm|tháng)"
    r"|hằng (?P<p2>quý|năm|tháng))"
)


def _period_only(low: str) -> list[RuleSpec]:
    """ "Định kỳ 06 tháng các cơ quan báo cáo … gửi về Sở X": a period named without a day; the
    report is due at the end of the period (day 31 of its last month, flagged as assumed).
    The coordinator's own report upward ("… tổng hợp, báo cáo Thủ tướng định kỳ hằng năm") is
    not the units' regime."""
    m = _PERIOD_ONLY.search(low)
    report = re.search(r"báo cáo (?:kết quả|tình hình|tiến độ)|gửi báo cáo", low)
    if m is None or report is None or abs(report.start() - m.start()) > 80:
        return []
    before = low[: low.find("báo cáo")]
    if re.search(r"(?<!để )tổng hợp", before) and not re.search(r"gửi|về", before):
        return []
    # The units' regime names them or where the report goes ("các cơ quan … báo cáo … gửi về
    # Sở X"); a duty line "Tổ chức đánh giá, báo cáo kết quả hằng năm" is one body's own work.
    if not re.search(r"gửi|\svề\s|(?:các|những|mọi)\s", low):
        return []
    word = m.group("p1") or m.group("p2") or ""
    kind = {
        "06 tháng": PeriodKind.SEMIANNUAL,
        "6 tháng": PeriodKind.SEMIANNUAL,
        "sáu tháng": PeriodKind.SEMIANNUAL,
        "quý": PeriodKind.QUARTERLY,
        "năm": PeriodKind.ANNUAL,
        "tháng": PeriodKind.MONTHLY,
    }[word]
    return [RuleSpec(kind, 31, None)]
