"""Prose structure: who a sentence or a duty paragraph gives work to.

The readers of "Tổ chức thực hiện" written as duties by body ("1. Sở Tài chính: …", a body's
name over its bullets), of prose sentences ("Giao Sở X chủ trì, phối hợp Y …"), of the partners
a text names, and of the coordinating unit; also where a unit's name ends in a sentence.
Numbered outlines are read in outline.py; this module serves it and the fallback for plans
with no outline.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from domain.importer.model import ParsedTask
from domain.importer.unitnames import (
    HEADS,
    KnownNames,
    expand_places,
    loose_key,
    starts_with_head,
)
from domain.timeframes import parse_reporting
from domain.units import is_group

# (ref, sentence, lead, support, year, source) -> task
MakeTask = Callable[[str, str, str, str, int, str], ParsedTask]

NUM_RE = re.compile(r"^((?:\d+\.)*\d+)[.)]?\s+(\S.*)$")
LETTER_RE = re.compile(r"^([a-zđ])[).]\s+(\S.*)$")
ROMAN_HEAD_RE = re.compile(r"^([IVX]{1,5})[.)]\s*(\S.*)$")
BULLET_RE = re.compile(r"^[-–•+*]\s*")
STOP_RE = re.compile(r"^(nơi nhận|kt\.|tm\.|phụ lục|danh mục)\b", re.IGNORECASE)


def _low(text: str) -> str:
    """Lower case, NFC, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


VERBS = (
    "tổ chức",
    "triển khai",
    "thực hiện",
    "xây dựng",
    "tuyên truyền",
    "hướng dẫn",
    "kiểm tra",
    "rà soát",
    "tham mưu",
    "đề xuất",
    "nghiên cứu",
    "phổ biến",
    "vận động",
    "theo dõi",
    "tổng hợp",
    "đánh giá",
    "báo cáo",
    "ban hành",
    "trình",
    "phát động",
    "duy trì",
    "nâng cao",
    "đẩy mạnh",
    "tăng cường",
    "bảo đảm",
    "đảm bảo",
    "lồng ghép",
    "quản lý",
    "giám sát",
    "chỉ đạo",
    "khảo sát",
    "tập huấn",
    "bồi dưỡng",
    "cung cấp",
    "hỗ trợ",
    "củng cố",
    "lập",
    "xử lý",
    "thống kê",
    "cập nhật",
    "có trách nhiệm",
    "bố trí",
    "chịu trách nhiệm",
    "để",
    "nhằm",
    "trong",
    "về",
    "tại",
    "đến",
    "cho",
    "theo",
    "trước",
    "chậm nhất",
    "khi",
    "là",
    "chủ trì",
    "làm đầu mối",
    "giúp",
    "phối hợp",
    "đôn đốc",
    "thường xuyên",
    "thẩm định",
    "điều tra",
    "thống nhất",
    "nhắc nhở",
    "giải quyết",
    "thu thập",
    "cảnh báo",
    "phát hiện",
    "kịp thời",
    "đẩy nhanh",
    "sẽ",
    "chuẩn bị",
    "điều phối",
    "huy động",
    "vận hành",
    "tiếp nhận",
    "thành lập",
    "xem xét",
    "quyết định",
    "chủ động",
    "tích cực",
    "khẩn trương",
    "tiếp tục",
    "phân công",
    "ứng phó",
    "khắc phục",
    "tuân thủ",
    "chấp hành",
    "đăng ký",
    "họp",
    "xác định",
    "phát huy",
    "bằng",
    "dựng",
    # Field work a body goes out to do ("Công an xã ra quân xử lý …").
    "ra quân",
    "tuần tra",
    "truy quét",
    "lắp đặt",
)
# A verb that is the end of another word: "đồng bằng", "xây dựng".
_PART_OF_WORD = {"bằng": "đồng ", "dựng": "xây "}


# "X là cơ quan chủ trì", "X có trách nhiệm chủ trì": the unit is X.
_LEAD_TAIL = re.compile(
    r"\s+(?:là|làm)\s+(?:cơ quan|đơn vị|đầu mối)\b.*$|\s+(?:có trách nhiệm|được giao)$"
)
_ROLE_WORDS = re.compile(r"đôn đốc|theo dõi|tổng hợp")


# Head words whose units are not named by a function ("doanh nghiệp tổ chức …" is a verb after
# them, unlike "Ban quản lý", "Tổ kiểm tra").
_NAMED_BY_WHAT_THEY_DO = {"doanh nghiệp", "các", "những", "mọi", "toàn thể", "cơ quan"}


def cut_at_verb(text: str, known: KnownNames) -> str:
    """The leading unit list of a clause: everything before the first verb outside a name."""
    low = text.lower()
    spans = known.covered(text)
    best = len(text)
    for verb in VERBS:
        for m in re.finditer(r"(?<!\w)" + re.escape(verb) + r"(?!\w)", low):
            if m.start() == 0 or m.start() >= best:
                continue
            if verb in _PART_OF_WORD and low[: m.start()].endswith(_PART_OF_WORD[verb]):
                continue
            # "Trung tâm Dịch vụ tổng hợp": a verb inside a known name is not a verb.
            if any(s <= m.start() and m.end() <= e for s, e in spans):
                continue
            if text[m.start()].isupper():
                continue
            if verb == "tổ chức" and (
                re.match(r"\s*(?:chính trị|xã hội|thành viên|đoàn thể|cá nhân)", low[m.end() :])
                or re.search(r"(?:các|những|,|\svà)\s*$", low[: m.start()])
                or (
                    re.match(r"\s*(?:,|;|$)", low[m.end() :])
                    and not re.search(r"liên quan\s*$", low[: m.start()])
                )
            ):
                continue  # "doanh nghiệp, tổ chức, cá nhân": the noun, not the verb
            # "Ban quản lý chợ": right after a bare head word the verb is part of the name.
            last = re.split(r",|;|\svà\s", text[: m.start()])[-1].strip()
            if last and last.lower() in HEADS and last.lower() not in _NAMED_BY_WHAT_THEY_DO:
                continue
            best = m.start()
            break
    return text[:best].strip(" ,;:.")


@dataclass
class Duty:
    unit: str
    text: str


_GENERIC = re.compile(
    r"^(?:và\s+)?(?:các|những)?\s*(?:cơ quan|đơn vị|sở|bộ|ban|ngành|địa phương|lực lượng|tổ chức)"
    r"(?:[,\s]+(?:cơ quan|đơn vị|sở|bộ|ban|ngành|địa phương|tổ chức|cá nhân|khác|có|và))*"
    r"\s*(?:có\s+)?liên quan$|^(?:(?:các|những)\s+)?(?:địa phương|lực lượng|khu vực)$"
    # "đơn vị được lựa chọn …": a unit described by what it is given, not named.
    r"|^(?:(?:các|những)\s+)?(?:cơ quan|đơn vị|tổ chức|doanh nghiệp)\s+được\s",
    re.IGNORECASE,
)


def drop_generic(units: list[str]) -> list[str]:
    """Partners read from prose: "các cơ quan liên quan" goes when a named unit is a partner too."""
    specific = [u for u in units if not _GENERIC.match(u.strip())]
    # Only generic partners: one catch-all ("các sở, ngành, địa phương có liên quan" written
    # twice in two wordings is one).
    return specific if specific else units[:1]


# Words that start a clause after a unit's name ("Sở Y tế chủ động …", "UBND xã căn cứ …").
_CLAUSE_START = re.compile(
    r"\s+(?:chủ động|căn cứ|thúc đẩy|tiến hành|chủ trì|huy động|tham gia|có trách nhiệm|"
    r"thực hiện|triển khai|tổ chức thực hiện|ban hành|tới việc|trong phạm vi|"
    r"hướng dẫn|rà soát|xây dựng|tuyên truyền|phối hợp|là cơ quan|làm đầu mối)\b.*$",
    re.IGNORECASE,
)
# A head word followed by a capitalised verb is a name ("Sở Xây dựng", "các Ban Xây dựng Đảng").
_NAMED_BY_VERB = re.compile(r"(?:^|\s)(?:sở|ban|phòng|cục|vụ|chi cục|tổng cục|trung tâm)$", re.I)


# Bodies a report goes up to (the issuer, its chair, the Party committee): not the coordinator.
_ISSUER_LIKE = re.compile(
    r"(?i)(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd|chủ tịch|thường trực|ban thường vụ|tỉnh ủy"
    r"|thành ủy|huyện ủy|đảng ủy|thủ tướng|chính phủ|hội đồng nhân dân|hđnd)\b"
)


def trim_unit(name: str) -> str:
    """A unit name without the clause a sentence went on with; "" when it was only a verb."""
    name = name.strip()
    if re.match(r"(?i)ban hành\b", name):
        return ""
    cut = name
    for m in _CLAUSE_START.finditer(name):
        word = name[m.start() :].lstrip()
        if word[:1].isupper() and _NAMED_BY_VERB.search(name[: m.start()]):
            continue
        cut = name[: m.start()].strip(" ,;:")
        break
    if cut != name and len(cut.split()) >= 2 and starts_with_head(cut):
        return cut
    return name


def partners(text: str, known: KnownNames) -> str:
    """Units a text names as partners ("phối hợp (chặt chẽ) với X …")."""
    found: list[str] = []
    text = expand_places(text)
    for m in re.finditer(
        # "phối hợp, trao đổi thông tin (với) X": a second verb sharing the partner.
        r"phối hợp(?:\s+chặt chẽ)?(?:,?\s+(?:trao đổi|chia sẻ)(?:\s+thông tin)?)?"
        r"(?:\s+(?:với|cùng))?\s+(.+?)(?:[.;:]\s|[.;:]?$)",
        text,
        re.IGNORECASE,
    ):
        if _ISSUERS_PARTNER.search(text[max(0, m.start() - 80) : m.start()]):
            continue  # "tham mưu UBND tỉnh phối hợp các bộ": the issuer's partner, not the body's
        name = cut_at_verb(m.group(1), known).strip(" ,")
        if name and starts_with_head(name) and len(name.split()) <= 30:
            found.append(name)
    return "; ".join(found)


_ISSUERS_PARTNER = re.compile(
    r"tham mưu\s+(?:cho\s+)?(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd|chủ tịch)[^,.;:]{0,40}\s$",
    re.IGNORECASE,
)


def organisation(texts: list[str], known: KnownNames) -> tuple[list[Duty], list[str]]:
    """Duties listed under "Tổ chức thực hiện": (unit, duty) pairs, and the units named."""
    duties: list[Duty] = []
    units: list[str] = []
    inside = False
    unit: str | None = None
    for line in texts:
        text = line.replace("**", "").strip()
        rm = ROMAN_HEAD_RE.match(text)
        heading = re.sub(r"^(?:[IVX]{1,5}|\d+)[.)]\s*", "", text).strip(" :.")
        if rm or _low(heading) == "tổ chức thực hiện":
            inside = _low(heading) == "tổ chức thực hiện"
            unit = None
            continue
        if not inside:
            continue
        if STOP_RE.match(text) or text.startswith("Trên đây"):
            inside = False
            continue
        nm = NUM_RE.match(text) or LETTER_RE.match(text)
        colon = re.match(r"^[-–•+]\s*([^:]{3,120}):\s*(\S.*)$", text)
        name = (
            re.sub(r"^(đề nghị|giao)\s+", "", colon.group(1).strip(), flags=re.I) if colon else ""
        )
        if (
            colon
            and colon.group(2)
            and not nm
            and starts_with_head(name)
            and len(name.split()) <= 14
        ):
            units.append(name)
            duties.append(Duty(name, colon.group(2).strip()))
            unit = None
            continue
        bare = re.sub(r"^(đề nghị|giao)\s+", "", text, flags=re.IGNORECASE).rstrip(":")
        if (
            not nm
            and not BULLET_RE.match(text)
            and starts_with_head(bare)
            and len(bare.split()) <= 12
            and not bare.endswith((".", ";"))
            and cut_at_verb(bare, known) == bare
        ):
            # A unit's name on its own line (Word numbered it automatically).
            unit = bare
            units.append(bare)
            continue
        if nm:
            body = re.sub(r"^(đề nghị|giao)\s+", "", nm.group(2).strip(), flags=re.IGNORECASE)
            body = body.rstrip(":")
            head, sep, rest = body.partition(":")
            if sep and rest.strip() and starts_with_head(head) and len(head.split()) <= 14:
                units.append(head.strip())
                duties.append(Duty(head.strip(), rest.strip()))
                unit = head.strip()
                continue
            if starts_with_head(body) and "báo cáo" not in _low(body)[:20]:
                words = body.split()
                if len(words) <= 14 and not re.search(
                    r"[.;]\s|\s(chủ trì|tham mưu|có trách nhiệm|thực hiện)\s", f" {body} "
                ):
                    unit = body
                    units.append(body)
                    continue
                name = cut_at_verb(body, known)
                if name and starts_with_head(name) and name != body:
                    units.append(name)
                    duties.append(Duty(name, body[len(name) :].strip(" ,:")))
                    unit = None
                    continue
            unit = None
            continue
        if unit is not None:
            duty = BULLET_RE.sub("", text)
            if parse_reporting(duty):
                unit = None  # the reporting clause ends the unit's list of duties
                continue
            duties.append(Duty(unit, duty))
    return duties, units


def prose_tasks(
    texts: list[str], duties: list[Duty], year: int, known: KnownNames, make: MakeTask
) -> list[ParsedTask]:
    """Tasks from sentences "X chủ trì, phối hợp Y …" and from the duties listed by body."""
    tasks: list[ParsedTask] = []
    org = {d.text for d in duties}
    for line in texts:
        text = BULLET_RE.sub("", line.replace("**", "")).strip()
        if text in org:
            continue
        for sentence in re.split(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ])", text):
            m = re.search(r"^(.*?)\s+chủ trì\b[,\s]*(?:và\s+)?(.*)$", sentence)
            if not m:
                continue
            lead_text = re.sub(
                r"^(?:\d+(?:\.\d+)*[.)]?\s*|giao\s+|đề nghị\s+)",
                "",
                m.group(1),
                flags=re.IGNORECASE,
            )
            lead_text = lead_text.split(":")[-1].strip()
            lead_text = _LEAD_TAIL.sub("", lead_text)
            if not starts_with_head(lead_text) or len(lead_text.split()) > 20:
                continue
            rest = m.group(2)
            support_text = ""
            sm = re.match(r"phối hợp(?:\s+với)?\s+(.*)$", rest)
            if sm:
                support_text = cut_at_verb(sm.group(1), known)
            tasks.append(
                make(str(len(tasks) + 1), sentence, lead_text, support_text, year, "prose")
            )
    for duty in duties:
        # The coordinating office's own role (monitor, urge, compile) is not a task.
        low = _low(duty.text)
        clauses = re.split(r"\s*;\s*", duty.text)
        if "đôn đốc" in low or ("theo dõi" in low and "tổng hợp" in low):
            clauses = [c for c in clauses if not _ROLE_WORDS.search(_low(c))]
        text = "; ".join(c for c in clauses if c.strip()).strip(" ;")
        if not text:
            continue
        text = text[:1].upper() + text[1:]
        support_text = ""
        sm = re.search(r"phối hợp(?:\s+với)?\s+(.*)$", text, re.IGNORECASE)
        if sm:
            support_text = cut_at_verb(sm.group(1), known)
        tasks.append(make(str(len(tasks) + 1), text, duty.unit, support_text, year, "duty"))
    return tasks


def coordinator(texts: list[str], duties: list[Duty], known: KnownNames) -> str | None:
    """The unit named to monitor, urge and compile (the highest score), or None."""
    scores: Counter[str] = Counter()
    names: dict[str, str] = {}

    def credit(name: str, points: int) -> None:
        name = re.sub(
            r"^(?:thủ trưởng|giám đốc|chủ tịch|lãnh đạo|bộ trưởng|trưởng)\s+(?=\w)",
            "",
            name.strip(),
            flags=re.IGNORECASE,
        )
        if is_group(name):
            return
        key = loose_key(name)
        if key:
            names.setdefault(key, name)
            scores[key] += points

    for duty in duties:
        low = _low(duty.text)
        points = 2 * ("đôn đốc" in low) + ("theo dõi" in low) + ("tổng hợp" in low)
        if re.search(r"(?:là|làm) (?:cơ quan |đơn vị )?(?:thường trực|đầu mối)", low[:200]):
            points += 3
        if points:
            credit(duty.unit, points)
    for line in texts:
        for m in re.finditer(r"(?:\bvề|\bgửi)\s+([^();,.]{3,80}?)\s*\(qua ([^)]{3,80})\)", line):
            # "báo cáo về UBND xã (qua Văn phòng)": the office that receives for the
            # issuer; "báo cáo về Sở X (qua Chi cục Y)": the department itself.
            upper = _ISSUER_LIKE.match(m.group(1).strip())
            credit(m.group(2) if upper else m.group(1), 3)
        for m in re.finditer(r"\(qua ([^)]{3,80})\)", line):
            if not re.search(r"(?:\bvề|\bgửi)\s+[^();,.]{3,80}?\s*$", line[: m.start()]):
                credit(m.group(1), 3)
        for m in re.finditer(
            r"gửi\s+(?:báo cáo\s+(?:kết quả\s+)?)?(?:về\s+)?([^();.]{3,80}?),?\s+(?:để\s+)?"
            r"tổng hợp",
            line,
        ):
            name = m.group(1).strip()
            if starts_with_head(name) and not _ISSUER_LIKE.match(name):
                credit(name, 3)
        low = _low(line)
        if "đôn đốc" in low or ("theo dõi" in low and "tổng hợp" in low):
            body = NUM_RE.sub(r"\2", line.strip())
            body = BULLET_RE.sub("", body)
            body = re.sub(r"^(?:giao|đề nghị|yêu cầu)\s+", "", body, flags=re.IGNORECASE)
            name = cut_at_verb(body, known)
            if name and starts_with_head(name) and name != body and not is_group(name):
                credit(name, 2 * ("đôn đốc" in low) + ("theo dõi" in low) + ("tổng hợp" in low))
    if not scores:
        return None
    key, score = scores.most_common(1)[0]
    return names[key] if score >= 2 else None
