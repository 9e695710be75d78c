"""Masking of personal data on public pages."""

from __future__ import annotations

import pytest

from service_center.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧**"),
        ("杭州某某科技有限公司", "杭**"),
        ("  王五 ", "王*"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_names_keep_only_the_first_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("330102199001011234", "330***********1234"),
        ("33010219900101123X", "330***********123X"),
        ("91330100MA2ABCDE1X", "913***********DE1X"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_id_numbers_keep_the_first_three_and_last_four(id_number, masked):
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800000000", "138****0000"),
        ("138 0000 1234", "138****1234"),
        ("0571-88886666", "057******6666"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_phones_keep_the_first_three_and_last_four(phone, masked):
    assert mask_phone(phone) == masked


def test_masked_values_never_contain_the_hidden_part():
    assert "199001011" not in mask_id_number("330102199001011234")
    assert "阳娜" not in mask_name("欧阳娜娜")
