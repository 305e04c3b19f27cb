"""Both catalogs are complete, and every message key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

from locales import LOCALES_DIR, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ["bot", "handlers", "domain", "scheduler", "db"]
# t("key" / turn.t("key" / DomainError("key" / "key" literals that look like message keys.
KEY_RE = re.compile(r"""(?:\bt\(|DomainError\(|_KEY\s*=\s*)\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")


def _catalog(locale: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for po in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale=locale)
        out[po.stem] = {str(m.id): str(m.string) for m in cat if m.id}
    return out


def test_both_catalogs_have_the_same_domains_and_keys() -> None:
    vi, en = _catalog("vi"), _catalog("en")
    assert set(vi) == set(en)
    for domain in vi:
        assert set(vi[domain]) == set(en[domain]), domain
        empty = [k for k, v in {**vi[domain], **en[domain]}.items() if not v.strip()]
        assert not empty, f"empty translations in {domain}: {empty}"


# Messages whose languages legitimately use different parameters ("Quý IV/2026" / "Q4 2026").
DIFFERENT_PARAMS = {"period.quarter"}


def test_placeholders_match_between_languages() -> None:
    vi, en = _catalog("vi"), _catalog("en")
    fmt = string.Formatter()
    for domain, messages in vi.items():
        for key, text in messages.items():
            if key in DIFFERENT_PARAMS:
                continue
            names_vi = {f[1].split(":")[0] for f in fmt.parse(text) if f[1]}
            names_en = {f[1].split(":")[0] for f in fmt.parse(en[domain][key]) if f[1]}
            assert names_vi == names_en, key


def test_every_key_used_in_code_exists() -> None:
    known = {k for d in _catalog("vi").values() for k in d}
    missing = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for key in KEY_RE.findall(path.read_text(encoding="utf-8")):
                if key not in known:
                    missing.add(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, sorted(missing)


def test_supported_locales() -> None:
    assert SUPPORTED_LOCALES == ("vi", "en")
