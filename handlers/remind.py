"""Reminder texts (unit reminders, the office digest) and the coordinator's on-demand nudges."""

from __future__ import annotations

import datetime as dt

from domain.periods import period_label
from domain.reminders import (
    DIGEST,
    MANUAL,
    TASK_DEADLINE,
    Digest,
    Reminder,
)
from handlers.messages import Option, Reply
from locales import t

# The option offered with every reminder: the router starts the report form on it
# (the same as the user typing /report).
REPORT_OPTION = "cmd:report"
# Tasks listed in one reminder; the rest are counted.
MAX_TASKS_LISTED = 15


def fmt_date(day: dt.date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y")


def days_text(days: int, locale: str) -> str:
    """ "3 ngày" / "1 day"."""
    return t("reminders.days_one" if abs(days) == 1 else "reminders.days", locale, days=abs(days))


def render(rem: Reminder, locale: str, today: dt.date) -> Reply:
    """The message for one reminder in the recipient's language, as of `today`."""
    if rem.slot.kind == DIGEST and rem.digest is not None:
        return render_digest(rem, rem.digest, locale, today)
    return render_unit(rem, locale, today)


def render_unit(rem: Reminder, locale: str, today: dt.date) -> Reply:
    """A reminder to a unit's focal points: deadline, days left, missing tasks, a way to start."""
    slot = rem.slot
    tone = "request" if rem.independent else "assign"
    left = (slot.due - today).days
    due = fmt_date(slot.due)
    lines = [t("reminders.greeting", locale, unit=rem.unit_name or "")]
    if slot.kind == MANUAL:
        lines.append(t("reminders.manual", locale))
    if slot.kind == TASK_DEADLINE and rem.tasks:
        task = rem.tasks[0]
        params = {"ref": task.ref, "task": task.title, "plan": rem.plan_title, "due": due}
        if left > 0:
            lines.append(t("reminders.task.before", locale, days=days_text(left, locale), **params))
        elif left == 0:
            lines.append(t("reminders.task.today", locale, **params))
        else:
            lines.append(
                t("reminders.task.overdue", locale, days=days_text(left, locale), **params)
            )
        lines.append(t(f"reminders.{tone}.task_ask", locale))
    else:
        label = period_label(slot.period_key, locale) if slot.period_key else ""
        params = {"period": label, "plan": rem.plan_title, "due": due}
        if left > 0:
            lines.append(
                t("reminders.period.before", locale, days=days_text(left, locale), **params)
            )
        elif left == 0:
            lines.append(t("reminders.period.today", locale, **params))
        else:
            lines.append(
                t("reminders.period.overdue", locale, days=days_text(left, locale), **params)
            )
        if rem.tasks:
            lines.append("")
            lines.append(t(f"reminders.{tone}.missing", locale, count=len(rem.tasks)))
            for task in rem.tasks[:MAX_TASKS_LISTED]:
                lines.append(f"- {task.ref}. {task.title}")
            extra = len(rem.tasks) - MAX_TASKS_LISTED
            if extra > 0:
                lines.append(t("reminders.more_tasks", locale, count=extra))
            lines.append("")
        ask = "ask" if left >= 0 else "ask_overdue"
        lines.append(t(f"reminders.{tone}.{ask}", locale))
    lines.append(t("reminders.how", locale))
    return Reply(
        text="\n".join(lines),
        options=[Option(REPORT_OPTION, t("reminders.start_report", locale))],
    )


def render_digest(rem: Reminder, digest: Digest, locale: str, today: dt.date) -> Reply:
    """The office's digest: on time, late, missing, unreachable focal points."""
    slot = rem.slot
    label = period_label(slot.period_key, locale) if slot.period_key else ""
    lines = [
        t(
            "reminders.digest.title",
            locale,
            period=label,
            plan=rem.plan_title,
            due=fmt_date(slot.due),
            today=fmt_date(today),
        )
    ]
    if digest.on_time:
        lines.append(
            t(
                "reminders.digest.on_time",
                locale,
                count=len(digest.on_time),
                units="; ".join(digest.on_time),
            )
        )
    if digest.late:
        lines.append(t("reminders.digest.late", locale, count=len(digest.late)))
        for unit, days in digest.late:
            lines.append(
                t("reminders.digest.late_line", locale, unit=unit, days=days_text(days, locale))
            )
    if digest.missing:
        lines.append(t("reminders.digest.missing", locale, count=len(digest.missing)))
        for unit, reported, expected in digest.missing:
            lines.append(
                t(
                    "reminders.digest.missing_line",
                    locale,
                    unit=unit,
                    reported=reported,
                    expected=expected,
                )
            )
    else:
        lines.append(t("reminders.digest.all_done", locale))
    if digest.unreachable:
        lines.append(t("reminders.digest.unreachable", locale, count=len(digest.unreachable)))
        for item in digest.unreachable:
            if item.reason == "never_joined":
                lines.append(t("reminders.digest.never_joined", locale, unit=item.unit))
            else:
                person = item.person or t("reminders.digest.someone", locale)
                lines.append(t("reminders.digest.blocked", locale, unit=item.unit, person=person))
    return Reply(text="\n".join(lines))
