"""School holidays are read once per zone and cached: every calendar, basket add and checkout
needs them, and they change once a year. A change in the admin is seen at once."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservations.calendars import calendar_window
from reservations.models import OpeningPeriod, SchoolHoliday, ServiceCalendar
from reservations.rules import SCHOOL_HOLIDAYS
from tests.factories import PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

A_TUESDAY = date(2031, 3, 11)


@pytest.fixture
def service():
    service, _options = make_service(
        PartnerFactory(name="Rosières"), "Cantine de Rosières", {"Repas enfant": "3.30"}
    )
    calendar = ServiceCalendar.objects.create(service=service, school_zone="A")
    OpeningPeriod.objects.create(
        calendar=calendar, start=date(2030, 9, 1), end=date(2031, 7, 4), label="2030–2031"
    )
    return service


def _holiday_queries(queries) -> list:
    return [q for q in queries if SchoolHoliday._meta.db_table in q["sql"]]


def test_a_second_window_reads_no_school_holiday(service):
    with CaptureQueriesContext(connection) as first:
        calendar_window(service, A_TUESDAY, A_TUESDAY)
    with CaptureQueriesContext(connection) as second:
        calendar_window(service, A_TUESDAY, A_TUESDAY)
    assert len(_holiday_queries(first)) == 1
    assert _holiday_queries(second) == []


def test_holidays_added_edited_or_deleted_are_seen_at_once(service):
    assert calendar_window(service, A_TUESDAY, A_TUESDAY).day_state(A_TUESDAY).open
    holiday = SchoolHoliday.objects.create(
        zone="A", name="Vacances de test", start=date(2031, 3, 8), end=date(2031, 3, 23)
    )
    state = calendar_window(service, A_TUESDAY, A_TUESDAY).day_state(A_TUESDAY)
    assert not state.open and str(SCHOOL_HOLIDAYS) in state.reason

    holiday.zone = "B"  # moved to another zone: zone A's cache is dropped too
    holiday.save()
    assert calendar_window(service, A_TUESDAY, A_TUESDAY).day_state(A_TUESDAY).open

    holiday.zone = "A"
    holiday.save()
    assert not calendar_window(service, A_TUESDAY, A_TUESDAY).day_state(A_TUESDAY).open
    holiday.delete()
    assert calendar_window(service, A_TUESDAY, A_TUESDAY).day_state(A_TUESDAY).open
