"""Typed form steps: parsers, the report rules in domain/, and the answer check of every flow."""

from __future__ import annotations

import pytest

from db.models import ReportStatus, ScheduleKind
from domain.reports import implied_progress, statuses_for
from handlers.forms import (
    Answer,
    Refusal,
    Typed,
    checked,
    first,
    option,
    option_id,
    percent,
    text,
)
from handlers.messages import Reply
from handlers.root import ROUTES
from handlers.routing import Flow
from handlers.turn import Turn


def typed(words: str) -> Answer:
    return Answer(None, words.strip(), None)


def picked(value: str) -> Answer:
    return Answer(value, "", None)


def test_a_percentage_is_the_number_typed_or_the_preset_picked() -> None:
    parse = percent()
    assert parse(typed("3")) == Typed(3)
    assert parse(typed(" 75 % ")) == Typed(75)
    assert parse(typed("40,0")) == Typed(40)
    assert parse(picked("pct:50")) == 50
    for wrong in ("101", "-1", "3,5", "٣", "1e3", "ba"):
        assert parse(typed(wrong)) == Refusal("error.progress_range"), wrong
    assert parse(picked("pct:250")) == Refusal()
    assert parse(picked("keep")) is None  # not a percentage: another parser's


def test_ids_options_and_text_are_typed() -> None:
    task = option_id("t:")
    assert task(picked("t:12")) == 12
    assert task(picked("t:" + "9" * 30)) == Refusal()  # never an OverflowError
    assert task(picked("plan:1")) is None
    either = first(option("keep", "KEEP"), text(limit=10))
    assert either(picked("keep")) == "KEEP"
    assert either(typed("Đã xong")) == Typed("Đã xong")
    assert either(typed("")) == Refusal("error.required")
    assert either(typed("x" * 11)) == Refusal("error.too_long", {"limit": 10, "got": 11})
    assert text(required=False)(typed("")) is None


def test_report_rules_live_in_the_domain() -> None:
    assert implied_progress(ReportStatus.DONE) == 100
    assert implied_progress(ReportStatus.NOT_STARTED) == 0
    assert implied_progress(ReportStatus.IN_PROGRESS) is None
    assert ReportStatus.ONGOING in statuses_for(ScheduleKind.RECURRING)
    assert ReportStatus.ONGOING in statuses_for(ScheduleKind.COMPOSITE)
    for schedule in (ScheduleKind.ONE_OFF, ScheduleKind.UNSPECIFIED, None):
        assert ReportStatus.ONGOING not in statuses_for(schedule)
        assert ReportStatus.DONE in statuses_for(schedule)


def test_every_flow_checks_that_an_answer_answers_the_question_asked() -> None:
    async def unchecked(turn: Turn, step: str) -> list[Reply]:
        return []

    with pytest.raises(TypeError, match=r"forms\.checked"):
        Flow("bare", unchecked)
    assert Flow("checked", checked(unchecked)).resume.__wrapped__ is unchecked  # type: ignore[attr-defined]
    assert {"report", "status", "export", "plan_import", "groups", "language"} <= set(ROUTES.flows)
