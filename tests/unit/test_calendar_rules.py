"""Which days a service opens, and why the others are closed: pure rules over the school
holidays shipped in reservations/data/school_holidays.json and the real public holidays."""

import json
from datetime import date
from pathlib import Path

import pytest

import reservations
from reservations.calendars import french_public_holidays
from reservations.rules import CalendarConfig, DayState, Period, day_state, open_days

HOLIDAYS = french_public_holidays([2026, 2027])
SCHOOL_YEAR = Period(date(2026, 9, 1), date(2027, 7, 2), "Année scolaire 2026–2027")
MONDAY_TUESDAY_THURSDAY_FRIDAY = frozenset({1, 2, 4, 5})

CANTEEN = CalendarConfig(
    open_weekdays=MONDAY_TUESDAY_THURSDAY_FRIDAY,
    opening_periods=(SCHOOL_YEAR,),
    closed_during_school_holidays=True,
)
WEDNESDAY_DAYCARE = CalendarConfig(open_weekdays=frozenset({3}), opening_periods=(SCHOOL_YEAR,))
# An accueil de loisirs opens during the holidays only: the Toussaint and the summer.
HOLIDAY_CLUB = CalendarConfig(
    open_weekdays=frozenset({1, 2, 3, 4, 5}),
    opening_periods=(
        Period(date(2026, 10, 19), date(2026, 10, 30), "Toussaint 2026"),
        Period(date(2027, 7, 5), date(2027, 7, 30), "Été 2027"),
    ),
    closed_during_school_holidays=False,
)
CLOSURES = {date(2026, 12, 8): "grève", date(2026, 11, 5): "sortie scolaire"}


def shipped_school_holidays(zone: str) -> tuple[Period, ...]:
    path = Path(reservations.__file__).parent / "data" / "school_holidays.json"
    rows = json.loads(path.read_text(encoding="utf-8"))["holidays"]
    return tuple(
        Period(date.fromisoformat(row["start"]), date.fromisoformat(row["end"]), row["name"])
        for row in rows
        if row["zone"] == zone
    )


ZONE_A = shipped_school_holidays("A")
ZONE_B = shipped_school_holidays("B")


def state(config, day, school_holidays=ZONE_A, closures=CLOSURES):
    return day_state(config, day, HOLIDAYS, school_holidays, closures)


@pytest.mark.parametrize(
    ("day", "is_open", "reason"),
    [
        (date(2026, 11, 2), True, ""),  # Monday after the Toussaint holidays
        (date(2026, 11, 26), True, ""),
        (date(2026, 11, 25), False, "Jour non travaillé"),  # Wednesday
        (date(2026, 11, 28), False, "Jour non travaillé"),  # Saturday
        (date(2026, 11, 29), False, "Jour non travaillé"),  # Sunday
        (date(2026, 10, 16), True, ""),  # last Friday before the Toussaint holidays
        (date(2026, 10, 19), False, "Vacances scolaires"),  # Toussaint 2026, zone A
        (date(2026, 10, 30), False, "Vacances scolaires"),
        (date(2026, 12, 18), True, ""),
        (date(2026, 12, 21), False, "Vacances scolaires"),  # Noël
        (date(2027, 1, 4), True, ""),  # back to school
        (date(2027, 2, 15), False, "Vacances scolaires"),  # hiver, zone A
        (date(2027, 3, 1), True, ""),  # zone B is still on holiday, zone A is not
        (date(2027, 4, 12), False, "Vacances scolaires"),  # printemps, zone A
        (date(2027, 5, 7), False, "Vacances scolaires"),  # pont de l'Ascension
        (date(2026, 12, 25), False, "Férié"),  # Christmas, also in the holidays
        (date(2027, 1, 1), False, "Férié"),
        (date(2027, 3, 29), False, "Férié"),  # Easter Monday
        (date(2027, 5, 6), False, "Férié"),  # Ascension
        (date(2027, 5, 17), False, "Férié"),  # Whit Monday
        (date(2026, 12, 8), False, "Fermeture exceptionnelle : grève"),
        (date(2026, 11, 5), False, "Fermeture exceptionnelle : sortie scolaire"),
        (date(2026, 9, 1), True, ""),  # first day of the opening period
        (date(2027, 7, 2), True, ""),  # last day of the opening period
        (date(2026, 8, 31), False, "Vacances scolaires"),  # summer holidays
        (date(2027, 7, 5), False, "Vacances scolaires"),
    ],
)
def test_a_canteen_opens_on_its_weekdays_in_term_time_only(day, is_open, reason):
    assert state(CANTEEN, day).open is is_open
    assert state(CANTEEN, day).reason == reason


@pytest.mark.parametrize(
    ("day", "is_open", "reason"),
    [
        (date(2026, 11, 18), True, ""),
        (date(2026, 11, 11), False, "Férié"),  # Armistice, a Wednesday
        (date(2026, 11, 19), False, "Jour non travaillé"),
        (date(2026, 10, 21), False, "Vacances scolaires"),
    ],
)
def test_a_wednesday_daycare_closes_on_a_public_holiday(day, is_open, reason):
    assert state(WEDNESDAY_DAYCARE, day) == DayState(is_open, reason)


@pytest.mark.parametrize(
    ("day", "is_open", "reason"),
    [
        (date(2026, 10, 19), True, ""),  # school holidays: the club opens
        (date(2026, 10, 30), True, ""),
        (date(2026, 11, 2), False, "Hors période d'ouverture"),
        (date(2026, 10, 16), False, "Hors période d'ouverture"),
        (date(2027, 7, 14), False, "Férié"),  # Bastille Day, within the summer period
        (date(2027, 7, 5), True, ""),
        (date(2027, 8, 2), False, "Hors période d'ouverture"),
        (date(2026, 10, 24), False, "Jour non travaillé"),
    ],
)
def test_a_holiday_club_opens_during_its_periods_even_in_the_school_holidays(day, is_open, reason):
    assert state(HOLIDAY_CLUB, day).open is is_open
    assert state(HOLIDAY_CLUB, day).reason == reason


def test_outside_its_opening_periods_a_service_that_ignores_holidays_says_so():
    canteen_open_in_holidays = CalendarConfig(
        open_weekdays=MONDAY_TUESDAY_THURSDAY_FRIDAY,
        opening_periods=(SCHOOL_YEAR,),
        closed_during_school_holidays=False,
    )
    assert state(canteen_open_in_holidays, date(2026, 10, 19)).open
    assert state(canteen_open_in_holidays, date(2027, 7, 5)).reason == "Hors période d'ouverture"


def test_a_service_with_no_opening_period_is_never_open():
    config = CalendarConfig(open_weekdays=MONDAY_TUESDAY_THURSDAY_FRIDAY, opening_periods=())
    assert state(config, date(2026, 11, 26)).reason == "Hors période d'ouverture"


@pytest.mark.parametrize(
    ("day", "zone_a_open", "zone_b_open"),
    [
        (date(2027, 2, 15), False, True),  # zone A on holiday, zone B not yet
        (date(2027, 3, 1), True, False),  # zone A back, zone B on holiday
        (date(2027, 4, 26), True, False),  # zone B's spring holidays run a week later
        (date(2026, 10, 19), False, False),  # the Toussaint is national
    ],
)
def test_school_holidays_are_those_of_the_service_zone(day, zone_a_open, zone_b_open):
    assert state(CANTEEN, day, school_holidays=ZONE_A).open is zone_a_open
    assert state(CANTEEN, day, school_holidays=ZONE_B).open is zone_b_open


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            date(2026, 11, 2),
            date(2026, 11, 13),
            # Wednesdays and the weekend closed, 05/11 school trip, 11/11 a Wednesday anyway
            [date(2026, 11, d) for d in (2, 3, 6, 9, 10, 12, 13)],
        ),
        (
            date(2026, 12, 1),
            date(2026, 12, 31),
            # 08/12 strike, holidays from 19/12
            [date(2026, 12, d) for d in (1, 3, 4, 7, 10, 11, 14, 15, 17, 18)],
        ),
        (date(2026, 10, 17), date(2026, 11, 1), []),  # the whole Toussaint
        (date(2026, 11, 26), date(2026, 11, 26), [date(2026, 11, 26)]),  # one day
        (date(2026, 11, 27), date(2026, 11, 26), []),  # an empty range
    ],
)
def test_open_days_are_the_bookable_dates_in_order(start, end, expected):
    assert open_days(CANTEEN, start, end, HOLIDAYS, ZONE_A, CLOSURES) == expected


def test_open_days_accept_the_school_holidays_as_any_iterable():
    school_holidays = iter(ZONE_A)  # read more than once inside: it must not run dry
    days = open_days(CANTEEN, date(2026, 10, 12), date(2026, 11, 6), HOLIDAYS, school_holidays, {})
    assert days == [
        date(2026, 10, 12),
        date(2026, 10, 13),
        date(2026, 10, 15),
        date(2026, 10, 16),
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 5),
        date(2026, 11, 6),
    ]


def test_the_shipped_school_holidays_cover_both_school_years_in_every_zone():
    for zone in "ABC":
        holidays = shipped_school_holidays(zone)
        names = [h.label for h in holidays]
        assert names.count("Vacances de la Toussaint") == 2
        assert names.count("Vacances d'été") == 2
        assert all(h.start <= h.end for h in holidays)
        assert min(h.start for h in holidays) == date(2025, 10, 18)
        assert max(h.end for h in holidays) == date(2027, 8, 31)
