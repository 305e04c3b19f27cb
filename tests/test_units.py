"""Unit-name matching: normalised keys, abbreviations, groups, aliases in the database."""

from __future__ import annotations

import unicodedata

import pytest

from db.database import Database
from domain.clock import FrozenClock
from domain.errors import DomainError
from domain.registry import add_alias, find_unit, get_or_create_unit
from domain.units import clean_name, is_group, is_independent, unit_key

SAME = [
    ("Phòng Văn hóa - Xã hội", "Phòng Văn hoá-Xã hội"),
    ("Phòng Văn hóa - Xã hội", "phòng văn hóa  –  xã hội"),
    ("Phòng Văn hóa - Xã hội", "Phòng VH-XH"),
    ("Phòng Văn hóa - Xã hội", "Phòng Văn hoá - Xã hội (lĩnh vực giáo dục)"),
    ("Văn phòng HĐND và UBND", "VP HĐND-UBND"),
    ("Trạm Y tế", "TYT"),
    ("Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng KT-HT&ĐT"),
    ("Trung tâm chăm sóc sức khỏe", "Trung tâm chăm sóc sức khoẻ"),
    ("Ủy ban nhân dân", "Uỷ ban nhân dân"),
    ("Thủy lợi", "Thuỷ lợi"),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam", "UBMTTQ Việt Nam"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_unit(a: str, b: str) -> None:
    assert unit_key(a) == unit_key(b)


def test_unicode_forms_match() -> None:
    nfc = "Phòng Tư pháp"
    assert unit_key(unicodedata.normalize("NFD", nfc)) == unit_key(nfc)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Phòng Văn hóa - Xã hội", "Phòng Văn hòa - Xã hội"),
        ("Trạm Y tế", "Trường Y tế"),
        ("Hội Nông dân", "Hội Phụ nữ"),
    ],
)
def test_different_units(a: str, b: str) -> None:
    assert unit_key(a) != unit_key(b)


def test_groups_and_independent_bodies() -> None:
    assert is_group("Các cơ quan, phòng, ban, ngành")
    assert is_group("các đơn vị liên quan")
    assert is_group("Các phòng, đơn vị thuộc Sở")
    assert not is_group("Phòng Tư pháp")
    assert is_group("Ủy ban nhân dân cấp xã")
    assert is_group("Đoàn Thanh niên các cấp")
    assert not is_group("Hội đồng Thi đua - Khen thưởng cấp tỉnh")
    assert not is_group("Trung tâm Y tế cấp xã thuộc Sở")
    assert is_independent("Ủy ban MTTQ Việt Nam đặc khu")
    assert is_independent("Hội Liên hiệp Phụ nữ")
    assert is_independent("Đoàn Thanh niên Cộng sản Hồ Chí Minh")
    assert not is_independent("Phòng Văn hóa - Xã hội")
    # A council ("Hội đồng") is a state body, not an association ("Hội").
    assert not is_independent("Hội đồng Thi đua - Khen thưởng tỉnh")
    assert not is_independent("Hội đồng nhân dân xã")
    assert is_independent("Hội Cựu chiến binh xã")


def test_clean_name() -> None:
    assert clean_name("  Phòng Văn hóa-  Xã hội ; ") == "Phòng Văn hóa - Xã hội"


async def test_matching_through_database(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        unit, created = await get_or_create_unit(s, "Phòng Văn hóa - Xã hội", clock.now())
        assert created
        again, created = await get_or_create_unit(s, "Phòng VH-XH (lĩnh vực y tế)", clock.now())
        assert not created and again.id == unit.id
        mttq, _ = await get_or_create_unit(
            s, "Ủy ban Mặt trận Tổ quốc Việt Nam phường", clock.now()
        )
        assert mttq.independent
        await add_alias(s, mttq, "MTTQ phường")
        found = await find_unit(s, "mttq  PHƯỜNG")
        assert found is not None and found.id == mttq.id
        with pytest.raises(DomainError) as err:
            await add_alias(s, unit, "MTTQ phường")
        assert err.value.key == "error.alias_taken"
        group, _ = await get_or_create_unit(s, "Các đơn vị liên quan", clock.now())
        assert group.kind.value == "group"


def test_search_ignores_case_tone_marks_and_spacing() -> None:
    from domain.units import matches, search_key

    assert search_key("  Trạm  Y tế PHƯỜNG ") == "tram y te phuong"
    assert search_key("Đội Thuế") == "doi thue"
    assert matches("tram y te", "Trạm Y tế phường")
    assert matches("y te tram", "Trạm Y tế phường")  # every word, any order
    assert matches("Phòng VH", "Phòng Văn hóa - Xã hội") is False
    assert matches("phong van hoa", "Phòng Văn hóa - Xã hội")
    assert not matches("tram xa", "Trạm Y tế phường")
