"""Benchmark: plan import accuracy against the labelled corpus (tests/fixtures/corpus/*.json).

Each label names a plan file relative to `../shared/plans/` (or `own/…`, beside the labels). The
plan goes through the importer exactly as `dondoc plan import --dry-run` reads it (read_document
then parse_document, no database), and the draft is compared with the label field by field.

Tasks are aligned by ref first, then by title similarity. A task field scores the aligned tasks
whose value is right, over the larger of the labelled and the read task counts (so a missed task
and a spurious one both cost). Unit lists compare as sets of normalised keys (case, tone-mark
placement, "Ủy/Uỷ", "UBND" = "Ủy ban nhân dân", bracketed qualifiers). Plan fields score 1 or 0
per plan; the regime is right when the set of (period, day, month) rules is the labelled one
(a labelled day of null accepts any day the reader assumed).

    .venv/bin/python -m bench.import_accuracy [--labels DIR] [--plans DIR] [-v] [--only STEM]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from domain.errors import DomainError  # noqa: E402
from domain.importer.model import ParsedPlan, ParsedTask  # noqa: E402
from domain.importer.parse import parse_document  # noqa: E402
from domain.importer.readers import read_document  # noqa: E402
from domain.importer.unitnames import KnownNames  # noqa: E402
from domain.units import strip_qualifier, unit_key  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "corpus"
# `../shared/plans` beside the repository root (looked for upwards, so a worktree finds it too).
PLANS = next(
    (p / "shared" / "plans" for p in ROOT.parents if (p / "shared" / "plans").is_dir()),
    ROOT.parent / "shared" / "plans",
)
# The year `dondoc plan import` passes when the document names none (the current year).
DEFAULT_YEAR = 2026

TASK_FIELDS = ("ref", "lead", "support", "due", "kind", "recurrence")
PLAN_FIELDS = ("regime", "coordinator", "number", "date", "issuer", "parent", "title", "year")


def _shown(value: object) -> str:
    """A value as printed in a miss; sets sorted, so that two runs compare line by line."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(repr(v) for v in sorted(value)) + "}"
    return repr(value)


def name_key(name: str) -> str:
    """The comparison key of a unit name."""
    text = unicodedata.normalize("NFC", name).strip().strip(";,.:-– ")
    text = re.sub(r"^(?:và|với)\s+", "", text, flags=re.IGNORECASE)
    return unit_key(strip_qualifier(text))


def units_key(names: Iterable[str]) -> frozenset[str]:
    """A unit list as a set of keys."""
    return frozenset(k for k in (name_key(n) for n in names) if k)


def _title_key(text: str) -> str:
    low = unicodedata.normalize("NFC", text).lower().replace("**", "")
    return re.sub(r"\W+", " ", low).strip()


def plan_title_key(text: str) -> str:
    """The comparison key of a plan title: case, emphasis, quotes and punctuation ignored, and
    the leading "Kế hoạch" and a trailing "(kèm theo ...)" note are not part of it."""
    low = unicodedata.normalize("NFC", " ".join(text.split())).casefold()
    low = re.sub(r"\s*\*?\((?:ban hành )?kèm theo[^)]*\)?\*?\s*$", "", low)
    low = re.sub(r"^\W*kế hoạch\b", "", low)
    return re.sub(r"\W+", " ", low).strip()


def _ref_key(ref: str) -> str:
    return re.sub(r"\s+", "", ref).strip(".").upper()


@dataclass
class Label:
    """One labelled plan."""

    path: Path  # the label file
    plan_file: Path  # the document it labels
    data: dict[str, Any]

    @property
    def stem(self) -> str:
        """The label's name, for tables."""
        rel = self.path.relative_to(self.path.parents[1] if "own" in self.path.parts else LABELS)
        return str(rel.with_suffix(""))


def load_labels(labels: Path = LABELS, plans: Path = PLANS) -> list[Label]:
    """Every label JSON under `labels` (own/ included) with the plan file it names."""
    out: list[Label] = []
    for path in sorted(labels.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "file" not in data or "tasks" not in data:
            continue
        rel = str(data["file"])
        plan_file = labels / rel if rel.startswith("own/") else plans / rel
        out.append(Label(path, plan_file, data))
    return out


@dataclass
class PlanScore:
    """Scores of one plan: per task field (right, out of) and per plan field (right or not)."""

    stem: str
    gold_tasks: int
    read_tasks: int
    matched: int
    seconds: float
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)
    plan_fields: dict[str, bool] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def task_count(self) -> float:
        """How close the number of tasks read is to the labelled number."""
        if not self.gold_tasks and not self.read_tasks:
            return 1.0
        return min(self.gold_tasks, self.read_tasks) / max(self.gold_tasks, self.read_tasks)


def align(gold: Sequence[dict[str, Any]], read: Sequence[ParsedTask]) -> list[tuple[int, int]]:
    """(gold index, read index) pairs: same ref first, then the most similar titles."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    by_ref: dict[str, list[int]] = {}
    for j, task in enumerate(read):
        by_ref.setdefault(_ref_key(task.ref), []).append(j)
    left: list[int] = []
    for i, g in enumerate(gold):
        cands = [j for j in by_ref.get(_ref_key(str(g.get("ref", ""))), []) if j not in used]
        if cands:
            gt = _title_key(str(g.get("title", "")))
            j = max(cands, key=lambda c: _similar(gt, _title_key(read[c].title)))
            pairs.append((i, j))
            used.add(j)
        else:
            left.append(i)
    scored: list[tuple[float, int, int]] = []
    for i in left:
        gt = _title_key(str(gold[i].get("title", "")))
        for j, task in enumerate(read):
            if j in used:
                continue
            s = _similar(gt, _title_key(task.title))
            if s >= 0.5:
                scored.append((s, i, j))
    taken: set[int] = set()
    for _s, i, j in sorted(scored, reverse=True):
        if i in taken or j in used:
            continue
        pairs.append((i, j))
        taken.add(i)
        used.add(j)
    return sorted(pairs)


def _similar(gold_title: str, read_title: str) -> float:
    if not gold_title or not read_title:
        return 0.0
    head = read_title[: max(len(gold_title) * 2, 60)]
    if head.startswith(gold_title) or gold_title.startswith(head):
        return 1.0
    return difflib.SequenceMatcher(None, gold_title, head, autojunk=False).ratio()


def _task_values(task: ParsedTask) -> dict[str, object]:
    tf = task.timeframe
    return {
        "ref": _ref_key(task.ref),
        "lead": units_key(task.lead),
        "support": units_key(task.support),
        "due": tf.due.isoformat() if tf.due else None,
        "kind": tf.kind.value,
        "recurrence": tf.recurrence.value if tf.recurrence else None,
    }


def _gold_values(task: dict[str, Any]) -> dict[str, object]:
    return {
        "ref": _ref_key(str(task.get("ref", ""))),
        "lead": units_key(task.get("lead") or []),
        "support": units_key(task.get("support") or []),
        "due": task.get("due"),
        "kind": task.get("kind"),
        "recurrence": task.get("recurrence"),
    }


def _regime_right(gold: list[dict[str, Any]], plan: ParsedPlan) -> bool:
    read = [(r.kind.value, r.due_day, r.due_month) for r in plan.rules]
    if len(read) != len(gold):
        return False
    remaining = list(read)
    for g in gold:
        hit = next(
            (
                r
                for r in remaining
                if r[0] == g.get("kind")
                and (g.get("due_day") is None or r[1] == g.get("due_day"))
                and (g.get("due_day") is None or r[2] == g.get("due_month"))
            ),
            None,
        )
        if hit is None:
            return False
        remaining.remove(hit)
    return True


def _plan_values(label: dict[str, Any], plan: ParsedPlan) -> dict[str, bool]:
    meta = label.get("plan") or {}
    number = re.sub(r"\s+", "", plan.number or "") or None
    gold_number = re.sub(r"\s+", "", meta.get("number") or "") or None
    coord = name_key(plan.coordinator) if plan.coordinator else None
    gold_coord = name_key(meta["coordinator"]) if meta.get("coordinator") else None
    issuer = name_key(plan.issuer) if plan.issuer else None
    gold_issuer = name_key(meta["issuer"]) if meta.get("issuer") else None
    return {
        "regime": _regime_right(list(label.get("rules") or []), plan),
        "coordinator": coord == gold_coord,
        "number": number == gold_number,
        "date": (plan.issued_on.isoformat() if plan.issued_on else None) == meta.get("issued_on"),
        "issuer": issuer == gold_issuer,
        "parent": (name_key(plan.parent_body) if plan.parent_body else None)
        == (name_key(meta["parent_body"]) if meta.get("parent_body") else None),
        "title": plan_title_key(plan.title or "") == plan_title_key(meta.get("title") or ""),
        "year": meta.get("year") is None or plan.year == meta.get("year"),
    }


def read_plan(path: Path, known: Sequence[str] = ()) -> ParsedPlan:
    """The importer's draft of a plan file, as `plan import --dry-run` makes it; `known` are
    unit names already in the database."""
    return parse_document(
        read_document(path.read_bytes(), path.name),
        KnownNames(known) if known else None,
        default_year=DEFAULT_YEAR,
    )


def units_of(path: Path) -> list[str]:
    """Every unit name the importer's draft of a plan would save (as the database learns it)."""
    try:
        plan = read_plan(path)
    except (DomainError, OSError):
        return []
    return [u.name for u in plan.units]


def score(label: Label, known: Sequence[str] = ()) -> PlanScore:
    """Read one labelled plan and compare it with its label."""
    gold = list(label.data.get("tasks") or [])
    started = time.perf_counter()
    try:
        plan = read_plan(label.plan_file, known)
    except (DomainError, OSError) as exc:
        out = PlanScore(label.stem, len(gold), 0, 0, time.perf_counter() - started)
        out.error = f"{type(exc).__name__}: {exc}"
        out.fields = {f: (0, len(gold)) for f in TASK_FIELDS}
        out.plan_fields = {f: False for f in PLAN_FIELDS}
        return out
    seconds = time.perf_counter() - started
    pairs = align(gold, plan.tasks)
    out = PlanScore(label.stem, len(gold), len(plan.tasks), len(pairs), seconds)
    denom = max(len(gold), len(plan.tasks))
    right = dict.fromkeys(TASK_FIELDS, 0)
    for i, j in pairs:
        want, got = _gold_values(gold[i]), _task_values(plan.tasks[j])
        for f in TASK_FIELDS:
            if want[f] == got[f]:
                right[f] += 1
            else:
                out.misses.append(
                    f"{gold[i].get('ref')}: {f} want {_shown(want[f])} got {_shown(got[f])}"
                )
    matched = {i for i, _ in pairs}
    for i, g in enumerate(gold):
        if i not in matched:
            out.misses.append(f"{g.get('ref')}: not read ({str(g.get('title', ''))[:60]})")
    used = {j for _, j in pairs}
    for j, t in enumerate(plan.tasks):
        if j not in used:
            out.misses.append(f"extra task read: {t.ref} {t.title[:60]!r}")
    out.fields = {f: (right[f], denom) for f in TASK_FIELDS}
    out.plan_fields = _plan_values(label.data, plan)
    meta = label.data.get("plan") or {}
    for f, ok in out.plan_fields.items():
        if not ok:
            got_value = {
                "regime": [(r.kind.value, r.due_day, r.due_month) for r in plan.rules],
                "coordinator": plan.coordinator,
                "number": plan.number,
                "date": plan.issued_on,
                "issuer": plan.issuer,
                "parent": plan.parent_body,
                "title": plan.title,
                "year": plan.year,
            }[f]
            want_value = (
                label.data.get("rules")
                if f == "regime"
                else meta.get({"date": "issued_on", "parent": "parent_body"}.get(f, f))
            )
            out.misses.append(f"plan {f}: want {want_value!r} got {got_value!r}")
    return out


@dataclass
class Totals:
    """Figures over the whole corpus."""

    plans: int
    fields: dict[str, float]  # field -> share right (0..1)
    slowest: float


def totals(scores: Sequence[PlanScore]) -> Totals:
    """Pooled task fields (over every task of every plan) and plan fields (over plans)."""
    out: dict[str, float] = {}
    # Per plan, then pooled: one plan's extra tasks must not make up for another's missing ones.
    low = sum(min(s.gold_tasks, s.read_tasks) for s in scores)
    high = sum(max(s.gold_tasks, s.read_tasks) for s in scores)
    out["tasks"] = low / high if high else 1.0
    for f in TASK_FIELDS:
        num = sum(s.fields[f][0] for s in scores)
        den = sum(s.fields[f][1] for s in scores)
        out[f] = num / den if den else 1.0
    for f in PLAN_FIELDS:
        out[f] = sum(s.plan_fields[f] for s in scores) / len(scores) if scores else 1.0
    return Totals(len(scores), out, max((s.seconds for s in scores), default=0.0))


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:5.1f}" if den else "    -"


def render(scores: Sequence[PlanScore], verbose: bool = False) -> str:
    """The per-plan table and the totals."""
    cols = ["tasks", *TASK_FIELDS, *PLAN_FIELDS, "time"]
    width = max([len(s.stem) for s in scores] + [10])
    head = f"{'plan':<{width}}  {'gold':>4} {'read':>4} " + " ".join(f"{c[:6]:>6}" for c in cols)
    lines = [head, "-" * len(head)]
    for s in scores:
        cells = [f"{100 * s.task_count:5.1f}"]
        cells += [_pct(*s.fields[f]) for f in TASK_FIELDS]
        cells += ["  ok " if s.plan_fields[f] else "  -- " for f in PLAN_FIELDS]
        cells.append(f"{s.seconds:5.2f}s")
        lines.append(
            f"{s.stem:<{width}}  {s.gold_tasks:>4} {s.read_tasks:>4} "
            + " ".join(f"{c:>6}" for c in cells)
        )
        if s.error:
            lines.append(f"    error: {s.error}")
        if verbose:
            lines.extend(f"    {m}" for m in s.misses)
    t = totals(scores)
    lines.append("-" * len(head))
    gold = sum(s.gold_tasks for s in scores)
    read = sum(s.read_tasks for s in scores)
    cells = [f"{100 * t.fields[c]:5.1f}" for c in ["tasks", *TASK_FIELDS, *PLAN_FIELDS]]
    cells.append(f"{t.slowest:5.2f}s")
    lines.append(f"{'total':<{width}}  {gold:>4} {read:>4} " + " ".join(f"{c:>6}" for c in cells))
    lines.append(
        f"{t.plans} plans; task fields pooled over all labelled tasks (right / max(labelled, "
        f"read)); plan fields: share of plans right; time: slowest plan (read + parse)"
    )
    return "\n".join(lines)


def render_markdown(scores: Sequence[PlanScore]) -> str:
    """The per-plan table and the totals as a Markdown table (for the README)."""
    names = {"recurrence": "recurrence", "coordinator": "coordinator", "parent": "parent body"}
    cols = ["tasks", *TASK_FIELDS, *PLAN_FIELDS]
    head = ["plan", "labelled", "read", *(names.get(c, c) for c in cols), "time"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scores:
        cells = [s.stem, str(s.gold_tasks), str(s.read_tasks), f"{100 * s.task_count:.1f}"]
        cells += [_pct(*s.fields[f]).strip() for f in TASK_FIELDS]
        cells += ["ok" if s.plan_fields[f] else "--" for f in PLAN_FIELDS]
        cells.append(f"{s.seconds:.2f}s")
        lines.append("| " + " | ".join(cells) + " |")
    t = totals(scores)
    cells = ["**total**", str(sum(s.gold_tasks for s in scores))]
    cells += [str(sum(s.read_tasks for s in scores))]
    cells += [f"{100 * t.fields[c]:.1f}" for c in cols]
    cells.append(f"{t.slowest:.2f}s")
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the accuracy table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--plans", type=Path, default=PLANS)
    ap.add_argument("--only", default="", help="only labels whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument(
        "--others-known",
        action="store_true",
        help="read each plan with the units of every other labelled plan already in the "
        "database (as an office that imported those first)",
    )
    args = ap.parse_args(argv)
    labels = [
        lb
        for lb in load_labels(args.labels, args.plans)
        if args.only in lb.stem and lb.plan_file.is_file()
    ]
    if not labels:
        print(f"no labelled plan found (labels {args.labels}, plans {args.plans})")
        return 1
    known: dict[str, list[str]] = {}
    if args.others_known:
        known = {lb.stem: units_of(lb.plan_file) for lb in labels}
    scores = [
        score(lb, [n for stem, names in known.items() if stem != lb.stem for n in names])
        for lb in labels
    ]
    print(render_markdown(scores) if args.markdown else render(scores, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
