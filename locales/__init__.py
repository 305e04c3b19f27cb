"""Message catalogs (gettext .po files read with Babel) and the `t()` translator.

Messages are identified by keys ("report.ask_status"); each feature keeps its own
catalog domain (`locales/<lang>/LC_MESSAGES/<domain>.po`) and all domains are merged.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALES_DIR = Path(__file__).resolve().parent


class MissingMessage(KeyError):
    """A message key exists in no catalog."""


@functools.cache
def catalog(locale: str) -> dict[str, str]:
    """All messages of one locale, merged from every domain's .po file."""
    messages: dict[str, str] = {}
    for po in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale=locale)
        for msg in cat:
            if msg.id and isinstance(msg.id, str) and isinstance(msg.string, str) and msg.string:
                messages[msg.id] = msg.string
    return messages


def normalize_locale(locale: str | None) -> str:
    """Map "en-US", "vi_VN" or None onto a supported locale."""
    if not locale:
        return DEFAULT_LOCALE
    base = locale.replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LOCALES else DEFAULT_LOCALE


def t(key: str, locale: str | None = None, /, **params: Any) -> str:
    """Translate a message key, formatting `{name}` placeholders with `params`."""
    loc = normalize_locale(locale)
    text = catalog(loc).get(key) or catalog(DEFAULT_LOCALE).get(key)
    if text is None:
        raise MissingMessage(key)
    return text.format(**params) if params else text


def has(key: str) -> bool:
    """True when the key exists in the default catalog."""
    return key in catalog(DEFAULT_LOCALE)
