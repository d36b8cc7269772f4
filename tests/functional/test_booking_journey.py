"""The seeds' journey (steps 4–5, "Réservez en ligne", "Annuler vos réservations") end to end
through the HTTP API on the demo world of `seed_demo`: Claire, validated, with an accepted access
to Rosières' canteen for Léa and Hugo, tops up 50 € (offline gateway), books 10 open dates,
pays by wallet, cancels one in time (the canteen's pot is credited), fails to cancel one after its
deadline; the agent of Rosières sees the children booked. And the refusals: another family's
beneficiary is a 404, a closed day is refused with its reason, nothing added."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from oscar.core.loading import get_model

from accounts.models import User
from config.demo import PARENT_EMAIL, PENDING_PARENT_EMAIL, agent_email, all_communes
from reservations.models import Beneficiary, Booking, BookingStatus
from reservations.rules import PARIS
from wallet.models import AccountKind, LedgerAccount

pytestmark = pytest.mark.django_db

Line = get_model("basket", "Line")
Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")

# A Monday inside the 2026–2027 school year; every December day is still open to booking.
MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
BASKET = "/api/reservations/basket/"
CALENDAR = "/api/reservations/calendar/"


@pytest.fixture
def demo():
    """The demo world, with the clock stopped on MONDAY for the whole test."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        call_command("seed_demo", stdout=StringIO())
        yield traveller


@pytest.fixture
def claire(demo):
    return User.objects.get(email=PARENT_EMAIL)


@pytest.fixture
def children(claire):
    by_name = {child.first_name: child for child in Beneficiary.objects.filter(account=claire)}
    return by_name["Léa"], by_name["Hugo"]


@pytest.fixture
def canteen(demo):
    return Product.objects.get(upc="rosieres-cantine")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def calendar(client, beneficiaries, month: str) -> list[dict]:
    query = "&".join(f"beneficiary={b.pk}" for b in beneficiaries)
    response = client.get(f"{CALENDAR}?{query}&month={month}")
    assert response.status_code == 200, response.content
    return response.json()


def days_of(months: list[dict], beneficiary, service) -> dict[str, dict]:
    (month,) = [m for m in months if m["beneficiary"]["id"] == beneficiary.pk]
    (service_month,) = [s for s in month["services"] if s["service"]["id"] == service.pk]
    return {day["date"]: day for day in service_month["days"]}


def add_meals(client, service, beneficiaries, dates):
    return client.post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [b.pk for b in beneficiaries],
            "dates": list(dates),
        },
        content_type="application/json",
    )


def pot_display(client, service) -> str | None:
    wallet = client.get("/api/wallet/")
    assert wallet.status_code == 200, wallet.content
    displays = [pot["display"] for pot in wallet.json()["pots"] if pot["service"] == service.pk]
    return displays[0] if displays else None


def general_pot(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def euros(amount: Decimal) -> str:
    """As wallet.money.euros writes it in French: a comma, a no-break space before €."""
    return f"{amount:.2f}".replace(".", ",") + "\u00a0€"


def test_claire_books_ten_meals_pays_by_wallet_and_cancels(demo, claire, children, canteen):
    lea, hugo = children
    client = logged_in(claire)

    # 1. "Recréditer mon porte-monnaie": 50 €, confirmed at once by the offline test gateway.
    started = client.post(
        "/api/wallet/top-ups/", {"amount": "50.00"}, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    confirmed = client.post(f"/api/wallet/top-ups/{started.json()['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "succeeded"
    assert general_pot(claire) == Decimal("50.00")

    # 2. The December calendar: the first 5 days bookable for both children.
    months = calendar(client, [lea, hugo], "2026-12")
    lea_days, hugo_days = days_of(months, lea, canteen), days_of(months, hugo, canteen)
    bookable = [
        day
        for day, info in sorted(lea_days.items())
        if info["state"] == "bookable" and hugo_days[day]["state"] == "bookable"
    ]
    assert len(bookable) >= 5, lea_days
    dates = bookable[:5]
    # The school's Christmas holidays (zone A) close the canteen, with their reason.
    assert lea_days["2026-12-21"]["state"] == "closed"
    assert lea_days["2026-12-21"]["reason"]

    # 3. "Réservez en ligne": Léa and Hugo × 5 dates, in one request.
    added = add_meals(client, canteen, [lea, hugo], dates)
    assert added.status_code == 201, added.content
    summary = added.json()
    assert summary["lines_count"] == 10
    total = Decimal(summary["total"])
    # Each meal at the price the calendar announced.
    announced = sum(Decimal(days[day]["price"]) for days in (lea_days, hugo_days) for day in dates)
    assert total == announced
    after_add = calendar(client, [lea], "2026-12")
    assert {days_of(after_add, lea, canteen)[day]["state"] for day in dates} == {"in_basket"}

    # 4. Checkout paid by wallet.
    paid = client.post(
        "/api/checkout/",
        {
            "basket": f"http://testserver/api/baskets/{summary['basket_id']}/",
            "payment_method": "wallet",
        },
        content_type="application/json",
    )
    assert paid.status_code == 200, paid.content
    order = Order.objects.get(number=paid.json()["number"])
    assert order.status == "Payée"
    assert order.lines.count() == 10
    bookings = list(Booking.objects.filter(account=claire).order_by("date", "beneficiary_id"))
    assert len(bookings) == 10
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    assert {(b.beneficiary_id, b.date.isoformat()) for b in bookings} == {
        (child.pk, day) for child in (lea, hugo) for day in dates
    }
    frozen = sum((b.unit_price for b in bookings), Decimal("0.00"))
    assert frozen == total == order.total_incl_tax
    assert general_pot(claire) == Decimal("50.00") - frozen
    listed = client.get("/api/reservations/?status=confirmed").json()
    assert listed["count"] == 10

    # 5. The agent of Rosières sees both children in the day's headcount (page and CSV).
    agent = User.objects.get(
        email=agent_email(next(c for c in all_communes() if c.code == "rosieres"))
    )
    rosieres = Partner.objects.get(code="rosieres", users=agent)
    agent_client = Client()
    agent_client.force_login(agent)
    page = agent_client.get(
        "/dashboard/familles/effectifs/", {"service": canteen.pk, "date": dates[0]}
    )
    assert page.status_code == 200
    assert "Léa" in page.content.decode() and "Hugo" in page.content.decode()
    export = agent_client.get(
        "/dashboard/familles/effectifs/export.csv", {"service": canteen.pk, "date": dates[0]}
    )
    assert export.content.decode("utf-8-sig").count("Martin") >= 2
    headcount = Booking.objects.filter(
        service=canteen, commune=rosieres, date=dates[0], status=BookingStatus.CONFIRMED
    ).select_related("beneficiary")
    assert sorted(b.beneficiary.first_name for b in headcount) == ["Hugo", "Léa"]

    # 6. "Annuler vos réservations" in time: Hugo's last meal goes back to the canteen's pot.
    in_time = next(b for b in reversed(bookings) if b.beneficiary_id == hugo.pk)
    cancelled = client.post(f"/api/reservations/{in_time.pk}/cancel/")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    in_time.refresh_from_db()
    assert in_time.status == BookingStatus.CANCELLED
    assert pot_display(client, canteen) == f"Cantine de Rosières : {euros(in_time.unit_price)}"
    assert general_pot(claire) == Decimal("50.00") - frozen  # the refund is the service's
    assert not headcount.filter(date=in_time.date, beneficiary=hugo).exists()

    # 7. After the cancellation deadline of Léa's first meal: refused, naming the deadline.
    too_late = bookings[0]
    assert too_late.beneficiary_id in (lea.pk, hugo.pk) and too_late.date.isoformat() == dates[0]
    (listed_item,) = [
        item
        for item in client.get("/api/reservations/").json()["results"]
        if item["id"] == too_late.pk
    ]
    deadline = datetime.datetime.fromisoformat(listed_item["cancellation_deadline"])
    assert deadline.astimezone(PARIS).time() == datetime.time(10, 0)  # J-2 working days, 10:00
    demo.move_to(deadline + datetime.timedelta(minutes=1))
    client.force_login(claire)
    refused = client.post(f"/api/reservations/{too_late.pk}/cancel/")
    assert refused.status_code == 400
    paris = deadline.astimezone(PARIS)
    message = f"La date limite d'annulation était le {paris:%d/%m à %H:%M}."
    assert refused.json()["detail"] == message
    too_late.refresh_from_db()
    assert too_late.status == BookingStatus.CONFIRMED
    assert pot_display(client, canteen) == f"Cantine de Rosières : {euros(in_time.unit_price)}"


def test_another_familys_beneficiary_is_a_404_and_nothing_is_added(demo, claire, canteen):
    julien = User.objects.get(email=PENDING_PARENT_EMAIL)
    ines = Beneficiary.objects.get(account=julien, first_name="Inès")
    client = logged_in(claire)

    response = add_meals(client, canteen, [ines], ["2026-12-01"])

    assert response.status_code == 404
    assert not Line.objects.filter(basket__owner=claire).exists()
    assert calendar_status(client, ines) == 404


def calendar_status(client, beneficiary) -> int:
    return client.get(f"{CALENDAR}?beneficiary={beneficiary.pk}&month=2026-12").status_code


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2027-03-29", "férié"),  # Easter Monday: a public holiday on an open weekday
        ("2026-12-21", "vacances"),  # a Monday of the Christmas school holidays (zone A)
    ],
)
def test_a_closed_day_is_refused_with_its_reason_and_nothing_is_added(
    demo, claire, children, canteen, day, kind
):
    lea, hugo = children
    client = logged_in(claire)
    days = days_of(calendar(client, [lea], day[:7]), lea, canteen)
    assert days[day]["state"] == "closed"
    reason = days[day]["reason"]
    assert kind in reason.lower()

    # Alongside an open day: all or nothing.
    response = add_meals(client, canteen, [lea, hugo], ["2026-12-01", day])

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Aucun repas n'a été ajouté."
    assert {(e["beneficiary"], e["date"]) for e in body["errors"]} == {
        (lea.pk, day),
        (hugo.pk, day),
    }
    assert {e["error"] for e in body["errors"]} == {f"Jour fermé : {reason}."}
    assert not Line.objects.filter(basket__owner=claire).exists()
