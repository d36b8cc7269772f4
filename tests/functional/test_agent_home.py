"""The dashboard's home is the agent's day: today's and tomorrow's headcounts per service (PAI,
diets), what waits for them, the closures ahead and the card payments to look at — scoped to
their communes, in a bounded number of queries. Administrators keep Oscar's statistics."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reservations.models import BookingStatus, Closure, Diet
from tests.booking_factories import make_booking, make_canteen
from tests.factories import AdministratorFactory, AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory
from wallet.models import CardPayment, CardPaymentPurpose, CardPaymentStatus, Regie, RegieShare
from wallet.regies import platform_backend

pytestmark = pytest.mark.django_db

HOME = "/dashboard/"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def today():
    return timezone.localdate()


def book(canteen, day, **child):
    service, meal, _ = canteen
    beneficiary = BeneficiaryFactory(account=ParentFactory(), **child)
    return make_booking(beneficiary, service=service, tariff_option=meal, day=day)


def section(response, name) -> str:
    """The HTML of the home's section `name` (its id is home_<name>)."""
    html = response.content.decode()
    start = html.index(f'id="home_{name}"')
    return html[start : html.index("</section>", start)]


def test_an_agents_home_is_their_day_not_the_shops_statistics(agent_client, canteen):
    response = agent_client.get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ma journée" in html
    assert "<main" in html
    for shop_word in ("Statistiques de votre magasin", "Your Store Statistics", "stock"):
        assert shop_word not in html


def test_the_home_counts_todays_and_tomorrows_meals_with_pai_and_diets(agent_client, canteen):
    book(canteen, today(), has_pai=True, diet=Diet.NO_PORK)
    book(canteen, today(), diet=Diet.NO_PORK)
    book(canteen, today())
    book(canteen, today() + timedelta(days=1), diet=Diet.VEGETARIAN)
    cancelled = book(canteen, today())
    cancelled.status, cancelled.cancelled_at = BookingStatus.CANCELLED, timezone.now()
    cancelled.save(update_fields=["status", "cancelled_at"])
    book(canteen, today() + timedelta(days=2))  # neither today nor tomorrow

    response = agent_client.get(HOME)

    rows = response.context["headcounts"]
    assert [row.service for row in rows] == [canteen[0]]
    today_count, tomorrow_count = rows[0].days
    assert (today_count.day, today_count.total, today_count.with_pai) == (today(), 3, 1)
    assert today_count.special_diets == [("Sans porc", 2)]
    assert (tomorrow_count.total, tomorrow_count.with_pai) == (1, 0)
    assert tomorrow_count.special_diets == [("Végétarien", 1)]
    headcounts = section(response, "headcounts")
    assert "3 inscrits" in headcounts and "dont 1 PAI" in headcounts
    assert "Sans porc : 2" in headcounts and "Végétarien : 1" in headcounts
    assert f"date={today():%Y-%m-%d}" in headcounts


def test_the_home_says_when_a_service_is_closed_today_and_why(agent_client, canteen):
    Closure.objects.create(
        calendar=canteen[2], date=today(), end_date=today(), reason="Grève du personnel"
    )

    response = agent_client.get(HOME)

    today_count, tomorrow_count = response.context["headcounts"][0].days
    assert "Grève du personnel" in today_count.closed_reason
    assert tomorrow_count.closed_reason == ""
    headcounts = section(response, "headcounts")
    assert "Fermé" in headcounts and "Grève du personnel" in headcounts


def test_another_communes_services_and_closures_stay_off_the_home(agent_client, canteen):
    bains = make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")
    book(bains, today())
    Closure.objects.create(
        calendar=bains[2], date=today() + timedelta(days=3), end_date=today() + timedelta(days=3),
        reason="Grève à Bains",
    )  # fmt: skip

    response = agent_client.get(HOME)

    assert [row.service for row in response.context["headcounts"]] == [canteen[0]]
    assert "Cantine de Bains" not in response.content.decode()
    assert "Grève à Bains" not in response.content.decode()


def test_the_home_lists_the_closures_of_the_next_thirty_days(agent_client, canteen):
    calendar = canteen[2]
    soon = Closure.objects.create(
        calendar=calendar, date=today() + timedelta(days=2),
        end_date=today() + timedelta(days=4), reason="Sortie scolaire",
    )  # fmt: skip
    Closure.objects.create(
        calendar=calendar, date=today() + timedelta(days=40),
        end_date=today() + timedelta(days=40), reason="Trop loin",
    )  # fmt: skip
    Closure.objects.create(
        calendar=calendar, date=today() - timedelta(days=5),
        end_date=today() - timedelta(days=1), reason="Déjà passée",
    )  # fmt: skip

    response = agent_client.get(HOME)

    assert response.context["closures"] == [soon]
    closures = section(response, "closures")
    assert "Sortie scolaire" in closures
    assert "Trop loin" not in closures and "Déjà passée" not in closures


def test_the_home_links_the_accounts_and_access_requests_waiting(agent_client, canteen):
    ParentFactory(validated_at=None)

    response = agent_client.get(HOME)

    waiting = section(response, "waiting")
    assert "1 compte à valider" in waiting
    assert "/dashboard/familles/comptes/" in waiting
    assert "/dashboard/familles/demandes/?status=pending" in waiting


def card_payment(commune, status, *, age, key, amount="6.60"):
    """A card payment of an order paying a share of a régie of `commune`, `age` old."""
    owner = ParentFactory()
    regie = Regie.objects.filter(commune=commune).first() or Regie.objects.create(
        code=f"regie-{commune.pk}", name=f"Régie de {commune.name}", commune=commune,
        backend=platform_backend(),
    )  # fmt: skip
    payment = CardPayment.objects.create(
        owner=owner, purpose=CardPaymentPurpose.ORDER, amount=Decimal(amount),
        gateway="offline", regie=regie, status=status, order_number=f"ORD-{key}",
        idempotency_key=f"home-test:{key}",
    )  # fmt: skip
    RegieShare.objects.create(
        order_number=payment.order_number, owner=owner, regie=regie, amount=Decimal(amount),
        card_amount=Decimal(amount), card_payment=payment,
    )  # fmt: skip
    when = timezone.now() - age
    CardPayment.objects.filter(pk=payment.pk).update(created_at=when, updated_at=when)
    return payment


def test_the_home_shows_card_payments_stuck_or_refused_of_the_agents_communes(
    agent_client, rosieres
):
    stuck = card_payment(rosieres, CardPaymentStatus.PENDING, age=timedelta(minutes=45), key="1")
    card_payment(rosieres, CardPaymentStatus.PENDING, age=timedelta(minutes=5), key="2")
    refused = card_payment(rosieres, CardPaymentStatus.FAILED, age=timedelta(hours=3), key="3")
    card_payment(rosieres, CardPaymentStatus.FAILED, age=timedelta(days=3), key="4")
    card_payment(rosieres, CardPaymentStatus.SUCCEEDED, age=timedelta(hours=1), key="5")
    bains = PartnerFactory(name="Bains")
    card_payment(bains, CardPaymentStatus.FAILED, age=timedelta(hours=1), key="6")

    response = agent_client.get(HOME)

    payments = response.context["payments"]
    assert payments["stale"] == [stuck] and payments["failed"] == [refused]
    html = section(response, "payments")
    assert "ORD-1" in html and "ORD-3" in html
    assert "ORD-6" not in html and "6,60" in html
    assert f'href="/dashboard/porte-monnaie/{stuck.owner_id}/"' in html


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def some_services(commune, count, start):
    for index in range(start, start + count):
        service = make_canteen(commune, title=f"Service {index:02d}")
        book(service, today(), diet=Diet.NO_MEAT, has_pai=True)
        book(service, today() + timedelta(days=1))
        Closure.objects.create(
            calendar=service[2], date=today() + timedelta(days=2),
            end_date=today() + timedelta(days=2), reason=f"Fermeture {index}",
        )  # fmt: skip
        card_payment(commune, CardPaymentStatus.FAILED, age=timedelta(hours=1), key=f"q{index}")


def test_the_home_reads_as_many_queries_for_two_services_as_for_twenty(agent_client, rosieres):
    some_services(rosieres, 2, 0)
    home_queries(agent_client)  # warms the caches a first visit fills (school holidays)
    few = home_queries(agent_client)
    some_services(rosieres, 18, 2)

    assert home_queries(agent_client) == few


def test_an_administrator_keeps_oscars_statistics_on_the_home(client):
    client.force_login(AdministratorFactory())

    response = client.get(HOME)

    assert response.status_code == 200
    assert "total_orders" in response.context
    assert "headcounts" not in response.context


def test_a_parent_cannot_open_the_agents_home(client):
    client.force_login(ParentFactory())

    response = client.get(HOME)

    assert response.status_code in (302, 403)
    assert "headcounts" not in (response.context or {})
