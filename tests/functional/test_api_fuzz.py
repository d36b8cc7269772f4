"""No server error on bad input: schemathesis sends a few generated requests (valid and invalid)
to every operation of /api/schema/, as an anonymous visitor and as a validated parent, against
the app in-process on the real database. Any 5xx fails, with the traceback of each distinct
cause. The Wagtail API v2 is in the schema (config/openapi.py documents it); the causes found so
far have explicit regression tests beside the code's own tests (test_cms_api_input.py,
test_stripe_webhook_input.py, test_planning_api_input.py, test_services_api_input.py).

FUZZ_EXAMPLES=25 sends more cases per operation (about twenty minutes instead of two)."""

import pytest
from django.test import Client

from reservations.models import Booking
from tests.access_factories import ask, make_option, use_private_root
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, add_meals, make_canteen, top_up
from tests.factories import ParentFactory
from tests.fuzz_support import fuzz, load_schema, restart_id_sequences, session_for
from tests.planning_factories import accept
from tests.reservations_factories import BeneficiaryFactory
from wallet import payments

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, monkeypatch, tmp_path):
    """A validated parent with two children, an accepted access, a paid order with its
    bookings, an open basket with a meal, a pending access request and a card top-up, all with
    small ids (1, 2): the fuzzer's id pass asks for /api/orders/1/ and the like."""
    use_private_root(settings, monkeypatch, tmp_path)
    restart_id_sequences()
    parent = ParentFactory()
    service, meal, _calendar = make_canteen()
    lea = BeneficiaryFactory(account=parent, first_name="Léa")
    tom = BeneficiaryFactory(account=parent, first_name="Tom")
    accept(parent, meal, [lea, tom])
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(lea, MEAL_DAY), (tom, MEAL_DAY)])
    client = Client()
    client.force_login(parent)
    response = client.post(
        "/api/checkout/",
        {"basket": f"http://testserver/api/baskets/{basket.pk}/", "payment_method": "wallet"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Booking.objects.filter(account=parent).count() == 2
    add_meals(parent, meal, [(lea, OTHER_MEAL_DAY)])
    ask(parent, make_option(meal.stockrecords.first().partner, service="Garderie"))
    payments.start_top_up(parent, "10.00")
    return parent


@pytest.fixture
def schema(demo):
    return load_schema()


def test_anonymous_requests_never_get_a_server_error(schema):
    report = fuzz(schema)

    report.assert_no_server_error()


def test_a_validated_parents_requests_never_get_a_server_error(schema, demo):
    cookies, headers = session_for(demo)

    report = fuzz(schema, cookies=cookies, headers=headers)

    report.assert_no_server_error()
