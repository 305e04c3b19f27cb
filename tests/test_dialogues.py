"""Whole dialogues through the channel-neutral layer, on a real database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.database import Database
from db.models import Attachment, AuditLog, FormSession, KeyValue, Report, ReportVersion, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from domain.deps import Deps
from handlers.messages import Incoming
from handlers.router import Conversations
from tests.support import Chat, file_of, invite_code, make_deps

FOCAL_UNIT = "Phòng Kinh tế, Hạ tầng và Đô thị"
OFFICE_UNIT = "Phòng Văn hóa - Xã hội"


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        assert await load_demo(s, clock.now()) is not None
    return d


async def joined(deps: Deps, user: str, unit: str, role: Role = Role.FOCAL) -> Chat:
    chat = Chat(Conversations(deps), user)
    await chat.send(f"/start {await invite_code(deps, unit, role)}")
    assert "Chào mừng" in chat.text, chat.text
    return chat


async def count(db: Database, model: type, **where: object) -> int:
    async with db.read() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int((await s.execute(q)).scalar_one())


async def test_stranger_is_told_how_to_join(deps: Deps) -> None:
    chat = Chat(Conversations(deps), "stranger")
    await chat.send("/tinhhinh")
    assert "mã mời" in chat.text
    await chat.send("/status")
    assert "mã mời" in chat.text
    await chat.send("xin chào")
    assert "mã mời" in chat.text
    await chat.send("/baocao")
    assert "mã mời" in chat.text


async def test_bad_expired_and_used_invites(deps: Deps, clock: FrozenClock) -> None:
    chat = Chat(Conversations(deps), "u1")
    await chat.send("/start not-a-real-code-123456")
    assert "không đúng" in chat.text
    code = await invite_code(deps, FOCAL_UNIT, ttl=dt.timedelta(days=1))
    clock.advance(dt.timedelta(days=2))
    await chat.send(f"/start {code}")
    assert "hết hạn" in chat.text
    code = await invite_code(deps, FOCAL_UNIT)
    await chat.send(code)  # a code typed on its own also works
    assert "Chào mừng" in chat.text
    other = Chat(Conversations(deps), "u2")
    await other.send(f"/start {code}")
    assert "đã được sử dụng" in other.text


async def test_report_end_to_end_with_bad_input(deps: Deps, db: Database) -> None:
    chat = await joined(deps, "focal", FOCAL_UNIT)
    await chat.send("/baocao")
    # Due the 20th of December, a Sunday in 2026: the deadline ends Monday 21/12.
    assert "Quý IV/2026" in chat.text and "hạn 21/12/2026" in chat.text
    assert "0/3" in chat.text
    await chat.press("5. Tuyên truyền")
    assert "Tình trạng" in chat.text
    await chat.press("Đang triển khai")
    assert "Tiến độ" in chat.text
    await chat.send("150")
    assert "từ 0 đến 100" in chat.text and "Tiến độ" in chat.text
    await chat.send("nhiều")
    assert "từ 0 đến 100" in chat.text
    await chat.send("60%")
    assert "Kết quả đạt được" in chat.text
    await chat.send("   ")
    assert "không được để trống" in chat.text
    await chat.send("x" * 3501)
    assert "quá dài" in chat.text and "3501" in chat.text
    await chat.send("Đã tổ chức 4 buổi tuyên truyền tại 2 chợ, 120 hộ kinh doanh tham gia")
    assert "Khó khăn" in chat.text
    await chat.send("Không có")  # typing an option's label selects it
    assert "Đề xuất" in chat.text
    await chat.send("1")  # typing its number too
    assert "kỳ tới" in chat.text
    await chat.send("Mở rộng sang khu dân cư")
    assert "minh chứng" in chat.text
    await chat.send(file=file_of("virus.exe", b"MZ"))
    assert "Định dạng tệp không được chấp nhận" in chat.text
    await chat.send(file=file_of("bien-ban.pdf", b"%PDF-1.4 test"))
    assert "Đã nhận tệp bien-ban.pdf" in chat.text
    await chat.press("Tiếp tục")
    assert "XEM LẠI BÁO CÁO" in chat.text
    assert "60%" in chat.text and "bien-ban.pdf" in chat.text
    await chat.press("Gửi báo cáo")
    assert "Đã lưu báo cáo nhiệm vụ 5" in chat.text
    assert "còn 2 nhiệm vụ" in chat.text

    async with db.read() as s:
        report = (await s.execute(select(Report))).scalar_one()
        assert report.progress == 60
        assert report.status.value == "in_progress"
        assert report.period_key == "2026-Q4"
        assert report.difficulties == "" and report.proposals == ""
        assert report.next_plan == "Mở rộng sang khu dân cư"
        assert not report.late
        att = (await s.execute(select(Attachment))).scalar_one()
        assert Path(att.path).read_bytes() == b"%PDF-1.4 test"
    assert await count(db, AuditLog, action="submit") == 1
    # The closing options stay selectable by number: "1" reports the next task.
    assert await count(db, FormSession, flow="menu") == 1
    await chat.send("1")
    assert "Nhiệm vụ 9" in chat.text and "Tình trạng" in chat.text
    await chat.send("/huy")
    assert await count(db, FormSession) == 0


async def test_edit_keeps_versions(deps: Deps, db: Database) -> None:
    chat = await joined(deps, "focal", FOCAL_UNIT)
    await chat.send("/baocao")
    await chat.press("9. Xây dựng")
    await chat.press("Chưa triển khai")  # progress is 0 and not asked
    assert "Kết quả" in chat.text
    await chat.send("Đang khảo sát hiện trạng")
    for _ in range(3):
        await chat.press("Không có")
    await chat.press("Tiếp tục")
    await chat.press("Gửi báo cáo")
    # Edit it: the answers are offered back.
    await chat.send("/report")
    await chat.press("9. Xây dựng")
    assert "Anh/chị muốn sửa" in chat.text
    await chat.press("Sửa báo cáo")
    await chat.press("Giữ nguyên")
    assert "Kết quả" in chat.text
    await chat.send("Đã số hóa 40% các điểm sinh hoạt cộng đồng")
    await chat.press("Không có")
    await chat.press("Không có")
    await chat.press("Không có")
    await chat.send("Công văn số 12/KT ngày 20/11/2026")
    assert "Công văn số 12/KT" in chat.text
    await chat.press("Gửi báo cáo")
    assert "Đã cập nhật" in chat.text
    async with db.read() as s:
        report = (await s.execute(select(Report))).scalar_one()
        assert report.version == 2
        assert report.results.startswith("Đã số hóa 40%")
        assert report.evidence_ref == "Công văn số 12/KT ngày 20/11/2026"
        versions = (
            await s.execute(select(ReportVersion).order_by(ReportVersion.version))
        ).scalars()
        texts = [v.data["results"] for v in versions]
    assert texts == ["Đang khảo sát hiện trạng", "Đã số hóa 40% các điểm sinh hoạt cộng đồng"]


async def _report_done(chat: Chat, task: str) -> None:
    await chat.send("/baocao")
    await chat.press(task)
    await chat.press("Hoàn thành")
    await chat.send("Đã hoàn thành toàn bộ")
    for _ in range(3):
        await chat.press("Không có")
    await chat.press("Tiếp tục")
    await chat.press("Gửi báo cáo")
    assert "Đã lưu" in chat.text, chat.text


async def test_status_before_and_after_and_drill_down(deps: Deps) -> None:
    office = await joined(deps, "office", OFFICE_UNIT, Role.COORDINATOR)
    await office.send("/tinhhinh")
    assert "Quý IV/2026" in office.text
    before = office.text
    assert "Đã báo cáo đủ: 0/" in before
    assert "Phòng Kinh tế, Hạ tầng và Đô thị: 0/3" in before
    focal = await joined(deps, "focal", FOCAL_UNIT)
    for task in ("5. Tuyên truyền", "9. Xây dựng", "10. Vận động"):
        await _report_done(focal, task)
    assert "đủ các nhiệm vụ" in focal.text
    await office.send("/status")
    assert "Đã báo cáo đủ: 1/" in office.text
    assert "Phòng Kinh tế, Hạ tầng và Đô thị: " not in office.text
    await office.press("Xem theo đơn vị")
    # Units still owing come first; the finished one is on the next page.
    assert all("Phòng Kinh tế" not in o.label for o in office.options)
    await office.press("Trang sau")
    await office.press("Phòng Kinh tế")
    assert "5. Tuyên truyền" in office.text and "Hoàn thành 100%" in office.text
    assert "đúng hạn" in office.text
    await office.press("Quay lại")
    await office.press("Xem theo nhiệm vụ")
    await office.press("Trang sau")
    await office.press("9. Xây dựng")
    assert "Phòng Kinh tế, Hạ tầng và Đô thị: Hoàn thành" in office.text


async def test_status_sends_chart_and_nudges_one_unit(deps: Deps) -> None:
    office = await joined(deps, "office", OFFICE_UNIT, Role.COORDINATOR)
    await office.send("/tinhhinh")
    await office.press("biểu đồ")
    charts = [r.file for r in office.last if r.file is not None]
    assert len(charts) == 1 and charts[0].is_image
    assert Path(charts[0].path).read_bytes().startswith(b"\x89PNG")
    assert "Quý IV/2026" in office.text  # the summary question comes back after the chart
    await office.press("Xem theo đơn vị")
    await office.press("Trạm Y tế")
    await office.press("Nhắc")
    assert "Trạm Y tế phường" in office.text and "Quý IV/2026" in office.text
    await office.press("Gửi nhắc")
    # No channel is running in this test: the office is told, nothing is pretended.
    assert "chưa kết nối kênh gửi tin" in office.text


async def test_focal_point_cannot_see_status(deps: Deps) -> None:
    focal = await joined(deps, "focal", FOCAL_UNIT)
    await focal.send("/tinhhinh")
    assert "Chỉ văn phòng điều phối" in focal.text
    assert "/tinhhinh" not in "\n".join(r.text for r in await focal.send("/trogiup"))


async def test_restart_mid_form_resumes_same_step(
    deps: Deps, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    chat = await joined(deps, "focal", FOCAL_UNIT)
    await chat.send("/baocao")
    await chat.press("10. Vận động")
    await chat.press("Đang triển khai")
    await chat.send("30")
    assert "Kết quả" in chat.text
    await deps.db.dispose()
    # A new process: new engine, new conversations object.
    db2 = Database(database_url)
    deps2 = make_deps(db2, clock, tmp_path / "data")
    chat2 = Chat(Conversations(deps2), "focal")
    await chat2.send("/trogiup")  # a command that keeps the form reminds where we were
    assert "Kết quả đạt được" in chat2.text
    await chat2.send("Đã vận động 25 hộ kinh doanh")
    for _ in range(3):
        await chat2.press("Không có")
    await chat2.press("Tiếp tục")
    assert "30%" in chat2.text
    await chat2.press("Gửi báo cáo")
    assert "Đã lưu" in chat2.text
    await db2.dispose()


async def test_unknown_command_cancel_and_stale_button(deps: Deps) -> None:
    chat = await joined(deps, "focal", FOCAL_UNIT)
    await chat.send("/xyz")
    assert "Không có lệnh /xyz" in chat.text
    await chat.send("/huy")
    assert "Không có việc gì" in chat.text
    await chat.send("/baocao")
    await chat.send(choice="t:999999")
    assert "không còn hiệu lực" in chat.text
    await chat.send("/huy")
    assert "Đã hủy" in chat.text


async def test_copy_last_period_and_late_edit(deps: Deps, clock: FrozenClock, db: Database) -> None:
    chat = await joined(deps, "office-unit", OFFICE_UNIT)  # a focal point of the office's unit
    await chat.send("/baocao")
    await chat.press("4. Thành lập")  # composite task: "Tiếp tục duy trì" is offered
    await chat.press("Tiếp tục duy trì")
    await chat.send("80")
    await chat.send("Đã có 6 tổ công nghệ số")
    for _ in range(3):
        await chat.press("Không có")
    await chat.press("Tiếp tục")
    await chat.press("Gửi báo cáo")
    # Next quarter: the same task offers last period's answers.
    clock.set(dt.datetime(2027, 2, 1, 2, 0, tzinfo=dt.UTC))
    await chat.send("/baocao")
    # Q4's deadline has passed with reports still owed: it is offered first, marked overdue.
    assert chat.options[0].label.startswith("Quý IV/2026 – quá hạn")
    await chat.press("Quý I/2027")
    assert "Quý I/2027" in chat.text
    await chat.press("4. Thành lập")
    assert "Quý IV/2026" in chat.text
    await chat.press("Chép nội dung")
    await chat.press("Giữ nguyên")
    await chat.press("Giữ nguyên")
    assert "Kết quả" in chat.text and "Đã có 6 tổ" in chat.text
    await chat.send("/huy")
    # After the Q4 deadline, a report for Q4 is recorded as late.
    await chat.send("/baocao")
    await chat.press("Quý IV/2026 – quá hạn")
    await chat.press("1. Rà soát") if any("1. Rà" in o.label for o in chat.options) else None
    await chat.press("17. Hỗ trợ")
    await chat.press("Đang triển khai")
    await chat.send("100")
    await chat.send("Hỗ trợ 3 khu phố")
    for _ in range(3):
        await chat.press("Không có")
    await chat.press("Tiếp tục")
    await chat.press("Gửi báo cáo")
    assert "trễ hạn" in chat.text
    async with db.read() as s:
        late = (await s.execute(select(Report).where(Report.late.is_(True)))).scalars().all()
    assert len(late) == 1 and late[0].period_key == "2026-Q4"


async def test_language_switch(deps: Deps) -> None:
    chat = await joined(deps, "focal", FOCAL_UNIT)
    await chat.send("/language")
    await chat.press("English")
    assert "English" in chat.text
    await chat.send("/report")
    assert "Period: Q4 2026" in chat.text
    await chat.send("/ngonngu vi")
    await chat.send("/nhiemvu")
    assert "NHIỆM VỤ" in chat.text and "chưa báo cáo" in chat.text


async def test_group_chat_gets_a_pointer(deps: Deps) -> None:
    deps.join_links["console"] = "https://example.invalid/bot?start={code}"
    convo = Conversations(deps)
    replies = await convo.handle(
        Incoming(channel="console", user_id="u", chat_id="group-1", text="/baocao", is_group=True)
    )
    assert len(replies) == 1 and "https://example.invalid/bot" in replies[0].text
    assert (
        await convo.handle(
            Incoming(channel="console", user_id="u", chat_id="group-1", text="hello", is_group=True)
        )
        == []
    )


async def test_database_down_gives_a_clear_message(tmp_path: Path, clock: FrozenClock) -> None:
    # Nothing listens on port 1: the connection is refused, as when PostgreSQL is down.
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:1/dondoc")
    deps = make_deps(down, clock, tmp_path)
    replies = await Conversations(deps).handle(
        Incoming(channel="console", user_id="u", chat_id="u", text="/baocao")
    )
    assert "không kết nối được cơ sở dữ liệu" in replies[0].text
    await down.dispose()


async def test_status_finds_a_unit_by_part_of_its_name(deps: Deps) -> None:
    """In the unit list the office can type part of a name, without tone marks."""
    office = await joined(deps, "office", OFFICE_UNIT, Role.COORDINATOR)
    await office.send("/tinhhinh")
    await office.press("Xem theo đơn vị")
    assert "gõ một phần tên đơn vị" in office.text
    await office.send("tram y te")
    assert "Đơn vị có tên chứa “tram y te”: 1" in office.text
    units = [o.label for o in office.options if o.value.startswith("u:")]
    assert len(units) == 1 and "Trạm Y tế phường" in units[0]
    await office.press("Trạm Y tế phường")
    assert "Trạm Y tế phường" in office.text and "Quý IV/2026" in office.text
    await office.press("Quay lại")
    await office.press("Xem theo đơn vị")
    await office.send("PHÒNG")  # case and tone marks ignored, several hits
    assert "Đơn vị có tên chứa “PHÒNG”:" in office.text
    units = [o.label for o in office.options if o.value.startswith("u:")]
    assert len(units) > 1 and all("phòng" in u.lower() for u in units)
    await office.send("đơn vị không có thật")
    assert "Không có đơn vị nào có tên chứa “đơn vị không có thật”" in office.text
    assert office.option("Tất cả đơn vị")  # the question is asked again
    await office.send("x" * 101)
    assert "101" in office.text
    await office.press("Tất cả đơn vị")
    assert "Chọn đơn vị (trang 1/" in office.text


async def test_wrong_invite_codes_are_throttled_per_account(deps: Deps, clock: FrozenClock) -> None:
    guesser = Chat(Conversations(deps), "guesser")
    for i in range(5):
        await guesser.send(f"/start wrong-code-{i:02d}-abcdefghijkl")
        assert "không đúng" in guesser.text
    good = await invite_code(deps, FOCAL_UNIT)
    await guesser.send(f"/start {good}")  # even the right code waits now
    assert "nhập sai mã mời nhiều lần" in guesser.text and "15 phút" in guesser.text
    # Another account is not affected.
    other = Chat(Conversations(deps), "someone-else")
    await other.send("/start wrong-code-zz-abcdefghijkl")
    assert "không đúng" in other.text
    clock.advance(dt.timedelta(minutes=10))
    await guesser.send(f"/start {good}")
    assert "5 phút" in guesser.text
    clock.advance(dt.timedelta(minutes=6))
    await guesser.send(f"/start {good}")
    assert "Chào mừng" in guesser.text
    async with deps.db.read() as s:
        assert await s.get(KeyValue, "invite_fail:console:guesser") is None
