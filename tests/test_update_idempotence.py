"""Updates are applied once and in order: redelivered after a restart, or across processes."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.database import Database
from db.models import ChatAccount, FormSession, Report, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from domain.deps import Deps
from handlers.messages import Incoming, Reply
from handlers.router import Conversations
from tests.support import invite_code, make_deps

FOCAL_UNIT = "Phòng Kinh tế, Hạ tầng và Đô thị"


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        assert await load_demo(s, clock.now()) is not None
    return d


@dataclass
class Telegramish:
    """A user whose every message carries a growing update id, like Telegram's."""

    user_id: str
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def message(self, text: str = "", choice: str | None = None) -> Incoming:
        seq = next(self.ids)
        return Incoming(
            channel="telegram",
            user_id=self.user_id,
            chat_id=self.user_id,
            text=text,
            choice=choice,
            language="vi",
            update_seq=seq,
            update_key=str(seq),
        )


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def option(replies: list[Reply], fragment: str) -> str:
    for reply in reversed(replies):
        for opt in reply.options:
            if fragment in opt.label:
                return opt.value
    raise AssertionError(f"no option {fragment!r} in {text_of(replies)}")


async def state(db: Database, user: str) -> tuple[Any, ...]:
    async with db.read() as s:
        form = (
            await s.execute(select(FormSession).where(FormSession.external_id == user))
        ).scalar_one_or_none()
        reports = (await s.execute(select(func.count()).select_from(Report))).scalar_one()
        last = (
            await s.execute(
                select(ChatAccount.last_update_seq).where(ChatAccount.external_id == user)
            )
        ).scalar_one_or_none()
    if form is None:
        return (None, None, None, reports, last)
    return (form.flow, form.step, dict(form.data), reports, last)


async def join(conv: Conversations, deps: Deps, user: Telegramish) -> None:
    code = await invite_code(deps, FOCAL_UNIT, Role.FOCAL)
    replies = await conv.handle(user.message(f"/start {code}"))
    assert "Chào mừng" in text_of(replies)


async def test_a_redelivered_update_after_a_restart_changes_nothing_at_any_step(
    deps: Deps, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    user = Telegramish("7001")
    await join(Conversations(deps), deps, user)
    replies: list[Reply] = []

    async def step(make: Any, expect: str) -> None:
        nonlocal replies
        msg = make()
        replies = await Conversations(deps).handle(msg)
        assert expect in text_of(replies), text_of(replies)
        before = await state(deps.db, user.user_id)
        # The process dies before confirming the update; a new one gets it again.
        db2 = Database(database_url)
        try:
            again = await Conversations(make_deps(db2, clock, tmp_path / "data")).handle(msg)
        finally:
            await db2.dispose()
        assert await state(deps.db, user.user_id) == before
        # Nothing is applied: the current question (if any) is asked again, unanswered.
        if before[0] is not None and before[0] != "menu":
            assert again and again[-1].text == replies[-1].text
        else:
            assert again == []

    await step(lambda: user.message("/baocao"), "Quý IV/2026")
    await step(lambda: user.message(choice=option(replies, "5. Tuyên truyền")), "Tình trạng")
    await step(lambda: user.message(choice=option(replies, "Đang triển khai")), "Tiến độ")
    await step(lambda: user.message("60%"), "Kết quả đạt được")
    await step(lambda: user.message("Đã tổ chức 4 buổi tại 2 chợ"), "Khó khăn")
    await step(lambda: user.message("Thiếu kinh phí in tờ rơi"), "Đề xuất")
    await step(lambda: user.message("Không có"), "kỳ tới")
    await step(lambda: user.message("Mở rộng sang khu dân cư"), "minh chứng")
    await step(lambda: user.message(choice=option(replies, "Tiếp tục")), "XEM LẠI")
    await step(lambda: user.message(choice=option(replies, "Gửi báo cáo")), "Đã lưu")
    async with deps.db.read() as s:
        report = (await s.execute(select(Report))).scalar_one()
    assert report.progress == 60
    assert report.results == "Đã tổ chức 4 buổi tại 2 chợ"
    assert report.difficulties == "Thiếu kinh phí in tờ rơi"
    assert report.proposals == ""
    assert report.next_plan == "Mở rộng sang khu dân cư"


async def test_an_older_update_is_not_applied_to_a_later_step(deps: Deps) -> None:
    conv = Conversations(deps)
    user = Telegramish("7002")
    await join(conv, deps, user)
    replies = await conv.handle(user.message("/baocao"))
    replies = await conv.handle(user.message(choice=option(replies, "5. Tuyên truyền")))
    replies = await conv.handle(user.message(choice=option(replies, "Đang triển khai")))
    late = user.message("70")  # sent, but overtaken by the next one on the way
    replies = await conv.handle(user.message("60"))
    assert "Kết quả đạt được" in text_of(replies)
    before = await state(deps.db, user.user_id)
    again = await conv.handle(late)
    assert await state(deps.db, user.user_id) == before
    assert "Kết quả đạt được" in again[-1].text  # the current question, asked again


async def test_replies_alternating_between_two_processes_keep_the_form_right(
    deps: Deps, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    """Webhook mode behind a load balancer: one user's updates go to either process."""
    db2 = Database(database_url)
    try:
        processes = [Conversations(deps), Conversations(make_deps(db2, clock, tmp_path / "data"))]
        user = Telegramish("7003")
        await join(processes[0], deps, user)
        turn = itertools.cycle(processes)
        answers = ["Kết quả A", "Khó khăn B", "Đề xuất C", "Kế hoạch D"]
        for n, task in enumerate(("5. Tuyên truyền", "9.", "10. Vận động")):
            replies = await next(turn).handle(user.message("/baocao"))
            replies = await next(turn).handle(user.message(choice=option(replies, task)))
            replies = await next(turn).handle(
                user.message(choice=option(replies, "Đang triển khai"))
            )
            replies = await next(turn).handle(user.message(str(10 + n)))
            for answer in answers:
                msg = user.message(f"{answer} {n}")
                # The update reaches both processes at once (a retried webhook): applied once.
                first, second = await asyncio.gather(
                    processes[0].handle(msg), processes[1].handle(msg)
                )
                assert first[-1].text == second[-1].text
                replies = first
            replies = await next(turn).handle(user.message(choice=option(replies, "Tiếp tục")))
            replies = await next(turn).handle(user.message(choice=option(replies, "Gửi báo cáo")))
            assert "Đã lưu" in text_of(replies), text_of(replies)
    finally:
        await db2.dispose()
    async with deps.db.read() as s:
        reports = list((await s.execute(select(Report).order_by(Report.id))).scalars())
    assert len(reports) == 3
    for n, report in enumerate(reports):
        assert report.progress == 10 + n
        assert report.results == f"Kết quả A {n}"
        assert report.difficulties == f"Khó khăn B {n}"
        assert report.proposals == f"Đề xuất C {n}"
        assert report.next_plan == f"Kế hoạch D {n}"
