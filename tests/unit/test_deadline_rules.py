"""Booking and cancellation deadlines: pure rules on the Paris wall clock, the clock passed in.

Real 2026–2027 dates: Armistice on Wednesday 11/11/2026, Christmas on Friday 25/12/2026, New
Year on Friday 01/01/2027, Easter Monday 29/03/2027, Ascension 06/05/2027, Whit Monday
17/05/2027; summer time ends on Sunday 25/10/2026 and starts on Sunday 28/03/2027."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from reservations.calendars import french_public_holidays
from reservations.rules import (
    DayOfPreviousMonth,
    DaysBefore,
    WeekdayOfPreviousWeek,
    deadline_for,
    deadline_rule,
    deadline_rule_params,
    format_deadline,
    is_before_deadline,
    is_working_day,
)

PARIS = ZoneInfo("Europe/Paris")
HOLIDAYS = french_public_holidays([2025, 2026, 2027, 2028])

J2_CALENDAR = DaysBefore(days=2, at=time(10, 0))
J2_WORKING = DaysBefore(days=2, at=time(10, 0), working_days=True)
TUESDAY_BEFORE = WeekdayOfPreviousWeek(weekday=2, at=time(23, 59))
TWENTIETH_BEFORE = DayOfPreviousMonth(day=20, at=time(10, 0))


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_public_holidays_are_those_of_france_easter_based_ones_included():
    assert {
        date(2026, 11, 11),
        date(2026, 12, 25),
        date(2027, 1, 1),
        date(2027, 3, 29),
        date(2027, 5, 6),
        date(2027, 5, 17),
    } <= HOLIDAYS
    assert date(2027, 3, 28) not in HOLIDAYS  # Easter Sunday is a Sunday, not a holiday
    assert date(2026, 12, 26) not in HOLIDAYS  # St Stephen's: Alsace-Moselle only


@pytest.mark.parametrize(
    ("meal", "deadline"),
    [
        (date(2026, 11, 26), "2026-11-24 10:00"),  # Thursday → Tuesday
        (date(2026, 11, 30), "2026-11-28 10:00"),  # a Saturday counts like any day
        (date(2026, 11, 3), "2026-11-01 10:00"),  # so does a public holiday (All Saints')
        (date(2027, 1, 1), "2026-12-30 10:00"),  # across the year end
        (date(2027, 3, 1), "2027-02-27 10:00"),  # across a month end
    ],
)
def test_j_minus_2_at_10_counting_calendar_days(meal, deadline):
    assert deadline_for(J2_CALENDAR, meal, HOLIDAYS) == paris(deadline)


@pytest.mark.parametrize(
    ("meal", "deadline"),
    [
        (date(2026, 11, 26), "2026-11-24 10:00"),  # nothing to skip
        (date(2026, 12, 1), "2026-11-27 10:00"),  # Tuesday → Friday, over the weekend
        (date(2026, 11, 30), "2026-11-26 10:00"),  # Monday → Thursday
        (date(2026, 11, 12), "2026-11-09 10:00"),  # Armistice (Wednesday) skipped
        (date(2026, 11, 13), "2026-11-10 10:00"),  # Armistice skipped in the middle
        (date(2026, 12, 29), "2026-12-24 10:00"),  # weekend and Christmas skipped
        (date(2027, 1, 4), "2026-12-30 10:00"),  # weekend and New Year skipped, year end
        (date(2027, 3, 31), "2027-03-26 10:00"),  # Easter Monday and the weekend skipped
        (date(2027, 5, 7), "2027-05-04 10:00"),  # Ascension skipped
        (date(2027, 5, 18), "2027-05-13 10:00"),  # Whit Monday and the weekend skipped
        (date(2026, 11, 28), "2026-11-26 10:00"),  # a Saturday meal: Friday is day 1
    ],
)
def test_j_minus_2_at_10_counting_working_days(meal, deadline):
    assert deadline_for(J2_WORKING, meal, HOLIDAYS) == paris(deadline)


@pytest.mark.parametrize(
    ("rule", "meal", "deadline"),
    [
        (DaysBefore(0, time(9, 0), working_days=True), date(2026, 11, 26), "2026-11-26 09:00"),
        (DaysBefore(1, time(18, 0), working_days=True), date(2027, 5, 10), "2027-05-07 18:00"),
        (DaysBefore(5, time(12, 0), working_days=True), date(2027, 1, 8), "2026-12-31 12:00"),
        (DaysBefore(7, time(0, 0)), date(2027, 1, 4), "2026-12-28 00:00"),
    ],
)
def test_other_day_counts(rule, meal, deadline):
    assert deadline_for(rule, meal, HOLIDAYS) == paris(deadline)


@pytest.mark.parametrize(
    ("rule", "meal", "local", "in_utc"),
    [
        # Summer time ends on Sunday 25/10/2026 at 03:00, clocks go back to 02:00.
        (DaysBefore(1, time(10, 0)), date(2026, 10, 25), "2026-10-24 10:00", "2026-10-24 08:00"),
        (DaysBefore(1, time(10, 0)), date(2026, 10, 26), "2026-10-25 10:00", "2026-10-25 09:00"),
        (J2_CALENDAR, date(2026, 10, 27), "2026-10-25 10:00", "2026-10-25 09:00"),
        (J2_WORKING, date(2026, 10, 27), "2026-10-23 10:00", "2026-10-23 08:00"),
        (DaysBefore(0, time(1, 59)), date(2026, 10, 25), "2026-10-25 01:59", "2026-10-24 23:59"),
        # 02:00–02:59 happens twice: the deadline is the first pass, in summer time.
        (DaysBefore(0, time(2, 0)), date(2026, 10, 25), "2026-10-25 02:00", "2026-10-25 00:00"),
        (DaysBefore(0, time(2, 30)), date(2026, 10, 25), "2026-10-25 02:30", "2026-10-25 00:30"),
        (DaysBefore(0, time(3, 0)), date(2026, 10, 25), "2026-10-25 03:00", "2026-10-25 02:00"),
        # Summer time starts on Sunday 28/03/2027 at 02:00, clocks jump to 03:00.
        (DaysBefore(1, time(10, 0)), date(2027, 3, 28), "2027-03-27 10:00", "2027-03-27 09:00"),
        (DaysBefore(1, time(10, 0)), date(2027, 3, 29), "2027-03-28 10:00", "2027-03-28 08:00"),
        (DaysBefore(0, time(1, 59)), date(2027, 3, 28), "2027-03-28 01:59", "2027-03-28 00:59"),
        # 02:00–02:59 never happens: the deadline falls when the clock jumps to 03:00.
        (DaysBefore(0, time(2, 0)), date(2027, 3, 28), "2027-03-28 03:00", "2027-03-28 01:00"),
        (DaysBefore(0, time(2, 30)), date(2027, 3, 28), "2027-03-28 03:00", "2027-03-28 01:00"),
        (DaysBefore(0, time(3, 0)), date(2027, 3, 28), "2027-03-28 03:00", "2027-03-28 01:00"),
        (
            WeekdayOfPreviousWeek(weekday=7, at=time(10, 0)),
            date(2027, 3, 29),
            "2027-03-28 10:00",
            "2027-03-28 08:00",
        ),
        (
            DayOfPreviousMonth(day=25, at=time(2, 30)),
            date(2026, 11, 5),
            "2026-10-25 02:30",
            "2026-10-25 00:30",
        ),
    ],
)
def test_deadlines_keep_the_paris_wall_time_across_a_change_of_daylight_saving(
    rule, meal, local, in_utc
):
    deadline = deadline_for(rule, meal, HOLIDAYS)
    assert deadline.astimezone(UTC) == utc(in_utc)
    assert deadline.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == local


def test_the_same_wall_time_on_both_sides_of_a_dst_change_is_not_24_hours_apart():
    # Subtracted in UTC: between two datetimes of the same tzinfo Python counts wall time.
    rule = DaysBefore(1, time(10, 0))
    saturday = deadline_for(rule, date(2026, 10, 25), HOLIDAYS).astimezone(UTC)
    sunday = deadline_for(rule, date(2026, 10, 26), HOLIDAYS).astimezone(UTC)
    assert sunday - saturday == timedelta(hours=25)
    saturday = deadline_for(rule, date(2027, 3, 28), HOLIDAYS).astimezone(UTC)
    sunday = deadline_for(rule, date(2027, 3, 29), HOLIDAYS).astimezone(UTC)
    assert sunday - saturday == timedelta(hours=23)


@pytest.mark.parametrize(
    ("rule", "meal", "deadline"),
    [
        (TUESDAY_BEFORE, date(2027, 1, 4), "2026-12-29 23:59"),  # Monday, across the year end
        (TUESDAY_BEFORE, date(2027, 1, 8), "2026-12-29 23:59"),  # Friday of the same week
        (TUESDAY_BEFORE, date(2027, 1, 10), "2026-12-29 23:59"),  # Sunday ends the week
        (TUESDAY_BEFORE, date(2027, 1, 11), "2027-01-05 23:59"),  # the next week
        (TUESDAY_BEFORE, date(2026, 11, 2), "2026-10-27 23:59"),  # after the DST change
        (WeekdayOfPreviousWeek(5, time(12, 0)), date(2026, 11, 26), "2026-11-20 12:00"),
        (WeekdayOfPreviousWeek(1, time(8, 30)), date(2027, 3, 3), "2027-02-22 08:30"),
        (WeekdayOfPreviousWeek(7, time(20, 0)), date(2027, 3, 1), "2027-02-28 20:00"),
        # A public holiday does not move it: the rule names a day, not a working day.
        (WeekdayOfPreviousWeek(3, time(12, 0)), date(2026, 11, 16), "2026-11-11 12:00"),
    ],
)
def test_weekday_of_the_previous_week(rule, meal, deadline):
    assert deadline_for(rule, meal, HOLIDAYS) == paris(deadline)


@pytest.mark.parametrize(
    ("rule", "meal", "deadline"),
    [
        (TWENTIETH_BEFORE, date(2027, 1, 4), "2026-12-20 10:00"),  # across the year end
        (TWENTIETH_BEFORE, date(2027, 1, 29), "2026-12-20 10:00"),
        (TWENTIETH_BEFORE, date(2026, 12, 1), "2026-11-20 10:00"),
        (DayOfPreviousMonth(31, time(12, 0)), date(2026, 12, 3), "2026-11-30 12:00"),
        (DayOfPreviousMonth(31, time(12, 0)), date(2027, 3, 1), "2027-02-28 12:00"),
        (DayOfPreviousMonth(31, time(12, 0)), date(2028, 3, 1), "2028-02-29 12:00"),  # leap
        (DayOfPreviousMonth(30, time(12, 0)), date(2027, 3, 15), "2027-02-28 12:00"),
        (DayOfPreviousMonth(31, time(12, 0)), date(2027, 5, 31), "2027-04-30 12:00"),
        (DayOfPreviousMonth(31, time(12, 0)), date(2027, 2, 10), "2027-01-31 12:00"),
        (DayOfPreviousMonth(1, time(0, 0)), date(2026, 12, 15), "2026-11-01 00:00"),
    ],
)
def test_day_of_the_previous_month_or_its_last_day(rule, meal, deadline):
    assert deadline_for(rule, meal, HOLIDAYS) == paris(deadline)


@pytest.mark.parametrize(
    ("now", "before"),
    [
        (paris("2026-11-24 09:59:59.999999"), True),
        (paris("2026-11-24 10:00"), False),  # at the deadline itself it is too late
        (paris("2026-11-24 10:00:01"), False),
        (utc("2026-11-24 08:59:59"), True),  # the same instants seen from UTC
        (utc("2026-11-24 09:00"), False),
        (paris("2026-11-01 12:00"), True),
    ],
)
def test_before_the_deadline_means_strictly_before(now, before):
    assert is_before_deadline(J2_CALENDAR, date(2026, 11, 26), now, HOLIDAYS) is before


def test_the_second_pass_of_an_autumn_hour_is_already_after_a_deadline_of_the_first():
    deadline_rule_0230 = DaysBefore(0, time(2, 30))
    first_pass = datetime(2026, 10, 25, 2, 15, tzinfo=PARIS, fold=0)
    second_pass = datetime(2026, 10, 25, 2, 15, tzinfo=PARIS, fold=1)
    assert is_before_deadline(deadline_rule_0230, date(2026, 10, 25), first_pass, HOLIDAYS)
    assert not is_before_deadline(deadline_rule_0230, date(2026, 10, 25), second_pass, HOLIDAYS)


def test_a_naive_clock_is_refused():
    with pytest.raises(ValueError):
        is_before_deadline(J2_CALENDAR, date(2026, 11, 26), datetime(2026, 11, 1), HOLIDAYS)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (paris("2027-01-12 10:00"), "le 12/01 à 10:00"),
        (utc("2027-01-12 09:00"), "le 12/01 à 10:00"),  # winter: UTC+1
        (utc("2027-06-15 08:00"), "le 15/06 à 10:00"),  # summer: UTC+2
        (paris("2026-12-29 23:59"), "le 29/12 à 23:59"),
        (utc("2026-12-31 23:30"), "le 01/01 à 00:30"),  # already the next day in Paris
    ],
)
def test_a_deadline_reads_in_french_on_the_paris_clock(moment, text):
    assert format_deadline(moment) == text


@pytest.mark.parametrize(
    ("kind", "params", "rule"),
    [
        ("days_before", {"days": 2, "at": "10:00", "working_days": True}, J2_WORKING),
        ("days_before", {"days": 2, "at": "10:00"}, J2_CALENDAR),
        ("weekday_of_previous_week", {"weekday": 2, "at": "23:59"}, TUESDAY_BEFORE),
        ("day_of_previous_month", {"day": 20, "at": "10:00"}, TWENTIETH_BEFORE),
    ],
)
def test_a_stored_rule_becomes_a_rule_and_back(kind, params, rule):
    assert deadline_rule(kind, params) == rule
    assert rule.kind == kind
    assert deadline_rule(kind, deadline_rule_params(rule)) == rule


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("days_before", {"days": 2}),  # no time
        ("days_before", {"at": "10:00"}),  # no count
        ("days_before", {"days": -1, "at": "10:00"}),
        ("days_before", {"days": "2", "at": "10:00"}),
        ("days_before", {"days": 2, "at": "10:00", "working_days": "yes"}),
        ("days_before", {"days": 2, "at": "25:00"}),
        ("days_before", {"days": 2, "at": "10:00+01:00"}),  # a wall time has no offset
        ("days_before", {"days": True, "at": "10:00"}),
        ("weekday_of_previous_week", {"weekday": 0, "at": "23:59"}),
        ("weekday_of_previous_week", {"weekday": 8, "at": "23:59"}),
        ("day_of_previous_month", {"day": 0, "at": "10:00"}),
        ("day_of_previous_month", {"day": 32, "at": "10:00"}),
        ("every_other_tuesday", {"at": "10:00"}),
        ("days_before", None),
    ],
)
def test_a_malformed_stored_rule_is_refused(kind, params):
    with pytest.raises(ValidationError) as caught:
        deadline_rule(kind, params)
    assert caught.value.code == "invalid_deadline_rule"


@given(
    meal=st.dates(min_value=date(2026, 1, 15), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=10),
)
def test_a_working_day_deadline_is_on_a_working_day_n_working_days_before(meal, days):
    deadline = deadline_for(DaysBefore(days, time(10, 0), working_days=True), meal, HOLIDAYS)
    day = deadline.date()
    assert is_working_day(day, HOLIDAYS)
    between = [day + timedelta(days=n) for n in range(1, (meal - day).days)]
    assert sum(is_working_day(d, HOLIDAYS) for d in between) == days - 1
    assert deadline.astimezone(PARIS).time() == time(10, 0)
