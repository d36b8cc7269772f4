"""The reminder rules (reservations/reminders.py): who is due which reminder at `now`, with the
clock passed in. 11/03/2030 is a Monday; the weekly moment is Friday 08:00, Paris time."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from reservations import reminders
from reservations.rules import PARIS, DaysBefore, WeekdayOfPreviousWeek, deadline_for

CANTEEN = 1
DAYCARE = 2
NEXT_WEEK = [date(2030, 3, d) for d in range(11, 16)]  # Monday 11 to Friday 15
TUESDAY_BEFORE = WeekdayOfPreviousWeek(weekday=2, at=time(23, 59))
TWO_DAYS_BEFORE = DaysBefore(days=2, at=time(10, 0))


def at(day, hour=9, minute=0) -> datetime:
    return datetime(2030, 3, day, hour, minute, tzinfo=PARIS)


def service(rule=TUESDAY_BEFORE, service_id=CANTEEN, days=NEXT_WEEK, title="Cantine"):
    return reminders.ServiceDays(
        service_id, title, {day: deadline_for(rule, day, frozenset()) for day in days}
    )


def family(*children, booked=(), pots=None, pace=None):
    return reminders.Family(
        account_id=7,
        children=tuple(children),
        booked=frozenset(booked),
        pots=pots or {},
        pace=pace or {},
    )


ALICE = reminders.Child(10, "Alice", frozenset({CANTEEN}))
BRUNO = reminders.Child(11, "Bruno", frozenset({CANTEEN}))
NO_ACCESS = reminders.Child(12, "Chloé", frozenset({DAYCARE}))


@pytest.mark.parametrize(
    ("now", "the_family", "rule", "expected_children"),
    [
        # The day before "Tuesday 23:59 of the previous week": Monday 04/03.
        (at(4), family(ALICE), TUESDAY_BEFORE, ("Alice",)),
        (at(4, 23, 30), family(ALICE), TUESDAY_BEFORE, ("Alice",)),
        # Two days before, or on the deadline day itself: nothing.
        (at(3), family(ALICE), TUESDAY_BEFORE, None),
        (at(5, 10), family(ALICE), TUESDAY_BEFORE, None),
        # One day of the period booked: the family has chosen.
        (at(4), family(ALICE, booked={(10, CANTEEN, date(2030, 3, 13))}), TUESDAY_BEFORE, None),
        # Two children, one booked: only the other is named.
        (
            at(4),
            family(ALICE, BRUNO, booked={(10, CANTEEN, date(2030, 3, 11))}),
            TUESDAY_BEFORE,
            ("Bruno",),
        ),
        # A child without access to this service is never reminded of it.
        (at(4), family(NO_ACCESS), TUESDAY_BEFORE, None),
    ],
)
def test_the_deadline_reminder_comes_the_day_before_for_unbooked_children(
    now, the_family, rule, expected_children
):
    found = reminders.deadline_reminders(the_family, {CANTEEN: service(rule)}, now)
    if expected_children is None:
        assert found == []
        return
    (reminder,) = found
    assert reminder.kind == reminders.DEADLINE_REMINDER
    assert reminder.children == expected_children
    assert reminder.days == tuple(NEXT_WEEK)
    assert reminder.deadline == datetime(2030, 3, 5, 23, 59, tzinfo=PARIS)
    assert reminder.period == "service-1:2030-03-05T23:59:00+01:00"


def test_a_day_by_day_deadline_reminds_of_the_days_it_closes_only():
    # "J-2 à 10:00": Tuesday 12's deadline is Sunday 10 at 10:00, so Saturday 9 reminds of it.
    (reminder,) = reminders.deadline_reminders(
        family(ALICE), {CANTEEN: service(TWO_DAYS_BEFORE)}, at(9, 18)
    )
    assert reminder.days == (date(2030, 3, 12),)
    assert reminder.deadline == datetime(2030, 3, 10, 10, 0, tzinfo=PARIS)


def test_the_same_deadline_gives_the_same_period_whatever_the_hour():
    periods = {
        reminders.deadline_reminders(family(ALICE), {CANTEEN: service()}, now)[0].period
        for now in (at(4, 0, 1), at(4, 12), at(4, 23, 59))
    }
    assert len(periods) == 1


@pytest.mark.parametrize(
    ("now", "reached"),
    [
        (at(7, 23), False),  # Thursday
        (at(8, 7, 59), False),  # Friday, before 08:00
        (at(8, 8), True),
        (at(10, 23), True),  # Sunday
        (at(11, 9), False),  # Monday: the new week's moment is Friday again
    ],
)
def test_the_weekly_reminders_go_from_friday_morning_to_sunday(now, reached):
    assert reminders.weekly_moment_reached(now) is reached


@pytest.mark.parametrize(
    ("the_family", "rule", "expected"),
    [
        (family(ALICE), TWO_DAYS_BEFORE, (("Alice", "Cantine"),)),
        (family(ALICE, booked={(10, CANTEEN, date(2030, 3, 14))}), TWO_DAYS_BEFORE, None),
        # Next week's deadline (Tuesday of this week) has passed: nothing can be done.
        (family(ALICE), TUESDAY_BEFORE, None),
        (family(NO_ACCESS), TWO_DAYS_BEFORE, None),
    ],
)
def test_the_unbooked_week_reminder_lists_children_with_nothing_booked_next_week(
    the_family, rule, expected
):
    reminder = reminders.unbooked_week_reminder(the_family, {CANTEEN: service(rule)}, at(8, 9))
    if expected is None:
        assert reminder is None
    else:
        assert reminder.items == expected
        assert reminder.period == "2030-03-11"


def test_the_unbooked_week_reminder_waits_for_the_weekly_moment():
    assert reminders.unbooked_week_reminder(family(ALICE), {CANTEEN: service()}, at(7)) is None


MONDAY_AND_TUESDAY = {CANTEEN: {1: Decimal("3.30"), 2: Decimal("3.30")}}


@pytest.mark.parametrize(
    ("pots", "pace", "booked", "low"),
    [
        # 2 € for a usual week of 6.60 €: low.
        ({None: Decimal("2.00")}, MONDAY_AND_TUESDAY, (), True),
        # The service's pot counts with the general pot.
        ({None: Decimal("2.00"), CANTEEN: Decimal("5.00")}, MONDAY_AND_TUESDAY, (), False),
        ({None: Decimal("20.00")}, MONDAY_AND_TUESDAY, (), False),
        # Monday booked already: the week still to pay costs 3.30, and 6 € is above 5 €.
        (
            {None: Decimal("6.00")},
            MONDAY_AND_TUESDAY,
            {(10, CANTEEN, date(2030, 3, 11))},
            False,
        ),
        # Nothing left to pay next week, but below the 5 € threshold.
        (
            {None: Decimal("4.00")},
            MONDAY_AND_TUESDAY,
            {(10, CANTEEN, date(2030, 3, 11)), (10, CANTEEN, date(2030, 3, 12))},
            True,
        ),
        # No habit: a family that does not use the service is not told about its money.
        ({None: Decimal("0.00")}, {}, (), False),
    ],
)
def test_low_balance_compares_the_pots_with_a_usual_week_and_the_threshold(pots, pace, booked, low):
    reminder = reminders.low_balance_reminder(
        family(ALICE, pots=pots, pace=pace, booked=booked),
        {CANTEEN: service(TWO_DAYS_BEFORE)},
        at(8, 9),
        Decimal("5.00"),
    )
    assert (reminder is not None) is low
    if low:
        assert reminder.period == "2030-03-11"


def test_the_weekly_summary_lists_next_weeks_booked_days_for_families_who_can_book():
    booked = {(10, CANTEEN, date(2030, 3, 12)), (10, CANTEEN, date(2030, 3, 19))}
    summary = reminders.weekly_summary(family(ALICE, booked=booked), at(8, 9))
    assert summary.days == (date(2030, 3, 12),)
    assert summary.period == "2030-03-11"
    assert reminders.weekly_summary(family(), at(8, 9)) is None
    assert reminders.weekly_summary(family(ALICE), at(7, 9)) is None


def test_all_reminders_due_at_once_are_listed_each_with_its_own_kind():
    found = reminders.reminders_for(
        family(ALICE, pots={None: Decimal("1.00")}, pace=MONDAY_AND_TUESDAY),
        {CANTEEN: service(TWO_DAYS_BEFORE)},
        at(9, 9),  # Saturday: Tuesday 12's deadline is tomorrow
        Decimal("5.00"),
    )
    assert [r.kind for r in found] == [
        reminders.DEADLINE_REMINDER,
        reminders.UNBOOKED_WEEK,
        reminders.LOW_BALANCE,
        reminders.WEEKLY_SUMMARY,
    ]
