"""Field readers for tasks written as prose: the timeframe a task's own words give it.

A task read from a table or from "Thời gian:" lines has its timeframe words; a duty or a prose
item has only its sentence. Its timeframe is then, in order: a "Thời gian thực hiện: …" label
written inside the text; a deadline anywhere in it ("… hoàn thành trước ngày 31/5/2026",
"trong quý II/2026"); else words in its first clause that govern the whole item: a cadence
("Thường xuyên rà soát …", "Hằng năm, tổ chức …"), a higher body's lead ("… theo chỉ đạo của
Bộ Y tế"), or an occasion ("… (nếu có nhu cầu)"). A cadence in a later clause qualifies that
clause only, and "kế hoạch hằng năm" or "chi thường xuyên" name a kind of plan or of spending,
not how often the work is done.
"""

from __future__ import annotations

import re
import unicodedata

from db.models import ScheduleKind
from domain.timeframes import Timeframe, find_deadline, parse_timeframe

_BULLET = re.compile(r"^[-–•+*]\s*")
CADENCE_WORDS = re.compile(
    r"thường xuyên|liên tục|h[ằà]ng (?:năm|quý|tháng|ngày)|mỗi (?:năm|quý|tháng)|24/24"
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
    r"\(?\s*nếu có nhu cầu\s*\)?|khi (?:phát hiện|có yêu cầu|có đề nghị)[^.;,]{0,60}",
    re.IGNORECASE,
)
_RELATIVE_IN_TEXT = re.compile(
    r"(?:(?:trong(?: thời hạn| vòng)?|chậm nhất)\s+|(?<![\d/])(?=\d+\s+ngày làm việc))"
    r"(?:\d+|một|hai|ba|năm|mười)\s+(?:ngày|tuần|tháng)"
    r"(?: làm việc)?,?\s+(?:kể )?từ (?:ngày|khi)[^.;]{0,80}",
    re.IGNORECASE,
)
_LABELLED_TIME = re.compile(
    r"(?:^|[.;]\s+|\n|\()\s*(?:thời gian|thời hạn|tiến độ)(?: thực hiện| hoàn thành)?\s*:\s*"
    r"([^.;\n)]{2,80})",
    re.IGNORECASE,
)


def first_clause(text: str) -> str:
    """The item's first clause: up to its first ";", sentence end or " - " bullet."""
    return re.split(r";|\.\s|\s[-–]\s|\n", _BULLET.sub("", text.strip()), maxsplit=1)[0]


def cadence_in(clause: str) -> str | None:
    """Cadence words that govern a clause ("Thường xuyên", "định kỳ hằng năm"), if any."""
    masked = _NOT_CADENCE.sub(lambda m: " " * len(m.group(0)), clause)
    m = CADENCE_WORDS.search(masked)
    return clause[m.start() : m.end()] if m else None


def text_timeframe(text: str, year: int, first_only: bool = True) -> Timeframe | None:
    """The timeframe a task's own text gives it, or None when it names none (module doc).

    `first_only` False looks for a cadence in the whole text (a single-sentence prose task)."""
    nfc = unicodedata.normalize("NFC", text)
    labelled = _LABELLED_TIME.search(nfc)
    if labelled:
        tf = parse_timeframe(labelled.group(1), year)
        if tf.kind is not ScheduleKind.UNSPECIFIED:
            return tf
    hidden = find_deadline(nfc, year)
    if hidden is not None:
        return hidden
    clause = first_clause(nfc) if first_only else nfc
    word = cadence_in(clause)
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
