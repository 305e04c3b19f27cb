"""Property-based fuzzing of every form step on the channel-neutral core.

Every step of every form is first reached by exploring the demo plan's dialogues (pressing each
offered option, typing a number and a sentence) on a real SQLite database; each distinct step is
kept as a snapshot of its form row. Hypothesis then restores a snapshot and sends random text,
numbers, emoji, control characters, 10,000-character messages, and stale or forged button data:
there is always an answer, never a traceback, and never a stored value the user did not give.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from db.database import Database
from db.models import FormSession, Report, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from handlers.messages import Incoming, IncomingFile, Option, Reply, clean_text, typed_option
from handlers.root import ROUTES
from handlers.router import Conversations
from handlers.turn import OPTIONS_KEY
from locales import t
from tests.conftest import DEFAULT_NOW
from tests.fixtures import plan_fixtures as F
from tests.support import invite_code, make_deps

pytestmark = pytest.mark.slow

PERSONAS = {
    "focal": ("Phòng Kinh tế, Hạ tầng và Đô thị", Role.FOCAL),
    "office": ("Phòng Văn hóa - Xã hội", Role.COORDINATOR),
    "admin": ("Văn phòng HĐND và UBND", Role.ADMIN),
}
# Answers tried at every state while exploring, besides pressing each option.
PROBES = ["50", "Nội dung thử nghiệm", "1"]
MAX_STATES = 80
EXAMPLES_PER_STATE = 30
ANSWER_STEPS = ("status", "progress", "results", "difficulties", "proposals", "next_plan")
TEXT_FIELDS = ("results", "difficulties", "proposals", "next_plan", "evidence_ref")


@dataclass(frozen=True)
class State:
    """A user at one step of one form: the form row to restore."""

    user: str
    flow: str
    step: str
    data: dict[str, Any]

    @property
    def values(self) -> list[str]:
        return [str(o[0]) for o in self.data.get(OPTIONS_KEY, [])]


class Harness:
    """The real router on a real database, driven from synchronous hypothesis tests."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.db = Database(url)
        self.deps = make_deps(self.db, FrozenClock(DEFAULT_NOW), data_dir)
        self.conversations = Conversations(self.deps)
        self.run(self._setup())

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self.db.dispose())
        self.loop.close()

    async def _setup(self) -> None:
        async with self.db.transaction() as s:
            assert await load_demo(s, self.deps.now()) is not None
        for user, (unit, role) in PERSONAS.items():
            code = await invite_code(self.deps, unit, role)
            replies = await self.send(user, f"/start {code}")
            assert "Chào mừng" in "\n".join(r.text for r in replies)

    async def send(
        self, user: str, text: str = "", choice: str | None = None, file: IncomingFile | None = None
    ) -> list[Reply]:
        msg = Incoming(
            channel="console", user_id=user, chat_id=user, text=text, choice=choice, file=file
        )
        return await self.conversations.handle(msg)

    async def snapshot(self, user: str) -> State | None:
        async with self.db.read() as s:
            form = (
                await s.execute(select(FormSession).where(FormSession.external_id == user))
            ).scalar_one_or_none()
            if form is None:
                return None
            return State(user, form.flow, form.step, copy.deepcopy(dict(form.data)))

    async def restore(self, state: State) -> None:
        async with self.db.transaction() as s:
            await s.execute(delete(FormSession).where(FormSession.external_id == state.user))
            s.add(
                FormSession(
                    channel="console",
                    external_id=state.user,
                    flow=state.flow,
                    step=state.step,
                    data=copy.deepcopy(state.data),
                    updated_at=self.deps.now(),
                )
            )

    async def reports(self) -> dict[int, tuple[Any, ...]]:
        async with self.db.read() as s:
            rows = (await s.execute(select(Report))).scalars()
            return {r.id: (r.progress, r.results, r.next_plan, r.version) for r in rows}


def _plan_file() -> IncomingFile:
    data = F.text_plan()

    async def fetch() -> bytes:
        return data

    return IncomingFile(name="ke-hoach.txt", size=len(data), mime_type=None, fetch=fetch)


async def explore(h: Harness) -> list[State]:
    """Every (flow, step) reachable from the commands, by buttons and simple typed answers."""
    seen: dict[tuple[str, str], State] = {}
    queue: list[State] = []

    async def keep(user: str) -> None:
        state = await h.snapshot(user)
        if state is None:
            return
        ident = (state.flow, state.step)
        if ident not in seen and len(seen) < MAX_STATES:
            seen[ident] = state
            queue.append(state)

    # A report for last quarter first, so that this quarter offers to copy it ("copy" step).
    for answer in ["/baocao", "period", "p:2026-Q3", "t:9", "s:done", "Đã làm", *["skip"] * 4]:
        await h.send("focal", *((answer, None) if answer[0] in "/Đ" else ("", answer)))
    await h.send("focal", choice="ok")
    assert len(await h.reports()) == 1, "the last-quarter report was not saved"
    await h.send("focal", "/baocao")
    await h.send("focal", choice="t:9")
    await keep("focal")

    words = sorted({w for w in ROUTES.commands if w.isascii()})
    for user in PERSONAS:
        for word in words:
            await h.send(user, "/huy")
            await h.send(user, f"/{word}")
            await keep(user)
    await h.send("office", "/huy")
    await h.send("office", file=_plan_file())
    await keep("office")
    again = True
    while queue:
        state = queue.pop(0)
        for value in state.values:
            await h.restore(state)
            await h.send(state.user, choice=value)
            await keep(state.user)
        for probe in PROBES:
            await h.restore(state)
            await h.send(state.user, probe)
            await keep(state.user)
        if not queue and again:
            # Once reports were sent, picking a task again leads to the "already reported" step.
            again = False
            queue.extend(s for s in seen.values() if s.step == "task")
    return list(seen.values())


def messages(state: State, stale: list[str]) -> st.SearchStrategy[tuple[str, str | None]]:
    """Random typed text or button data for one state (`stale`: buttons of other steps)."""
    controls = "".join(map(chr, [*range(0, 32), 127, 0x202E, 0x202D, 0x2066, 0x200F, 0xFEFF]))
    typed = st.one_of(
        st.text(max_size=60),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.sampled_from(["0", "3", "5", "100", "101", "-1", "3,5", "50%", " 7 ", "٣", "²", "1e3"]),
        st.text(alphabet=st.sampled_from(controls + " a1%đ"), max_size=30),
        st.text(alphabet=st.sampled_from("😀👍🏽👨‍👩‍👧🇻🇳✅⬜"), min_size=1, max_size=10),
        st.sampled_from(["", "   ", "\n\t", "x" * 10_000, "đ " * 5_000, "/", "/baocao x"]),
        st.sampled_from(["a", "b", "c", "z", "A.", "1.", "2)", "Hủy", "HỦY", "không có"]),
    )
    forged = st.one_of(
        st.sampled_from(state.values or ["cancel"]),
        st.sampled_from(stale),
        st.sampled_from(["t:" + "9" * 30, "cmd:report:" + "9" * 30, "plan:-1", "p:2099-Q9"]),
        st.sampled_from(["cmd:report:²", "cmd:nope", "cmd:", "k:0", "u:abc", "pct:250"]),
        st.text(alphabet=st.characters(codec="ascii"), max_size=60),
    )
    return st.one_of(
        typed.map(lambda text: (text, None)),
        forged.map(lambda value: ("", value)),
    )


class Errors(logging.Handler):
    """Collects ERROR records (a logged traceback means a bug reached the user)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def given_by(
    value: Any, field: str, text: str, choice: str | None, answers: dict[str, Any]
) -> bool:
    """True when a stored answer is what the user gave, or what the rules imply from it.

    `choice` is the option picked (by a button, or typed as its marker or label), `answers`
    the answers before this message.
    """
    if value == answers.get(field) or choice == "keep":
        return True
    typed = clean_text(text).strip()
    if field == "progress":
        if choice is not None and choice.startswith("s:"):
            return value in (0, 100, answers.get("progress"))  # done is 100%, not started 0%
        if choice is not None:
            return choice == f"pct:{value}"
        return re.fullmatch(rf"0*{value}(?:[.,]0+)?\s*%?", typed) is not None
    if field == "status":
        return choice == f"s:{value}"
    if field in TEXT_FIELDS:
        return (value == "" and choice == "skip") or (choice is None and value == typed)
    return field == "files"


def test_every_form_step_answers_any_input(
    backend: str, database_url: str, tmp_path: Path, errors: Errors
) -> None:
    if backend != "sqlite":
        pytest.skip("fuzzed on SQLite only: the same core runs on PostgreSQL in other tests")
    h = Harness(database_url, tmp_path / "data")
    try:
        states = h.run(explore(h))
        reached = {(s.flow, s.step) for s in states}
        print(f"fuzzing {len(states)} form steps:", sorted(reached))  # shown with pytest -s
        # Every flow with a form, and every step of the report form, is fuzzed.
        assert {f for f, _ in reached} >= {
            "report",
            "status",
            "language",
            "export",
            "remind",
            "plan_import",
        }, reached
        report_steps = {s for f, s in reached if f == "report"}
        assert report_steps >= {
            "task",
            "period",
            "status",
            "progress",
            "results",
            "difficulties",
            "proposals",
            "next_plan",
            "evidence",
            "preview",
            "existing",
            "copy",
        }, report_steps
        assert not errors.records, errors.records[0].getMessage()
        generic = {t("error.generic", loc) for loc in ("vi", "en")}
        checked = 0

        async def one(state: State, text: str, choice: str | None) -> None:
            nonlocal checked
            errors.records.clear()
            await h.restore(state)
            before_reports = await h.reports()
            replies = await h.send(state.user, text, choice)
            assert replies, (state.flow, state.step, text[:40], choice)
            assert all(r.text.strip() or r.file for r in replies), replies
            assert not generic & {r.text for r in replies}, (state.step, text[:40], choice)
            assert not errors.records, errors.records[0].getMessage()
            after = await h.snapshot(state.user)
            answering = state.step in ANSWER_STEPS and "answers" in state.data
            if answering and after is not None and after.flow == "report":
                old = state.data["answers"]
                offered = [Option(*o) for o in state.data.get(OPTIONS_KEY, [])]
                picked = typed_option(offered, clean_text(text)) if choice is None else None
                chosen = picked.value if picked else choice
                for field, value in after.data.get("answers", {}).items():
                    assert given_by(value, field, text, chosen, old), (
                        state.step,
                        field,
                        value,
                        text[:40],
                        choice,
                    )
                    if isinstance(value, str):
                        assert value == clean_text(value), (field, value)
            # A report is saved only by "send" on the preview, with the previewed answers.
            changed = {k: v for k, v in (await h.reports()).items() if before_reports.get(k) != v}
            if changed:
                assert state.step == "preview" and choice in ("ok", None), (state.step, choice)
                answers = state.data["answers"]
                for progress, results, next_plan, _version in changed.values():
                    assert progress == answers.get("progress")
                    assert results == answers.get("results")
                    assert next_plan == (answers.get("next_plan") or "")
            checked += 1

        stale = sorted({v for s in states for v in s.values})
        for state in states:

            @settings(
                max_examples=EXAMPLES_PER_STATE,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(message=messages(state, stale))
            def fuzz(message: tuple[str, str | None]) -> None:
                h.run(one(state, *message))  # noqa: B023 (called right away, in this loop)

            fuzz()
        assert checked >= len(states) * 10
    finally:
        h.close()
