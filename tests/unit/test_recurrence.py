"""The recurrence rule (reservations/recurrence.py): a weekly pattern over a period gives dates;
a period ends at most with its school year; last week / last month and the coming ones."""

from datetime import date

import pytest

from reservations.recurrence import (
    EVEN_WEEKS,
    EVERY_OTHER_WEEK,
    EVERY_WEEK,
    MONTH,
    ODD_WEEKS,
    WEEK,
    PatternError,
    WeeklyPattern,
    check_period,
    expand,
    pattern_dates,
    patterns_of,
    repeat_periods,
    school_year_end,
    term_end,
)
from reservations.rules import Period

# Zone A, 2026–2027 (reservations/data/school_holidays.json).
ZONE_A = (
    Period(date(2026, 7, 4), date(2026, 8, 31), "Vacances d'été"),
    Period(date(2026, 10, 17), date(2026, 11, 1), "Vacances de la Toussaint"),
    Period(date(2026, 12, 19), date(2027, 1, 3), "Vacances de Noël"),
    Period(date(2027, 2, 13), date(2027, 2, 28), "Vacances d'hiver"),
    Period(date(2027, 4, 10), date(2027, 4, 25), "Vacances de printemps"),
    Period(date(2027, 5, 6), date(2027, 5, 8), "Pont de l'Ascension"),
    Period(date(2027, 7, 3), date(2027, 8, 31), "Vacances d'été"),
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(1, 8)
D = date


@pytest.mark.parametrize(
    ("weekdays", "frequency", "start", "end", "expected"),
    [
        # Every Monday and Thursday of two weeks.
        (
            {MON, THU},
            EVERY_WEEK,
            D(2026, 11, 30),
            D(2026, 12, 13),
            [D(2026, 11, 30), D(2026, 12, 3), D(2026, 12, 7), D(2026, 12, 10)],
        ),
        # A period starting mid-week keeps only the days from its start.
        (
            {MON, TUE, THU},
            EVERY_WEEK,
            D(2026, 12, 2),
            D(2026, 12, 8),
            [D(2026, 12, 3), D(2026, 12, 7), D(2026, 12, 8)],
        ),
        # Every other week from the start's week (the start is a Wednesday: its week counts).
        (
            {MON, FRI},
            EVERY_OTHER_WEEK,
            D(2026, 12, 2),
            D(2026, 12, 27),
            [D(2026, 12, 4), D(2026, 12, 14), D(2026, 12, 18)],
        ),
        # ISO week 49 of 2026 starts on Monday 30 November: even weeks are 50, 52 …
        ({TUE}, EVEN_WEEKS, D(2026, 11, 30), D(2026, 12, 27), [D(2026, 12, 8), D(2026, 12, 22)]),
        ({TUE}, ODD_WEEKS, D(2026, 11, 30), D(2026, 12, 27), [D(2026, 12, 1), D(2026, 12, 15)]),
        # Across a new year: week 53 of 2026 is odd, week 1 of 2027 odd too.
        ({MON}, ODD_WEEKS, D(2026, 12, 21), D(2027, 1, 17), [D(2026, 12, 28), D(2027, 1, 4)]),
        ({MON}, EVEN_WEEKS, D(2026, 12, 21), D(2027, 1, 17), [D(2026, 12, 21), D(2027, 1, 11)]),
        # A weekend pattern, one day long.
        ({SAT, SUN}, EVERY_WEEK, D(2026, 12, 5), D(2026, 12, 5), [D(2026, 12, 5)]),
        # No day of the pattern in the period.
        ({WED}, EVERY_WEEK, D(2026, 12, 3), D(2026, 12, 8), []),
    ],
)
def test_a_pattern_gives_its_dates(weekdays, frequency, start, end, expected):
    assert pattern_dates(WeeklyPattern(frozenset(weekdays), frequency), start, end) == expected


def test_every_other_week_counts_from_the_anchor_not_from_the_first_day_kept():
    pattern = WeeklyPattern(frozenset({MON}), EVERY_OTHER_WEEK)
    # Anchored on 30 November: 30/11, 14/12, 28/12; the days before the 9th are left out.
    assert pattern_dates(pattern, D(2026, 12, 9), D(2026, 12, 31), anchor=D(2026, 11, 30)) == [
        D(2026, 12, 14),
        D(2026, 12, 28),
    ]


@pytest.mark.parametrize(
    ("weekdays", "frequency", "field"),
    [
        (set(), EVERY_WEEK, "weekdays"),
        ({0}, EVERY_WEEK, ""),
        ({8}, EVERY_WEEK, ""),
        ({True}, EVERY_WEEK, ""),
        ({MON}, "monthly", "frequency"),
    ],
)
def test_a_pattern_without_a_valid_day_or_frequency_is_refused(weekdays, frequency, field):
    with pytest.raises(PatternError) as refused:
        WeeklyPattern(frozenset(weekdays), frequency)
    assert refused.value.field == field
    assert refused.value.message


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 4), D(2027, 7, 2)),  # during the year: the eve of the summer holidays
        (D(2026, 9, 1), D(2027, 7, 2)),
        (D(2026, 7, 15), D(2027, 7, 2)),  # in the summer: the coming school year
        (D(2027, 7, 2), D(2027, 7, 2)),
        (D(2027, 7, 3), None),  # no holidays known beyond
    ],
)
def test_the_school_year_ends_on_the_eve_of_the_summer_holidays(day, expected):
    assert school_year_end(day, ZONE_A) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 4), D(2026, 12, 18)),  # Christmas
        (D(2026, 12, 19), D(2027, 2, 12)),  # in the holidays: the next term
        (D(2027, 4, 26), D(2027, 7, 2)),  # the Ascension bridge does not end a term
        (D(2026, 9, 1), D(2026, 10, 16)),
    ],
)
def test_a_term_ends_on_the_eve_of_the_next_holidays_of_a_week_or_more(day, expected):
    assert term_end(day, ZONE_A) == expected


def test_a_holiday_given_out_of_order_still_ends_the_right_term():
    assert term_end(D(2026, 12, 4), tuple(reversed(ZONE_A))) == D(2026, 12, 18)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (D(2026, 12, 4), D(2027, 7, 3), "end"),  # past the end of the school year
        (D(2026, 12, 4), D(2026, 12, 3), "end"),  # ends before it starts
        (D(2027, 7, 10), D(2028, 8, 1), "end"),  # no holidays known: a year at most
    ],
)
def test_a_period_past_its_school_year_or_backwards_is_refused(start, end, field):
    with pytest.raises(PatternError) as refused:
        check_period(start, end, ZONE_A)
    assert refused.value.field == field


def test_the_refusal_of_a_too_long_period_says_until_when():
    with pytest.raises(PatternError, match="02/07/2027"):
        check_period(D(2026, 12, 4), D(2027, 7, 3), ZONE_A)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 12, 4), D(2027, 7, 2)),
        (D(2026, 12, 4), D(2026, 12, 4)),
        (D(2027, 7, 10), D(2028, 7, 1)),
    ],
)
def test_a_period_within_its_school_year_is_accepted(start, end):
    check_period(start, end, ZONE_A)


@pytest.mark.parametrize(
    ("what", "today", "source", "target"),
    [
        # A Friday: last week Monday to Sunday, the coming week Monday to Sunday.
        (
            WEEK,
            D(2026, 12, 4),
            (D(2026, 11, 23), D(2026, 11, 29)),
            (D(2026, 12, 7), D(2026, 12, 13)),
        ),
        # A Monday is in its own week.
        (
            WEEK,
            D(2026, 12, 7),
            (D(2026, 11, 30), D(2026, 12, 6)),
            (D(2026, 12, 14), D(2026, 12, 20)),
        ),
        (
            WEEK,
            D(2026, 12, 31),
            (D(2026, 12, 21), D(2026, 12, 27)),
            (D(2027, 1, 4), D(2027, 1, 10)),
        ),
        (MONTH, D(2026, 12, 4), (D(2026, 11, 1), D(2026, 11, 30)), (D(2027, 1, 1), D(2027, 1, 31))),
        (MONTH, D(2027, 1, 31), (D(2026, 12, 1), D(2026, 12, 31)), (D(2027, 2, 1), D(2027, 2, 28))),
    ],
)
def test_repeat_copies_last_week_or_month_onto_the_coming_one(what, today, source, target):
    assert repeat_periods(what, today) == (source, target)


def test_repeat_of_something_else_than_a_week_or_a_month_is_refused():
    with pytest.raises(PatternError):
        repeat_periods("year", D(2026, 12, 4))


def test_each_child_gets_the_weekdays_they_were_booked_on():
    meals = [(1, D(2026, 11, 23)), (1, D(2026, 11, 24)), (2, D(2026, 11, 26)), (1, D(2026, 11, 30))]
    assert patterns_of(meals) == {
        1: WeeklyPattern(frozenset({MON, TUE})),
        2: WeeklyPattern(frozenset({THU})),
    }


def test_expanding_patterns_orders_meals_by_date_then_children_as_given():
    patterns = {7: WeeklyPattern(frozenset({TUE})), 3: WeeklyPattern(frozenset({MON, TUE}))}
    assert expand(patterns, D(2026, 12, 7), D(2026, 12, 8)) == [
        (3, D(2026, 12, 7)),
        (7, D(2026, 12, 8)),
        (3, D(2026, 12, 8)),
    ]
