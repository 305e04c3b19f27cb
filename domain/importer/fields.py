"""Field readers for tasks written as prose: the timeframe a task's own words give it.

A task read from a table or from "Thời gian:" lines has its timeframe words; a duty or a prose
item has only its sentence. Its timeframe is then, in order: a "Thời gian thực hiện: …" label
written inside the text; a deadline anywhere in it ("… hoàn thành trước ngày 31/5/2026",
"trong quý II/2026", "từ ngày … đến ngày …"), with a following "sau đó duy trì …" making it
composite; else words in its first clause (its main action) that govern the whole item: a
cadence before or after the verb ("Thường xuyên rà soát …", "tổ chức tuyên truyền thường
xuyên …"), a higher body's lead ("… theo chỉ đạo của Bộ Y tế"), or an occasion ("… (nếu có nhu
cầu)"). A cadence in a later clause or in a purpose clause ("để …", "nhằm …") qualifies that
clause only, and "kế hoạch hằng năm" or "chi thường xuyên" name a kind of plan or of spending,
not how often the work is done. A later sentence stating the plan's reporting regime dates
nothing in the task.
"""

from __future__ import annotations

import re
import unicodedata

from db.models import ScheduleKind
from domain.timeframes import (
    Timeframe,
    deadline_start,
    find_deadline,
    parse_reporting,
    parse_timeframe,
)

_BULLET = re.compile(r"^[-–•+*]\s*")
CADENCE_WORDS = re.compile(
    r"thường xuyên|liên tục|(?:h[ằà]ng|mỗi) (?:năm|quý|tháng|tuần|ngày)|24/24"
    r"|định kỳ(?: (?:h[ằà]ng |mỗi )?(?:năm|quý|tháng|6 tháng|06 tháng))?",
    re.IGNORECASE,
)
# Nouns a cadence word qualifies without making the work periodic: "kế hoạch (đầu tư công
# trung hạn,) hằng năm" is a yearly plan, "chi thường xuyên" recurrent spending, "trợ cấp (xã
# hội …) hằng tháng" a monthly benefit.
_NOT_CADENCE = re.compile(
    r"(?:kế hoạch|trung hạn,?|chi|kinh phí|nhiệm vụ chi|dự toán chi)\s+(?:thường xuyên|h[ằà]ng năm)"
    r"|(?:trợ cấp|phụ cấp|lương hưu|trợ giúp)[^.;:]{0,60}?\s(?:h[ằà]ng|mỗi) tháng"
    r"|(?:chỉ đạo|hoạt động|công tác|nhiệm vụ) thường xuyên"
    # "khu vực thường xuyên xảy ra thiên tai": how often something happens at a place, not work.
    r"|thường xuyên (?:xảy ra|bị|vi phạm|tái phạm|ngập|sạt lở|ùn tắc|tụ tập)"
    r"|báo cáo định kỳ|định kỳ báo cáo|khám sức khỏe định kỳ|kiểm tra định kỳ",
    re.IGNORECASE,
)
_INHERITED_IN_TEXT = re.compile(
    r"theo (?:sự )?(?:chỉ đạo|hướng dẫn|chương trình|kế hoạch|lộ trình)"
    r"(?:,\s*(?:chỉ đạo|hướng dẫn|chương trình|kế hoạch))*\s+(?:riêng|của\s+(?:các\s+)?"
    r"(?:bộ\b|trung ương|chính phủ|thủ tướng|ban chỉ đạo trung ương|cấp trên))[^.;]{0,80}",
    re.IGNORECASE,
)
_EVENT_IN_TEXT = re.compile(
    r"\(?\s*(?:nếu có nhu cầu|khi cần thiết)\s*\)?"
    r"|khi (?:phát hiện|có yêu cầu|có đề nghị)[^.;,]{0,60}",
    re.IGNORECASE,
)
_RELATIVE_IN_TEXT = re.compile(
    r"(?:(?:trong(?: thời hạn| vòng)?|chậm nhất)\s+|(?<![\d/])(?=\d+\s+ngày làm việc))"
    r"(?:\d+|một|hai|ba|năm|mười)\s+(?:ngày|tuần|tháng)"
    r"(?: làm việc)?,?\s+(?:kể )?từ (?:ngày|khi)[^.;]{0,80}",
    re.IGNORECASE,
)
_LABELLED_TIME = re.compile(
    r"(?:^|[.;]\s+|\n|\()\s*(?:thời gian|thời hạn|thời điểm|tiến độ)"
    r"(?: thực hiện| hoàn thành)?\s*:\s*"
    r"([^.;\n)]{2,80})",
    re.IGNORECASE,
)


def first_clause(text: str) -> str:
    """The item's first clause: up to its first ";", sentence end or inline bullet ("…: - ").

    A dash between words is part of a name ("Phòng Văn hóa - Xã hội"), not a bullet."""
    return re.split(r";|\.\s|(?<=[:,])\s*[-–]\s|\n", _BULLET.sub("", text.strip()), maxsplit=1)[0]


# The day, month or quarter a yearly cadence falls on: "(vào) tháng 12 hằng năm".
_CADENCE_DATE = re.compile(
    r"(?:(?:trước|vào|trong)\s+)?(?:ngày\s*\d{1,2}\s*(?:/|tháng)\s*\d{1,2}|tháng\s*\d{1,2}"
    r"|quý\s*(?:iv|iii|ii|i|[1-4]))\s*,?\s*$",
    re.IGNORECASE,
)


def cadence_in(clause: str) -> str | None:
    """Cadence words that govern a clause ("Thường xuyên", "định kỳ hằng năm", "tháng 12
    hằng năm" with the month it falls in), if any."""
    masked = _NOT_CADENCE.sub(lambda m: " " * len(m.group(0)), clause)
    m = CADENCE_WORDS.search(masked)
    if m is None:
        return None
    when = _CADENCE_DATE.search(clause[: m.start()])
    return clause[when.start() if when else m.start() : m.end()]


_PURPOSE = re.compile(r"\s(?:để|nhằm)\s", re.IGNORECASE)


def _without_regime(text: str) -> str:
    """The text less any later sentence that states the plan's periodic reporting ("Các đơn
    vị báo cáo … định kỳ 6 tháng (trước ngày 15/6)"): its dates are the regime's, not the
    task's."""
    first, *rest = re.split(r"(?<=[.!?])\s+", text)
    return " ".join([first, *(s for s in rest if not parse_reporting(s))])


def text_timeframe(text: str, year: int, first_only: bool = True) -> Timeframe | None:
    """The timeframe a task's own text gives it, or None when it names none (module doc).

    `first_only` False looks for a cadence in the whole text (a single-sentence prose task)."""
    nfc = _without_regime(unicodedata.normalize("NFC", text))
    labelled = _LABELLED_TIME.search(nfc)
    if labelled:
        tf = parse_timeframe(labelled.group(1), year)
        if tf.kind is not ScheduleKind.UNSPECIFIED:
            return tf
    hidden = find_deadline(nfc, year)
    if hidden is not None:
        return hidden
    clause = first_clause(nfc) if first_only else nfc
    # The main action is that clause less a purpose clause it ends on: in "xây dựng phần mềm để
    # cập nhật thường xuyên …" the cadence qualifies the purpose, not the work.
    word = cadence_in(_PURPOSE.split(clause, maxsplit=1)[0])
    if word is not None:
        return parse_timeframe(word, year)
    for pattern, kind in (
        (_INHERITED_IN_TEXT, ScheduleKind.INHERITED),
        (_EVENT_IN_TEXT, ScheduleKind.EVENT_DRIVEN),
        (_RELATIVE_IN_TEXT, ScheduleKind.ONE_OFF),
    ):
        m = pattern.search(clause)
        if m:
            # Read back through parse_timeframe, so that the words alone give the same schedule.
            tf = parse_timeframe(m.group(0).strip(" ,()"), year)
            if tf.kind is kind:
                return tf
    return None


# Dates a plan gives outside its tasks, item by item: a sentence "Thời gian kiểm tra, đánh giá
# … trước ngày 31/12/2026", or the entries under a heading "Tiến độ thực hiện" / "Thời gian
# thực hiện" ("- Rà soát, thống kê hồ sơ: hoàn thành trong quý II/2026"). A plan-wide period
# ("Thời gian thực hiện: 2026 - 2030") dates nothing in particular and is not one of them.
_SCHEDULE_HEAD = re.compile(
    r"^(?P<num>[IVX]+\.|\d+\.|[a-zđ]\))?\s*(?:(?:thời gian|tiến độ|lộ trình)"
    r"(?: thực hiện| triển khai| hoàn thành)?(?:,| và)?\s*){1,2}(?:các nhiệm vụ)?\s*:?$",
    re.IGNORECASE,
)
_SCHEDULE_LINE = re.compile(
    r"^(?:[a-zđ]\)|\d+(?:\.\d+)*\.|[-–•+])?\s*(?:thời gian|thời hạn|tiến độ)\s+"
    r"(?!(?:thực hiện|hoàn thành|triển khai)\s*(?::|$))",
    re.IGNORECASE,
)
# An entry that opens with its time: "- Tháng 3/2026: …", "b) Trước ngày 15/5/2026: …".
_TIME_FIRST = re.compile(r"^(?:[a-zđ]\)|\d+\.|[-–•+])?\s*([^:;]{2,40}?\d{4})\s*:\s*")
_MARKER = re.compile(r"^\s*(?:[a-zđ]\)|\d+(?:\.\d+)*\.|[-–•+])\s*")
_ROMAN_HEAD = re.compile(r"^[IVX]+\.\s")
_ARABIC_HEAD = re.compile(r"^\d+\.\s")
_LETTER_HEAD = re.compile(r"^(?:[a-zđ]\)|\d+\.)\s")
# Words that name no activity of their own.
_FILLER = frozenset(
    re.findall(r"\S+", "thời gian hạn tiến độ thực hiện và các của việc này đã được theo với về")
)
# A task an activity dates shares its opening (verb and object) and this many three-syllable
# sequences with it.
_SHARED_TRIGRAMS = 2


def _trigrams(text: str) -> list[tuple[str, ...]]:
    words = [w for w in re.findall(r"[^\W\d_]+", text.lower()) if w not in _FILLER]
    return [tuple(words[i : i + 3]) for i in range(len(words) - 2)]


def schedule_items(texts: list[str], year: int) -> list[tuple[str, Timeframe]]:
    """Activities the plan dates outside its tasks, each with its deadline (see above)."""
    items: list[tuple[str, Timeframe]] = []
    head: re.Pattern[str] | None = None  # the numbering that ends the current schedule section
    for raw in texts:
        text = unicodedata.normalize("NFC", raw).strip()
        m = _SCHEDULE_HEAD.match(text)
        if m:
            num = m.group("num") or ""
            head = (
                _ROMAN_HEAD
                if num[:1] in ("I", "V", "X")
                else _LETTER_HEAD
                if num.endswith(")")
                else _ARABIC_HEAD
            )
            continue
        if head is not None and (_ROMAN_HEAD.match(text) or head.match(text)):
            head = None
        if head is None and not _SCHEDULE_LINE.match(text):
            continue
        lead = _TIME_FIRST.match(text) if head is not None else None
        if lead:
            # "- Quý II/2026: rà soát, thống kê hồ sơ" under a "Tiến độ" heading.
            tf: Timeframe | None = parse_timeframe(lead.group(1), year)
            activity = text[lead.end() :]
        else:
            tf = find_deadline(text, year)
            activity = _SCHEDULE_LINE.sub("", text[: deadline_start(text)]).strip(" :-–,")
        if tf is None or tf.due is None or tf.kind is not ScheduleKind.ONE_OFF:
            continue
        activity = _MARKER.sub("", activity)
        if re.match(r"(?i)(?:gửi\s+)?báo cáo", activity) or len(_trigrams(activity)) < 2:
            continue  # a reporting deadline belongs to the regime, not to a task
        items.append((activity, tf))
    return items


def dated_by_schedule(task_text: str, items: list[tuple[str, Timeframe]]) -> Timeframe | None:
    """The deadline of the one schedule activity a task's words name, if exactly one does."""
    words = set(_trigrams(task_text))
    found = [
        tf
        for activity, tf in items
        if (grams := _trigrams(activity))[0] in words
        and len(words.intersection(grams)) >= _SHARED_TRIGRAMS
    ]
    return found[0] if len({f.due for f in found}) == 1 else None
