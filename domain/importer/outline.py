"""Structure detectors on the document's outline: numbered items with assignment lines, duties
listed by body, and prose items that name who acts.

The paragraphs are first arranged into an outline (Roman sections, arabic items "1." / "1.2.",
lettered items "a)"; bullets and plain paragraphs are an item's body). A task is then:

- an item carrying "Đơn vị chủ trì / phối hợp / Thời gian" lines (also under "Cơ quan thực
  hiện:"), or each lettered sub-item / bulleted group carrying its own such lines;
- an item that begins with a body's name ("1. Sở Tài chính: …", "2. Sở Y tế" over its duties,
  "Đề nghị Ủy ban MTTQ …", "Giao Sở X chủ trì …"): one task per body entry, or one per lettered
  sub-item when the entry has them;

never the coordinator's own urge-and-compile clause, the reporting clause or a funding clause.
Refs keep the document's numbering ("II.3", "IV.2.a").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.importer.model import Para
from domain.importer.unitnames import KnownNames, expand_places, starts_with_head
from domain.timeframes import parse_reporting
from domain.units import unit_key

_ROMAN_HEAD = re.compile(r"^([IVXLC]{1,6})\s*[.)]\s*(\S.*)$")
_NUM_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)(?:[.)]\s*|\s+)(?=\S)(.*)$")
_LETTER_HEAD = re.compile(r"^([a-zđ])\s*[).]\s+(\S.*)$")
_BULLET = re.compile(r"^[-–•+*]\s*")
_STOP = re.compile(r"^(?:nơi nhận|kt\.|tm\.|t/m|thay mặt)", re.IGNORECASE)
_APPENDIX = re.compile(r"^(?:phụ lục|danh mục)\b", re.IGNORECASE)
_LABEL = (
    r"(?:(?:đơn vị|cơ quan|bộ phận)(?:,\s*(?:đơn vị|cơ quan))?\s+)?(chủ trì|phối hợp|thực hiện|"
    r"thời gian(?: thực hiện| hoàn thành)?|thời hạn(?: hoàn thành| ban hành| thực hiện)?|"
    r"tiến độ(?: thực hiện)?|sản phẩm|kết quả|nội dung(?: thực hiện)?)"
    r"(?:\s+(?:thực hiện|chính|tham mưu|dự kiến))?\s*:"
)
FIELD_LINE = re.compile(r"^[-–•+*]?\s*" + _LABEL + r"\s*(.*)$", re.IGNORECASE)
_LEAD_VERBS = re.compile(r"^(?:đề nghị|giao|yêu cầu|khuyến khích|kính đề nghị)\s+", re.IGNORECASE)
# A time adverbial opening a sentence before its assignment ("Hằng năm, đề nghị …",
# "Trong quý III/2026, giao …"): it says when, not who.
_OPENING_TIME = re.compile(
    r"^(?:(?:hằng|hàng)\s+(?:năm|quý|tháng|tuần)|định kỳ[^,;:]{0,30}|(?:trong|từ|đến|trước|sau)"
    r"\s+(?:năm|quý|tháng|tuần|ngày|dịp|thời gian|giai đoạn)[^,;:]{0,40}),\s+"
    r"(?=(?:đề nghị|giao|yêu cầu)\s)",
    re.IGNORECASE,
)
_ROLE = re.compile(r"đôn đốc|theo dõi.{0,80}tổng hợp", re.IGNORECASE)
_REPORT_START = re.compile(
    r"^(?:định kỳ|hằng|hàng|báo cáo|gửi báo cáo|tổng hợp(?:,)? báo cáo|có trách nhiệm báo cáo)",
    re.IGNORECASE,
)
_FUNDING_START = re.compile(
    r"^(?:có trách nhiệm\s+)?(?:chủ động\s+)?(?:bố trí|đảm bảo|bảo đảm|cân đối|cấp)\s+"
    r"(?:đủ\s+)?(?:nguồn\s+)?(?:kinh phí|nguồn lực|ngân sách|vốn)",
    re.IGNORECASE,
)
_FUNDING_SECTION = re.compile(r"^(?:nguồn\s+)?(?:kinh phí|nguồn vốn|vốn)\b", re.IGNORECASE)
_GENERIC_ONLY = re.compile(
    r"^(?:có trách nhiệm\s+)?(?:tham mưu\s+)?(?:tổ chức\s+)?triển khai(?:,)? thực hiện"
    r" (?:các )?(?:nhiệm vụ được giao|kế hoạch này|nội dung kế hoạch)",
    re.IGNORECASE,
)
# Words that begin like a body's name but are verbs or topics ("Tổ chức hội thi", "Các nội dung").
_NOT_A_BODY = re.compile(
    r"^(?:ban hành\b|hội (?:nghị|thảo|thi|diễn|chợ)\b"
    r"|tổ chức\s+(?!chính trị|đoàn thể|xã hội|thành viên|đảng|công đoàn)"
    r"|các (?:nội dung|nhiệm vụ|giải pháp|hoạt động|chỉ tiêu|văn bản|chương trình|dự án|đề án)"
    r"|những (?:nội dung|nhiệm vụ)|bảo đảm|đảm bảo|báo cáo|nhà nước|nhà trường|điểm (?!bưu)"
    r"|phòng,? chống|phòng ngừa|phòng cháy|phòng tránh|phòng bệnh|phòng dịch"
    r"|(?:các|những) (?!(?:sở|ban|ngành|bộ|cơ quan|đơn vị|địa phương|phòng|xã|phường|tổ chức|"
    r"hội|đoàn|trường|trạm|doanh nghiệp|cơ sở|lực lượng|ủy ban|uỷ ban|cấp|chi bộ|đảng|chi|"
    r"trung tâm|tập thể|cá nhân|huyện|tỉnh|thôn|ấp|khu phố|tổ|báo|đài|bệnh viện|viện|cục|"
    r"chi cục|công ty|nhà|hợp tác xã|phòng|văn phòng|ubnd|đồng chí|ngân hàng|quỹ|thành viên)\b))",
    re.IGNORECASE,
)
# Words that say what a body does: a heading holding one is not a bare name.
_ASSIGNING = re.compile(
    r"\b(?:chủ trì|phối hợp|thực hiện|tham mưu|có trách nhiệm|chịu trách nhiệm|triển khai"
    r"|chỉ đạo|hướng dẫn|xây dựng|tổ chức thực hiện|bố trí|đảm bảo|bảo đảm)\b",
    re.IGNORECASE,
)
_LEAD_PREFIX = re.compile(
    r"^(?:thủ trưởng|giám đốc|chủ tịch|lãnh đạo|người đứng đầu|bộ trưởng|trưởng)\s+", re.I
)


@dataclass
class Node:
    """An outline item: its kind, label, own text (heading plus unnumbered paragraphs)."""

    kind: str  # root | roman | num | letter | bullet
    label: str
    head: str
    line: int
    body: list[Para] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    bold: bool = False

    def path(self) -> list[Node]:
        """The chain of items from the top down to this one (the root left out)."""
        out: list[Node] = []
        node: Node | None = self
        while node is not None and node.kind != "root":
            out.append(node)
            node = node.parent
        return out[::-1]

    def text(self) -> str:
        """Heading and body as one text."""
        return " ".join([self.head, *(p.text for p in self.body)]).strip()

    def all_text(self) -> str:
        """Heading, body and every descendant's text."""
        parts = [self.text()]
        parts.extend(c.all_text() for c in self.children)
        return " ".join(p for p in parts if p)


def _num_level(label: str) -> int:
    return 1 + label.count(".")


def build_outline(paras: list[Para]) -> Node:
    """Arrange paragraphs into the numbered outline."""
    root = Node("root", "", "", 0)
    roman: Node = root
    stack: list[Node] = []  # arabic items, deepest last
    letter: Node | None = None
    current: Node = root
    in_signature = False
    romans_seen: dict[str, int] = {}
    for para in paras:
        text = para.text.strip()
        if not text:
            continue
        if _STOP.match(text):
            in_signature = True
            continue
        if in_signature:
            rm = _ROMAN_HEAD.match(text)
            if re.match(r"^(?:KẾ HOẠCH|CHƯƠNG TRÌNH)\b", text) or (rm and rm.group(2).isupper()):
                # A decision's signature, then the plan it attaches.
                in_signature = False
                if not rm:
                    continue
            elif _APPENDIX.match(text) and (para.bold or text.isupper()):
                in_signature = False
                roman = Node("roman", "PL", text, para.line, parent=root)
                root.children.append(roman)
                stack, letter, current = [], None, roman
                continue
            else:
                continue
        rm = _ROMAN_HEAD.match(text)
        if rm and (rm.group(2).isupper() or para.bold) and len(text) < 250:
            label = rm.group(1)
            romans_seen[label] = romans_seen.get(label, 0) + 1
            node = Node("roman", label, rm.group(2).strip(), para.line, parent=root, bold=True)
            root.children.append(node)
            roman, stack, letter, current = node, [], None, node
            continue
        nm = _NUM_HEAD.match(text)
        if nm and not re.match(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text) and "." in text[:6]:
            label = nm.group(1)
            level = _num_level(label)
            if _wrapped_number(current, stack, label):
                _continue_last(current, text)
                continue
            while stack and _num_level(stack[-1].label) >= level:
                stack.pop()
            parent = stack[-1] if stack else roman
            node = Node("num", label, nm.group(2).strip(), para.line, parent=parent, bold=para.bold)
            parent.children.append(node)
            stack.append(node)
            letter, current = None, node
            continue
        lm = _LETTER_HEAD.match(text)
        if lm and (stack or roman is not root):
            parent = stack[-1] if stack else roman
            node = Node("letter", lm.group(1), lm.group(2).strip(), para.line, parent=parent)
            parent.children.append(node)
            letter, current = node, node
            continue
        current.body.append(para)
    del letter
    return root


def _wrapped_number(current: Node, stack: list[Node], label: str) -> bool:
    """ "… ưu tiên các địa bàn cấp độ" over "1. Cấp ngay …": a number that does not go on with
    the numbering at its level, after a paragraph cut mid-sentence, is a wrapped line."""
    if "." in label or current.kind == "root" or not current.body:
        return False
    last = current.body[-1]
    if last.bold or not last.text.rstrip()[-1:].isalnum():
        return False
    at_level = [n for n in stack if _num_level(n.label) == 1]
    if not at_level:
        return False
    return not label.isdigit() or int(label) != int(at_level[-1].label) + 1


def _continue_last(current: Node, text: str) -> None:
    last = current.body[-1]
    current.body[-1] = Para(f"{last.text} {text}", last.bold, last.line)


def renumber_romans(root: Node, has_tasks: Callable[[Node], bool]) -> None:
    """A Roman numeral printed twice: the later section takes the next numeral when the earlier
    one already holds tasks (so refs stay unique)."""
    seen: dict[str, Node] = {}
    prev_value = 0
    for node in root.children:
        if node.kind != "roman":
            continue
        value = roman_value(node.label)
        if node.label in seen and has_tasks(seen[node.label]) and value <= prev_value:
            node.label = to_roman(prev_value + 1)
            value = prev_value + 1
        seen[node.label] = node
        prev_value = max(prev_value, value)


def roman_value(label: str) -> int:
    """I -> 1 … (0 for anything else)."""
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(label):
        v = values.get(ch, 0)
        if not v:
            return 0
        nxt = values.get(label[i + 1], 0) if i + 1 < len(label) else 0
        total += -v if v < nxt else v
    return total


def to_roman(n: int) -> str:
    """1 -> I …"""
    out = ""
    for v, s in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX")):
        while n >= v:
            out, n = out + s, n - v
    for v, s in ((5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


def ref_of(node: Node) -> str:
    """The item's ref: Roman section, arabic path, letter."""
    parts: list[str] = []
    for n in node.path():
        if n.kind == "roman" and n.label != "PL":
            parts.append(n.label)
        elif n.kind == "num":
            # "1.2" under "1" repeats its parent's number: keep only the new part.
            if parts and n.parent is not None and n.parent.kind == "num":
                prefix = n.parent.label + "."
                parts.append(n.label[len(prefix) :] if n.label.startswith(prefix) else n.label)
            else:
                parts.append(n.label)
        elif n.kind == "letter":
            parts.append(n.label)
    return ".".join(parts)


@dataclass
class Found:
    """A task found in the outline, before its fields are read."""

    ref: str
    title: str
    text: str  # full text for deadlines and partners
    lead: str  # unit text
    support: str
    time: str
    source: str  # section | duty | prose
    line: int
    roman: str = ""
    fields_given: bool = False
    section: str = ""
    top: int = 0  # id() of the Roman section node it lies in


def leading_unit(
    text: str, known: KnownNames, cut: Callable[[str], str], heading: bool = False
) -> tuple[str, str]:
    """The body a text begins with, and the rest: ("Sở Tài chính", "chủ trì, phối hợp …").

    `heading`: the text is an item's heading line with its duties below it, so a short heading
    that says nothing of what is done ("6. Các tổ chức cung cấp dịch vụ chi trả") is all name."""
    body = _OPENING_TIME.sub("", expand_places(text.strip()))
    body = _LEAD_VERBS.sub("", body).strip()
    body = _LEAD_PREFIX.sub("", body)
    opened = _after_opener(body, known, cut)
    if opened is None:
        opened = _after_topic(body, cut)
    if opened is not None:
        return opened
    if not starts_with_head(body) or _NOT_A_BODY.match(body):
        return "", text
    whole = body.rstrip(" :.;")
    if (
        heading
        and len(whole.split()) <= 12
        and not re.search(r"[.;:]", whole)
        and not _ASSIGNING.search(whole)
    ):
        return whole, ""
    # "4. Sở Văn hóa, Thể thao và Du lịch; Báo và Phát thanh, Truyền hình tỉnh": several bodies
    # over one list of duties, each a name on its own.
    members = [m.strip() for m in whole.split(";")]
    if (
        heading
        and len(members) > 1
        and not re.search(r"[.:]", whole)
        and not _ASSIGNING.search(whole)
        and all(
            starts_with_head(m) and len(m.split()) <= 12 and not _NOT_A_BODY.match(m)
            for m in members
        )
    ):
        return whole, ""
    head, sep, rest = body.partition(":")
    if sep and _name_sized(head) and starts_with_head(head) and cut(head) == head.strip():
        return head.strip(" ,"), rest.strip()
    stripped = body.rstrip(" :.;")
    if _name_sized(stripped) and cut(stripped) == stripped and not re.search(r"[.;]", body):
        return stripped, ""
    name = cut(body)
    if name and name != body and starts_with_head(name) and _name_sized(name):
        return name, body[len(name) :].strip(" ,:")
    return "", text


def _name_sized(name: str) -> bool:
    """Short enough to be one body's name, or a list of bodies ("Văn phòng X, Ủy ban Y, Tòa án
    Z …", as many as a request to every provincial agency names) whose members each are."""
    words = name.split()
    if len(words) <= 35:
        return True
    members = re.split(r",|;|\svà\s", name)
    return len(words) <= 100 and all(len(m.split()) <= 12 for m in members)


# Sections that state purposes, requirements, targets or criteria: a body named there is the
# context of the duties that follow, not an assignment.
_CONTEXT_SECTION = re.compile(
    r"^(?:\*\*)?(?:mục đích|yêu cầu|quan điểm|mục tiêu|căn cứ|đối tượng|tiêu chí|tiêu chuẩn"
    r"|nguyên tắc|phạm vi|thời gian|kinh phí|nguồn)",
    re.IGNORECASE,
)
# A later part of such a heading that names the work itself ("Phạm vi, đối tượng, phương án
# hỗ trợ"): the section holds work too.
_WORK_PART = re.compile(
    r"(?:,|\svà)\s*(?:phương án|nhiệm vụ|giải pháp|phân công|hoạt động|cách thức tổ chức)\b",
    re.IGNORECASE,
)


def _is_context(head: str) -> bool:
    """A heading of purposes, requirements, targets or criteria only."""
    return bool(_CONTEXT_SECTION.match(head)) and not _WORK_PART.search(head)


# The clause after a body's name goes on with what it does ("… hỗ trợ các địa phương …"), not
# with what is done to it or what it is ("… được …", "… là …").
_NOT_ACTING = re.compile(
    r"(?:được|bị|là|có|đã|sẽ|cần|phải|không|chưa|và|hoặc|của|trong|tại|về|do|với|cho|theo)\b",
    re.IGNORECASE,
)


def _acts(rest: str) -> bool:
    rest = rest.strip()
    return bool(rest) and rest[:1].islower() and not _NOT_ACTING.match(rest)


_OPENER = re.compile(r"^(?:căn cứ|trên cơ sở|sau khi|thực hiện)\s", re.IGNORECASE)


def _after_opener(
    body: str, known: KnownNames, cut: Callable[[str], str]
) -> tuple[str, str] | None:
    """ "Căn cứ Kế hoạch này, các sở, ban, ngành … xây dựng …": the body named after an opening
    phrase (tried at each comma of the first sentence)."""
    if not _OPENER.match(body):
        return None
    sentence = re.split(r"[.;]\s", body, maxsplit=1)[0]
    for m in re.finditer(r",\s+", sentence):
        if m.start() > 160 or re.search(
            r"(?i)\b(?:chủ trì|phối hợp|với|giao|đề nghị)\b", body[: m.start()]
        ):
            break  # past the opening phrase: the sentence's own clauses follow
        tail = body[m.end() :]
        # "Trên cơ sở kết quả …, giao Sở Y tế thành lập …": the body the clause assigns.
        assigned = re.match(r"(?i)(?:giao|đề nghị|yêu cầu)\s+", tail)
        tail = tail[assigned.end() :] if assigned else tail
        tail = _LEAD_PREFIX.sub("", tail)
        # The subject starts a new noun phrase ("các sở …", "Ủy ban nhân dân …"), not a word
        # that goes on with the opening phrase's own list ("… của các sở, ban, ngành").
        fresh = tail[:1].isupper() or re.match(r"(?i)(?:các|những)\s", tail)
        if not fresh or not starts_with_head(tail) or _NOT_A_BODY.match(tail):
            continue
        name = cut(tail)
        if name and name != tail and starts_with_head(name) and len(name.split()) <= 35:
            rest = tail[len(name) :].strip(" ,:")
            if _acts(rest):
                return name, rest
    return None


# Labels of a plan's attributes ("Hình thức: …", "Thời gian: …"), not a piece of work.
_ATTRIBUTE = re.compile(
    r"(?i)^(?:hình thức|thời gian|thời điểm|nội dung|đối tượng|phạm vi|địa điểm|thành phần"
    r"|mục đích|yêu cầu|mục tiêu|kinh phí|lưu ý|ghi chú)\b"
)


def _after_topic(body: str, cut: Callable[[str], str]) -> tuple[str, str] | None:
    """ "Mở tài khoản cho đối tượng: Ủy ban nhân dân xã phối hợp với …": a topic ended by a
    colon, then the body that does it."""
    topic, sep, after = body.partition(":")
    if not sep or starts_with_head(topic) or len(topic.split()) > 15 or _ATTRIBUTE.match(topic):
        return None
    after = _LEAD_VERBS.sub("", after.strip())
    after = _LEAD_PREFIX.sub("", after)
    fresh = after[:1].isupper() or re.match(r"(?i)(?:các|những)\s", after)
    if not fresh or not starts_with_head(after) or _NOT_A_BODY.match(after):
        return None
    name = cut(after)
    if not name or name == after or not starts_with_head(name) or not _name_sized(name):
        return None
    rest = after[len(name) :].strip(" ,:")
    return (name, rest) if _acts(rest) else None


def is_not_task(rest: str, whole: bool = True) -> bool:
    """The coordinator's own clause, the reporting clause, a funding clause, or a bare
    "carry out this plan". `whole`: the text is a body's whole entry (not one of its lettered
    sub-items, which the document lists as separate pieces of work)."""
    low = rest.strip().lower()
    if not low:
        return False
    if _REPORT_START.match(low) and len(low) < 400:
        return True
    if _FUNDING_START.match(low) and len(low) < 300:
        return True
    if _GENERIC_ONLY.match(low) and len(low) < 200:
        return True
    if not _ROLE.search(low):
        return False
    if whole and _only_role(low):
        return True
    short = len(low) < 300 and not re.search(r"^(?:chủ trì|tổ chức|xây dựng|triển khai)", low)
    # A body's entry that starts with other work ("Bố trí hội trường …; giúp … theo dõi,
    # tổng hợp") is a task, even if it ends with the coordinator's role; so is a sub-item whose
    # main clause is other work ("chịu trách nhiệm về tình hình …, tăng cường kiểm tra, đôn đốc").
    first = re.split(r";|\.\s", low, maxsplit=1)[0].strip(" ,.-–")
    if whole:
        return (
            short
            and bool(_ROLE_CLAUSE.match(first) or _ROLE.search(first))
            and not _other_work_after(low)
        )
    return short and bool(_ROLE_CLAUSE.match(first) or _ROLE.search(first[:100]))


# A clause of the coordinator's own role: lead the plan's roll-out, monitor, urge, inspect,
# guide, compile, review, report ("Chủ trì, phối hợp với X theo dõi, đôn đốc …; định kỳ báo cáo").
_ROLE_CLAUSE = re.compile(
    r"^(?:đồng thời,?\s+)?(?:có trách nhiệm\s+)?(?:là cơ quan thường trực,?\s+)?(?:chủ trì,?\s*)?"
    r"(?:(?:và\s+)?phối hợp\b[^;]{0,200}?\s)?"
    r"(?:(?:tổ chức\s+)?(?:triển khai(?:,)?\s+)?(?:thực hiện\s+)?kế hoạch(?: này)?\b"
    r"|(?:tổ chức\s+)?(?:triển khai(?:,)?\s+)?thực hiện (?:kế hoạch|có hiệu quả kế hoạch)"
    r"|theo dõi|đôn đốc|kiểm tra,? (?:đôn đốc|theo dõi|giám sát)"
    r"|hướng dẫn,? (?:kiểm tra|đôn đốc|theo dõi)"
    r"|tổng hợp|(?:định kỳ\s+)?báo cáo|(?:tổ chức\s+)?sơ(?: kết)?,? tổng kết)",
    re.IGNORECASE,
)


_ROLE_WORDS = re.compile(r"theo dõi|đôn đốc|tổng hợp|báo cáo|kiểm tra|giám sát|hướng dẫn")


def _other_work_after(low: str) -> bool:
    """A later clause of the coordinator's entry does other work, naming no monitoring,
    urging, inspecting, compiling or reporting ("…; tham mưu tổ chức sơ kết và đề xuất khen
    thưởng"): a mixed entry, so a task (LABELS.md: mixed items stay)."""
    clauses = [c.strip(" ,.-–/") for c in re.split(r";|\.\s|\.$", low)][1:]
    return any(
        len(c.split()) >= 4 and not _ROLE_WORDS.search(c) and not _ROLE_CLAUSE.match(c)
        for c in clauses
    )


def _only_role(low: str) -> bool:
    """Every clause of the text is the coordinator's own role (monitor, urge, compile, report),
    or the bare "carry out this plan"."""
    clauses = [c.strip(" ,.-–/") for c in re.split(r";|\.\s|\.$", low)]
    clauses = [c for c in clauses if c]
    return bool(clauses) and len(low) < 400 and all(_ROLE_CLAUSE.match(c) for c in clauses)


def _is_field_label_item(node: Node) -> bool:
    return bool(FIELD_LINE.match(node.head)) or bool(
        re.match(r"^(?:cơ quan|đơn vị) (?:thực hiện|chủ trì)\s*:?$", node.head, re.IGNORECASE)
    )


def _field_paras(node: Node) -> list[Para]:
    """Paragraphs of the item that are assignment lines (its own, and those of sub-items that
    are only labels such as "b) Cơ quan thực hiện:")."""
    out = [p for p in node.body if FIELD_LINE.match(p.text)]
    for child in node.children:
        if child.kind == "letter" and _is_field_label_item(child):
            out.append(Para(child.head, line=child.line))
            out.extend(p for p in child.body if FIELD_LINE.match(p.text))
    return out


def _read_fields(paras: list[Para]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for p in paras:
        m = FIELD_LINE.match(p.text)
        if not m:
            continue
        label, value = m.group(1).lower(), m.group(2).strip(" ;,.")
        if label.startswith(("thời gian", "thời hạn", "tiến độ")):
            fields.setdefault("time", value)
        elif label in ("chủ trì", "thực hiện"):
            if value:
                fields["lead"] = f"{fields['lead']}; {value}" if "lead" in fields else value
        elif label == "phối hợp":
            fields["support"] = f"{fields['support']}; {value}" if "support" in fields else value
    return fields


Inline = Callable[[str, dict[str, str]], str]


def node_fields(node: Node, inline: Inline) -> tuple[dict[str, str], str]:
    """The item's assignment fields (its lines, and "(Chủ trì: X; thời gian: Y)" written inside
    its text), and its heading with those inline fields taken out."""
    fields: dict[str, str] = {}
    head = inline(node.head, fields)
    for p in node.body:
        if not FIELD_LINE.match(p.text):
            inline(p.text, fields)
    for key, value in _read_fields(_field_paras(node)).items():
        if key not in fields:
            fields[key] = value
    if head != node.head:
        head = head.rstrip(" .")
    return fields, head


def _has_fields(node: Node, inline: Inline) -> bool:
    fields, _ = node_fields(node, inline)
    return "lead" in fields or "support" in fields


def _description(node: Node) -> str:
    parts = [node.head]
    for p in node.body:
        if FIELD_LINE.match(p.text):
            continue
        if p.text[:1].islower() and len(parts) == 1:
            parts[0] = f"{parts[0]} {p.text}"  # the heading goes on after a blank line
        else:
            parts.append(p.text)
    for child in node.children:
        if child.kind == "letter" and _is_field_label_item(child):
            m = FIELD_LINE.match(child.head)
            if m and m.group(1).lower().startswith("nội dung"):
                parts.append(m.group(2))
    return "\n".join(p for p in parts if p)


def _bullet_groups(node: Node) -> list[tuple[Para, list[Para]]]:
    """Bulleted sub-items that each carry their own assignment lines ("- Nghị định …" then
    "+ Cơ quan chủ trì: …")."""
    groups: list[tuple[Para, list[Para]]] = []
    for p in node.body:
        if FIELD_LINE.match(p.text):
            if groups:
                groups[-1][1].append(p)
            continue
        if _BULLET.match(p.text) and p.text.lstrip()[:1] in "-–•":
            groups.append((p, []))
    groups = [g for g in groups if any(_is_lead_line(x) for x in g[1])]
    return groups if len(groups) >= 2 else []


def _is_lead_line(p: Para) -> bool:
    m = FIELD_LINE.match(p.text)
    return bool(m and m.group(1).lower() in ("chủ trì", "thực hiện"))


def find_tasks(
    root: Node,
    known: KnownNames,
    cut: Callable[[str], str],
    partners: Callable[[str], str],
    inline: Inline,
    issuer: str | None = None,
) -> list[Found]:
    """Every task the outline holds (see the module doc). `issuer`: the body issuing the plan,
    whose own chairman's acts are not tasks."""
    out: list[Found] = []

    def issuers_own(text: str, lead: str) -> bool:
        """ "Chủ tịch Ủy ban nhân dân tỉnh xem xét tặng Bằng khen": the issuer's head acting."""
        if not issuer or not _LEAD_PREFIX.match(text.strip()):
            return False
        own, theirs = unit_key(issuer).split(), unit_key(lead).split()
        return len(theirs) >= 2 and own[: len(theirs)] == theirs

    def roman_of(node: Node) -> str:
        path = node.path()
        return path[0].label if path and path[0].kind == "roman" else ""

    def add(
        node: Node,
        ref: str,
        title: str,
        text: str,
        lead: str,
        support: str,
        time: str,
        source: str,
        given: bool = False,
    ) -> None:
        section = ""
        up = node.parent
        while up is not None and up.kind != "root":
            if up.kind in ("num", "roman"):
                section = up.head
                break
            up = up.parent
        path = node.path()
        out.append(
            Found(
                ref,
                title,
                text,
                lead,
                support,
                time,
                source,
                node.line,
                roman_of(node),
                given,
                section,
                id(path[0]) if path else 0,
            )
        )

    def visit(node: Node) -> None:
        if node.kind == "roman" and _FUNDING_SECTION.search(node.head):
            return  # "Kinh phí thực hiện": who pays is not a task
        if node.kind in ("num", "letter"):
            if _has_fields(node, inline):
                groups = _bullet_groups(node)
                if groups:
                    for i, (bullet, lines) in enumerate(groups, 1):
                        f = _read_fields(lines)
                        add(
                            node,
                            f"{ref_of(node)}.{i}",
                            _BULLET.sub("", bullet.text),
                            bullet.text,
                            f.get("lead", ""),
                            f.get("support", ""),
                            f.get("time", ""),
                            "section",
                            True,
                        )
                    return
                f, head = node_fields(node, inline)
                desc = _description(node)
                if head != node.head:
                    desc = head + desc[len(node.head) :]
                add(
                    node,
                    ref_of(node),
                    head,
                    desc,
                    f.get("lead", ""),
                    f.get("support", ""),
                    f.get("time", ""),
                    "section",
                    True,
                )
                for child in node.children:
                    if not _is_field_label_item(child) and _has_fields(child, inline):
                        visit(child)
                return
            # An explicit assignment ("…, giao Sở X thành lập …") is work wherever it stands.
            in_context = any(_is_context(n.head) for n in node.path()[:-1]) and not re.search(
                r"(?i)(?:^|,\s*)(?:giao|đề nghị)\s+(?=\S)", node.head
            )
            if not in_context and not any(_has_fields(c, inline) for c in node.children):
                lead, rest = leading_unit(
                    node.head, known, cut, heading=bool(node.body or node.children)
                )
                if not lead and bare_name(node) and bodies_among(node) * 3 >= 2 * siblings(node):
                    # "14. Tỉnh đoàn" among bodies' entries
                    lead, rest = node.head.strip(" :."), ""
                # A bare name over duties ("9. Doanh nghiệp số") and an encouragement
                # ("Khuyến khích các doanh nghiệp …") give a body work only in a list of bodies'
                # entries; among topics and actions they are a topic and a policy.
                if (
                    lead
                    and (not rest or re.match(r"(?i)khuyến khích\s", node.head))
                    and bodies_among(node) * 2 < siblings(node)
                    and not _restated(node, lead)
                ):
                    lead = ""
                if lead and issuers_own(node.head, lead):
                    lead = ""
                if lead:
                    duty(node, lead, rest)
                    return
        if node.kind in ("roman", "num", "root", "letter"):
            body_duties(node)
        for child in node.children:
            visit(child)

    def siblings(node: Node) -> int:
        parent = node.parent
        return sum(c.kind == node.kind for c in parent.children) if parent else 1

    counted: dict[tuple[int, str], int] = {}

    def bodies_among(node: Node) -> int:
        """How many items at this item's level (itself included) begin with a body's name."""
        parent = node.parent
        if parent is None:
            return 1
        key = (id(parent), node.kind)
        if key not in counted:
            counted[key] = sum(
                bool(leading_unit(c.head, known, cut, heading=bool(c.body or c.children))[0])
                for c in parent.children
                if c.kind == node.kind
            )
        return counted[key]

    def bare_name(node: Node) -> bool:
        """A short capitalised heading over its duties that reads as a name: no verb, no
        punctuation, not a section's topic word."""
        head = node.head.strip(" :.")
        return (
            bool(node.body or node.children)
            and head[:1].isupper()
            and len(head.split()) <= 6
            and not re.search(r"[.,;:()]", head)
            and cut(head) == head
            and not _ASSIGNING.search(head)
            and not _NOT_A_BODY.match(head)
            and not _CONTEXT_SECTION.match(head)
            and not _FUNDING_SECTION.match(head)
        )

    def body_duties(node: Node) -> None:
        """Paragraphs under a heading that each give a body its work ("- Công an xã: …",
        "- Trạm Y tế chủ trì, phối hợp …", "Đề nghị Ủy ban MTTQ …"; under an item of the plan's
        content, also a bullet such as "- Trung tâm Y tế hỗ trợ …"). When only one paragraph of
        a numbered or lettered item names who acts, that item is the task (its own ref)."""
        base = ref_of(node)
        # The item's own heading counts: its paragraphs lie inside it.
        context = any(_is_context(n.head) or n.label == "PL" for n in node.path())
        found: list[tuple[Para, str, str, str]] = []
        for p in node.body:
            text = _BULLET.sub("", p.text).strip()
            if FIELD_LINE.match(p.text):
                continue
            lead, rest = leading_unit(text, known, cut)
            if not lead or not rest or issuers_own(text, lead):
                continue
            # An encouragement ("Khuyến khích doanh nghiệp …") in a paragraph is not an assignment.
            encouraged = re.match(r"(?i)khuyến khích", text) is not None
            asked = _LEAD_VERBS.match(_OPENING_TIME.sub("", text)) is not None and not encouraged
            colon = ":" in text[: len(lead) + 25]
            acts = (
                not context
                and not encouraged
                and node.kind != "root"
                and re.match(r"^[-–•]\s*", p.text) is not None
                and _acts(rest)
            )
            if not (
                asked
                or colon
                or acts
                or re.match(
                    r"(?:có trách nhiệm |là cơ quan |được giao )?chủ trì", rest, re.IGNORECASE
                )
            ):
                continue
            if is_not_task(rest):
                continue
            found.append((p, text, lead, rest))
        for k, (p, text, lead, rest) in enumerate(found, 1):
            if len(found) == 1 and node.kind in ("num", "letter"):
                ref = base
            else:
                ref = f"{base}.{k}" if base else str(k)
            out.append(
                Found(
                    ref,
                    _first_clause(_strip_role(rest)),
                    text,
                    lead,
                    partners(rest),
                    "",
                    "prose",
                    p.line,
                    roman_of(node),
                    False,
                    node.head,
                )
            )

    def duty(node: Node, lead: str, rest: str) -> None:
        subs = [c for c in node.children if not _is_field_label_item(c)]
        # The plan's closing words after its last entry are not that body's duties.
        body = [p for p in node.body if not _CLOSING.match(p.text)]
        # Nor is the plan's reporting clause standing after the entry as a plain paragraph
        # ("Các phòng, đơn vị báo cáo kết quả … định kỳ 6 tháng …"): it ends the entry.
        for k, p in enumerate(body):
            if (k or rest) and not _BULLET.match(p.text) and parse_reporting(p.text):
                body = body[:k]
                break
        # Partners named in the entry's own words (its heading's rest, its opening paragraph
        # "Chủ trì, phối hợp với …") hold for each of its sub-items.
        intro = " ".join([rest, *(p.text for p in body)]).strip()
        head_partners = partners(intro) if intro else ""
        if subs:
            for child in subs:
                text = child.all_text()
                sub_lead, sub_rest = leading_unit(child.head, known, cut)
                if sub_lead and _plural_free(sub_lead) == _plural_free(lead):
                    sub_lead = lead  # "Doanh nghiệp …" under "Các doanh nghiệp …": the heading's
                if is_not_task(sub_rest if sub_lead else text, whole=False):
                    continue
                support = "; ".join(x for x in (head_partners, partners(text)) if x)
                add(
                    child,
                    ref_of(child),
                    _first_clause(child.head),
                    text,
                    sub_lead or lead,
                    support,
                    "",
                    "duty",
                )
            return
        text = " ".join([rest, *(p.text for p in body)]).strip()
        if is_not_task(text):
            return
        add(node, ref_of(node), _first_clause(text) or lead, text, lead, partners(text), "", "duty")

    visit(root)
    return out


# A plan's closing paragraphs: "if difficulties arise, report to …", "this plan replaces …".
_CLOSING = re.compile(
    r"(?i)^(?:(?:trong )?quá trình (?:tổ chức )?(?:triển khai|thực hiện)[^.;]{0,120}?"
    r"(?:khó khăn|vướng mắc)|nếu có (?:phát sinh )?(?:khó khăn|vướng mắc)|trên đây là"
    r"|(?:kế hoạch|chương trình) này (?:thay thế|có hiệu lực))"
)


def _restated(node: Node, lead: str) -> bool:
    """The item's text opens by naming its heading's body again as the one who acts ("6. Các
    ngành khác" over "Các ngành khác căn cứ … xây dựng …")."""
    if not node.body:
        return False
    first = _BULLET.sub("", node.body[0].text).strip().lower()
    name = lead.strip().lower()
    return first.startswith(name) and first[len(name) : len(name) + 1] in (" ", ",", ":")


def _plural_free(name: str) -> str:
    return re.sub(r"^(?:các|những)\s+", "", name.strip().lower())


def _first_clause(text: str) -> str:
    """A short title: the text up to its first sentence or clause end."""
    t = _BULLET.sub("", text.strip())
    m = re.search(r"[.;](?:\s|$)", t)
    if m and m.start() > 15:
        t = t[: m.start()]
    if len(t) > 200:
        cut = t.rfind(",", 0, 200)
        t = t[: cut if cut > 60 else 200]
    return t.strip(" ,:;.")


def _strip_role(text: str) -> str:
    """Drop the coordinator's own clauses (monitor, urge, compile) from a duty's text."""
    clauses = re.split(r"\s*;\s*", text)
    kept = [c for c in clauses if not _ROLE.search(c)]
    return "; ".join(kept) or text


def body_entries(root: Node, known: KnownNames, cut: Callable[[str], str]) -> list[tuple[str, str]]:
    """Every (body, text) the outline names, tasks or not (the coordinator's own clause too)."""
    out: list[tuple[str, str]] = []

    def walk(node: Node) -> None:
        if node.kind in ("num", "letter"):
            lead, _rest = leading_unit(node.head, known, cut)
            if lead:
                out.append((lead, node.all_text()))
        for p in node.body:
            text = _BULLET.sub("", p.text).strip()
            lead, _rest = leading_unit(text, known, cut)
            if lead:
                out.append((lead, text))
        for child in node.children:
            walk(child)

    walk(root)
    return out
