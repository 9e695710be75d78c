"""Working-day calendar and deadline ledger, with the published schedules listed in DOMAIN.md.

Every expected date is worked out by hand in the comments, so a wrong implementation fails. Most tests run on
two calendars that must agree on the chosen dates: one built by hand from DOMAIN.md's schedules only, and the
national one from the chinesecalendar package (which also has Qingming, May Day, Dragon Boat, Mid-Autumn ...;
the dates below avoid those unless a test says otherwise).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows.clock import (
    DISCLOSURE_EXTENSION,
    JOINT_EXTENSION,
    STANDARD_EXTENSION,
    DueDates,
    Extension,
    ExtensionNotAllowed,
    ExtensionPolicy,
    Pause,
    WorkCalendar,
    compute_due_dates,
    counting_start,
    deemed_acceptance_date,
    default_calendar,
    delivery_due,
    disclosure_clock_start,
    disclosure_due_dates,
    disclosure_supplement_deadline,
    due_date,
    is_deemed_accepted,
    validate_extension,
    working_days_left,
    working_days_remaining,
    working_days_used,
)


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def domain_calendar() -> WorkCalendar:
    """Only the breaks listed in DOMAIN.md; 2025 and 2026 published."""
    days_off = [
        *_span(date(2025, 1, 28), date(2025, 2, 4)),  # 2025 Spring Festival
        *_span(date(2025, 10, 1), date(2025, 10, 8)),  # 2025 National Day
        *_span(date(2026, 2, 15), date(2026, 2, 23)),  # 2026 Spring Festival
        *_span(date(2026, 10, 1), date(2026, 10, 7)),  # 2026 National Day
    ]
    workdays = [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 9, 28),
        date(2025, 10, 11),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    return WorkCalendar(days_off=days_off, workdays=workdays, published_years={2025, 2026})


CALENDARS = {"domain": domain_calendar(), "package": WorkCalendar.from_chinese_calendar()}


@pytest.fixture(params=sorted(CALENDARS))
def cal(request: pytest.FixtureRequest) -> WorkCalendar:
    """Each test using it runs on the DOMAIN.md calendar and on the chinesecalendar one."""
    return CALENDARS[request.param]


PKG = CALENDARS["package"]


# -- the calendar itself -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        (date(2025, 1, 26), True),  # Sunday, make-up workday
        (date(2025, 1, 27), True),  # Monday before the break
        (date(2025, 1, 28), False),  # Tuesday, first day off
        (date(2025, 2, 4), False),  # Tuesday, last day off
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, make-up
        (date(2025, 2, 9), False),  # ordinary Sunday
        (date(2025, 9, 28), True),  # Sunday, make-up
        (date(2025, 10, 8), False),  # Wednesday, last day of the National Day break
        (date(2025, 10, 11), True),  # Saturday, make-up
        (date(2026, 2, 14), True),  # Saturday, make-up
        (date(2026, 2, 23), False),  # Monday, last day off
        (date(2026, 2, 28), True),  # Saturday, make-up
        (date(2026, 9, 20), True),  # Sunday, make-up
        (date(2026, 10, 7), False),  # Wednesday, last day off
        (date(2026, 10, 10), True),  # Saturday, make-up
        (date(2027, 1, 1), False),  # Friday in an unpublished year: New Year's Day is off by law all the same
        (date(2027, 1, 2), False),
        (date(2027, 1, 4), True),  # Monday: the weekend is not made up before the year is published
    ],
)
def test_is_workday(cal: WorkCalendar, day: date, worked: bool) -> None:
    assert cal.is_workday(day) is worked


def test_domain_schedules_match_the_package() -> None:
    domain = CALENDARS["domain"]
    for day in [*domain.days_off, *domain.workdays]:
        assert PKG.is_workday(day) is domain.is_workday(day), day


def test_package_calendar_published_years_and_no_raise_for_2027() -> None:
    assert min(PKG.published_years) == 2004
    assert max(PKG.published_years) == 2026
    assert PKG.is_workday(date(2027, 1, 4)) is True  # does not raise like chinese_calendar.is_workday
    assert PKG.is_provisional(date(2027, 1, 4)) is True
    assert PKG.is_provisional(date(2026, 12, 31)) is False
    assert PKG.missing_years(date(2026, 12, 31)) == []
    assert PKG.missing_years(date(2028, 5, 1)) == [2027, 2028]
    assert default_calendar() is default_calendar()


def test_missing_years_with_gaps_and_without_published_years() -> None:
    cal = WorkCalendar(published_years={2024, 2026})
    assert cal.missing_years(date(2027, 3, 1)) == [2025, 2027]
    assert cal.missing_years(date(2027, 3, 1), since=date(2026, 1, 1)) == [2027]
    assert WorkCalendar().missing_years(date(2027, 3, 1)) == [2027]


def test_add_working_days_zero_and_negative(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2025, 1, 28), 0) == date(2025, 1, 28)  # n=0 is d itself, even a day off
    # Backwards from Wed 2025-02-05: the last working day before it is Mon 1/27 (1/28-2/4 off).
    assert cal.add_working_days(date(2025, 2, 5), -1) == date(2025, 1, 27)
    # -2 is Sun 1/26 (make-up).
    assert cal.add_working_days(date(2025, 2, 5), -2) == date(2025, 1, 26)


def test_working_days_in_and_after(cal: WorkCalendar) -> None:
    # [Mon 1/27, Wed 2/5): only 1/27 is worked.
    assert cal.working_days_in(date(2025, 1, 27), date(2025, 2, 5)) == 1
    # (Mon 1/27, Wed 2/5]: only 2/5.
    assert cal.working_days_after(date(2025, 1, 27), date(2025, 2, 5)) == 1
    # [Fri 1/24, Mon 2/10): 1/24, Sun 1/26, 1/27, 2/5, 2/6, 2/7, Sat 2/8 = 7.
    assert cal.working_days_in(date(2025, 1, 24), date(2025, 2, 10)) == 7
    assert cal.working_days_in(date(2025, 3, 5), date(2025, 3, 5)) == 0
    assert cal.working_days_in(date(2025, 3, 6), date(2025, 3, 5)) == 0
    assert cal.working_days_after(date(2025, 3, 6), date(2025, 3, 5)) == 0


def test_lazy_extension_far_beyond_the_table() -> None:
    cal = WorkCalendar(published_years={2025})
    # Table covers 2024-2028; 2040-01-02 is a Monday; 5 working days later is Tue 2040-01-09 (Mon-Fri only).
    assert cal.add_working_days(date(2040, 1, 2), 5) == date(2040, 1, 9)
    # Backwards into 1999: Mon 1999-01-04 minus 1 working day is Thu 1998-12-31 (Fri 1/1 is New Year's Day).
    assert cal.add_working_days(date(1999, 1, 4), -1) == date(1998, 12, 31)
    # A span of 260 Mon-Fri weeks = 1300 working days from Friday 2025-01-03 lands on a Friday (every year
    # published without a day off: an unpublished year would have the public holidays fixed by law).
    weekdays_only = WorkCalendar(published_years=range(2025, 2031))
    assert weekdays_only.add_working_days(date(2025, 1, 3), 1300) == date(2025, 1, 3) + timedelta(weeks=260)


def test_conflicting_explicit_dates_are_rejected() -> None:
    with pytest.raises(ValueError, match="both off and worked"):
        WorkCalendar(days_off=[date(2025, 3, 8)], workdays=[date(2025, 3, 8)])


def test_overrides_win_over_the_package() -> None:
    closure = date(2025, 3, 5)  # Wednesday: a centre-local closure
    cal = WorkCalendar.from_chinese_calendar(extra_overrides={closure: False, date(2025, 2, 3): True})
    assert cal.is_workday(closure) is False
    assert cal.is_workday(date(2025, 2, 3)) is True  # a holiday Monday turned into a working day
    # Mon 3/3 + 5: 3/4 (1), [3/5 closed], 3/6 (2), 3/7 (3), 3/10 (4), 3/11 (5).
    assert cal.add_working_days(date(2025, 3, 3), 5) == date(2025, 3, 11)
    # With a sequence of pairs the later override wins.
    later = WorkCalendar.from_chinese_calendar(extra_overrides=[(closure, False), (closure, True)])
    assert later.is_workday(closure) is True
    # A weekend day made a working day, then back off again.
    sat = date(2025, 3, 8)
    assert PKG.with_overrides({sat: True}).is_workday(sat) is True
    assert PKG.with_overrides({sat: True}).with_overrides({sat: False}).is_workday(sat) is False


def test_publishing_a_new_year() -> None:
    cal = PKG.with_overrides({date(2027, 1, 1): False}).with_published_years([2027])
    assert cal.is_provisional(date(2027, 1, 1)) is False
    assert cal.missing_years(date(2027, 12, 31)) == []
    # Mon 2026-12-14 + 20 without 1/1/2027 as a working day: see test_across_into_unpublished_2027 -> 1/12.
    assert cal.add_working_days(date(2026, 12, 14), 20) == date(2027, 1, 12)


# -- due dates -----------------------------------------------------------------------------------------------


def test_before_the_2025_spring_festival(cal: WorkCalendar) -> None:
    # Accepted Mon 2025-01-20; 20 working days:
    # 1/21 (1) 1/22 (2) 1/23 (3) 1/24 (4) Sun 1/26 make-up (5) 1/27 (6) | 1/28-2/4 off |
    # 2/5 (7) 2/6 (8) 2/7 (9) Sat 2/8 make-up (10) 2/10-2/14 (11-15) 2/17-2/20 (16-19) Fri 2/21 (20).
    # Promised 10: Sat 2/8.
    due = compute_due_dates(date(2025, 1, 20), 10, 20, cal)
    assert due == DueDates(
        promised=date(2025, 2, 8),
        statutory=date(2025, 2, 21),
        promised_provisional=False,
        statutory_provisional=False,
        paused=False,
    )
    assert due.provisional is False


def test_across_the_2025_spring_festival(cal: WorkCalendar) -> None:
    # Accepted Fri 2025-01-24: Sun 1/26 (1) 1/27 (2) 2/5 (3) 2/6 (4) 2/7 (5) -> promised 5 = Fri 2/7.
    # Then Sat 2/8 (6) 2/10-2/14 (7-11) 2/17-2/21 (12-16) 2/24-2/27 (17-20) -> statutory 20 = Thu 2/27.
    due = compute_due_dates(date(2025, 1, 24), 5, 20, cal)
    assert (due.promised, due.statutory) == (date(2025, 2, 7), date(2025, 2, 27))


def test_accepted_on_a_make_up_day_and_during_the_break(cal: WorkCalendar) -> None:
    # Accepted on Sun 2025-01-26 (make-up): 1/27 (1) 2/5 (2).
    assert cal.add_working_days(date(2025, 1, 26), 2) == date(2025, 2, 5)
    # A date inside the break (Thu 1/30): the next working day Wed 2/5 is day 1.
    assert cal.add_working_days(date(2025, 1, 30), 1) == date(2025, 2, 5)


def test_across_the_2025_national_day(cal: WorkCalendar) -> None:
    # Accepted Thu 2025-09-25: 9/26 (1) Sun 9/28 make-up (2) 9/29 (3) 9/30 (4) | 10/1-10/8 off |
    # 10/9 (5) 10/10 (6) Sat 10/11 make-up (7) 10/13 (8) 10/14 (9) Wed 10/15 (10).
    assert due_date(date(2025, 9, 25), 10, cal) == date(2025, 10, 15)
    # Accepted Tue 9/30, 1 working day: Thu 10/9.
    assert due_date(date(2025, 9, 30), 1, cal) == date(2025, 10, 9)


def test_across_the_2026_spring_festival(cal: WorkCalendar) -> None:
    # Accepted Wed 2026-02-11: 2/12 (1) 2/13 (2) Sat 2/14 make-up (3) | 2/15-2/23 off | 2/24 (4) 2/25 (5)
    # -> promised 5 = Wed 2/25; 2/26 (6) 2/27 (7) Sat 2/28 make-up (8) 3/2-3/6 (9-13) 3/9-3/13 (14-18)
    # 3/16 (19) Tue 3/17 (20) -> statutory 20.
    due = compute_due_dates(date(2026, 2, 11), 5, 20, cal)
    assert (due.promised, due.statutory, due.provisional) == (date(2026, 2, 25), date(2026, 3, 17), False)


def test_around_the_2026_national_day(cal: WorkCalendar) -> None:
    # Accepted Fri 2026-09-18: Sun 9/20 make-up is day 1, Mon 9/21 day 2.
    assert due_date(date(2026, 9, 18), 1, cal) == date(2026, 9, 20)
    assert due_date(date(2026, 9, 18), 2, cal) == date(2026, 9, 21)
    # Accepted Mon 9/28: 9/29 (1) 9/30 (2) | 10/1-10/7 off | 10/8 (3) 10/9 (4) Sat 10/10 make-up (5).
    assert due_date(date(2026, 9, 28), 5, cal) == date(2026, 10, 10)


def test_across_the_2026_national_day_with_mid_autumn_from_the_package() -> None:
    # Package only (it also has Mid-Autumn Fri 9/25-Sun 9/27 off). Accepted Thu 2026-09-17:
    # 9/18 (1) Sun 9/20 (2) 9/21-9/24 (3-6) | 9/25-9/27 off | 9/28 (7) 9/29 (8) 9/30 (9) | 10/1-10/7 off |
    # 10/8 (10) 10/9 (11) Sat 10/10 (12) 10/12-10/16 (13-17) 10/19 (18) 10/20 (19) Wed 10/21 (20).
    assert due_date(date(2026, 9, 17), 20, PKG) == date(2026, 10, 21)


def test_across_into_unpublished_2027(cal: WorkCalendar) -> None:
    # Accepted Mon 2026-12-14: 12/15-12/18 (1-4) 12/21-12/25 (5-9) 12/28 (10) 12/29-12/31 (11-13)
    # [Fri 2027-01-01 New Year's Day: off by law, although 2027 is not published] 1/4-1/8 (14-18) 1/11 (19)
    # Tue 1/12 (20).
    due = compute_due_dates(date(2026, 12, 14), 10, 20, cal)
    # The mark sits on the date that runs into the unpublished year, not on the promised date within 2026.
    assert due == DueDates(
        promised=date(2026, 12, 28),
        statutory=date(2027, 1, 12),
        promised_provisional=False,
        statutory_provisional=True,
        paused=False,
    )
    assert due.provisional is True
    assert cal.missing_years(due.statutory) == [2027]
    # Wholly inside 2026: not provisional.
    assert compute_due_dates(date(2026, 11, 2), 5, 10, cal).provisional is False


# -- pauses --------------------------------------------------------------------------------------------------

# March 2025 has no holiday: accepted Mon 3/3, 10 working days = 3/4-3/7 (1-4) 3/10-3/14 (5-9) Mon 3/17 (10).
MAR3 = date(2025, 3, 3)


def test_no_pause_baseline(cal: WorkCalendar) -> None:
    assert due_date(MAR3, 10, cal) == date(2025, 3, 17)


def test_same_day_pause_costs_nothing(cal: WorkCalendar) -> None:
    assert due_date(MAR3, 10, cal, pauses=[Pause(date(2025, 3, 10), date(2025, 3, 10))]) == date(2025, 3, 17)


def test_closed_pause_shifts_by_its_working_days(cal: WorkCalendar) -> None:
    # Pause [Mon 3/10, Mon 3/17) = 3/10-3/14 = 5 working days: 3/17 + 5 = 3/18 .. Mon 3/24.
    assert due_date(MAR3, 10, cal, pauses=[Pause(date(2025, 3, 10), date(2025, 3, 17))]) == date(2025, 3, 24)


def test_open_pause_counts_through_as_of(cal: WorkCalendar) -> None:
    # Open since Mon 3/10, as of Wed 3/12: 3/10, 3/11, 3/12 stopped = 3 -> 3/17 + 3 = Thu 3/20.
    due = compute_due_dates(MAR3, 10, 10, cal, pauses=[Pause(date(2025, 3, 10))], as_of=date(2025, 3, 12))
    assert due == DueDates(date(2025, 3, 20), date(2025, 3, 20), False, False, paused=True)
    # The same pause closed on Thu 3/13 costs [3/10, 3/13) = 3 as well: consistent.
    assert due_date(MAR3, 10, cal, pauses=[Pause(date(2025, 3, 10), date(2025, 3, 13))]) == date(2025, 3, 20)


def test_open_pause_needs_as_of(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="as_of"):
        due_date(MAR3, 10, cal, pauses=[Pause(date(2025, 3, 10))])


def test_pause_after_the_due_date_does_not_count(cal: WorkCalendar) -> None:
    # 5 working days from Mon 3/3 = Mon 3/10. A pause from Tue 3/11 changes nothing.
    assert due_date(MAR3, 5, cal, pauses=[Pause(date(2025, 3, 11), date(2025, 3, 14))]) == date(2025, 3, 10)
    # A pause starting on the due date counts: [3/10, 3/12) = 2 -> Wed 3/12.
    assert due_date(MAR3, 5, cal, pauses=[Pause(date(2025, 3, 10), date(2025, 3, 12))]) == date(2025, 3, 12)


def test_pauses_apply_in_order_and_earlier_ones_extend_the_window(cal: WorkCalendar) -> None:
    # 5 days -> 3/10. Pause [3/5, 3/7) = 2 -> Wed 3/12. Pause [3/11, 3/12) starts before 3/12: +1 = 3/13.
    pauses = [Pause(date(2025, 3, 11), date(2025, 3, 12)), Pause(date(2025, 3, 5), date(2025, 3, 7))]
    assert due_date(MAR3, 5, cal, pauses=pauses) == date(2025, 3, 13)


def test_overlapping_pauses_are_merged(cal: WorkCalendar) -> None:
    # [3/5, 3/7) and [3/6, 3/10) merge into [3/5, 3/10) = 3/5, 3/6, 3/7 = 3 -> 3/10 + 3 = Thu 3/13.
    pauses = [Pause(date(2025, 3, 5), date(2025, 3, 7)), Pause(date(2025, 3, 6), date(2025, 3, 10))]
    assert due_date(MAR3, 5, cal, pauses=pauses) == date(2025, 3, 13)


def test_pause_before_the_clock_start_only_counts_after_it(cal: WorkCalendar) -> None:
    # [Thu 2/27, Wed 3/5): only 3/4 is after the acceptance on 3/3 -> 3/10 + 1 = Tue 3/11.
    assert due_date(MAR3, 5, cal, pauses=[Pause(date(2025, 2, 27), date(2025, 3, 5))]) == date(2025, 3, 11)


def test_pause_across_the_spring_festival(cal: WorkCalendar) -> None:
    # Accepted Mon 2025-01-20, 20 days -> Fri 2/21 (see above). Pause [Fri 1/24, Thu 2/6) stops
    # 1/24, Sun 1/26, 1/27, 2/5 = 4 working days -> 2/24 (1) 2/25 (2) 2/26 (3) Thu 2/27 (4).
    pauses = [Pause(date(2025, 1, 24), date(2025, 2, 6))]
    assert due_date(date(2025, 1, 20), 20, cal, pauses=pauses) == date(2025, 2, 27)


def test_invalid_pause_and_limits() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(date(2025, 3, 10), date(2025, 3, 9))
    with pytest.raises(ValueError, match="negative"):
        due_date(MAR3, -1, PKG)
    with pytest.raises(ValueError, match="at least one"):
        Extension(0)


def test_working_days_used_and_remaining(cal: WorkCalendar) -> None:
    # Accepted Mon 3/3; on Fri 3/14: (3/3, 3/14] = 9 working days; pause [3/10, 3/12) removes 2 -> 7.
    pauses = [Pause(date(2025, 3, 10), date(2025, 3, 12))]
    assert working_days_used(MAR3, [], date(2025, 3, 14), cal) == 9
    assert working_days_used(MAR3, pauses, date(2025, 3, 14), cal) == 7
    # Open pause from 3/10, on 3/12: used = 3/4-3/7 = 4 (3/10-3/12 stopped).
    assert working_days_used(MAR3, [Pause(date(2025, 3, 10))], date(2025, 3, 12), cal) == 4
    # Limit 10 with the closed pause: due 3/17 + 2 = Wed 3/19. On Fri 3/14: (3/14, 3/19] = 3 days,
    # and used + remaining = 7 + 3 = 10.
    assert working_days_remaining(MAR3, 10, pauses, date(2025, 3, 14), cal) == 3
    assert working_days_remaining(MAR3, 10, pauses, date(2025, 3, 19), cal) == 0
    # On Mon 3/24: overdue by 3/20, 3/21, 3/24 = 3 working days.
    assert working_days_remaining(MAR3, 10, pauses, date(2025, 3, 24), cal) == -3
    # An extension of 2 more days: due Fri 3/21, remaining on 3/14 = 5.
    assert working_days_remaining(MAR3, 10, pauses, date(2025, 3, 14), cal, extensions=[Extension(2)]) == 5
    # From a due date already known: the same answers.
    assert working_days_left(date(2025, 3, 19), date(2025, 3, 14), cal) == 3
    assert working_days_left(date(2025, 3, 19), date(2025, 3, 19), cal) == 0
    assert working_days_left(date(2025, 3, 19), date(2025, 3, 24), cal) == -3
    assert working_days_left(date(2025, 3, 17), date(2025, 3, 15), cal) == 1  # on a Saturday: Mon 3/17 is left


# -- extensions ----------------------------------------------------------------------------------------------


def test_extension_moves_both_due_dates(cal: WorkCalendar) -> None:
    # Accepted Mon 2025-01-20 (see test_before_the_2025_spring_festival): promised 15 = Fri 2/14,
    # statutory 20 = Fri 2/21. Extension of 10: promised 25 = 2/17-2/21 (16-20) 2/24-2/28 (21-25) = Fri 2/28;
    # statutory 30 = 2/24-2/28 (21-25) 3/3-3/7 (26-30) = Fri 3/7.
    due = compute_due_dates(date(2025, 1, 20), 15, 20, cal, extensions=[validate_extension(10)])
    assert (due.promised, due.statutory) == (date(2025, 2, 28), date(2025, 3, 7))


def test_joint_45_plus_15(cal: WorkCalendar) -> None:
    # Accepted Mon 2025-09-01: 9/2-9/5 (1-4) 9/8-9/12 (5-9) 9/15-9/19 (10-14) 9/22-9/26 (15-19)
    # Sun 9/28 make-up (20) 9/29 (21) 9/30 (22) | 10/1-10/8 off | 10/9 (23) 10/10 (24) Sat 10/11 (25)
    # 10/13-10/17 (26-30) 10/20-10/24 (31-35) 10/27-10/31 (36-40) 11/3-11/7 (41-45) -> Fri 11/7.
    assert due_date(date(2025, 9, 1), 45, cal) == date(2025, 11, 7)
    # +15: 11/10-11/14 (46-50) 11/17-11/21 (51-55) 11/24-11/28 (56-60) -> Fri 11/28.
    ext = validate_extension(15, [], JOINT_EXTENSION)
    assert due_date(date(2025, 9, 1), 45, cal, extensions=[ext]) == date(2025, 11, 28)


@pytest.mark.parametrize(
    ("days", "existing", "policy", "message"),
    [
        (11, [], STANDARD_EXTENSION, "exceeds the limit of 10"),
        (16, [], JOINT_EXTENSION, "exceeds the limit of 15"),
        (21, [], DISCLOSURE_EXTENSION, "exceeds the limit of 20"),
        (1, [Extension(5)], STANDARD_EXTENSION, "at most 1 extension"),
        (0, [], STANDARD_EXTENSION, "at least one"),
        (4, [Extension(8)], ExtensionPolicy(max_count=2, max_days=10), r"8 already granted"),
    ],
)
def test_extension_validation_rejects(
    days: int, existing: list[Extension], policy: ExtensionPolicy, message: str
) -> None:
    with pytest.raises(ExtensionNotAllowed, match=message):
        validate_extension(days, existing, policy)


def test_extension_validation_accepts_and_is_a_value_error() -> None:
    assert validate_extension(10) == Extension(10)
    assert validate_extension(15, (), JOINT_EXTENSION) == Extension(15)
    assert validate_extension(20, (), DISCLOSURE_EXTENSION) == Extension(20)
    assert validate_extension(2, [Extension(8)], ExtensionPolicy(max_count=2, max_days=10)) == Extension(2)
    assert issubclass(ExtensionNotAllowed, ValueError)


# -- acceptance, delivery, disclosure ------------------------------------------------------------------------


def test_deemed_acceptance(cal: WorkCalendar) -> None:
    receipt = date(2025, 1, 24)  # Friday
    # 5th working day after: Sun 1/26 (1) 1/27 (2) 2/5 (3) 2/6 (4) Fri 2/7 (5).
    assert deemed_acceptance_date(receipt, cal) == date(2025, 2, 7)
    # The 5th day has not ended yet on 2/7; it has on Sat 2/8.
    assert is_deemed_accepted(receipt, None, date(2025, 2, 7), cal) is False
    assert is_deemed_accepted(receipt, None, date(2025, 2, 8), cal) is True
    # A notice sent on the 5th day in time prevents it; a late one does not.
    assert is_deemed_accepted(receipt, date(2025, 2, 7), date(2025, 2, 20), cal) is False
    assert is_deemed_accepted(receipt, date(2025, 2, 10), date(2025, 2, 10), cal) is True


def test_delivery_within_10_working_days_of_the_grant(cal: WorkCalendar) -> None:
    # Granted Tue 2025-09-30: 10/9 (1) 10/10 (2) Sat 10/11 (3) 10/13-10/17 (4-8) 10/20 (9) Tue 10/21 (10).
    assert delivery_due(date(2025, 9, 30), cal) == date(2025, 10, 21)


def test_disclosure_counts_from_receipt_and_restarts_after_a_supplement(cal: WorkCalendar) -> None:
    receipt = date(2025, 6, 10)  # Tuesday; no holiday from 6/10 to mid-August in either calendar
    # From receipt: 6/11-6/13 (1-3) 6/16-6/20 (4-8) 6/23-6/27 (9-13) 6/30-7/4 (14-18) 7/7 (19) Tue 7/8 (20).
    due = disclosure_due_dates(receipt, cal)
    assert (due.promised, due.statutory) == (date(2025, 7, 8), date(2025, 7, 8))
    # Supplement arrives Mon 6/16: restart: 6/17-6/20 (1-4) 6/23-6/27 (5-9) 6/30-7/4 (10-14) 7/7-7/11 (15-19)
    # Mon 7/14 (20).
    restarted = disclosure_due_dates(receipt, cal, supplement_received_on=date(2025, 6, 16))
    assert restarted.statutory == date(2025, 7, 14)
    # With the one extension of 20: 7/15-7/18 (4) 7/21-7/25 (9) 7/28-8/1 (14) 8/4-8/8 (19) Mon 8/11 (20).
    ext = validate_extension(20, [], DISCLOSURE_EXTENSION)
    extended = disclosure_due_dates(receipt, cal, supplement_received_on=date(2025, 6, 16), extensions=[ext])
    assert extended.statutory == date(2025, 8, 11)
    assert disclosure_clock_start(receipt) == receipt
    with pytest.raises(ValueError, match="before the request"):
        disclosure_clock_start(receipt, date(2025, 6, 9))


def test_calendar_repr() -> None:
    assert "2004-2026" in repr(PKG)


@pytest.mark.parametrize(
    ("start", "counts_start_day", "due"),
    [
        ("2026-03-02", False, "2026-03-16"),  # Mon: day 1 is Tue 3/3, day 10 Mon 3/16
        ("2026-03-02", True, "2026-03-13"),  # Mon itself is day 1
        # Fri before the Spring Festival: Sat 2/14 (make-up) is day 1, [2/15-2/23 off], 2/24-2/28 (2-6),
        # 3/2-3/5 (7-10); counting the Friday itself shifts all by one
        ("2026-02-13", False, "2026-03-05"),
        ("2026-02-13", True, "2026-03-04"),
        # A day off: counting starts on the next working day (2/24) either way
        ("2026-02-15", True, "2026-03-06"),
        ("2026-02-15", False, "2026-03-06"),
    ],
)
def test_counting_start_day(cal: WorkCalendar, start: str, counts_start_day: bool, due: str) -> None:
    anchor = counting_start(date.fromisoformat(start), counts_start_day=counts_start_day)
    assert due_date(anchor, 10, cal) == date.fromisoformat(due)


@pytest.mark.parametrize(
    ("receipt", "last_day"),
    [
        ("2026-03-02", "2026-03-11"),
        # Mon 2026-09-28: 9/29 (1), 9/30 (2), [10/1-10/7 off], 10/8 (3), 10/9 (4), Sat 10/10 make-up (5),
        # 10/12 (6), 10/13 (7)
        ("2026-09-28", "2026-10-13"),
    ],
)
def test_disclosure_supplement_deadline(cal: WorkCalendar, receipt: str, last_day: str) -> None:
    assert disclosure_supplement_deadline(date.fromisoformat(receipt), cal) == date.fromisoformat(last_day)

