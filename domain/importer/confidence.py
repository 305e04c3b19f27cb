"""How sure the reader is: a confidence per task and for the whole plan, with the reasons.

A draft is worst when it is confidently wrong, so every task that the reader had to guess at is
marked with why ("no lead unit", "a unit name reads like a sentence", "timeframe words not
understood" …) and its source line, and the review lists those first. A plan whose tasks are
mostly doubtful, or that has no tasks' leads, is flagged as a low-confidence read before saving.
"""

from __future__ import annotations

import re

from db.models import ScheduleKind
from domain.importer.model import ParsedPlan, ParsedTask

LOW = 0.7  # a plan read below this is announced as doubtful before anything is saved
DOUBTFUL = 0.75  # a task below this is listed first in the review

_VERB = re.compile(
    r"\b(?:thực hiện|triển khai|xây dựng|tuyên truyền|hướng dẫn|kiểm tra|rà soát|tham mưu|"
    r"đề xuất|báo cáo|ban hành|tổng hợp|theo dõi|đôn đốc|bảo đảm|đảm bảo|tăng cường|"
    r"phát triển|nâng cao|tiếp tục|chủ động|có trách nhiệm)\b",
    re.IGNORECASE,
)
_DANGLING = re.compile(r"\b(?:và|với|của|các|cho|tại|theo|về|để|trong)$", re.IGNORECASE)

PENALTIES = {
    "no_lead": 0.5,
    "unit_fragment": 0.35,
    "time_unread": 0.3,
    "time_blank": 0.15,
    "from_prose": 0.1,
}


def unit_doubt(name: str) -> bool:
    """A unit "name" that reads like a sentence fragment: too long, a verb, a dangling word."""
    words = name.split()
    core = re.sub(r"^(?:các|những)\s+", "", name.strip(), flags=re.IGNORECASE)
    return (
        len(words) > 14
        or len(name) > 120
        or bool(_VERB.search(core))
        or bool(_DANGLING.search(name.strip()))
        or name.strip()[:1].isdigit()
    )


def assess_task(task: ParsedTask) -> None:
    """Set the task's doubts and confidence."""
    doubts: list[str] = []
    if not task.lead:
        doubts.append("no_lead")
    if any(unit_doubt(u) for u in [*task.lead, *task.support]):
        doubts.append("unit_fragment")
    tf = task.timeframe
    if tf.kind is ScheduleKind.UNSPECIFIED:
        doubts.append("time_unread" if tf.text else "time_blank")
    if task.source in ("prose", "duty"):
        doubts.append("from_prose")
    task.doubts = doubts
    task.confidence = round(max(0.0, 1.0 - sum(PENALTIES[d] for d in doubts)), 2)


def assess(plan: ParsedPlan) -> None:
    """Confidence of every task and of the plan (the mean, lowered when nobody coordinates)."""
    for task in plan.tasks:
        assess_task(task)
    if not plan.tasks:
        plan.confidence = 0.0
        return
    mean = sum(t.confidence for t in plan.tasks) / len(plan.tasks)
    if not plan.coordinator:
        mean -= 0.05
    if sum(1 for t in plan.tasks if "no_lead" in t.doubts) > len(plan.tasks) / 3:
        mean -= 0.2
    plan.confidence = round(max(0.0, min(1.0, mean)), 2)


def doubtful(plan: ParsedPlan) -> list[ParsedTask]:
    """Tasks to check first, least sure first."""
    return sorted(
        (t for t in plan.tasks if t.confidence < DOUBTFUL), key=lambda t: (t.confidence, t.line)
    )
