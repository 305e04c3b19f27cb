"""Never a traceback: truncated, shuffled and mixed plan files either read or give one clear
error (a DomainError with a message key), whatever the file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.import_accuracy import LABELS, PLANS
from domain.errors import DomainError
from domain.importer.output import summary_text, to_json
from domain.importer.service import parse_bytes
from locales import t

SOURCES = sorted([*PLANS.glob("*.txt"), *(PLANS / "corpus").glob("*.txt")]) + sorted(
    (LABELS / "own").glob("*.txt")
)
pytestmark = pytest.mark.skipif(not PLANS.is_dir(), reason="../shared/plans is absent")


def _variants(path: Path, rng: random.Random) -> list[tuple[str, bytes]]:
    data = path.read_bytes()
    lines = data.split(b"\n")
    shuffled = lines[:]
    rng.shuffle(shuffled)
    other = SOURCES[rng.randrange(len(SOURCES))].read_bytes()
    cut = rng.randrange(1, max(2, len(data)))
    return [
        ("truncated.txt", data[:cut]),  # may end inside a UTF-8 sequence or a table
        ("shuffled.txt", b"\n".join(shuffled)),
        ("mixed.md", data[: len(data) // 2] + other[len(other) // 2 :]),
        ("pipes.txt", b"\n".join(x if i % 3 else b"|" for i, x in enumerate(lines))),
        ("wrong-type.docx", data[:4000]),  # text named as a Word file
    ]


def _check(name: str, data: bytes) -> None:
    try:
        plan = parse_bytes(data, name, default_year=2026)
    except DomainError as exc:
        # One clear line in Vietnamese: the key resolves to a message.
        message = t(exc.key, "vi", **exc.params)
        assert message and message != exc.key and "\n" not in message
        return
    assert plan.tasks
    summary_text(plan, "vi", limit=10)
    to_json(plan, "vi")


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_damaged_files_never_raise_anything_but_a_clear_error(path: Path) -> None:
    rng = random.Random(path.stem)
    for name, data in _variants(path, rng):
        _check(name, data)


def test_random_bytes_under_every_supported_name() -> None:
    rng = random.Random(12)
    for suffix in (".txt", ".md", ".csv", ".docx", ".xlsx", ".pdf"):
        for size in (1, 50, 3000):
            _check(f"rac{suffix}", bytes(rng.randrange(256) for _ in range(size)))
