"""Plan groups (issue 13): first guess, mapping and derived assignments, reuse, the migration,
the `dondoc group` CLI and the office's administration commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import zoneinfo
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import main
from db.database import Database
from db.migrate import upgrade_sync
from db.models import (
    AuditLog,
    Invite,
    Member,
    PeriodKind,
    Plan,
    PlanGroup,
    Report,
    ReportStatus,
    Role,
    TaskGroup,
    TaskRole,
    TaskUnit,
    Unit,
    UnitAlias,
)
from domain import collectives, registry
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.membership import create_invite
from domain.periods import period_by_key
from domain.reports import ReportAnswers, expected_pairs, submit_report
from domain.units import is_group
from handlers import plan_import
from handlers.router import Conversations
from tests.fixtures import plan_fixtures as F
from tests.support import Chat, file_of, invite_code

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = [
    "Phòng Văn hóa - Xã hội",
    "Phòng Kinh tế",
    "Văn phòng HĐND và UBND",
    "Trường Tiểu học Bình Minh",
    "Trường THCS Bình Minh",
    "UBND xã An Hòa",
    "UBND phường Bình Minh",
    "Trạm Y tế xã",
    "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    "Hội Liên hiệp Phụ nữ xã",
]


async def _world(s: AsyncSession) -> Plan:
    """A plan: task 1 led by "Các cơ quan, phòng, ban, ngành" with Phòng Kinh tế directly too,
    task 2 supported by "các trường học", task 3 led by Trạm Y tế only."""
    for name in UNITS:
        await registry.get_or_create_unit(s, name, NOW)
    plan = await registry.create_plan(
        s,
        NOW,
        title="Kế hoạch thử",
        year=2026,
        number="9/KH-UBND",
        issuer="UBND xã Bình Minh",
        coordinator="Phòng Văn hóa - Xã hội",
    )
    await registry.set_rule(s, plan, PeriodKind.QUARTERLY, 20, None, NOW)
    t1 = await registry.add_task(
        s,
        plan,
        NOW,
        ref="1",
        title="Tuyên truyền",
        lead=["Phòng Kinh tế"],
        timeframe_text="Thường xuyên",
    )
    t2 = await registry.add_task(
        s,
        plan,
        NOW,
        ref="2",
        title="Trường học an toàn",
        lead=["Trạm Y tế xã"],
        timeframe_text="Thường xuyên",
    )
    await registry.add_task(
        s,
        plan,
        NOW,
        ref="3",
        title="Khám sức khỏe",
        lead=["Trạm Y tế xã"],
        timeframe_text="Thường xuyên",
    )
    await collectives.set_task_groups(
        s, t1, [(TaskRole.LEAD, "Các cơ quan, phòng, ban, ngành")], NOW
    )
    await collectives.set_task_groups(s, t2, [(TaskRole.SUPPORT, "Các trường học")], NOW)
    return plan


async def _group(s: AsyncSession, plan_id: int, words: str) -> PlanGroup:
    group = await collectives.find_group(s, plan_id, words)
    assert group is not None
    return group


async def _unit_ids(s: AsyncSession, *names: str) -> list[int]:
    out = []
    for name in names:
        unit = await registry.find_unit(s, name)
        assert unit is not None, name
        out.append(unit.id)
    return out


async def _parts(db: Database, plan_id: int, ref: str) -> list[tuple[str, str, bool]]:
    async with db.read() as s:
        tasks = {t.ref: t for t in await registry.list_tasks(s, plan_id)}
        return sorted(
            (tu.unit.name, tu.role.value, tu.via_group_id is not None) for tu in tasks[ref].units
        )


def test_first_guess_from_the_words() -> None:
    units = [
        Unit(id=i, name=n, independent=n.startswith(("Ủy ban Mặt trận", "Hội")))
        for i, n in enumerate(UNITS, 1)
    ]

    def names(words: str) -> list[str]:
        return [u.name for u in collectives.guess_from_words(words, units)]

    assert names("Các phòng") == ["Phòng Kinh tế", "Phòng Văn hóa - Xã hội"]
    assert names("Các trường học") == ["Trường THCS Bình Minh", "Trường Tiểu học Bình Minh"]
    assert names("UBND các xã, phường") == ["UBND phường Bình Minh", "UBND xã An Hòa"]
    broad = names("Các cơ quan, phòng, ban, ngành")
    assert "Trạm Y tế xã" in broad and "Văn phòng HĐND và UBND" in broad
    assert not any(n.startswith(("Ủy ban Mặt trận", "Hội")) for n in broad)
    assert names("các đoàn thể") == [
        "Hội Liên hiệp Phụ nữ xã",
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    ]
    assert names("Các thôn") == []
    # "X các Y": the X of each Y, not every unit whose name starts like X.
    assert names("Ủy ban nhân dân các xã, phường") == ["UBND phường Bình Minh", "UBND xã An Hòa"]
    assert names("Ban nhân dân các ấp") == []
    assert names("Ủy ban nhân dân phường, xã") == ["UBND phường Bình Minh", "UBND xã An Hòa"]


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Ủy ban nhân dân các xã, phường", True),
        ("UBND xã, phường", True),
        ("Công an phường, xã, đặc khu", True),
        ("Ban nhân dân các ấp", True),
        ("Ủy ban nhân dân xã An Hòa", False),
        ("Ủy ban nhân dân xã", False),
        ("Liên hiệp các Hội Khoa học và Kỹ thuật", False),
        ("Ban Quản lý các Khu công nghiệp", False),
        ("Phòng Kinh tế, Hạ tầng và Đô thị", False),
    ],
)
def test_collective_names(name: str, group: bool) -> None:
    assert is_group(name) is group


async def test_invite_codes_never_start_like_a_command_line_option(db: Database) -> None:
    # One code in 32 began with "-" or "_": `dondoc invite revoke CODE` then read it as an option.
    async with db.transaction() as s:
        unit, _ = await registry.get_or_create_unit(s, "Phòng Kinh tế", NOW)
        codes = [
            (await create_invite(s, NOW, role=Role.FOCAL, unit=unit, ttl=dt.timedelta(days=1))).code
            for _ in range(400)
        ]
    assert not [c for c in codes if c[0] in "-_"]


async def test_mapping_derives_assignments_and_keeps_direct_ones(
    db: Database, clock: FrozenClock
) -> None:
    async with db.transaction() as s:
        plan = await _world(s)
        plan_id = plan.id
    assert await _parts(db, plan_id, "1") == [("Phòng Kinh tế", "lead", False)]
    async with db.read() as s:
        unmapped = await collectives.unmapped_tasks(s, plan_id)
    assert [(u.ref, u.group) for u in unmapped] == [
        ("1", "Các cơ quan, phòng, ban, ngành"),
        ("2", "Các trường học"),
    ]
    async with db.transaction() as s:
        group = await _group(s, plan_id, "cac co quan, phong, ban, nganh")
        ids = await _unit_ids(s, "Phòng Kinh tế", "Trạm Y tế xã", "Văn phòng HĐND và UBND")
        await collectives.set_members(s, group, ids, NOW, actor="test")
    # Phòng Kinh tế keeps its own (direct) row; the others are derived from the group.
    assert await _parts(db, plan_id, "1") == [
        ("Phòng Kinh tế", "lead", False),
        ("Trạm Y tế xã", "lead", True),
        ("Văn phòng HĐND và UBND", "lead", True),
    ]
    async with db.transaction() as s:
        group = await _group(s, plan_id, "Các trường học")
        await collectives.set_members(
            s, group, await _unit_ids(s, "Trường THCS Bình Minh", "Trạm Y tế xã"), NOW
        )
    # Trạm Y tế leads task 2 directly: no second row for it; the school supports.
    assert await _parts(db, plan_id, "2") == [
        ("Trường THCS Bình Minh", "support", True),
        ("Trạm Y tế xã", "lead", False),
    ]
    # Re-mapping recomputes: Văn phòng leaves, Phòng VH-XH joins; the direct row stays.
    async with db.transaction() as s:
        group = await _group(s, plan_id, "Các cơ quan, phòng, ban, ngành")
        ids = await _unit_ids(s, "Phòng Kinh tế", "Phòng Văn hóa - Xã hội")
        await collectives.set_members(s, group, ids, NOW, actor="test")
    assert await _parts(db, plan_id, "1") == [
        ("Phòng Kinh tế", "lead", False),
        ("Phòng Văn hóa - Xã hội", "lead", True),
    ]
    async with db.read() as s:
        assert await collectives.unmapped_tasks(s, plan_id) == []
        vhxh = (await _unit_ids(s, "Phòng Văn hóa - Xã hội"))[0]
        period = period_by_key(await registry.rule_specs(s, plan_id), "2026-Q4")
        assert period is not None
        owed = await expected_pairs(s, plan_id, period)
        audit = (
            (await s.execute(select(AuditLog).where(AuditLog.action == "map_group")))
            .scalars()
            .all()
        )
    # The member owes its report on the group's task.
    assert vhxh in owed and len(owed[vhxh]) == 1
    assert len(audit) == 3 and audit[-1].details["units"] == [
        "Phòng Kinh tế",
        "Phòng Văn hóa - Xã hội",
    ]
    # Clearing a mapping puts the task back among the unmapped ones.
    async with db.transaction() as s:
        await collectives.set_members(s, await _group(s, plan_id, "Các trường học"), [], NOW)
    async with db.read() as s:
        assert [u.ref for u in await collectives.unmapped_tasks(s, plan_id)] == ["2"]
    assert await _parts(db, plan_id, "2") == [("Trạm Y tế xã", "lead", False)]


async def test_a_mapping_is_offered_again_for_the_same_issuer(db: Database) -> None:
    async with db.transaction() as s:
        first = await _world(s)
        group = await _group(s, first.id, "Các cơ quan, phòng, ban, ngành")
        chosen = await _unit_ids(s, "Trạm Y tế xã", "Phòng Kinh tế")
        await collectives.set_members(s, group, chosen, NOW)
        second = await registry.create_plan(
            s, NOW, title="Kế hoạch khác", year=2026, issuer="UBND xã Bình Minh"
        )
        other = await registry.create_plan(
            s, NOW, title="Kế hoạch nơi khác", year=2026, issuer="UBND xã Hòa Bình"
        )
        guesses = {}
        for plan in (second, other):
            task = await registry.add_task(s, plan, NOW, ref="1", title="Việc", lead=[])
            await collectives.set_task_groups(
                s, task, [(TaskRole.LEAD, "Các Cơ quan, Phòng, Ban, Ngành")], NOW
            )
            g = await _group(s, plan.id, "Các cơ quan, phòng, ban, ngành")
            guesses[plan.id] = await collectives.first_guess(s, g)
    units, source = guesses[second.id]
    assert source == "previous" and sorted(u.id for u in units) == sorted(chosen)
    assert guesses[other.id][1] == "words"


def test_migration_turns_group_units_into_plan_groups(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade_sync(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}", "0001")
    engine = create_engine(url)
    now = "2026-11-01 00:00:00"
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO units (id, name, key, kind, independent, created_at) VALUES"
                " (1, 'Phòng Kinh tế', 'phòng kinh tế', 'unit', 0, :n),"
                " (2, 'Các phòng, ban, ngành', 'các phòng ban ngành', 'group', 0, :n),"
                " (3, 'Các đơn vị liên quan', 'các đơn vị liên quan', 'group', 0, :n)"
            ),
            {"n": now},
        )
        c.execute(
            text(
                "INSERT INTO plans (id, title, year, family, cutoff_mode, reminder_days,"
                " reminder_offsets, overdue_offsets, task_deadline_offsets, reminder_time,"
                " active, created_at) VALUES (1, 'KH', 2026, 'administrative', 'decree09',"
                " '[]', '[]', '[]', '[]', '08:00', 1, :n)"
            ),
            {"n": now},
        )
        c.execute(
            text(
                "INSERT INTO tasks (id, plan_id, ref, position, title, timeframe_text, schedule,"
                " active) VALUES (1, 1, '1', 0, 'Việc', '', 'unspecified', 1)"
            )
        )
        c.execute(
            text(
                "INSERT INTO task_units (task_id, unit_id, role, position, written_as) VALUES"
                " (1, 1, 'lead', 0, 'Phòng Kinh tế'), (1, 2, 'lead', 1, 'Các phòng, ban, ngành'),"
                " (1, 3, 'support', 2, 'các đơn vị liên quan')"
            )
        )
        # Unit 3 has a member: someone treats it as a unit, so it stays one.
        c.execute(
            text(
                "INSERT INTO members (full_name, unit_id, role, locale, preferred_channel, active,"
                " created_at) VALUES ('A', 3, 'focal', 'vi', 'all', 1, :n)"
            ),
            {"n": now},
        )
    upgrade_sync(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    with engine.connect() as c:
        units = c.execute(text("SELECT name FROM units ORDER BY id")).scalars().all()
        groups = c.execute(text("SELECT plan_id, name FROM plan_groups")).all()
        assigned = c.execute(
            text(
                "SELECT g.name, tg.role, tg.written_as FROM task_groups tg"
                " JOIN plan_groups g ON g.id = tg.group_id"
            )
        ).all()
        rows = c.execute(text("SELECT unit_id FROM task_units ORDER BY unit_id")).scalars().all()
    engine.dispose()
    assert units == ["Phòng Kinh tế", "Các đơn vị liên quan"]
    assert groups == [(1, "Các phòng, ban, ngành")]
    assert assigned == [("Các phòng, ban, ngành", "lead", "Các phòng, ban, ngành")]
    assert rows == [1, 3]


# ---------------------------------------------------------------- the command line


def _cli(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("ZALO_BOT_TOKEN", "")
    monkeypatch.chdir(tmp_path)
    return main(list(argv))


def _seed(url: str, with_report: bool = False) -> int:
    async def go() -> int:
        db = Database(url)
        if db.is_postgres:
            from tests.conftest import _truncate

            await _truncate(db)
        try:
            async with db.transaction() as s:
                plan = await _world(s)
                if with_report:
                    tasks = await registry.list_tasks(s, plan.id)
                    unit = await registry.find_unit(s, "Trạm Y tế xã")
                    assert unit is not None
                    member = Member(
                        full_name="Hà", unit_id=unit.id, role=Role.FOCAL, created_at=NOW
                    )
                    s.add(member)
                    await s.flush()
                    period = period_by_key(await registry.rule_specs(s, plan.id), "2026-Q4")
                    assert period is not None
                    await submit_report(
                        s,
                        NOW,
                        TZ,
                        plan=plan,
                        period=period,
                        task=tasks[2],
                        unit=unit,
                        member=member,
                        answers=ReportAnswers(status=ReportStatus.ONGOING, results="Đã khám"),
                    )
                return plan.id
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_cli_group_list_and_set(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = str(_seed(database_url))
    assert _cli(monkeypatch, database_url, tmp_path, "--json", "group", "list", "--plan", plan) == 0
    data = json.loads(capsys.readouterr().out)
    groups = {g["name"]: g for g in data["groups"]}
    broad = groups["Các cơ quan, phòng, ban, ngành"]
    assert broad["tasks"] == ["1"] and broad["mapped"] is False and broad["units"] == []
    assert "Trạm Y tế xã" in broad["guess"] and broad["guess_source"] == "words"
    # Names typed without tone marks, separated by ';'.
    code = _cli(
        monkeypatch,
        database_url,
        tmp_path,
        "group",
        "set",
        "--plan",
        plan,
        "Các cơ quan, phòng, ban, ngành",
        "--units",
        "tram y te xa; Phong Van hoa - Xa hoi",
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Đã xác định «Các cơ quan, phòng, ban, ngành» gồm 2 đơn vị (nhiệm vụ 1)" in out
    assert "  - Phòng Văn hóa - Xã hội\n  - Trạm Y tế xã" in out
    assert _cli(monkeypatch, database_url, tmp_path, "group", "list", "--plan", plan) == 0
    out = capsys.readouterr().out
    assert "[1] «Các cơ quan, phòng, ban, ngành» - nhiệm vụ 1\n  Gồm 2 đơn vị:" in out
    assert "«Các trường học» - nhiệm vụ 2\n  Chưa xác định đơn vị." in out
    # plan show lists the task still waiting for its group.
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "show", plan) == 0
    out = capsys.readouterr().out
    assert "1 nhiệm vụ giao cho nhóm chưa xác định đơn vị:" in out
    assert "2. Trường học an toàn → «Các trường học»" in out
    assert (
        _cli(
            monkeypatch,
            database_url,
            tmp_path,
            "--json",
            "group",
            "set",
            "--plan",
            plan,
            "cac truong hoc",
            "--guess",
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["units"] == ["Trường THCS Bình Minh", "Trường Tiểu học Bình Minh"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["group", "set", "--plan", "{plan}", "Các thôn", "--units", "Phòng Kinh tế"],
            "Kế hoạch không có nhóm «Các thôn»",
        ),
        (
            ["group", "set", "--plan", "{plan}", "Các trường học", "--units", "Trường Mầm non"],
            "Không có đơn vị «Trường Mầm non»",
        ),
        (
            ["group", "set", "--plan", "{plan}", "Các trường học", "--units", "truong"],
            "«truong» khớp với nhiều đơn vị",
        ),
        (["group", "list", "--plan", "99"], "Không có kế hoạch «99»"),
        (
            ["group", "set", "--plan", "{plan}", "Các trường học", "--units", ";"],
            "Chưa nêu đơn vị nào",
        ),
        (["plan", "edit", "{plan}"], "Chưa nêu thông tin cần sửa"),
        (["unit", "merge", "Phòng Kinh tế", "phong kinh te"], "Không gộp được"),
        (["unit", "remove", "Trạm Y tế xã"], "nên không xóa"),
        (["unit", "rename", "Phòng Kinh tế", "Trạm Y tế xã"], "đã là của đơn vị"),
        (["member", "remove", "77"], "Không có thành viên «77»"),
        (["invite", "revoke", "not-a-code"], "Không tìm thấy mã mời này."),
    ],
)
def test_cli_bad_input_is_one_line(
    argv: list[str],
    message: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = str(_seed(database_url))
    code = _cli(monkeypatch, database_url, tmp_path, *[a.format(plan=plan) for a in argv])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("dondoc: ") and err.count("\n") == 1 and "Traceback" not in err
    assert message in err, err


def test_cli_plan_edit_archive_delete(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = str(_seed(database_url, with_report=True))
    code = _cli(
        monkeypatch,
        database_url,
        tmp_path,
        "plan",
        "edit",
        plan,
        "--short-title",
        "KH thử",
        "--signer-title",
        "KT. CHỦ TỊCH",
        "--signer-name",
        "Nguyễn Văn A",
        "--issued-on",
        "15/01/2026",
        "--coordinator",
        "phong kinh te",
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Tên ngắn: - → KH thử" in out and "Ngày ban hành: - → 15/01/2026" in out
    assert "Đơn vị đầu mối: Phòng Văn hóa - Xã hội → Phòng Kinh tế" in out
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "archive", plan) == 0
    assert "Đã lưu trữ kế hoạch" in capsys.readouterr().out
    # Reports exist: refused without --force, and --force still asks for confirmation.
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "delete", plan, "--yes") == 1
    assert "đã có 1 báo cáo nên không xóa" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "delete", plan, "--force") == 1
    assert "Đã hủy, chưa xóa gì." in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{plan}\n"))
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "delete", plan, "--force") == 0
    assert "Đã xóa kế hoạch" in capsys.readouterr().out

    async def check() -> None:
        db = Database(database_url)
        try:
            async with db.read() as s:
                assert await s.get(Plan, int(plan)) is None
                actions = [
                    (a.action, a.entity)
                    for a in (await s.execute(select(AuditLog).order_by(AuditLog.id))).scalars()
                ]
                assert ("edit", "plan") in actions and ("archive", "plan") in actions
                assert actions[-1] == ("delete", "plan")
        finally:
            await db.dispose()

    asyncio.run(check())


def test_cli_units_members_invites(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan_id = _seed(database_url, with_report=True)

    async def setup() -> tuple[str, int, int]:
        db = Database(database_url)
        try:
            async with db.transaction() as s:
                tram = await registry.find_unit(s, "Trạm Y tế xã")
                assert tram is not None
                dup, _ = await registry.get_or_create_unit(s, "TYT xã Bình Minh", NOW)
                s.add(Member(full_name="Lan", unit_id=dup.id, role=Role.FOCAL, created_at=NOW))
                new = await create_invite(
                    s, NOW, role=Role.FOCAL, unit=tram, ttl=dt.timedelta(days=3650)
                )
                # The duplicate was mapped into a group: the merged unit inherits that.
                group = await _group(s, plan_id, "Các trường học")
                await collectives.set_members(s, group, [dup.id], NOW)
                await s.flush()
                member = (
                    await s.execute(select(Member).where(Member.full_name == "Lan"))
                ).scalar_one()
                return new.code, new.invite.id, member.id
        finally:
            await db.dispose()

    code, invite_id, member_id = asyncio.run(setup())
    assert _cli(monkeypatch, database_url, tmp_path, "invite", "revoke", code) == 0
    assert f"Đã thu hồi mã mời #{invite_id}" in capsys.readouterr().out
    assert _cli(monkeypatch, database_url, tmp_path, "invite", "revoke", str(invite_id)) == 1
    assert "đã hết hạn" in capsys.readouterr().err
    assert (
        _cli(
            monkeypatch, database_url, tmp_path, "unit", "merge", "TYT xã Bình Minh", "Trạm Y tế xã"
        )
        == 0
    )
    assert "Đã gộp «TYT xã Bình Minh» vào «Trạm Y tế xã»" in capsys.readouterr().out
    assert (
        _cli(
            monkeypatch,
            database_url,
            tmp_path,
            "unit",
            "rename",
            "Trạm Y tế xã",
            "Trạm Y tế xã Bình Minh",
        )
        == 0
    )
    assert "Trạm Y tế xã → Trạm Y tế xã Bình Minh" in capsys.readouterr().out
    assert _cli(monkeypatch, database_url, tmp_path, "member", "remove", str(member_id)) == 0
    assert "Đã cho Lan thôi tham gia" in capsys.readouterr().out
    assert _cli(monkeypatch, database_url, tmp_path, "unit", "remove", "Trường THCS Bình Minh") == 0

    async def check() -> None:
        db = Database(database_url)
        try:
            async with db.read() as s:
                unit = await registry.find_unit(s, "TYT xã Bình Minh")  # an alias now
                assert unit is not None and unit.name == "Trạm Y tế xã Bình Minh"
                assert (await registry.find_unit(s, "Trạm Y tế xã")) == unit  # old name kept
                aliases = set((await s.execute(select(UnitAlias.alias))).scalars())
                assert "Trạm Y tế xã" in aliases  # the TYT spelling is now the name itself
                member = await s.get(Member, member_id)
                assert member is not None and member.unit_id == unit.id and not member.active
                report = (await s.execute(select(Report))).scalar_one()
                assert report.unit_id == unit.id  # history kept
                invite = await s.get(Invite, invite_id)
                assert invite is not None and invite.unit_id == unit.id
                # The merged unit took the duplicate's place in the group supporting task 2,
                # but it leads task 2 directly, so no derived row is added.
                rows = (
                    await s.execute(
                        select(TaskUnit.role, TaskUnit.via_group_id).where(
                            TaskUnit.unit_id == unit.id
                        )
                    )
                ).all()
                assert all(via is None for _role, via in rows) and len(rows) == 2
                groups = (await s.execute(select(TaskGroup))).scalars().all()
                assert len(groups) == 2
                assert await registry.find_unit(s, "Trường THCS Bình Minh") is None
                actions = {
                    (a.action, a.entity) for a in (await s.execute(select(AuditLog))).scalars()
                }
                assert {
                    ("revoke", "invite"),
                    ("merge", "unit"),
                    ("rename", "unit"),
                    ("remove", "member"),
                    ("remove", "unit"),
                } <= actions
        finally:
            await db.dispose()

    asyncio.run(check())


async def test_chat_import_review_names_groups_and_leads_to_mapping(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:

    deps = Deps(db=db, clock=clock, tz=TZ, data_dir=tmp_path)
    async with db.transaction() as s:
        await registry.get_or_create_unit(s, "Phòng Văn hóa - Xã hội", NOW)
    office = Chat(Conversations(deps), "office")
    await office.send(
        f"/start {await invite_code(deps, 'Phòng Văn hóa - Xã hội', Role.COORDINATOR)}"
    )
    await office.send(file=file_of("ke-hoach.docx", F.docx_plan()))
    assert "giao cho «Các đơn vị liên quan»: chọn các đơn vị thuộc nhóm này" in office.text
    await office.send(choice=plan_import.YES)
    assert "Nhóm đơn vị (" in office.text
    await office.press("Chọn đơn vị cho các nhóm")
    assert "nhóm chưa xác định đơn vị. Chọn một nhóm:" in office.text
    assert any("Các đơn vị liên quan" in o.label for o in office.options)
