"""Issue 15, the waiting list in the parent's pages: a full day of the month calendar offers
"Rejoindre la liste d'attente", which joins through reservations/waitlist.py; "Mes réservations"
lists the entries under "Liste d'attente", where the parent turns auto-pay on and leaves."""

import pytest
from django.test import Client

from reservations.models import WaitlistEntry, WaitlistStatus
from tests.booking_factories import MEAL_DAY, accept_access, make_booking, make_canteen
from tests.factories import ParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_day():
    service, meal, _calendar = make_canteen(capacity=1)
    make_booking(service=service, tariff_option=meal, day=MEAL_DAY)
    parent = ParentFactory()
    child = BeneficiaryFactory(account=parent, first_name="Léa")
    accept_access(parent, meal, [child])
    client = Client()
    client.force_login(parent)
    return service, parent, child, client


def test_a_full_day_of_the_calendar_joins_the_waiting_list_and_the_bookings_page_lists_it(
    full_day,
):
    service, parent, child, client = full_day
    query = f"?service={service.pk}&mois=2030-03&enfant={child.pk}"
    calendar = client.get("/espace/reserver/" + query)
    assert calendar.status_code == 200
    assert calendar.content.decode().count("Rejoindre la liste d'attente") == 1

    joined = client.post(
        "/espace/liste-attente/",
        {
            "service": service.pk,
            "mois": "2030-03",
            "enfant": child.pk,
            "attente": f"{child.pk}:{MEAL_DAY}",
        },
    )

    assert joined.status_code == 302
    assert joined["Location"] == "/espace/reserver/" + query
    entry = WaitlistEntry.objects.get()
    assert (entry.beneficiary, entry.date, entry.status) == (child, MEAL_DAY, "waiting")
    page = client.get("/espace/reservations/").content.decode()
    assert "Liste d'attente" in page
    assert "Mardi 12/03/2030" in page
    assert "Payer automatiquement avec le porte-monnaie" in page


def test_the_parent_turns_auto_pay_on_then_leaves_and_another_familys_entry_is_a_404(full_day):
    service, parent, child, client = full_day
    entry = WaitlistEntry.objects.create(
        account=parent, beneficiary=child, service=service, date=MEAL_DAY
    )
    other = ParentFactory()
    theirs = WaitlistEntry.objects.create(
        account=other, beneficiary=BeneficiaryFactory(account=other), service=service, date=MEAL_DAY
    )

    client.post(f"/espace/liste-attente/{entry.pk}/auto/", {"auto": "1"})
    entry.refresh_from_db()
    assert entry.auto_pay_from_wallet
    assert client.post(f"/espace/liste-attente/{theirs.pk}/quitter/").status_code == 404
    assert client.post(f"/espace/liste-attente/{theirs.pk}/auto/", {"auto": "1"}).status_code == 404
    left = client.post(f"/espace/liste-attente/{entry.pk}/quitter/")

    assert left.status_code == 302
    entry.refresh_from_db()
    theirs.refresh_from_db()
    assert entry.status == WaitlistStatus.WITHDRAWN
    assert theirs.status == WaitlistStatus.WAITING
    assert not theirs.auto_pay_from_wallet


def test_joining_a_day_with_seats_left_from_the_page_says_to_book_it(full_day):
    service, parent, child, client = full_day
    other_day = MEAL_DAY.replace(day=13)

    answer = client.post(
        "/espace/liste-attente/",
        {"service": service.pk, "mois": "2030-03", "attente": f"{child.pk}:{other_day}"},
        follow=True,
    )

    assert "Il reste des places ce jour-là : réservez ce repas directement." in (
        answer.content.decode().replace("&#x27;", "'")
    )
    assert not WaitlistEntry.objects.exists()
