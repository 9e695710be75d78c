"""Public holidays fixed by law in years without a published schedule, and the provisional mark per due date.

The lunar dates and the Qingming solar term come from ``lunar-python``; they are checked here against the
schedules the State Council published (as carried by ``chinesecalendar``) for 2020-2026.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from workflows.clock import (
    DISCLOSURE_SUPPLEMENT_NOTICE_DAYS,
    SUPPLEMENT_NOTICE_DAYS,
    DueDates,
    Pause,
    WorkCalendar,
    compute_due_dates,
    deemed_acceptance_date,
    disclosure_supplement_deadline,
    is_deemed_accepted,
    statutory_days_off,
    statutory_holidays,
)

PKG = WorkCalendar.from_chinese_calendar()  # published 2004-2026


def _by_name(year: int, name: str) -> list[date]:
    return [d for d, n in statutory_holidays(year).items() if name in n]


# -- the law's days, against the published schedules -----------------------------------------------------------

# year: (除夕, 初一, 清明, 端午, 中秋) as published
PUBLISHED = {
    2020: ("2020-01-24", "2020-01-25", "2020-04-04", "2020-06-25", "2020-10-01"),
    2021: ("2021-02-11", "2021-02-12", "2021-04-04", "2021-06-14", "2021-09-21"),
    2022: ("2022-01-31", "2022-02-01", "2022-04-05", "2022-06-03", "2022-09-10"),
    2023: ("2023-01-21", "2023-01-22", "2023-04-05", "2023-06-22", "2023-09-29"),
    2024: ("2024-02-09", "2024-02-10", "2024-04-04", "2024-06-10", "2024-09-17"),
    2025: ("2025-01-28", "2025-01-29", "2025-04-04", "2025-05-31", "2025-10-06"),
    2026: ("2026-02-16", "2026-02-17", "2026-04-05", "2026-06-19", "2026-09-25"),
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_lunar_dates_and_qingming_agree_with_the_published_schedules(year: int) -> None:
    eve, new_year, qingming, dragon_boat, mid_autumn = (date.fromisoformat(d) for d in PUBLISHED[year])
    assert _by_name(year, "春节") == [eve + timedelta(days=i) for i in range(4)]
    assert _by_name(year, "清明节") == [qingming]
    assert _by_name(year, "端午节") == [dragon_boat]
    assert _by_name(year, "中秋节") == [mid_autumn]
    # The package's published schedule names the same days (the eve only became a holiday in 2025; in 2024 it
    # was a working Friday).
    for day, holiday in [
        (new_year, chinese_calendar.Holiday.spring_festival),
        (qingming, chinese_calendar.Holiday.tomb_sweeping_day),
        (dragon_boat, chinese_calendar.Holiday.dragon_boat_festival),
    ]:
        assert chinese_calendar.get_holiday_detail(day) == (True, holiday.value), day
    assert chinese_calendar.get_holiday_detail(mid_autumn)[1] in {
        chinese_calendar.Holiday.mid_autumn_festival.value,
        chinese_calendar.Holiday.national_day.value,  # 2020: Mid-Autumn on 1 October
    }
    if year != 2024:
        assert chinese_calendar.is_holiday(eve), eve


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_off_by_law_is_off_in_the_published_schedules_since_the_2024_amendment(year: int) -> None:
    for day in statutory_days_off(year):
        assert chinese_calendar.is_holiday(day), day


def test_the_days_of_2027() -> None:
    expected = {
        "2027-01-01": "元旦",
        "2027-02-05": "春节",  # 除夕
        "2027-02-06": "春节",
        "2027-02-07": "春节",
        "2027-02-08": "春节",
        "2027-04-05": "清明节",
        "2027-05-01": "劳动节",
        "2027-05-02": "劳动节",
        "2027-06-09": "端午节",
        "2027-09-15": "中秋节",
        "2027-10-01": "国庆节",
        "2027-10-02": "国庆节",
        "2027-10-03": "国庆节",
    }
    assert dict(statutory_holidays(2027)) == {date.fromisoformat(d): n for d, n in expected.items()}
    assert statutory_days_off(2027) == frozenset(statutory_holidays(2027))
    with pytest.raises(TypeError):
        statutory_holidays(2027)[date(2027, 3, 1)] = "x"  # type: ignore[index]  # shared, cached: read-only


def test_mid_autumn_on_national_day_is_one_day_with_both_names() -> None:
    assert statutory_holidays(2020)[date(2020, 10, 1)] == "国庆节、中秋节"
    assert len(statutory_days_off(2020)) == 12
    assert statutory_holidays(2028)[date(2028, 10, 3)] == "国庆节、中秋节"
    assert len(statutory_days_off(2027)) == 13


@pytest.mark.parametrize("year", [1000, 1582, 1583, 1900, 2050, 2100, 2400, 9999])
def test_any_year_in_the_gregorian_calendar(year: int) -> None:
    """lunar-python gives Julian dates before 1582-10-15; the days still come out Gregorian, like ``date``."""
    days = statutory_holidays(year)
    assert all(d.year == year for d in days)
    (qingming,) = _by_name(year, "清明节")
    # The Gregorian year drifts from the sun by a day in ~3,000 years: Qingming stays around 4-5 April.
    assert date(year, 4, 1) <= qingming <= date(year, 4, 7), qingming
    eve = _by_name(year, "春节")[0]
    assert date(year, 1, 20) <= eve <= date(year, 2, 19), eve


def test_qingming_falls_on_april_4_to_6() -> None:
    for year in range(2000, 2061):
        (qingming,) = _by_name(year, "清明节")
        assert date(year, 4, 4) <= qingming <= date(year, 4, 6), qingming


# -- the calendar in an unpublished year -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        (date(2027, 1, 1), False),  # Fri, 元旦
        (date(2026, 12, 31), True),  # Thu, published 2026
        (date(2027, 2, 4), True),  # Thu
        (date(2027, 2, 5), False),  # Fri, 除夕
        (date(2027, 2, 6), False),  # Sat, 初一
        (date(2027, 2, 8), False),  # Mon, 初三
        (date(2027, 2, 9), True),  # Tue: the weekend holidays are not given back before the year is published
        (date(2027, 4, 5), False),  # Mon, 清明
        (date(2027, 5, 3), True),  # Mon: 劳动节 fell on Sat-Sun
        (date(2027, 6, 9), False),  # Wed, 端午
        (date(2027, 9, 15), False),  # Wed, 中秋
        (date(2027, 10, 1), False),  # Fri, 国庆
        (date(2027, 10, 4), True),  # Mon
        (date(2028, 1, 25), False),  # Tue, 除夕 2028
    ],
)
def test_unpublished_years_have_the_days_off_by_law(day: date, worked: bool) -> None:
    assert PKG.is_workday(day) is worked
    assert PKG.is_provisional(day) is (day.year > 2026)
    # The table agrees with the day's answer.
    assert PKG.working_days_in(day, day + timedelta(days=1)) == int(worked)
    assert PKG.working_days_after(day - timedelta(days=1), day) == int(worked)


def test_spring_festival_2027_in_a_count() -> None:
    # Wed 2027-02-03: 2/4 (1), [Fri 2/5 - Mon 2/8 off, with the weekend], 2/9 (2), 2/10 (3) ...
    assert PKG.add_working_days(date(2027, 2, 3), 3) == date(2027, 2, 10)
    assert PKG.add_working_days(date(2027, 2, 10), -2) == date(2027, 2, 4)
    assert PKG.working_days_in(date(2027, 2, 1), date(2027, 2, 15)) == 8  # 2/1-2/4, 2/9-2/12
    # A calendar with no published year at all: the law's days in every year.
    bare = WorkCalendar()
    assert bare.is_workday(date(2026, 2, 16)) is False  # 除夕 2026 (a Monday)
    assert bare.is_workday(date(2026, 2, 20)) is True  # published: off; unpublished here: an ordinary Friday


def test_a_published_year_wins_over_the_law() -> None:
    # A made-up 2027 schedule: 2/6-2/13 off, make-up Sat 2/20; 元旦 off; the eve Fri 2/5 worked; Qingming moved.
    schedule = {date(2027, 1, 1): False, date(2027, 2, 5): True, date(2027, 2, 20): True}
    schedule |= {date(2027, 2, 6) + timedelta(days=i): False for i in range(8)}
    schedule[date(2027, 4, 6)] = False
    cal = PKG.with_overrides(schedule).with_published_years([2027])
    assert cal.is_workday(date(2027, 1, 1)) is False
    assert cal.is_workday(date(2027, 2, 5)) is True
    assert cal.is_workday(date(2027, 2, 12)) is False
    assert cal.is_workday(date(2027, 2, 20)) is True
    assert cal.is_workday(date(2027, 4, 5)) is True  # the law's day, but not in the published schedule
    assert cal.is_workday(date(2027, 4, 6)) is False
    assert cal.is_workday(date(2027, 6, 9)) is True  # 端午: the published schedule (as entered) lacks it
    assert cal.is_provisional(date(2027, 6, 9)) is False
    # Published without a single explicit day: the year counts Monday to Friday only.
    bare = PKG.with_published_years([2027])
    assert bare.is_workday(date(2027, 1, 1)) is True
    assert bare.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_an_explicit_working_day_wins_over_the_law_in_an_unpublished_year() -> None:
    worked = PKG.with_overrides({date(2027, 2, 5): True})
    assert worked.is_workday(date(2027, 2, 5)) is True
    assert date(2027, 2, 5) in worked.workdays
    assert worked.is_provisional(date(2027, 2, 5)) is True
    assert worked.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 5)
    # ... and a later override back off wins again.
    assert worked.with_overrides({date(2027, 2, 5): False}).is_workday(date(2027, 2, 5)) is False
    # An ordinary weekday marked worked stays an implicit working day (not listed).
    assert date(2027, 3, 3) not in PKG.with_overrides({date(2027, 3, 3): True}).workdays


def test_the_table_counts_like_a_walk_across_unpublished_years() -> None:
    first, last = date(2026, 11, 1), date(2029, 3, 1)
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    walked = [d for d in days if PKG.is_workday(d)]
    assert PKG.working_days_in(first, last) == len(walked)
    assert [PKG.add_working_days(first, n) for n in range(1, len(walked) + 1)] == walked
    # 2027: 365 days, 104 weekend days, 7 of the law's 13 days on a weekday.
    assert PKG.working_days_in(date(2027, 1, 1), date(2028, 1, 1)) == 365 - 104 - 7


# -- provisional per due date ------------------------------------------------------------------------------------


def test_only_the_date_that_runs_into_the_unpublished_year_is_provisional() -> None:
    # Issue #7: accepted 2026-11-13, promised 20 -> 2026-12-14 (2026 is published), statutory 2027-01-04.
    due = compute_due_dates(date(2026, 11, 13), 20, 33, PKG)
    assert (due.promised, due.statutory) == (date(2026, 12, 11), date(2026, 12, 30))
    # 11/16-20 (1-5), 11/23-27 (10), 11/30-12/4 (15), 12/7-11 (20), 12/14-18 (25), 12/21-25 (30), 12/28-31 (34),
    # [1/1 off], Mon 1/4 (35).
    due = compute_due_dates(date(2026, 11, 13), 21, 35, PKG)
    assert (due.promised, due.statutory) == (date(2026, 12, 14), date(2027, 1, 4))
    assert (due.promised_provisional, due.statutory_provisional, due.provisional) == (False, True, True)


def test_provisional_marks() -> None:
    both_2026 = compute_due_dates(date(2026, 11, 2), 5, 10, PKG)
    assert (both_2026.promised_provisional, both_2026.statutory_provisional, both_2026.provisional) == (
        False,
        False,
        False,
    )
    both_2027 = compute_due_dates(date(2026, 12, 28), 10, 20, PKG)
    assert (both_2027.promised_provisional, both_2027.statutory_provisional) == (True, True)
    # A start in an unpublished year makes everything provisional, even an early date.
    early = compute_due_dates(date(2027, 3, 1), 1, 2, PKG)
    assert (early.promised_provisional, early.statutory_provisional) == (True, True)
    # A gap: 2026 unpublished between published 2025 and 2027 marks a count running through it.
    gap = WorkCalendar(published_years={2025, 2027})
    dates = compute_due_dates(date(2025, 12, 1), 10, 40, gap)
    assert dates.promised.year == 2025
    assert dates.statutory.year == 2026
    assert (dates.promised_provisional, dates.statutory_provisional) == (False, True)
    far = compute_due_dates(date(2025, 12, 1), 10, 300, gap)
    assert far.statutory.year == 2027
    assert far.statutory_provisional is True
    # A pause can carry the promised date into the next year too.
    paused = compute_due_dates(
        date(2026, 12, 1), 10, 10, PKG, pauses=[Pause(date(2026, 12, 2))], as_of=date(2026, 12, 31)
    )
    assert paused.paused
    assert paused.promised.year == 2027
    assert (paused.promised_provisional, paused.statutory_provisional) == (True, True)


def test_due_dates_provisional_is_either() -> None:
    d = date(2027, 1, 4)
    assert DueDates(d, d, False, True, False).provisional is True
    assert DueDates(d, d, True, False, False).provisional is True
    assert DueDates(d, d, False, False, False).provisional is False


# -- the notice period of a workflow -----------------------------------------------------------------------------


def test_notice_days_default_and_declared() -> None:
    receipt = date(2026, 3, 2)  # Monday, no holiday for weeks
    assert deemed_acceptance_date(receipt, PKG) == deemed_acceptance_date(
        receipt, PKG, notice_days=SUPPLEMENT_NOTICE_DAYS
    )
    assert deemed_acceptance_date(receipt, PKG) == date(2026, 3, 9)
    seven = deemed_acceptance_date(receipt, PKG, notice_days=DISCLOSURE_SUPPLEMENT_NOTICE_DAYS)
    assert seven == disclosure_supplement_deadline(receipt, PKG) == date(2026, 3, 11)
    # Past the 5th working day, but within a declared 7.
    assert is_deemed_accepted(receipt, None, date(2026, 3, 10), PKG) is True
    assert is_deemed_accepted(receipt, None, date(2026, 3, 10), PKG, notice_days=7) is False
    assert is_deemed_accepted(receipt, None, date(2026, 3, 12), PKG, notice_days=7) is True
    assert is_deemed_accepted(receipt, date(2026, 3, 11), date(2026, 3, 20), PKG, notice_days=7) is False
    with pytest.raises(ValueError, match="negative"):
        deemed_acceptance_date(receipt, PKG, notice_days=-1)
