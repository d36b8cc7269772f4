"""/api/reservations/basket/ refuses meal dates no commune could open, with a 400 and a French
message: counting a deadline back from 01/01/0001 overflowed into a server error (found by
tests/functional/test_api_fuzz.py)."""

import pytest
from django.test import Client

from tests.planning_factories import make_canteen, make_family

pytestmark = pytest.mark.django_db

BASKET = "/api/reservations/basket/"
OUT_OF_RANGE = "Choisissez une date entre le 01/01/2000 et le 31/12/2099."


@pytest.fixture
def family():
    service, children, _adults = make_canteen()
    family = make_family(children, children=1)
    client = Client(raise_request_exception=False)
    client.force_login(family.parent)
    return client, service, family.children[0]


@pytest.mark.parametrize(
    "day", ["0001-01-01", "0001-01-03", "1999-12-31", "2100-01-01", "9999-12-31"]
)
def test_adding_a_meal_on_a_date_no_calendar_can_open_is_refused(family, day):
    client, service, child = family

    response = client.post(
        BASKET,
        {"service": service.pk, "beneficiaries": [child.pk], "dates": [day]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"dates": {"0": [OUT_OF_RANGE]}}


def test_a_weekday_pattern_starting_on_the_first_day_of_year_one_is_refused(family):
    client, service, child = family

    response = client.post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [child.pk],
            "from": "0001-01-01",
            "to": "0001-01-31",
            "weekdays": [1, 2, 3, 4, 5],
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"from": [OUT_OF_RANGE], "to": [OUT_OF_RANGE]}


def test_removing_meals_on_a_date_out_of_range_is_refused(family):
    client, _service, child = family

    response = client.delete(
        BASKET,
        {"beneficiaries": [child.pk], "dates": ["0001-01-01"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"dates": {"0": [OUT_OF_RANGE]}}
