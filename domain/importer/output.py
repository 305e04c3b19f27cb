"""The import summary: machine-readable (the --json shape) and human (CLI and chat)."""

from __future__ import annotations

from typing import Any

from db.models import ScheduleKind
from domain.importer.confidence import LOW, doubtful
from domain.importer.model import ParsedPlan, Warn
from domain.importer.service import ImportResult, is_collective, planned_groups
from domain.periods import RuleSpec
from domain.timeframes import Timeframe
from locales import t


def warning_text(w: Warn, locale: str | None) -> str:
    """A warning in words."""
    params = dict(w.params)
    if "period" in params:
        params["period"] = t(f"importer.period.{params['period']}", locale)
    return t(w.key, locale, **params)


def to_json(plan: ParsedPlan, locale: str | None = None) -> dict[str, Any]:
    """The dry-run object, exactly in the shape the issue fixes."""
    return {
        "plan": {
            "title": plan.title,
            "number": plan.number,
            "issuer": plan.issuer,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
            "coordinator": plan.coordinator,
            "confidence": plan.confidence,
            "low_confidence": plan.confidence < LOW,
        },
        "units": [{"name": u.name, "aliases": list(u.aliases)} for u in plan.units],
        "tasks": [
            {
                "ref": task.ref,
                "title": task.title,
                "lead": list(task.lead),
                "support": list(task.support),
                "timeframe": {
                    "text": task.timeframe.text,
                    "kind": task.timeframe.kind.value,
                    "due": task.timeframe.due.isoformat() if task.timeframe.due else None,
                    "recurrence": (
                        task.timeframe.recurrence.value if task.timeframe.recurrence else None
                    ),
                },
                "confidence": task.confidence,
                "doubts": [t(f"importer.doubt.{d}", locale) for d in task.doubts],
                "source": {"line": task.line or None, "text": _quote(task.quote, 300)},
            }
            for task in plan.tasks
        ],
        "reporting": [
            {
                "period": rule.kind.value,
                "due_day": rule.due_day,
                "due_month": rule.due_month if rule.due_month is not None else "last",
            }
            for rule in plan.rules
        ],
        "warnings": [warning_text(w, locale) for w in plan.warnings],
    }


def _quote(text: str, limit: int) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


def rule_text(rule: RuleSpec, locale: str | None) -> str:
    """ "Báo cáo quý: trước ngày 10 của tháng cuối kỳ"."""
    period = t(f"importer.period.{rule.kind.value}", locale)
    if rule.due_month is None:
        return t("importer.rule.last_month", locale, period=period, day=rule.due_day)
    return t("importer.rule.fixed", locale, period=period, day=rule.due_day, month=rule.due_month)


def timeframe_text(tf: Timeframe, locale: str | None) -> str:
    """Words as written plus their reading: "Quý I/2027 → hạn 31/03/2027"."""
    words = tf.text or t("importer.tf.blank", locale)
    due = tf.due.strftime("%d/%m/%Y") if tf.due else ""
    every = t(f"importer.every.{tf.recurrence.value}", locale) if tf.recurrence else ""
    kind = tf.kind
    if kind is ScheduleKind.ONE_OFF and tf.recurrence:
        reading = t("importer.read.term", locale, due=due, every=every)
    elif kind is ScheduleKind.ONE_OFF:
        reading = t("importer.read.one_off", locale, due=due)
    elif kind is ScheduleKind.RECURRING and tf.recurrence:
        dm = tf.due.strftime("%d/%m") if tf.due else ""
        reading = t(f"importer.cadence.{tf.recurrence.value}", locale, dm=dm)
    elif kind is ScheduleKind.COMPOSITE:
        reading = t("importer.read.composite", locale, due=due)
    else:
        reading = t(f"importer.kind.{kind.value}", locale)
    return f"{words} → {reading}"


def summary_text(plan: ParsedPlan, locale: str | None, *, limit: int | None = None) -> str:
    """What would be created, with the warnings."""
    lines = [t("importer.sum.plan", locale, title=plan.title)]
    dash = "-"
    lines.append(
        t(
            "importer.sum.meta",
            locale,
            number=plan.number or dash,
            issuer=plan.issuer or dash,
            date=plan.issued_on.strftime("%d/%m/%Y") if plan.issued_on else dash,
            year=plan.year,
        )
    )
    lines.append(t("importer.sum.coordinator", locale, name=plan.coordinator or dash))
    pct = round(plan.confidence * 100)
    if plan.confidence < LOW:
        lines.insert(0, t("importer.conf.low", locale, pct=pct))
    else:
        lines.append(t("importer.conf.plan", locale, pct=pct))
    check = doubtful(plan)
    if check:
        lines.append("")
        lines.append(t("importer.conf.doubtful", locale, count=len(check)))
        for task in check if limit is None else check[:limit]:
            reasons = "; ".join(t(f"importer.doubt.{d}", locale) for d in task.doubts)
            lines.append(
                "  ? "
                + t(
                    "importer.conf.item",
                    locale,
                    ref=task.ref,
                    line=task.line or dash,
                    pct=round(task.confidence * 100),
                    reasons=reasons,
                )
            )
            lines.append("    " + t("importer.conf.quote", locale, text=_quote(task.quote, 160)))
    if plan.rules:
        lines.append(t("importer.sum.reporting", locale))
        lines.extend(f"  - {rule_text(r, locale)}" for r in plan.rules)
    else:
        lines.append(t("importer.sum.no_reporting", locale))
    lines.append("")
    lines.append(t("importer.sum.tasks", locale, count=len(plan.tasks)))
    shown = plan.tasks if limit is None else plan.tasks[:limit]
    for task in shown:
        title = task.title.split("\n", 1)[0]
        if len(title) > 110:
            title = title[:107].rstrip() + "…"
        lines.append(f"{task.ref}. {title}")
        lines.append("   " + t("importer.sum.lead", locale, names="; ".join(task.lead) or dash))
        if task.support:
            lines.append("   " + t("importer.sum.support", locale, names="; ".join(task.support)))
        lines.append(
            "   " + t("importer.sum.time", locale, text=timeframe_text(task.timeframe, locale))
        )
    if limit is not None and len(plan.tasks) > limit:
        lines.append(t("importer.sum.more", locale, count=len(plan.tasks) - limit))
    lines.append("")
    groups = planned_groups(plan)
    units = [u for u in plan.units if not is_collective(u)]
    new = [u for u in units if u.existing_id is None]
    lines.append(t("importer.sum.units", locale, count=len(units), new=len(new)))
    for unit in units:
        mark = t("importer.sum.new_mark", locale) if unit.existing_id is None else ""
        alias = f" ({'; '.join(unit.aliases)})" if unit.aliases else ""
        lines.append(f"  - {unit.name}{alias}{mark}")
    lines.extend(groups_text(groups, locale))
    if plan.warnings:
        lines.append("")
        lines.append(t("importer.sum.warnings", locale, count=len(plan.warnings)))
        lines.extend(f"  ! {warning_text(w, locale)}" for w in plan.warnings)
    return "\n".join(lines)


def result_text(result: ImportResult, locale: str | None) -> str:
    """What a save did: the plan, new units, tasks added, changed and removed."""
    key = "importer.done.created" if result.created_plan else "importer.done.updated"
    lines = [t(key, locale, id=result.plan_id, title=result.plan_title)]
    lines.append(
        t(
            "importer.done.counts",
            locale,
            added=len(result.added),
            changed=len(result.changed),
            removed=len(result.removed),
            rules=result.rules,
        )
    )
    if not result.created_plan:
        for label, refs in (
            ("added", result.added),
            ("changed", result.changed),
            ("removed", result.removed),
        ):
            if refs:
                lines.append(t(f"importer.done.{label}", locale, refs=", ".join(refs)))
        lines.append(t("importer.done.reports_kept", locale, count=result.reports_kept))
    if result.new_units:
        lines.append(
            t(
                "importer.done.new_units",
                locale,
                count=len(result.new_units),
                names="; ".join(result.new_units),
            )
        )
    lines.extend(groups_text(result.groups, locale))
    return "\n".join(lines)


def groups_text(groups: list[tuple[str, list[str]]], locale: str | None) -> list[str]:
    """The plan's collectives: "Nhiệm vụ 1, 2, 5 giao cho «…»: chọn các đơn vị thuộc nhóm này"."""
    if not groups:
        return []
    lines = ["", t("collectives.review.head", locale, count=len(groups))]
    for words, refs in groups:
        lines.append(
            "  - " + t("collectives.review.line", locale, refs=", ".join(refs), name=words)
        )
    return lines


def changes_text(result: ImportResult, locale: str | None) -> str:
    """What a re-import would do to the existing plan (a dry run)."""
    lines = [t("importer.preview.head", locale, id=result.plan_id, title=result.plan_title)]
    for label, refs in (
        ("added", result.added),
        ("changed", result.changed),
        ("removed", result.removed),
    ):
        if refs:
            lines.append(t(f"importer.done.{label}", locale, refs=", ".join(refs)))
    if not (result.added or result.changed or result.removed):
        lines.append(t("importer.preview.nothing", locale))
    return "\n".join(lines)


def result_json(result: ImportResult) -> dict[str, Any]:
    """A save's outcome as JSON."""
    return {
        "plan_id": result.plan_id,
        "created": result.created_plan,
        "added": result.added,
        "changed": result.changed,
        "removed": result.removed,
        "new_units": result.new_units,
        "groups": [{"name": words, "tasks": refs} for words, refs in result.groups],
        "reports_kept": result.reports_kept,
    }
