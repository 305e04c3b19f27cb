"""Unit names: a normalised matching key, known abbreviations, groups and independent bodies."""

from __future__ import annotations

import re
import unicodedata

# Tone marks as combining characters (NFD); other diacritics (â, ă, ơ, ư, đ) are kept in place.
_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}

# Whole-token abbreviations seen in plans, expanded before the key is built.
ABBREVIATIONS: dict[str, str] = {
    "vh-xh": "văn hóa xã hội",
    "vhxh": "văn hóa xã hội",
    "kt-ht&đt": "kinh tế hạ tầng đô thị",
    "kt-ht-đt": "kinh tế hạ tầng đô thị",
    "hđnd-ubnd": "hội đồng nhân dân ủy ban nhân dân",
    "hđnd&ubnd": "hội đồng nhân dân ủy ban nhân dân",
    "vp": "văn phòng",
    "hđnd": "hội đồng nhân dân",
    "ubnd": "ủy ban nhân dân",
    "tyt": "trạm y tế",
    "ubmttq": "ủy ban mặt trận tổ quốc",
    "mttq": "mặt trận tổ quốc",
    "bhxh": "bảo hiểm xã hội",
    "ttvh": "trung tâm văn hóa",
    "ttvh-tt": "trung tâm văn hóa thể thao",
    "lđlđ": "liên đoàn lao động",
    "lhpn": "liên hiệp phụ nữ",
    "ccb": "cựu chiến binh",
    "tncs": "thanh niên cộng sản",
    "ca": "công an",
    "ubmttqvn": "ủy ban mặt trận tổ quốc việt nam",
    "mttqvn": "mặt trận tổ quốc việt nam",
    "kh&cn": "khoa học công nghệ",
    "khcn": "khoa học công nghệ",
    "kh-cn": "khoa học công nghệ",
    "tn&mt": "tài nguyên môi trường",
    "tnmt": "tài nguyên môi trường",
    "nn&mt": "nông nghiệp môi trường",
    "nn&ptnt": "nông nghiệp phát triển nông thôn",
    "gd&đt": "giáo dục đào tạo",
    "gdđt": "giáo dục đào tạo",
    "lđtb&xh": "lao động thương binh xã hội",
    "lđ-tb&xh": "lao động thương binh xã hội",
    "vh,tt&dl": "văn hóa thể thao du lịch",
    "vhtt&dl": "văn hóa thể thao du lịch",
    "vhttdl": "văn hóa thể thao du lịch",
    "tt&tt": "thông tin truyền thông",
    "tttt": "thông tin truyền thông",
    "gtvt": "giao thông vận tải",
    "chqs": "chỉ huy quân sự",
    "bchqs": "ban chỉ huy quân sự",
    "ttyt": "trung tâm y tế",
    "ct-xh": "chính trị xã hội",
    # Standard short forms of department and office names (the part after the head word).
    "bvmt": "bảo vệ môi trường",
    "ptnt": "phát triển nông thôn",
    "nn-ptnt": "nông nghiệp phát triển nông thôn",
    "nnptnt": "nông nghiệp phát triển nông thôn",
    "nn-mt": "nông nghiệp môi trường",
    "nnmt": "nông nghiệp môi trường",
    "tn-mt": "tài nguyên môi trường",
    "kh-tc": "kế hoạch tài chính",
    "kh&tc": "kế hoạch tài chính",
    "khtc": "kế hoạch tài chính",
    "tc-kh": "tài chính kế hoạch",
    "tc&kh": "tài chính kế hoạch",
    "tckh": "tài chính kế hoạch",
    "kh&đt": "kế hoạch đầu tư",
    "kh-đt": "kế hoạch đầu tư",
    "khđt": "kế hoạch đầu tư",
    "pt-th": "phát thanh truyền hình",
    "pt&th": "phát thanh truyền hình",
    "ptth": "phát thanh truyền hình",
    "vh-tt&dl": "văn hóa thể thao du lịch",
    "vh-tt-dl": "văn hóa thể thao du lịch",
    "vh,tt,dl": "văn hóa thể thao du lịch",
    "lđ-tbxh": "lao động thương binh xã hội",
    "lđtbxh": "lao động thương binh xã hội",
    "gd-đt": "giáo dục đào tạo",
    "tt-tt": "thông tin truyền thông",
    "gt-vt": "giao thông vận tải",
    "kt-ht": "kinh tế hạ tầng",
    "qlđt": "quản lý đô thị",
    "ql-đt": "quản lý đô thị",
    "nv": "nội vụ",
    "ubkt": "ủy ban kiểm tra",
    "đbqh": "đại biểu quốc hội",
    "pccc": "phòng cháy chữa cháy",
    "hlhpn": "hội liên hiệp phụ nữ",
    "hnd": "hội nông dân",
    "hccb": "hội cựu chiến binh",
    "nhcsxh": "ngân hàng chính sách xã hội",
    "nhnn": "ngân hàng nhà nước",
}

_GROUP_RE = re.compile(
    r"^(các|những|toàn thể|mọi)\s|\bliên quan\b"
    # "UBND các xã, phường", "Ban nhân dân các ấp": a body of every place or office of a kind.
    # Not "Liên hiệp các Hội ..." or "Ban Quản lý các Khu công nghiệp", which are one body each.
    r"|\bcác (cơ quan|đơn vị|phòng|ban|ngành|địa phương|sở|trường|trạm|xã|phường|thị trấn|ấp"
    r"|thôn|bản|khu phố|tổ dân phố|huyện|quận|thị xã|tỉnh|thành phố|đặc khu|chi bộ|đảng bộ"
    r"|doanh nghiệp)\b"
    # "UBND xã, phường", "Công an phường, xã, đặc khu": every place of those kinds.
    r"|\b(xã|phường|thị trấn|đặc khu|huyện|quận|thị xã)(\s*,\s*|\s+và\s+)"
    r"(xã|phường|thị trấn|đặc khu|huyện|quận|thị xã)\s*$"
    # "UBND cấp xã", "Hội Nông dân các cấp": that body at every commune, at every level.
    # Not "... cấp tỉnh", which a provincial plan names as one body.
    r"|\bcấp (xã|huyện|cơ sở)\s*$|\bcác cấp\b",
    re.IGNORECASE,
)
_INDEPENDENT_RE = re.compile(
    # "Hội …" is an association, "Hội đồng …" a council (a state body).
    r"mặt trận|mttq|^hội\s(?!đồng\b)"
    r"|\bhội (liên hiệp|nông dân|cựu chiến binh|chữ thập đỏ|người cao tuổi)"
    r"|đoàn thanh niên|đoàn tncs|liên đoàn lao động|công đoàn|đoàn thể|tổ chức chính trị",
    re.IGNORECASE,
)
_BRACKET_RE = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
_SEP_RE = re.compile(r"[\s\-–—&,;:./+]+")


def _canonical_syllable(word: str) -> str:
    """Move the tone mark out of the syllable so "hoá" and "hóa" compare equal."""
    decomposed = unicodedata.normalize("NFD", word)
    tone = ""
    kept = []
    for ch in decomposed:
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)) + tone


def strip_qualifier(name: str) -> str:
    """Drop a bracketed qualifier: "Phòng VH-XH (lĩnh vực giáo dục)" is the same unit."""
    return _BRACKET_RE.sub(" ", name).strip()


def clean_name(name: str) -> str:
    """Tidy a name for display: NFC, single spaces, " - " around hyphens between words."""
    text = unicodedata.normalize("NFC", name).strip().strip(";,.")
    text = re.sub(r"\s*[-–—]\s+|\s+[-–—]\s*", " - ", text)
    return re.sub(r"\s+", " ", text).strip()


def unit_key(name: str) -> str:
    """Matching key: NFC, case, tone placement, spacing, separators and abbreviations ignored."""
    text = unicodedata.normalize("NFC", strip_qualifier(name)).lower()
    text = text.replace("\u0110", "đ")
    tokens: list[str] = []
    for raw in text.split():
        token = raw.strip("(),;:.")
        expanded = ABBREVIATIONS.get(token)
        tokens.extend(expanded.split() if expanded else _SEP_RE.split(token))
    words = [w for w in tokens if w and w != "và"]
    return " ".join(_canonical_syllable(w) for w in words)


def search_key(text: str) -> str:
    """For finding a unit by a part of its name typed on a phone: case, tone marks and other
    diacritics (đ included) and spacing ignored, so "tram y te" finds "Trạm Y tế phường"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def matches(query: str, name: str) -> bool:
    """Every word of the query is in the name (see `search_key`)."""
    key = search_key(name)
    return all(word in key for word in search_key(query).split())


def is_group(name: str) -> bool:
    """True for names that stand for several units ("các đơn vị liên quan")."""
    return bool(_GROUP_RE.search(unicodedata.normalize("NFC", name).strip()))


def is_independent(name: str) -> bool:
    """Fatherland Front and mass organisations: asked to coordinate, not assigned."""
    return bool(_INDEPENDENT_RE.search(unicodedata.normalize("NFC", name)))


# Vietnamese alphabetical order (ă, â after a; đ after d; ê, ô, ơ, ư after their vowel), with the
# Latin letters Vietnamese does not use in their usual places; tones break ties in this order.
_ORDER = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: chr(0x1000 + i) for i, ch in enumerate(_ORDER)}
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_sort_key(text: str) -> tuple[str, tuple[int, ...], str]:
    """Sort key in Vietnamese dictionary order: "Trạm" before "Trường", "Đ" after "D"."""
    primary: list[str] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", text).lower():
        decomposed = unicodedata.normalize("NFD", ch)
        tone = next((_TONE_RANK[c] for c in decomposed if c in _TONE_RANK), 0)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_RANK))
        primary.append(_RANK.get(base, base))
        tones.append(tone)
    return "".join(primary), tuple(tones), text
