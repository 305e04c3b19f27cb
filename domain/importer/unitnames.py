"""Splitting a cell or clause that names several units, without breaking names that hold commas.

"Phòng Kinh tế, Hạ tầng và Đô thị" is one unit; "Trạm Y tế, các phòng, ban, ngành liên quan" is
a unit and a group; "Phòng VH-XH Phòng Kinh tế" (a comma forgotten) is two units.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from domain.units import is_group, strip_qualifier, unit_key

# Names of common bodies whose own wording holds commas, hyphens or "và".
KNOWN_NAMES: tuple[str, ...] = (
    "Phòng Kinh tế, Hạ tầng và Đô thị",
    "Văn phòng HĐND và UBND",
    "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân",
    "Văn phòng HĐND - UBND",
    "Văn phòng Hội đồng nhân dân - Ủy ban nhân dân",
    "Phòng Văn hóa - Xã hội",
    "Phòng Văn hóa và Thông tin",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Giáo dục và Đào tạo",
    "Phòng Tài nguyên và Môi trường",
    "Phòng Lao động - Thương binh và Xã hội",
    "Phòng Nông nghiệp và Môi trường",
    "Trung tâm Văn hóa, Thông tin và Thể thao",
    "Trung tâm Văn hóa - Thể thao",
    "Ủy ban Mặt trận Tổ quốc Việt Nam",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Giáo dục và Đào tạo",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Tài nguyên và Môi trường",
    "Sở Nông nghiệp và Môi trường",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Khoa học và Công nghệ",
    "Sở Thông tin và Truyền thông",
    "Sở Kế hoạch và Đầu tư",
    "Sở Dân tộc và Tôn giáo",
    "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
    "Hội Liên hiệp Phụ nữ",
    "Trạm Y tế",
    "Trung tâm Y tế",
    "Phòng Kinh tế",
    "Phòng Nội vụ",
    "Phòng Tư pháp",
    "Công an",
    "Ban Chỉ huy Quân sự",
    "Bảo hiểm xã hội",
    # A kind of body whose name holds a verb ("các viện nghiên cứu", not "các viện" + clause).
    "Viện nghiên cứu",
)

# Words a unit's name begins with (lower case; the longest listed first where they overlap).
HEADS: tuple[str, ...] = (
    "văn phòng",
    "phòng",
    "ban chỉ huy",
    "ban nhân dân",
    "ban",
    "ủy ban",
    "uỷ ban",
    "ubnd",
    "trạm",
    "trung tâm",
    "công an",
    "sở",
    "hội đồng",
    "hội",
    "đoàn",
    "chi đoàn",
    "chi hội",
    "bảo hiểm",
    "trường",
    "cơ quan",
    "đảng ủy",
    "đảng uỷ",
    "đảng bộ",
    "chi bộ",
    "mặt trận",
    "viện",
    "cục",
    "chi cục",
    "tòa án",
    "toà án",
    "bưu điện",
    "đội",
    "tổ",
    "liên đoàn",
    "công đoàn",
    "hợp tác xã",
    "tổng công ty",
    "công ty",
    "tập đoàn",
    "ngân hàng",
    "doanh nghiệp",
    "bệnh viện",
    "thanh tra",
    "kho bạc",
    "thuế",
    "kiểm toán",
    "hải quan",
    "chi nhánh",
    "đài",
    "báo",
    "nhà",
    "thường trực",
    "bộ",
    "tỉnh ủy",
    "huyện ủy",
    "thành ủy",
    "đồn",
    "điểm",
    "ấp",
    "thôn",
    "khối",
    "lực lượng",
    "quỹ",
    "ubmttq",
    "mttq",
    "tyt",
    "vp",
    "hđnd",
    "bchqs",
    "bhxh",
    "các",
    "những",
    "mọi",
    "toàn thể",
    "lãnh đạo",
    "chủ tịch",
    "ngân hàng",
    "cảng vụ",
    "ban quản lý",
    "hạt",
    "chính quyền",
    "tổng thư ký",
    "liên minh",
    "cấp ủy",
    "cấp uỷ",
    "tòa soạn",
    "cổng",
    "trạm y tế",
    "thông tấn xã",
)
_GROUP_START = re.compile(r"^(các|những|mọi|toàn thể)\s", re.IGNORECASE)
_GENERIC = {
    "phòng",
    "ban",
    "ngành",
    "cơ",
    "quan",
    "đơn",
    "vị",
    "đoàn",
    "thể",
    "địa",
    "phương",
    "sở",
    "tổ",
    "chức",
    "trường",
    "học",
    "xã",
    "phường",
    "nhiệm",
    "vụ",
    "chuyên",
    "môn",
    "hội",
    "liên",
    "có",
    "thuộc",
    "theo",
    "năng",
    "trên",
    "bàn",
    "doanh",
    "nghiệp",
    "lực",
    "lượng",
    "ấp",
    "khu",
    "phố",
    "thôn",
    "bản",
    "cấp",
    "huyện",
    "tỉnh",
    "đặc",
    "ngoài",
    "trong",
    "chính",
    "trị",
    "xã hội",
    "hữu",
}
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_COMMA, _SEMI, _AND, _SPACE = "\u0001", "\u0002", "\u0003", "\u0004"


_LOCALITY = re.compile(
    r"\s+(?:đặc khu|xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh|Sở|sở)"
    r"(?:\s+[A-ZĐÀ-Ỹ]\w*)*$"
)


_VIET_NAM = unit_key("Việt Nam")


def strip_locality(name: str) -> str:
    """Drop a trailing locality: "Trạm Y tế đặc khu" and "Trạm Y tế" are one unit."""
    return _LOCALITY.sub("", strip_qualifier(name)).strip() or name


def loose_key(name: str) -> str:
    """A key that also ignores the locality and "Việt Nam".

    "UBMTTQ xã" and "Ủy ban Mặt trận Tổ quốc Việt Nam xã" are one unit.
    """
    key = f" {unit_key(strip_locality(name))} "
    return re.sub(r"\s+", " ", key.replace(f" {_VIET_NAM} ", " ")).strip()


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without tone marks, one character for one (so spans map back)."""
    out = []
    for ch in unicodedata.normalize("NFC", text).lower():
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if c not in _TONE_MARKS)
        base = unicodedata.normalize("NFC", base)
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


def starts_with_head(text: str) -> bool:
    """True when the text begins like a unit's name (a head word or an abbreviation)."""
    low = unicodedata.normalize("NFC", text).strip().lower()
    if re.match(r"^[A-ZĐ]{2,}[A-ZĐ&\-.]*\b", unicodedata.normalize("NFC", text).strip()):
        return True
    return any(low == h or low.startswith((h + " ", h + "-", h + ",")) for h in HEADS)


# "(sau đây gọi tắt là X)", "(viết tắt là X)", "(gọi chung là X)": a short form the plan defines.
_SHORT_FORM = re.compile(
    r"\(\s*(?:sau đây\s+)?(?:được\s+)?(?:gọi tắt|viết tắt|gọi chung)(?:\s+là)?\s*:?\s*"
    r"([^()]{2,60}?)\s*[.;,]?\s*\)",
    re.IGNORECASE,
)


def _head_of(name: str) -> str | None:
    """The head word a unit's name begins with, as a key ("UBND cấp xã" -> "ủy ban nhân dân")."""
    low = unicodedata.normalize("NFC", name).strip().lower()
    heads = [h for h in HEADS if low == h or low.startswith(h + " ")]
    if not heads or _GROUP_START.match(low):
        return None
    return unit_key(max(heads, key=len))


def defined_short_forms(text: str) -> list[tuple[str, str]]:
    """(full name, short form) pairs a text defines for units.

    The full name is the one just before the bracket that starts with the short form's head
    word: "Hội đồng Thi đua - Khen thưởng ngành Y tế (gọi tắt là Hội đồng thi đua)". Short
    forms of documents ("(sau đây gọi tắt là Chương trình)") are not units and are skipped."""
    text = re.sub(r"[*_]+", "", unicodedata.normalize("NFC", text))
    text = re.sub(r"\s+", " ", text)
    out: list[tuple[str, str]] = []
    for m in _SHORT_FORM.finditer(text):
        short = m.group(1).strip()
        head = _head_of(short)
        if head is None:
            continue
        before = re.split(r"[.;:()]\s", text[max(0, m.start() - 300) : m.start()])[-1].rstrip()
        best: str | None = None
        for w in re.finditer(r"(?<!\S)\S", before):
            candidate = before[w.start() :].strip(" ,")
            key = unit_key(candidate)
            if (
                candidate[:1].isupper()
                and (key == head or key.startswith(head + " "))
                and len(candidate.split()) <= 25
            ):
                best = candidate  # the last (closest) one wins
        if best and unit_key(best) != unit_key(short):
            out.append((best, short))
    return out


class KnownNames:
    """Names known to be single units: built-ins, the database's units and aliases, the plan's."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.keys: set[str] = set()
        # (a literal every match contains, the name's pattern): the literal is a cheap filter.
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        self._all: list[tuple[str, re.Pattern[str]]] = []
        self.short_forms: dict[str, str] = {}
        # The plan's own text (as read by `learn_short_forms`), for spelling out abbreviations.
        self._plan_text = ""
        self._plan_folded = ""
        self.add(KNOWN_NAMES)
        self.add(names)

    def add(self, names: Iterable[str]) -> None:
        """Learn more names."""
        for name in names:
            key = unit_key(name)
            if not key or key in self.keys:
                continue
            self.keys.add(key)
            bare = strip_qualifier(name)
            # A name of one or two words may be a verb: "Tổ chức", read as a unit once, must
            # not stop "UBND các xã tổ chức …" being cut at its verb (it still keeps "Viện,
            # Trường" whole). A collective listing several bodies ("Các sở, ngành, Ủy ban nhân
            # dân các xã") must not glue the same bodies together in another sentence. Both
            # stay known by key.
            if is_group(bare) and _several_bodies(bare):
                continue
            entry = (_anchor(bare), _name_pattern(bare))
            if len(bare.split()) > 2:
                self._all.append(entry)
            if re.search(r",|;|\svà\s|&", name):
                self._patterns.append(entry)

    def covered(self, text: str) -> list[tuple[int, int]]:
        """Spans of the text taken by known names."""
        folded = fold(text)
        return [
            (m.start(), m.end())
            for anchor, p in self._all
            if anchor in folded
            for m in p.finditer(folded)
        ]

    def protect(self, text: str) -> str:
        """Hide the separators inside known names so splitting leaves them whole."""
        folded = fold(text)
        chars = list(text)
        for anchor, pattern in self._patterns:
            if anchor not in folded:
                continue
            for m in pattern.finditer(folded):
                for i in range(m.start(), m.end()):
                    if chars[i] == ",":
                        chars[i] = _COMMA
                    elif chars[i] == ";":
                        chars[i] = _SEMI
                span = "".join(chars[m.start() : m.end()])
                span = re.sub(r"(?<=\s)và(?=\s)", _AND, span)
                chars[m.start() : m.end()] = list(span.ljust(m.end() - m.start()))
        return "".join(chars)

    def is_known(self, name: str) -> bool:
        """True when the name's key is known."""
        return unit_key(name) in self.keys

    def learn_short_forms(self, texts: Iterable[str]) -> None:
        """Short names a plan defines for a unit ("… (sau đây gọi tắt là UBND cấp xã)"); they
        replace those of a plan read before (a short form holds within its own plan only)."""
        self.short_forms = {}
        plan: list[str] = []
        for text in texts:
            plan.append(unicodedata.normalize("NFC", text))
            for long_name, short in defined_short_forms(text):
                self.short_forms[unit_key(short)] = long_name
                self.add([long_name])
        self._plan_text = "\n".join(plan)
        self._plan_folded = fold(self._plan_text)

    def full_name(self, name: str) -> str:
        """The plan's full name for a short form it defined or an abbreviation it spells out
        elsewhere; other names unchanged."""
        defined = self.short_forms.get(unit_key(name))
        if defined is not None:
            return defined
        return spelled_out(name, self._plan_text, self._plan_folded) or name


# An abbreviation inside a name: capitals (two or more letters) with "-", "&" or "," between.
_ABBREVIATION_TOKEN = re.compile(r"(?<!\S)([A-ZĐ]{1,6}(?:[-&,][A-ZĐ]{1,6})*)(?=[\s,;.)]|$)")
# What may stand between two spelled-out words: a space, a hyphen, a comma, "&" or "và".
_WORD_GAP = r"(?:\s*[-–—,&]\s*|\s+và\s+|\s+)"


def spelled_out(name: str, text: str, folded: str | None = None) -> str | None:
    """The full name a text writes for an abbreviated one, or None.

    "Chi cục BVMT" reads as "Chi cục Bảo vệ môi trường" when the text writes that name: the
    words before the abbreviation are the same, and the abbreviation's letters are the initials
    of the words that follow them, which end the name there. A spelling whose key the name
    already has ("Phòng VH-XH") is not needed and the name stays as written."""
    name = unicodedata.normalize("NFC", name).strip()
    if not text or not starts_with_head(name):
        return None
    folded = fold(text) if folded is None else folded
    for m in _ABBREVIATION_TOKEN.finditer(name):
        letters = re.sub(r"[-&,]", "", m.group(1))
        prefix = name[: m.start()].strip()
        # "khu vực XII": a Roman numeral, not initials.
        roman = re.fullmatch(r"[IVXLC]+", letters)
        if len(letters) < 2 or roman or not prefix or not prefix[:1].isupper():
            continue
        words = _WORD_GAP.join(re.escape(ch) + r"\w*" for ch in fold(letters))
        pattern = (
            r"(?<!\w)"
            + r"\s+".join(re.escape(w) for w in fold(prefix).split())
            + r"\s+"
            + words
            + r"(?!\w)"
        )
        for found in re.finditer(pattern, folded):
            full = text[found.start() : found.end()]
            # The name ends there: not followed by another capitalised word of it (another
            # unit's name, "… và Phòng Y", may follow).
            more = re.match(_WORD_GAP + r"(\w.*)", text[found.end() :])
            if more and more.group(1)[:1].isupper() and not starts_with_head(more.group(1)):
                continue
            # The spelled-out words are a name's (capitalised first word), not a sentence's.
            first = full[len(full) - len(full.lstrip()) :][len(prefix) :].lstrip()
            if not first[:1].isupper():
                continue
            candidate = re.sub(r"\s+", " ", f"{full} {name[m.end() :].strip()}").strip()
            if unit_key(candidate) != unit_key(name):
                return candidate
            break
    return None


def _anchor(name: str) -> str:
    """The longest word of a name, folded: any text its pattern matches contains it."""
    words: list[str] = re.findall(r"\w+", fold(name))
    return max(words, key=len) if words else ""


def _several_bodies(name: str) -> bool:
    """True when a name lists bodies: a piece after ",", ";" or "và" starts with a capitalised
    head word ("…, Ủy ban nhân dân các xã"), not a lower-case place ("xã, phường")."""
    pieces = re.split(r"\s*[,;]\s*|\s+và\s+", name)[1:]
    return any(p[:1].isupper() and starts_with_head(p) for p in pieces)


def _name_pattern(name: str) -> re.Pattern[str]:
    parts = re.split(r"(\s*[,;]\s*|\s*[-–—]\s*|\s+)", fold(name).strip())
    out = []
    for part in parts:
        if not part:
            continue
        if part.strip() == ",":
            out.append(r"\s*,\s*")
        elif part.strip() == ";":
            out.append(r"\s*;\s*")
        elif part.strip() in ("-", "–", "—"):
            out.append(r"\s*[-–—]\s*")
        elif not part.strip():
            out.append(r"\s+")
        else:
            out.append(re.escape(part))
    return re.compile(r"(?<!\w)" + "".join(out) + r"(?!\w)")


def _protect_brackets(text: str) -> str:
    """Hide the separators inside brackets: "các doanh nghiệp viễn thông (VNPT, Viettel và doanh
    nghiệp khác)" gives examples of one unit, not more units."""

    def hide(m: re.Match[str]) -> str:
        inner = m.group(0).replace(",", _COMMA).replace(";", _SEMI)
        return re.sub(r"\s+(?=(?:và|cùng)\s)", _SPACE, inner)

    return re.sub(r"\([^()]*\)", hide, text)


# "VH,TT&DL": capitals joined by commas with no space, one short name (a list is spaced).
_COMMA_ABBREVIATION = re.compile(
    r"(?<![\w,])[A-ZĐ]{1,4}(?:,[A-ZĐ]{1,4})+(?:[&\-][A-ZĐ]{1,4})+(?!\w)"
)


def _protect_abbreviations(text: str) -> str:
    """Hide the commas inside an abbreviation ("Sở VH,TT&DL") so it is not split there."""
    return _COMMA_ABBREVIATION.sub(lambda m: m.group(0).replace(",", _COMMA), text)


def _restore(text: str) -> str:
    return text.replace(_COMMA, ",").replace(_SEMI, ";").replace(_AND, "và").replace(_SPACE, " ")


def _is_generic(piece: str) -> bool:
    words = re.findall(r"\w+", piece.lower())
    return bool(words) and all(w in _GENERIC for w in words)


_COLLECTIVE_TAIL = re.compile(
    r"^(?:(?:các|những)\s+(?!(?:cơ quan|đơn vị)\b)"
    r"|(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd) (?:các\s|cấp\s|(?:xã|phường|huyện|quận)"
    r"(?:,\s*(?:xã|phường|huyện|quận|đặc khu|thị trấn))*$))",
    re.IGNORECASE,
)


def _is_plural_list(name: str) -> bool:
    """ "sở, ban, ngành": kinds of bodies listed by commas, a collective without "các"."""
    name = _restore(name)
    return "," in name and _is_generic(name)


def _is_collective_tail(piece: str) -> bool:
    """A collective that continues a comma-joined group; "các đơn vị", "các cơ quan (liên
    quan)" stay apart."""
    piece = _restore(piece)
    return bool(_COLLECTIVE_TAIL.match(piece)) and not re.search(r"liên quan$", piece)


_GENERIC_TAIL = re.compile(
    r",\s*((?:các\s+)?(?:cơ quan|đơn vị|tổ chức|địa phương)"
    r"(?:,\s*(?:cơ quan|đơn vị|tổ chức|cá nhân|địa phương))*(?:\s+khác)?\s+(?:có\s+)?liên quan)$",
    re.IGNORECASE,
)


def _split_generic_tail(segments: list[str]) -> list[str]:
    """ "…, Ủy ban nhân dân các tỉnh, cơ quan, tổ chức khác có liên quan": the generic tail after
    named units is an entry of its own (not part of the last name)."""
    out: list[str] = []
    for segment in segments:
        m = _GENERIC_TAIL.search(segment.strip(" .;"))
        head = segment.strip(" .;")[: m.start()] if m else ""
        last = re.split(r",|\svà\s", head)[-1].strip() if m else ""
        if (
            m
            and not _is_generic(re.sub(r"(?i)^(?:các|những)\s+", "", head))
            and not _is_generic(re.sub(r"(?i)^(?:các|những)\s+", "", last))
        ):
            out.extend([head, m.group(1)])
        else:
            out.append(segment)
    return out


_HEAD_TITLE = re.compile(
    r"^(?:thủ trưởng|chủ tịch|giám đốc|người đứng đầu|lãnh đạo)\s+(?=\S)", re.IGNORECASE
)


# "Bộ trưởng", "Cục trưởng": a head whose title names the kind of body it heads.
_KIND_HEAD = re.compile(r"^(bộ|tổng cục|cục|vụ|viện)\s+trưởng\b\s*", re.IGNORECASE)


def _kind_head_unit(piece: str) -> str | None:
    """ "Bộ trưởng Bộ Tư pháp" -> "Bộ Tư pháp"; a bare "Bộ trưởng" heading a list of heads ->
    "Các bộ" (the heads of every ministry); None when the piece is not such a title."""
    m = _KIND_HEAD.match(piece)
    if m is None:
        return None
    rest = piece[m.end() :].strip()
    if not rest:
        return f"Các {m.group(1).lower()}"
    return rest if starts_with_head(rest) and rest[:1].isupper() else None


def _as_unit(piece: str) -> str:
    """A head named in a list is read as the unit: "Thủ trưởng sở" -> "Các sở", "Chủ tịch Ủy
    ban nhân dân xã" -> "Ủy ban nhân dân xã"."""
    rest = _HEAD_TITLE.sub("", piece)
    if rest == piece or not rest:
        return piece
    if rest[:1].islower():
        return rest if _GROUP_START.match(rest) else f"Các {rest}"
    return rest


# "… và hệ thống truyền thanh cơ sở": a system named beside units is a partner of its own (not
# a head word elsewhere: "hệ thống" opens many task sentences).
_SYSTEM = re.compile(r"^hệ thống\s+\S+", re.IGNORECASE)


def _complete(name: str, known: KnownNames) -> bool:
    """A known name of one specific body with a proper name ("Sở Y tế"), not a collective."""
    name = _restore(name)
    return (
        known.is_known(name)
        and not is_group(name)
        and not _is_generic(name)
        and any(w[:1].isupper() for w in name.split()[1:])
    )


_TAKES_OBJECT = {"thuộc", "của", "tại", "trong", "cấp", "với", "cùng"}


def _split_glued(piece: str, known: KnownNames) -> list[str]:
    """Split "Phòng VH-XH Phòng Kinh tế" where the left part is a known unit."""
    words = piece.split()
    for i in range(1, len(words)):
        left, right = " ".join(words[:i]), " ".join(words[i:])
        # The right part must be a name of its own ("Phòng Kinh tế"), not a bare head word
        # closing the left one ("Văn phòng Sở"), nor the body a left part ending in "thuộc",
        # "của", "tại" belongs to ("các chi bộ trực thuộc Đảng ủy").
        if (
            len(words) - i >= 2
            and words[i - 1].lower() not in _TAKES_OBJECT
            and right[:1].isupper()
            and starts_with_head(right)
            and known.is_known(left)
        ):
            return [left, *_split_glued(right, known)]
    return [piece]


# "lực lượng Công an xã": the force of a body of a named place is that body ("lực lượng Công an",
# the police in general, stays as written).
_FORCE_OF = re.compile(r"^lực lượng\s+(?=[A-ZĐÀ-Ỹ])")


_UPPER = "A-ZĐÀ-ỸÂĂÊÔƠƯ"
_PLACE_NAME = rf"[{_UPPER}]\w*(?:\s+[{_UPPER}]\w*){{0,3}}"
# "… 04 xã: Gia Thuận, Tân Điền và Tân Phú": the places a collective names.
_PLACE_LIST = re.compile(
    r"\s*\b(?:các|\d{1,2})\s+(?P<kind>xã|phường|thị trấn|ấp|thôn|bản|khu phố|tổ dân phố|huyện"
    rf"|quận)\s*:\s*(?P<list>{_PLACE_NAME}(?:(?:\s*,\s*|\s+và\s+){_PLACE_NAME})+)"
)


def expand_places(text: str) -> str:
    """A collective followed by the places it names reads as one unit per place: "UBND 04 xã:
    Gia Thuận, Tân Điền" -> "UBND xã Gia Thuận, UBND xã Tân Điền"."""
    out: list[str] = []
    pos = 0
    for m in _PLACE_LIST.finditer(text):
        before = text[pos : m.start()]
        # The body is the last name before the count: "phối hợp với Sở Tài chính và Ủy ban nhân
        # dân 02 xã: …" -> "Ủy ban nhân dân".
        clause = re.split(r"[,;:.]\s|\s(?:và|với|cùng)\s", before)[-1]
        body = ""
        for w in re.finditer(r"(?<!\S)\S", clause):
            rest = clause[w.start() :]
            if rest[:1].isupper() and starts_with_head(rest):
                body = rest.strip()
                break
        if not body:
            continue
        places = re.split(r"\s*,\s*|\s+và\s+", m.group("list"))
        names = ", ".join(f"{body} {m.group('kind')} {p}" for p in places)
        out.append(before[: len(before) - len(clause)] + clause[: len(clause) - len(body)] + names)
        pos = m.end()
    return "".join(out) + text[pos:]


# Words that start what a unit does, never part of a unit's name in lower case.
_CLAUSE_VERB = re.compile(
    r"(?<!\w)(?:sử dụng|ưu tiên|đồng hành|nâng cấp|chủ động|tích cực|khẩn trương|kịp thời"
    r"|tiếp tục|đẩy mạnh|tăng cường|có trách nhiệm|chịu trách nhiệm)(?!\w)"
)


def _cut_clause(segment: str, known: KnownNames) -> str:
    """A list of units that runs on into a clause ends before the clause's verb: "các lực
    lượng, sử dụng đồng bộ các biện pháp" -> "các lực lượng" (a fragment is never a unit)."""
    spans = known.covered(segment)
    for m in _CLAUSE_VERB.finditer(segment):
        if any(s <= m.start() < e for s, e in spans):
            continue
        return segment[: m.start()].rstrip(" ,")
    return segment


# "Văn phòng Đoàn ĐBQH và HĐND tỉnh", "Văn phòng HĐND và UBND xã": one office serving two
# bodies (the place is named once, at the end); "Văn phòng UBND tỉnh và Sở Nội vụ" are two.
_OFFICE_OF = re.compile(r"^văn phòng\s", re.IGNORECASE)
_SERVED_BODY = re.compile(
    r"^(?:hội đồng nhân dân|hđnd|(?:ủy|uỷ) ban nhân dân|ubnd|đoàn đại biểu quốc hội|đoàn đbqh)\b",
    re.IGNORECASE,
)
_ENDS_WITH_PLACE = re.compile(
    r"\b(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|đặc khu)(?:\s+[A-ZĐÀ-Ỹ]\w*)*$"
)


def _shared_office(prev: str, piece: str) -> bool:
    """True when "prev và piece" names one office of two bodies."""
    return bool(
        _OFFICE_OF.match(prev.strip())
        and " và " not in prev
        and not _ENDS_WITH_PLACE.search(prev.strip())
        and _SERVED_BODY.match(piece.strip())
    )


def split_units(text: str, known: KnownNames | None = None) -> list[str]:
    """Unit names in a cell or clause, as written (groups kept whole), each once."""
    known = known or KnownNames()
    text = unicodedata.normalize("NFC", text or "")
    # A line break after a comma is only wrapping; otherwise it separates like ";".
    text = re.sub(r",\s*\n\s*", ", ", text)
    text = re.sub(r"\s*\n\s*", "; ", text)
    text = _protect_brackets(known.protect(_protect_abbreviations(expand_places(text))))
    items: list[str] = []
    for segment in _split_generic_tail(re.split(r"\s*;\s*", text)):
        segment = _cut_clause(segment, known).strip(" .:-–•")
        if not segment:
            continue
        pieces = re.split(r"\s*,\s*|\s+(?:và|cùng)\s+(?=\S)", segment)
        seps = re.findall(r"\s*,\s*|\s+(?:và|cùng)\s+(?=\S)", segment)
        current: list[str] = []
        prev_titled = False
        for idx, raw_piece in enumerate(pieces):
            piece = raw_piece.strip(" .:-–")
            sep = seps[idx - 1].strip() if idx > 0 else ""
            kind_unit = _kind_head_unit(piece)
            titled = kind_unit is not None or (bool(idx) and _HEAD_TITLE.match(piece) is not None)
            piece = kind_unit or (_as_unit(piece) if titled else piece)
            if not piece:
                continue
            if titled and prev_titled and current and sep == "," and _GROUP_START.match(piece):
                kind = _GROUP_START.sub("", piece)
                if kind[:1].islower() and _GROUP_START.match(current[-1]):
                    # "Bộ trưởng, Thủ trưởng cơ quan ngang bộ": heads of several kinds of body
                    # in one list are one collective ("Các bộ, cơ quan ngang bộ").
                    current[-1] = f"{current[-1]}, {kind}"
                    continue
            prev_titled = titled
            glue = False
            if current and not _GROUP_START.match(piece):
                prev = current[-1]
                if sep in ("và", "cùng"):
                    glue = (
                        not starts_with_head(piece) and not _SYSTEM.match(piece)
                    ) or _shared_office(prev, piece)
                elif (
                    piece[:1].islower()
                    or (_GROUP_START.match(prev) and _is_generic(piece))
                    or not starts_with_head(piece)
                ):
                    # A known name of one body is whole: what a comma adds after it in lower
                    # case is another partner ("Sở Y tế, địa phương"), not more of its name.
                    glue = not (piece[:1].islower() and _complete(prev, known)) and not (
                        _SYSTEM.match(piece)
                    )
            if (
                not glue
                and not titled
                and len(current) == 1
                and sep == ","
                and not any(x.strip() in ("và", "cùng") for x in seps)
                and (_GROUP_START.match(current[0]) or _is_plural_list(current[0]))
                and not re.search(r"liên quan$", current[0])
            ):
                # "Các sở, ban, ngành, các tổ chức chính trị - xã hội" / "…, Ủy ban nhân dân
                # các xã, phường": collectives joined by commas only (no "và"), after a
                # collective that opens the list, are one assignee; a list naming a specific
                # unit, or joined by "và", splits.
                glue = _is_collective_tail(piece)
            if glue:
                joiner = f" {sep} " if sep in ("và", "cùng") else ", "
                current[-1] = current[-1] + joiner + piece
            else:
                current.extend(_split_glued(piece, known))
        items.extend(current)
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        name = re.sub(r"\s+", " ", _restore(item)).strip(" .,;:-–")
        name = re.sub(r"^(?:đề nghị|giao)\s+", "", name, flags=re.IGNORECASE)
        # "Phòng VH-XH chủ trì" in a lead cell: the role word is not part of the name.
        if not is_group(name):
            name = re.sub(r"\s*\(?\b(?:chủ trì|phối hợp|thực hiện)\)?$", "", name, flags=re.I)
        force = _FORCE_OF.sub("", name)
        if force != name and strip_locality(force) != force:
            name = force
        name = known.full_name(name)
        key = unit_key(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out
