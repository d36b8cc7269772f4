"""One basket over two communes' services, collected by two régies on two payment backend
accounts: the parent checks out once, the money is split per régie, each backend account that
needs card money is one payment step, and each régie's share is numbered from its own sequence
once paid. A paid share stands when another step fails; the unpaid share's meals are released
and its wallet part goes back to the pots it came from.

The two card gateways are outside this machine: fakes stand at our `wallet.gateways.gateway_for`
boundary, one per backend account."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus
from shop.checkout import checkout as place
from shop.payment.exceptions import BasketNotPayable, CardAmountTooLarge
from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import (
    FakeGateway,
    checkout,
    credit_service_pot,
    fill_basket,
    report,
    service_pot,
    top_up,
)
from tests.shop_data import make_service
from wallet.models import (
    AccountKind,
    BackendKind,
    CardPayment,
    Leg,
    PaymentBackendAccount,
    Regie,
    RegieKind,
    RegieShare,
    ServiceRegie,
    ShareStatus,
    Transfer,
)
from wallet.tasks import expire_card_payments

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.fakes.payfip_fixtures"]

PENDING, PAID = "En attente de paiement", "Payée"


class NamedFakeGateway(FakeGateway):
    def __init__(self, code):
        super().__init__()
        self.code = code


@pytest.fixture
def gateways(monkeypatch):
    """One fake gateway per backend account, as each régie's account is its own."""
    fakes = {}

    def gateway_for(backend=None):
        key = backend.pk if backend is not None else None
        if key not in fakes:
            fakes[key] = NamedFakeGateway(f"fake-{key}")
        return fakes[key]

    monkeypatch.setattr("wallet.gateways.gateway_for", gateway_for)
    monkeypatch.setattr("wallet.payments.gateway_for", gateway_for)
    return fakes


@pytest.fixture
def world():
    """Rosières (cantine and accueil de loisirs, one régie on backend A) and Aiguilhe
    (garderie, its régie on backend B). The régies exist before the services: each new service
    joins its commune's régie (wallet/receivers.py)."""
    rosieres, aiguilhe = PartnerFactory(name="Rosières"), PartnerFactory(name="Aiguilhe")
    backend_a = PaymentBackendAccount.objects.create(name="Compte A", kind=BackendKind.STRIPE)
    backend_b = PaymentBackendAccount.objects.create(name="Compte B", kind=BackendKind.PAYFIP)
    cantine_regie = Regie.objects.create(
        name="Régie cantine de Rosières",
        code="can",
        commune=rosieres,
        backend=backend_a,
        numbering_format="CAN-{yyyy}-{n:06d}",
    )
    garderie_regie = Regie.objects.create(
        name="Régie garderie d'Aiguilhe",
        code="gar",
        commune=aiguilhe,
        backend=backend_b,
        numbering_format="GAR-{yyyy}-{n:06d}",
    )
    cantine, (meal,) = make_service(rosieres, "Cantine de Rosières", {"Repas": "3.30"})
    loisirs, (day,) = make_service(rosieres, "Accueil de loisirs", {"Journée": "8.00"})
    garderie, (morning,) = make_service(aiguilhe, "Garderie d'Aiguilhe", {"Matin": "1.50"})
    return {
        "regies": (cantine_regie, garderie_regie),
        "services": (cantine, loisirs, garderie),
        "options": (meal, day, morning),
        "communes": (rosieres, aiguilhe),
    }


@pytest.fixture
def parent(client):
    parent = ParentFactory()
    client.force_login(parent)
    return parent


def this_year() -> int:
    """Receipts are numbered in the year they are paid, in Europe/Paris."""
    return timezone.localdate().year


def legs_of(regie) -> Decimal:
    return Leg.objects.filter(regie=regie).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def card_receipts_of(regie) -> Decimal:
    total = Leg.objects.filter(regie=regie, account__kind=AccountKind.CARD_RECEIPTS).aggregate(
        total=Sum("amount")
    )["total"]
    return -(total or Decimal(0))


def revenue_of(regie) -> Decimal:
    total = Leg.objects.filter(regie=regie, account__kind=AccountKind.SERVICE_REVENUE).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal(0)


def booking_statuses(order) -> dict[str, str]:
    return dict(
        Booking.objects.filter(order_number=order.number).values_list("service__title", "status")
    )


def test_a_basket_over_two_regies_on_two_backends_is_paid_in_two_numbered_steps(
    client, parent, world, gateways, django_capture_on_commit_callbacks
):
    cantine_regie, garderie_regie = world["regies"]
    basket = fill_basket(parent, *world["options"])  # 3.30 + 8.00 + 1.50

    response = checkout(client, basket, "card", total="12.80")

    assert response.status_code == 200, response.content
    payment = response.json()["payment"]
    assert [(s["number"], s["of"], s["amount"], s["regies"]) for s in payment["steps"]] == [
        (1, 2, "11.30", ["Régie cantine de Rosières"]),
        (2, 2, "1.50", ["Régie garderie d'Aiguilhe"]),
    ]
    assert payment["steps"][0]["label"] == ("Paiement 1/2 — Régie cantine de Rosières — 11,30\xa0€")
    # Each step was asked of its own backend account's gateway.
    order = Order.objects.get(number=response.json()["number"])
    first, second = CardPayment.objects.filter(order_number=order.number).order_by("step")
    assert (first.backend, first.regie, first.gateway) == (
        cantine_regie.backend,
        cantine_regie,
        f"fake-{cantine_regie.backend_id}",
    )
    assert (second.backend, second.regie) == (garderie_regie.backend, garderie_regie)
    assert order.status == PENDING
    assert set(RegieShare.objects.values_list("status", flat=True)) == {ShareStatus.PENDING}

    with django_capture_on_commit_callbacks(execute=True):
        report(first, "succeeded")
    order.refresh_from_db()
    # Step 1 paid: its share is numbered and its meals confirmed; step 2's wait.
    assert order.status == PENDING
    cantine_share = RegieShare.objects.get(regie=cantine_regie)
    assert cantine_share.status == ShareStatus.PAID
    assert cantine_share.number == f"CAN-{this_year()}-000001"
    assert booking_statuses(order) == {
        "Cantine de Rosières": BookingStatus.CONFIRMED,
        "Accueil de loisirs": BookingStatus.CONFIRMED,
        "Garderie d'Aiguilhe": BookingStatus.PENDING_PAYMENT,
    }

    with django_capture_on_commit_callbacks(execute=True):
        report(second, "succeeded")
    order.refresh_from_db()
    assert order.status == PAID
    assert dict(RegieShare.objects.values_list("regie__code", "number")) == {
        "can": f"CAN-{this_year()}-000001",
        "gar": f"GAR-{this_year()}-000001",
    }
    assert set(booking_statuses(order).values()) == {BookingStatus.CONFIRMED}
    # The card part is in the ledger, per régie, and every régie's legs balance.
    assert (card_receipts_of(cantine_regie), card_receipts_of(garderie_regie)) == (
        Decimal("11.30"),
        Decimal("1.50"),
    )
    assert (revenue_of(cantine_regie), revenue_of(garderie_regie)) == (
        Decimal("11.30"),
        Decimal("1.50"),
    )
    assert legs_of(cantine_regie) == legs_of(garderie_regie) == 0


def test_when_step_two_expires_unpaid_the_paid_share_stands_and_the_other_is_released(
    client, parent, world, gateways, django_capture_on_commit_callbacks
):
    cantine_regie, garderie_regie = world["regies"]
    _, _, garderie = world["services"]
    _, aiguilhe = world["communes"]
    # The garderie's own pot pays 1.00 of its 1.50: step 2 is the 0.50 left.
    credit_service_pot(parent, garderie, aiguilhe, "1.00")
    basket = fill_basket(parent, *world["options"])

    response = checkout(client, basket, "wallet+card", total="12.80")

    assert response.status_code == 200, response.content
    steps = response.json()["payment"]["steps"]
    assert [(s["amount"], s["regies"]) for s in steps] == [
        ("11.30", ["Régie cantine de Rosières"]),
        ("0.50", ["Régie garderie d'Aiguilhe"]),
    ]
    assert service_pot(parent, garderie) == 0
    order = Order.objects.get(number=response.json()["number"])
    first, second = CardPayment.objects.filter(order_number=order.number).order_by("step")
    with django_capture_on_commit_callbacks(execute=True):
        report(first, "succeeded")

    # 30 minutes later, step 2 was never paid: the expiry cancels it at its gateway.
    later = timezone.now() + timedelta(minutes=31)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert expire_card_payments() == 1

    order.refresh_from_db()
    second.refresh_from_db()
    assert second.status == "canceled"
    assert gateways[garderie_regie.backend_id].cancelled == [second.gateway_reference]
    # The paid share stands: the order is paid for what was paid, numbered once.
    assert order.status == PAID
    shares = {s.regie_id: s for s in RegieShare.objects.all()}
    assert (shares[cantine_regie.pk].status, shares[cantine_regie.pk].number) == (
        ShareStatus.PAID,
        f"CAN-{this_year()}-000001",
    )
    assert (shares[garderie_regie.pk].status, shares[garderie_regie.pk].number) == (
        ShareStatus.CANCELLED,
        None,
    )
    # The unpaid share's meal is released (its seat is free) and its wallet part is back.
    assert booking_statuses(order) == {
        "Cantine de Rosières": BookingStatus.CONFIRMED,
        "Accueil de loisirs": BookingStatus.CONFIRMED,
        "Garderie d'Aiguilhe": BookingStatus.CANCELLED,
    }
    assert service_pot(parent, garderie) == Decimal("1.00")
    assert revenue_of(garderie_regie) == 0
    assert card_receipts_of(garderie_regie) == 0
    # Nothing is lost: every régie's legs still balance.
    assert legs_of(cantine_regie) == legs_of(garderie_regie) == 0

    # The expiry running again changes nothing.
    with time_machine.travel(later + timedelta(minutes=5)):
        assert expire_card_payments() == 0
    assert Transfer.objects.count() == 4  # pot credit, wallet purchase, card receipt, reversal


def test_a_basket_over_two_regies_paid_by_wallet_needs_no_step_and_is_numbered_at_once(
    client, parent, world, gateways, django_capture_on_commit_callbacks
):
    cantine_regie, garderie_regie = world["regies"]
    top_up(parent, "20.00")
    basket = fill_basket(parent, *world["options"])

    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(client, basket, "wallet", total="12.80")

    assert response.status_code == 200, response.content
    assert response.json()["payment"]["steps"] == []
    assert response.json()["status"] == PAID
    assert not CardPayment.objects.filter(purpose="order").exists()
    assert dict(RegieShare.objects.values_list("regie__code", "number")) == {
        "can": f"CAN-{this_year()}-000001",
        "gar": f"GAR-{this_year()}-000001",
    }
    assert gateways == {}
    # The general pot (the platform régie's) paid both régies' services: the platform régie owes
    # each service régie what its pot spent on it.
    platform = Regie.objects.get(kind=RegieKind.PLATFORM)
    owed = dict(
        Leg.objects.filter(account__kind=AccountKind.GENERAL_POT, amount__lt=0)
        .values_list("regie__code")
        .annotate(total=Sum("amount"))
    )
    assert owed == {"can": Decimal("-11.30"), "gar": Decimal("-1.50")}
    assert legs_of(cantine_regie) == Decimal("-11.30") + Decimal("11.30")
    assert legs_of(platform) == 0  # the top-up: card receipts into the general pot


def test_a_step_over_its_backend_accounts_maximum_is_refused_and_nothing_is_written(
    parent, world, gateways
):
    cantine_regie, _ = world["regies"]
    PaymentBackendAccount.objects.filter(pk=cantine_regie.backend_id).update(
        maximum_amount=Decimal("10.00")
    )
    basket = fill_basket(parent, *world["options"])

    with pytest.raises(CardAmountTooLarge) as refused:
        place(basket.pk, payer=parent, payment_method="card")

    assert "au plus 10,00" in str(refused.value)
    assert "Régie cantine de Rosières" in str(refused.value)
    assert not Order.objects.exists()
    assert not RegieShare.objects.exists()
    assert not CardPayment.objects.exists()


def test_a_service_without_a_regie_cannot_be_paid(parent, world, gateways):
    basket = fill_basket(parent, world["options"][0])
    ServiceRegie.objects.all().delete()

    with pytest.raises(BasketNotPayable, match="rattaché à aucune régie"):
        place(basket.pk, payer=parent, payment_method="card")

    assert not Order.objects.exists()


def test_the_payment_page_shows_the_step_to_pay_and_moves_to_the_next_once_paid(
    client, parent, world, gateways, django_capture_on_commit_callbacks
):
    basket = fill_basket(parent, *world["options"])
    number = checkout(client, basket, "card", total="12.80").json()["number"]
    first = CardPayment.objects.get(order_number=number, step=1)

    page = client.get(f"/espace/commandes/{number}/paiement/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Paiement 1/2 — Régie cantine de Rosières — 11,30" in html
    assert "Paiement 2/2 — Régie garderie d&#x27;Aiguilhe — 1,50" in html
    assert 'aria-current="step"' in html

    gateways[first.backend_id].paid.add(first.gateway_reference)
    with django_capture_on_commit_callbacks(execute=True):
        after = client.post(f"/espace/commandes/{number}/paiement/")
    # Step 1 paid: the page now asks for step 2.
    assert after.status_code == 302
    assert after["Location"] == f"/espace/commandes/{number}/paiement/"
    html = client.get(after["Location"]).content.decode()
    assert "Payer 1,50" in html


# --- A régie on PayFiP (through eopayment, against the fake PayFiP on 127.0.0.1) -------------


@pytest.fixture
def payfip_world(world, make_payfip_backend, settings):
    """The garderie's régie moves to a PayFiP account: the basket's two backends are then the
    cantine's (a fake card gateway) and PayFiP (the fake server, spoken to by eopayment)."""
    settings.WAGTAILADMIN_BASE_URL = "https://portail.example.org"
    _, garderie_regie = world["regies"]
    garderie_regie.backend = make_payfip_backend()
    garderie_regie.save(update_fields=["backend"])
    return world


@pytest.fixture
def cantine_gateway(monkeypatch, payfip_world):
    """A fake card gateway for the cantine's account; PayFiP's stays the real eopayment one."""
    from wallet import gateways as real

    cantine_regie, _ = payfip_world["regies"]
    fake = NamedFakeGateway("fake-cantine")
    real_gateway_for = real.gateway_for

    def gateway_for(backend=None):
        if backend is not None and backend.pk == cantine_regie.backend_id:
            return fake
        return real_gateway_for(backend)

    monkeypatch.setattr("wallet.gateways.gateway_for", gateway_for)
    monkeypatch.setattr("wallet.payments.gateway_for", gateway_for)
    return fake


def test_a_two_commune_basket_pays_its_payfip_step_on_payfips_page(
    client, parent, payfip_world, cantine_gateway, fake_payfip, django_capture_on_commit_callbacks
):
    _, garderie_regie = payfip_world["regies"]
    basket = fill_basket(parent, *payfip_world["options"])
    number = checkout(client, basket, "card", total="12.80").json()["number"]
    first, second = CardPayment.objects.filter(order_number=number).order_by("step")
    with django_capture_on_commit_callbacks(execute=True):
        report(first, "succeeded")

    # Step 2 is PayFiP's: the page sends the parent to PayFiP with what the Treasury needs.
    page = client.get(f"/espace/commandes/{number}/paiement/").content.decode()
    second.refresh_from_db()
    assert "Paiement 2/2 — Régie garderie d&#x27;Aiguilhe — 1,50" in page
    assert f"{fake_payfip.url}/tpa/paiementws.web?idop={second.gateway_reference}" in page
    asked = fake_payfip.last_request()
    assert (asked["montant"], asked["mel"]) == ("150", parent.email)
    assert asked["exer"] == str(this_year())  # the fiscal year, in Paris

    # Paid there; PayFiP sends the parent back, and we ask PayFiP for the outcome.
    fake_payfip.pay(second.gateway_reference)
    with django_capture_on_commit_callbacks(execute=True):
        back = client.get(f"/paiement/retour/{second.backend_id}/?idop={second.gateway_reference}")
    assert back.status_code == 302
    order = Order.objects.get(number=number)
    assert order.status == PAID
    share = RegieShare.objects.get(regie=garderie_regie)
    assert (share.status, share.number) == (ShareStatus.PAID, f"GAR-{this_year()}-000001")
    assert card_receipts_of(garderie_regie) == Decimal("1.50")
    assert legs_of(garderie_regie) == 0


def test_a_refused_payfip_step_is_asked_again_with_a_new_payment_for_another_card(
    client, parent, payfip_world, cantine_gateway, fake_payfip
):
    top_up(parent, "11.30")  # the wallet pays the cantine's share: one PayFiP step only
    basket = fill_basket(parent, *payfip_world["options"])
    number = checkout(client, basket, "wallet+card", total="12.80").json()["number"]
    (step,) = CardPayment.objects.filter(order_number=number)
    first_idop = step.gateway_reference
    fake_payfip.refuse(first_idop)
    client.get(f"/paiement/retour/{step.backend_id}/?idop={first_idop}")
    step.refresh_from_db()
    assert step.status == "failed"

    page = client.get(f"/espace/commandes/{number}/paiement/").content.decode()

    step.refresh_from_db()
    # PayFiP's refusal is final for its idOp: the step now follows a new one.
    assert step.gateway_reference != first_idop
    assert f"idop={step.gateway_reference}" in page


def test_a_service_moved_to_another_regie_after_payment_leaves_its_receipts_as_they_were(
    client, parent, world, gateways, django_capture_on_commit_callbacks
):
    from shop.receipts import receipt_of

    cantine_regie, garderie_regie = world["regies"]
    _, _, garderie = world["services"]
    top_up(parent, "20.00")
    basket = fill_basket(parent, *world["options"])
    with django_capture_on_commit_callbacks(execute=True):
        checkout(client, basket, "wallet", total="12.80")

    ServiceRegie.objects.filter(service=garderie).update(regie=cantine_regie)

    garderie_share = RegieShare.objects.get(regie=garderie_regie)
    cantine_share = RegieShare.objects.get(regie=cantine_regie)
    assert [line.service for line in receipt_of(garderie_share).lines] == ["Garderie d'Aiguilhe"]
    assert sorted(line.service for line in receipt_of(cantine_share).lines) == [
        "Accueil de loisirs",
        "Cantine de Rosières",
    ]


def test_a_free_basket_is_placed_paid_with_no_share_to_number(
    client, parent, world, gateways, django_capture_on_commit_callbacks
):
    rosieres, _ = world["communes"]
    _, (free,) = make_service(rosieres, "Goûter offert", {"Goûter": "0.00"})
    basket = fill_basket(parent, free)

    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(client, basket, "wallet", total="0.00")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == PAID
    assert not RegieShare.objects.exists()
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
