"""The plan's own title: found under its "KẾ HOẠCH" heading and written in sentence case.

A plan issued with a covering decision prints the decision's subject first ("QUYẾT ĐỊNH / Ban
hành Kế hoạch …") and its own heading further down; the plan's title is the latter, without the
"(Kèm theo Quyết định số …)" note under it. Titles printed in capitals are written back in
sentence case, each word spelt the way the plan's own body spells it in the same company
("Thành phố Hồ Chí Minh", "Chỉ thị số 27/CT-TTg", "quốc gia" but "Quốc hội").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict

from domain.importer.prose import NUM_RE, ROMAN_HEAD_RE

# How far down the plan's own heading may stand (a covering decision and its signature first).
_HEADING_WINDOW = 160
_HEADING = re.compile(r"^(?:\*\*)?KẾ HOẠCH\b[\s:*]*(.*)$")
_LABELLED = re.compile(r"^(?:kế hoạch|plan):\s*(\S.*)$", re.IGNORECASE)
# "BAN HÀNH KẾ HOẠCH …" / "Về việc ban hành Kế hoạch …": a covering decision's subject.
_ISSUING = re.compile(r"^(?:v/v\s+|về việc\s+)?ban hành\s+kế hoạch\s+(\S.*)$", re.IGNORECASE)
_STOP = re.compile(r"^(thực hiện|căn cứ|triển khai thực hiện kế hoạch số|i[.)]\s)")
_NOTE_LINE = re.compile(r"^[*_\s]*\(")
_TRAILING_NOTE = re.compile(r"\s*[*_]*\((?:ban hành\s+)?kèm theo[^)]*\)?[*_]*\s*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:[/-][^\W_]+)*")
# Words after which a place's name follows ("tỉnh Hà Tĩnh", "thành phố Cần Thơ").
_PLACE_MARKERS = frozenset({"tỉnh", "huyện", "quận", "phường", "xã", "ấp", "thôn"})
_PLACE_PAIRS = frozenset({("thành", "phố"), ("đặc", "khu"), ("thị", "xã"), ("thị", "trấn")})
_PLACE_STOP = frozenset(
    {"giai", "năm", "đến", "và", "trong", "theo", "về", "do", "trên", "tại", "của"}
)
_SENTENCE_END = re.compile(r"[.:;!?]\s*$|^\s*[-–+•*]?\s*$|^\s*(?:[\dIVXivx]+|[a-zđ])[.)]\s*$")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read_title(texts: list[str], filename: str) -> str:
    """The plan's title from its opening paragraphs, in sentence case if printed in capitals."""
    title = _find(texts, filename)
    title = " ".join(_TRAILING_NOTE.sub("", title.replace("**", " ")).split()).strip(" *_")
    letters = [c for c in title if c.isalpha()]
    if len(letters) > 3 and all(c.isupper() for c in letters):
        title = sentence_case(title, texts)
    return title[:1].upper() + title[1:]


def _find(texts: list[str], filename: str) -> str:
    for line in texts[:5]:
        m = _LABELLED.match(_nfc(line).strip())
        if m:
            return m.group(1).strip()
    for i, line in enumerate(texts[:_HEADING_WINDOW]):
        m = _HEADING.match(_nfc(line).strip())
        if m:
            title = _continue(m.group(1).strip(), texts[i + 1 : i + 6])
            if title:
                return title
    for line in texts[:40]:
        m = _ISSUING.match(_nfc(line).strip().strip("*"))
        if m and len(line) < 400:
            return m.group(1).strip()
    for line in texts[:10]:
        if re.search(r"kế hoạch", line, re.IGNORECASE) and len(line) < 300:
            return line.strip()
    stem = re.sub(r"[_-]+", " ", filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip()
    return stem or filename


def _continue(first: str, following: list[str]) -> str:
    """The heading's words and the lines that carry on its subject."""
    parts = [first] if first else []
    for nxt in following:
        low = _nfc(nxt).strip().lower()
        if parts and _STOP.match(low):
            break
        if ROMAN_HEAD_RE.match(nxt) or NUM_RE.match(nxt) or _NOTE_LINE.match(nxt):
            break
        if re.fullmatch(r"[\W_]+", nxt.strip()):
            continue  # a decorative rule ("-----", "***")
        if parts and (nxt.rstrip().endswith((".", ":", ";")) or len(nxt) > 250):
            break
        parts.append(nxt.strip())
        if len(" ".join(parts)) > 60 and not nxt.isupper():
            break
    return " ".join(parts).strip()


_Pairs = dict[tuple[str, str, str], Counter[str]]


def _spellings(texts: list[str], wanted: set[str]) -> tuple[_Pairs, dict[str, Counter[str]]]:
    """How the body spells each word, alone and beside each neighbour, outside headings and
    sentence starts (where every word is capitalised whatever it is); words that open a
    quotation are counted apart, under ("“", word). Only words in `wanted` are counted."""
    pairs: _Pairs = defaultdict(Counter)
    single: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        letters = [c for c in text if c.isalpha()]
        if not letters or sum(c.isupper() for c in letters) > len(letters) // 2:
            continue  # a heading or a header line in capitals
        text = _nfc(text)
        words = list(_WORD.finditer(text))
        for k, m in enumerate(words):
            if m.group(0).casefold() not in wanted:
                continue
            before = text[: m.start()]
            if before[-1:] and before[-1] in '“"':
                pairs[("“", m.group(0).casefold(), "")][m.group(0)] += 1
                continue
            if not before or _SENTENCE_END.search(before) or before[-1] in "'(":
                continue
            word = m.group(0)
            key = word.casefold()
            single[key][word] += 1
            if k + 1 < len(words):
                pairs[(">", key, words[k + 1].group(0).casefold())][word] += 1
            if k > 0:
                pairs[("<", words[k - 1].group(0).casefold(), key)][word] += 1
    return pairs, single


def sentence_case(title: str, texts: list[str]) -> str:
    """A title printed in capitals, each word spelt as the body spells it beside the same
    neighbour (else alone, when it does so at least twice), otherwise in lower case. Words the
    body never spells are capitalised when they start the title or a quotation, or name a
    place after "tỉnh", "thành phố", "xã" … (up to three words)."""
    words = list(_WORD.finditer(title))
    keys = [m.group(0).casefold() for m in words]
    pairs, single = _spellings(texts, set(keys))
    out: list[str] = []
    at = 0
    place = 0  # words of a place's name still to capitalise
    for k, m in enumerate(words):
        out.append(title[at : m.start()].lower())
        at = m.end()
        seen: Counter[str] = Counter()
        quoted = title[: m.start()].rstrip().endswith(("“", '"'))
        if quoted:
            seen.update(pairs.get(("“", keys[k], ""), Counter()))
        elif k + 1 < len(words):
            seen.update(pairs.get((">", keys[k], keys[k + 1]), Counter()))
        if k > 0:
            seen.update(pairs.get(("<", keys[k - 1], keys[k]), Counter()))
        if not seen and not quoted and sum(single.get(keys[k], Counter()).values()) >= 2:
            seen = single[keys[k]]
        word = seen.most_common(1)[0][0] if seen else m.group(0).lower()
        before = title[: m.start()].rstrip()
        gap = title[words[k - 1].end() : m.start()] if k else ""
        place = place - 1 if place and gap.strip() == "" and keys[k] not in _PLACE_STOP else 0
        if k == 0 or (not seen and (quoted or before.endswith("(") or place)):
            word = word[:1].upper() + word[1:]
        after = keys[k + 1] if k + 1 < len(keys) else ""
        if (keys[k] in _PLACE_MARKERS and after != "hội") or (
            k > 0 and (keys[k - 1], keys[k]) in _PLACE_PAIRS
        ):
            place = 3
        out.append(word)
    out.append(title[at:].lower())
    text = "".join(out)
    return re.sub(r"\bv/v\b", "V/v", text, flags=re.IGNORECASE)
