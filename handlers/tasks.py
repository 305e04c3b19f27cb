"""`/tasks`: my unit's tasks, their timeframe and this period's state."""

from __future__ import annotations

from db.models import TaskRole
from domain.reports import expected_pairs, reported_tasks, unit_tasks
from domain.workdays import deadline_calendar, task_deadline
from handlers.common import fmt_date, plan_periods, plans_of_unit
from handlers.messages import Option, Reply
from handlers.routing import Command, HelpLine, Router
from handlers.turn import Turn


async def on_tasks(turn: Turn) -> list[Reply]:
    """List the unit's tasks in every active plan."""
    member = turn.member
    if member is None or member.unit_id is None:
        return [Reply(turn.t("report.no_unit"))]
    plans = await plans_of_unit(turn.session, member.unit_id)
    if not plans:
        return [Reply(turn.t("report.no_tasks"))]
    replies: list[Reply] = []
    for plan in plans:
        pp = await plan_periods(turn.session, plan, turn.deps.today())
        period = pp.current
        tasks = await unit_tasks(turn.session, plan.id, member.unit_id)
        deadlines = await deadline_calendar(turn.session, plan.keep_written_deadlines)
        done: set[int] = set()
        expected: set[int] = set()
        lines = [
            turn.t(
                "tasks.head",
                plan=plan.number or plan.title,
                unit=member.unit.name if member.unit else "",
            )
        ]
        if period is not None:
            done = await reported_tasks(turn.session, plan.id, period.key, member.unit_id)
            expected = set(
                (await expected_pairs(turn.session, plan.id, period, [member.unit_id])).get(
                    member.unit_id, []
                )
            )
            lines.append(
                turn.t("tasks.period", period=period.label(turn.locale), due=fmt_date(period.due))
            )
        lines.append("")
        for task, role in tasks:
            if task.id in done:
                state = turn.t("tasks.state_done")
            elif task.id in expected:
                state = turn.t("tasks.state_missing")
            else:
                state = turn.t("tasks.state_none")
            role_txt = turn.t("role.lead_short" if role is TaskRole.LEAD else "role.support_short")
            when = task.timeframe_text or turn.t("report.no_timeframe")
            due = task_deadline(task.due_date, deadlines)
            if due:
                when += f" ({turn.t('common.due')} {fmt_date(due)})"
            lines.append(f"{task.ref}. {task.title}")
            lines.append(f"   {role_txt} · {when} · {state}")
        replies.append(
            Reply("\n".join(lines), [Option("cmd:report", turn.t("tasks.start_report"))])
        )
    return replies


router = Router(
    "tasks",
    commands=(Command("tasks", on_tasks, vi="nhiemvu", keeps_form=True, menu="all"),),
    help=(HelpLine("help.tasks"),),
)
