"""The command line speaks the configured language: every --help, argparse's own errors, one
spelling and one form of address in the Vietnamese catalogs."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.cli import ARGPARSE_MESSAGES, build_parser, build_top_parser, translate_argparse

LOCALES = Path(__file__).resolve().parents[1] / "locales"

# Words of English prose that have no place in a Vietnamese help text.
ENGLISH = {
    "the", "of", "and", "to", "for", "with", "from", "this", "that", "which", "when", "into",
    "its", "is", "are", "be", "default", "file", "show", "save", "nothing", "would", "every",
    "each", "plan", "plans", "unit", "units", "task", "tasks", "report", "reports", "day",
    "days", "date", "name", "number", "title", "check", "remove", "list", "create", "write",
    "read", "who", "language", "output", "period", "format", "account", "webhook's", "bot's",
}  # fmt: skip


def _texts(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, str | None]]:
    """(where, text) of every description and help text of a parser tree, in a stable order."""
    if path:
        yield f"{path} (description)", parser.description
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice.help
            for name, sub in action.choices.items():
                yield from _texts(sub, f"{path} {name}".strip())
            continue
        yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help


def _all(monkeypatch: pytest.MonkeyPatch, locale: str) -> list[tuple[str, str | None]]:
    monkeypatch.setenv("DEFAULT_LOCALE", locale)
    return list(_texts(build_parser(), "")) + [
        (f"(top) {where}", text) for where, text in _texts(build_top_parser(), "")
    ]


def _english_words(text: str) -> set[str]:
    text = re.sub(r"«[^»]*»|dondoc [a-z -]+|--?[a-z][a-z-]*|[A-Z_]{3,}", " ", text)
    return {w for w in re.findall(r"[A-Za-z']+", text) if w.lower() in ENGLISH}


def test_every_help_text_is_in_the_configured_language(monkeypatch: pytest.MonkeyPatch) -> None:
    vi = _all(monkeypatch, "vi")
    en = _all(monkeypatch, "en")
    assert [w for w, _ in vi] == [w for w, _ in en]
    assert len(vi) > 150  # every command module was walked
    missing, same, english = [], [], []
    for (where, vi_text), (_, en_text) in zip(vi, en, strict=True):
        if where.endswith("(description)") and vi_text is None and en_text is None:
            continue  # a parser without a description (its help line says it)
        if not vi_text or not en_text:
            missing.append(where)
        elif vi_text == en_text:
            same.append(f"{where}: {vi_text}")
        elif found := _english_words(vi_text):
            english.append(f"{where}: {sorted(found)} in {vi_text!r}")
    assert not missing, f"no help text: {missing}"
    assert not same, f"not translated: {same}"
    assert not english, f"English words: {english}"


def test_help_output_of_every_sub_command_differs_by_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The printed --help (titles, 'usage', '-h') is Vietnamese for every parser."""

    def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    monkeypatch.setenv("DEFAULT_LOCALE", "vi")
    shown = [p.format_help() for p in parsers(build_parser())]
    assert len(shown) > 40
    for text in shown:
        assert text.startswith("cách dùng: dondoc"), text
        for english in ("usage:", "options:", "positional arguments:", "show this help"):
            assert english not in text, text


def test_argparse_errors_are_translated() -> None:
    for english, key in ARGPARSE_MESSAGES:
        sample = re.sub(r"%\(\w+\)[sr]|%[sr]", "X1", english)
        vi, en = translate_argparse(sample, "vi"), translate_argparse(sample, "en")
        assert vi != sample and vi != en, (key, vi)
        assert "X1" in vi or "%" not in english
    nested = "argument --day: invalid int value: 'x'"
    assert translate_argparse(nested, "vi") == "tham số --day: giá trị không hợp lệ: 'x'"
    assert translate_argparse("something argparse may say one day", "vi") == (
        "something argparse may say one day"
    )


def _vi_messages() -> list[tuple[str, str]]:
    out = []
    for po in sorted((LOCALES / "vi" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            out += [(f"{po.name}:{m.id}", str(m.string)) for m in read_po(fh, locale="vi") if m.id]
    return out


# Tone marks on the first vowel of "oa", "oe", "uy" ("hóa", "Hủy", "xóa"): the catalogs' style.
_NEW_STYLE = re.compile(r"(?<![qQ])(?:o[áàảãạ]|o[éèẻẽẹ]|u[ýỳỷỹỵ])(?![a-zà-ỹđ])", re.I)


def test_one_spelling_and_one_form_of_address() -> None:
    messages = _vi_messages()
    assert len(messages) > 500
    mixed = [f"{where}: {text}" for where, text in messages if _NEW_STYLE.search(text)]
    assert not mixed, "tone mark on the second vowel (write 'hóa', 'Hủy'):\n" + "\n".join(mixed)
    address = re.compile(r"\b(đồng chí|bạn|quý vị|ông/bà)\b", re.I)
    other = [f"{where}: {text}" for where, text in messages if address.search(text)]
    assert not other, "address the reader as 'anh/chị':\n" + "\n".join(other)
    assert sum("anh/chị" in text.lower() for _, text in messages) >= 20
    # The old style is what the catalogs use: the check above is not vacuous.
    assert any(re.search(r"\b(hóa|Hủy|hủy|xóa)\b", text) for _, text in messages)
