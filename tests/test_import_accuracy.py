"""Plan import accuracy on the labelled corpus, scored as `bench/import_accuracy.py` scores it.

The floors are what the importer reaches today (raised as it improves); the test fails when a
change makes any field worse. Skipped when ../shared/plans is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.import_accuracy import (
    LABELS,
    PLANS,
    load_labels,
    render,
    score,
    totals,
    units_of,
)
from domain.importer.model import ParsedTask
from domain.timeframes import Timeframe

pytestmark = pytest.mark.skipif(not PLANS.is_dir(), reason="../shared/plans is absent")

# Pooled share right (0..1) over the labelled corpus, per field.
FLOORS: dict[str, float] = {
    "tasks": 0.995,
    "ref": 0.995,
    "lead": 0.99,
    "support": 0.99,
    "due": 0.99,
    "kind": 0.985,
    "recurrence": 0.99,
    "regime": 1.00,
    "coordinator": 1.00,
    "number": 1.00,
    "date": 1.00,
    "issuer": 1.00,
    "parent": 1.00,
    "title": 1.00,
    "year": 1.00,
}
MAX_SECONDS = 2.0


def test_every_field_meets_its_floor_and_every_plan_reads_fast() -> None:
    labels = [lb for lb in load_labels() if lb.plan_file.is_file()]
    assert len(labels) >= 15, f"only {len(labels)} labelled plans found under {LABELS}"
    scores = [score(lb) for lb in labels]
    table = render(scores)
    assert not [s.stem for s in scores if s.error], table
    t = totals(scores)
    below = {f: round(t.fields[f], 3) for f, floor in FLOORS.items() if t.fields[f] < floor}
    assert not below, f"fields below their floor: {below}\n{table}"
    assert t.slowest < MAX_SECONDS, table


def test_units_other_plans_left_in_the_database_change_no_reading() -> None:
    """An office imports plans one after another: each reads as it would on an empty database.

    The units every other labelled plan would save are known while each plan is read (so a
    fragment saved once, such as "Tổ chức", or a collective listing several bodies, cannot
    glue names in the next plan).
    """
    labels = [lb for lb in load_labels() if lb.plan_file.is_file()]
    names = {lb.stem: units_of(lb.plan_file) for lb in labels}
    alone = [score(lb) for lb in labels]
    after_others = [
        score(lb, [n for stem, ns in names.items() if stem != lb.stem for n in ns]) for lb in labels
    ]
    changed = {
        a.stem: sorted(set(b.misses) ^ set(a.misses))
        for a, b in zip(alone, after_others, strict=True)
        if set(a.misses) != set(b.misses)
    }
    assert not changed, changed
    assert totals(after_others).slowest < MAX_SECONDS, render(after_others)


def test_scoring_counts_a_missed_and_a_spurious_task(tmp_path: Path) -> None:
    """The scorer itself: a task read wrong, one missed and one extra all cost."""
    import json

    from bench import import_accuracy as bench

    plan = tmp_path / "own" / "p.txt"
    plan.parent.mkdir()
    plan.write_text("x", encoding="utf-8")
    label = tmp_path / "own" / "p.json"
    label.write_text(
        json.dumps(
            {
                "file": "own/p.txt",
                "plan": {},
                "rules": [],
                "tasks": [
                    {"ref": "1", "title": "Tuyên truyền", "lead": ["UBND xã"], "support": []},
                    {"ref": "2", "title": "Kiểm tra", "lead": ["Trạm Y tế"], "support": []},
                ],
            }
        ),
        encoding="utf-8",
    )
    [lb] = bench.load_labels(tmp_path, tmp_path)
    read = [
        ParsedTask("1", "Tuyên truyền", ["Ủy ban nhân dân xã"], [], Timeframe("", _kind())),
        ParsedTask("9", "Một việc khác hẳn", ["Trạm Y tế"], [], Timeframe("", _kind())),
    ]
    pairs = bench.align(lb.data["tasks"], read)
    assert pairs == [(0, 0)]
    assert bench.units_key(["UBND xã"]) == bench.units_key(["Uỷ ban nhân dân xã"])


def _kind():  # type: ignore[no-untyped-def]
    from db.models import ScheduleKind

    return ScheduleKind.UNSPECIFIED
