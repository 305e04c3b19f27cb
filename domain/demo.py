"""The demo plan a newcomer sees: a fictional ward's digital-transformation plan for 2026.

Written for dondoc (not taken from any real document): 11 units, 20 tasks, quarterly reports
due on the 20th of each quarter's last month and an annual report due 15 November.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PeriodKind, Plan, ScheduleKind
from domain.registry import add_alias, add_task, create_plan, get_or_create_unit, set_rule

COORDINATOR = "Phòng Văn hóa - Xã hội"
UNITS = [
    ("Văn phòng HĐND và UBND", ["VP HĐND-UBND"]),
    (COORDINATOR, ["Phòng VH-XH"]),
    ("Phòng Kinh tế, Hạ tầng và Đô thị", ["Phòng KT-HT&ĐT"]),
    ("Trạm Y tế phường", ["TYT phường"]),
    ("Công an phường", []),
    ("Trung tâm Phục vụ hành chính công phường", []),
    ("Ban Chỉ huy Quân sự phường", []),
    ("Trường Trung học cơ sở Hòa Bình", []),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam phường", ["UBMTTQ phường"]),
    ("Đoàn Thanh niên Cộng sản Hồ Chí Minh phường", ["Đoàn Thanh niên phường"]),
    ("Hội Liên hiệp Phụ nữ phường", []),
]

S = ScheduleKind
D = dt.date
# (ref, title, lead, support, timeframe words, schedule, due date, recurrence)
TASKS: list[
    tuple[str, str, list[str], list[str], str, ScheduleKind, dt.date | None, PeriodKind | None]
] = [
    (
        "1",
        "Rà soát, cập nhật danh mục thủ tục hành chính giải quyết trực tuyến toàn trình",
        ["Văn phòng HĐND và UBND"],
        ["Trung tâm Phục vụ hành chính công phường"],
        "Quý IV/2026",
        S.ONE_OFF,
        D(2026, 12, 31),
        None,
    ),
    (
        "2",
        "Hướng dẫn người dân tạo và sử dụng tài khoản định danh điện tử mức 2",
        ["Công an phường"],
        ["Đoàn Thanh niên phường", "Hội Liên hiệp Phụ nữ phường"],
        "Thường xuyên",
        S.RECURRING,
        None,
        PeriodKind.QUARTERLY,
    ),
    (
        "3",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
        ["Trung tâm Phục vụ hành chính công phường"],
        ["Văn phòng HĐND và UBND"],
        "Trước ngày 15/12/2026",
        S.ONE_OFF,
        D(2026, 12, 15),
        None,
    ),
    (
        "4",
        "Thành lập và duy trì tổ công nghệ số cộng đồng ở từng khu phố",
        [COORDINATOR],
        ["Đoàn Thanh niên phường", "Ủy ban Mặt trận Tổ quốc Việt Nam phường"],
        "Quý IV/2026, triển khai thường xuyên",
        S.COMPOSITE,
        D(2026, 12, 31),
        PeriodKind.QUARTERLY,
    ),
    (
        "5",
        "Tuyên truyền lợi ích của thanh toán không dùng tiền mặt tại chợ và cửa hàng",
        ["Phòng Kinh tế, Hạ tầng và Đô thị"],
        ["Hội Liên hiệp Phụ nữ phường"],
        "Năm 2026",
        S.ONE_OFF,
        D(2026, 12, 31),
        None,
    ),
    (
        "6",
        "Lập hồ sơ sức khỏe điện tử cho người dân trên địa bàn",
        ["Trạm Y tế phường"],
        ["Công an phường"],
        "Hằng năm, thường xuyên",
        S.RECURRING,
        None,
        PeriodKind.ANNUAL,
    ),
    (
        "7",
        "Triển khai sổ liên lạc điện tử và thanh toán học phí qua ngân hàng",
        ["Trường Trung học cơ sở Hòa Bình"],
        [COORDINATOR],
        "Tháng 12/2026",
        S.ONE_OFF,
        D(2026, 12, 31),
        None,
    ),
    (
        "8",
        "Cập nhật dữ liệu dân cư, nghĩa vụ quân sự trên hệ thống quản lý",
        ["Ban Chỉ huy Quân sự phường"],
        ["Công an phường"],
        "Thường xuyên",
        S.RECURRING,
        None,
        PeriodKind.QUARTERLY,
    ),
    (
        "9",
        "Xây dựng bản đồ số các điểm sinh hoạt cộng đồng và công trình công cộng",
        ["Phòng Kinh tế, Hạ tầng và Đô thị"],
        [COORDINATOR],
        "Quý I/2027",
        S.ONE_OFF,
        D(2027, 3, 31),
        None,
    ),
    (
        "10",
        "Vận động hộ kinh doanh đăng ký bán hàng trên sàn thương mại điện tử",
        ["Phòng Kinh tế, Hạ tầng và Đô thị"],
        ["Đoàn Thanh niên phường"],
        "6 tháng đầu năm 2027",
        S.ONE_OFF,
        D(2027, 6, 30),
        None,
    ),
    (
        "11",
        "Giám sát việc giải quyết phản ánh, kiến nghị của người dân trên nền tảng số",
        ["Ủy ban Mặt trận Tổ quốc Việt Nam phường"],
        [],
        "Thường xuyên",
        S.RECURRING,
        None,
        PeriodKind.QUARTERLY,
    ),
    (
        "12",
        "Tổ chức cuộc thi tìm hiểu kỹ năng số cho đoàn viên, thanh niên",
        ["Đoàn Thanh niên phường"],
        ["Trường Trung học cơ sở Hòa Bình"],
        "Quý IV/2026",
        S.ONE_OFF,
        D(2026, 12, 31),
        None,
    ),
    (
        "13",
        "Hướng dẫn hội viên phụ nữ phòng tránh lừa đảo qua mạng",
        ["Hội Liên hiệp Phụ nữ phường"],
        ["Công an phường"],
        "Thường xuyên",
        S.RECURRING,
        None,
        PeriodKind.QUARTERLY,
    ),
    (
        "14",
        "Bảo đảm an toàn thông tin cho máy tính và mạng nội bộ của cơ quan",
        ["Văn phòng HĐND và UBND"],
        [],
        "Thường xuyên",
        S.RECURRING,
        None,
        PeriodKind.QUARTERLY,
    ),
    (
        "15",
        "Sử dụng chữ ký số trong gửi, nhận văn bản điện tử",
        ["Văn phòng HĐND và UBND"],
        ["Các phòng, đơn vị thuộc phường"],
        "Chậm nhất ngày 31/12/2026",
        S.ONE_OFF,
        D(2026, 12, 31),
        None,
    ),
    (
        "16",
        "Khám sàng lọc và cập nhật kết quả lên sổ sức khỏe điện tử cho người cao tuổi",
        ["Trạm Y tế phường"],
        ["Hội Liên hiệp Phụ nữ phường"],
        "Quý I/2027",
        S.ONE_OFF,
        D(2027, 3, 31),
        None,
    ),
    (
        "17",
        "Hỗ trợ kỹ thuật khi có đề nghị của các khu phố",
        [COORDINATOR],
        [],
        "Khi có đề nghị",
        S.EVENT_DRIVEN,
        None,
        None,
    ),
    (
        "18",
        "Triển khai camera giám sát an ninh trật tự tại các nút giao",
        ["Công an phường"],
        ["Phòng Kinh tế, Hạ tầng và Đô thị"],
        "Theo kế hoạch của Công an thành phố",
        S.INHERITED,
        None,
        None,
    ),
    (
        "19",
        "Tổng hợp, báo cáo kết quả thực hiện kế hoạch",
        [COORDINATOR],
        ["Các cơ quan, đơn vị liên quan"],
        "Giai đoạn 2026 - 2030",
        S.COMPOSITE,
        D(2030, 12, 31),
        PeriodKind.ANNUAL,
    ),
    (
        "20",
        "Bố trí kinh phí thực hiện các nhiệm vụ chuyển đổi số",
        ["Văn phòng HĐND và UBND"],
        [COORDINATOR],
        "",
        S.UNSPECIFIED,
        None,
        None,
    ),
]


DEMO_TITLE = "Kế hoạch triển khai chuyển đổi số trên địa bàn phường Hòa Bình năm 2026"


async def demo_present(session: AsyncSession) -> bool:
    """True when the database holds the demo plan (the terminal chat then offers its roles)."""
    found = await session.execute(select(Plan.id).where(Plan.title == DEMO_TITLE).limit(1))
    return found.first() is not None


async def load_demo(session: AsyncSession, now: dt.datetime) -> Plan | None:
    """Create the demo plan unless the database already holds a plan; returns it if created."""
    if (await session.execute(select(func.count()).select_from(Plan))).scalar_one():
        return None
    for name, aliases in UNITS:
        unit, _ = await get_or_create_unit(session, name, now)
        for alias in aliases:
            await add_alias(session, unit, alias)
    plan = await create_plan(
        session,
        now,
        title=DEMO_TITLE,
        year=2026,
        number="27/KH-UBND",
        issuer="Ủy ban nhân dân phường Hòa Bình",
        parent_body="Ủy ban nhân dân thành phố",
        place="Hòa Bình",
        issued_on=dt.date(2026, 2, 3),
        coordinator=COORDINATOR,
    )
    await set_rule(session, plan, PeriodKind.QUARTERLY, 20, None, now)
    await set_rule(session, plan, PeriodKind.ANNUAL, 15, 11, now)
    for pos, (ref, title, lead, support, words, kind, due, rec) in enumerate(TASKS):
        await add_task(
            session,
            plan,
            now,
            ref=ref,
            title=title,
            lead=lead,
            support=support,
            timeframe_text=words,
            schedule=kind,
            due_date=due,
            recurrence=rec,
            position=pos,
        )
    return plan
