"""PayFiP through eopayment, up to a fake PayFiP on 127.0.0.1 (tests/fakes/payfip_server.py):
the request built, the return read, the polling of unfinished payments, and the limits."""

import socket
from datetime import timedelta
from decimal import Decimal
from urllib.request import urlopen

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import ParentFactory
from tests.fakes.payfip_server import NUMCLI
from wallet import payments, tasks
from wallet.gateways import gateway_for
from wallet.gateways.base import GatewayError, InvalidWebhookSignature, PaymentStatus
from wallet.gateways.eopayment import EopaymentGateway
from wallet.gateways.limits import AmountOutOfRangeError, check_amount
from wallet.models import (
    AccountKind,
    BackendKind,
    CardPayment,
    CardPaymentStatus,
    LedgerAccount,
    PaymentBackendAccount,
    Transfer,
)

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.fakes.payfip_fixtures"]


def general_balance(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def started_minutes_ago(payment, minutes):
    CardPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


@pytest.fixture
def parent():
    return ParentFactory(email="camille.durand@example.org")


@pytest.fixture
def top_up(parent, payfip_backend):
    """A 25 € top-up started through PayFiP, three minutes ago (so the poll asks about it)."""
    started = payments.start_top_up(parent, "25.00")
    started_minutes_ago(started.payment, 3)
    started.payment.refresh_from_db()
    return started


# --- The request ---------------------------------------------------------------------------


def test_a_top_up_asks_payfip_for_an_idop_with_amount_reference_email_year_and_client(
    parent, payfip_backend, fake_payfip
):
    top_up = payments.start_top_up(parent, "25.00")

    payment = top_up.payment
    sent = fake_payfip.last_request()
    assert sent["amount_cents"] == 2500
    assert sent["montant"] == "2500"
    assert sent["refdet"] == f"cardpayment{payment.pk}"
    assert sent["mel"] == "camille.durand@example.org"
    assert sent["exer"] == str(timezone.localdate().year)
    assert sent["numcli"] == NUMCLI
    assert sent["saisie"] == "T"
    assert sent["objet"] == "Rechargement du porte monnaie"
    base = "https://portail.example.org"
    assert sent["urlredirect"] == f"{base}/paiement/retour/{payfip_backend.pk}/"
    assert sent["urlnotif"] == f"{base}/api/payments/notify/{payfip_backend.pk}/"
    payment.refresh_from_db()
    (idop,) = fake_payfip.payments
    assert payment.gateway == "payfip_ws"
    assert payment.backend == payfip_backend
    assert payment.gateway_reference == idop
    assert payment.status == CardPaymentStatus.PENDING
    # The parent is sent to PayFiP's page for that idOp (here, the fake's).
    assert top_up.redirect_url == f"{fake_payfip.url}/tpa/paiementws.web?idop={idop}"
    assert top_up.is_test is True
    assert top_up.client_secret is None
    assert top_up.gateway_label == "PayFiP — paiement sécurisé de la DGFiP"


def test_amounts_are_sent_in_cents_without_rounding(payfip_backend, fake_payfip):
    gateway = gateway_for(payfip_backend)

    created = gateway.create_payment(
        amount=Decimal("12.34"),
        reference="card-payment:7",
        description="Cantine de Rosières — étape 1/2",
        idempotency_key="k",
        email="parent@example.org",
    )

    assert isinstance(gateway, EopaymentGateway)
    assert fake_payfip.last_request()["montant"] == "1234"
    assert fake_payfip.last_request()["objet"] == "Cantine de Rosieres etape 12"
    assert created.status == PaymentStatus.PENDING
    assert created.amount == Decimal("12.34")
    assert created.metadata["reference"] == "card-payment:7"


def test_payfip_unreachable_fails_the_top_up_and_debits_nothing(
    parent, payfip_backend, fake_payfip
):
    fake_payfip.stop()

    with pytest.raises(payments.GatewayUnavailableError):
        payments.start_top_up(parent, "10.00")

    payment = CardPayment.objects.get()
    assert payment.status == CardPaymentStatus.FAILED
    assert payment.gateway_reference is None
    assert general_balance(parent) == Decimal("0.00")


def test_a_refusal_by_payfip_of_the_request_is_a_gateway_error(payfip_backend, fake_payfip):
    payfip_backend.options = {**payfip_backend.options, "numcli": "12"}
    payfip_backend.save()

    with pytest.raises(GatewayError):
        gateway_for(payfip_backend).create_payment(
            amount=Decimal("5.00"),
            reference="card-payment:1",
            description="x",
            idempotency_key="k",
            email="parent@example.org",
        )


# --- The return ----------------------------------------------------------------------------


def test_a_paid_return_is_read_from_payfip_with_its_amount(top_up, fake_payfip, payfip_backend):
    idop = top_up.payment.gateway_reference
    fake_payfip.pay(idop)
    gateway = gateway_for(payfip_backend)

    from_browser = gateway.parse_response(f"idop={idop}")
    from_server = gateway.parse_response(f"idOp={idop}".encode())

    assert from_browser == from_server
    assert from_browser.status == PaymentStatus.SUCCEEDED
    assert from_browser.reference == idop
    assert from_browser.amount == Decimal("25.00")
    assert from_browser.metadata["reference"] == f"card-payment:{top_up.payment.pk}"
    assert [name for name, _args in fake_payfip.calls].count("recupererDetailPaiementSecurise") == 2


def test_a_return_without_idop_is_refused_without_asking_payfip(payfip_backend, fake_payfip):
    gateway = gateway_for(payfip_backend)

    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_response("foo=bar")

    assert fake_payfip.calls == []


def test_settling_the_same_return_twice_credits_once(parent, top_up, fake_payfip, payfip_backend):
    fake_payfip.pay(top_up.payment.gateway_reference)
    gateway = gateway_for(payfip_backend)

    for _ in range(2):
        payments.settle_card_payment(
            gateway.parse_response(f"idop={top_up.payment.gateway_reference}")
        )

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(parent) == Decimal("25.00")
    assert Transfer.objects.count() == 1


def test_a_paid_amount_other_than_asked_is_not_credited(
    parent, top_up, fake_payfip, payfip_backend
):
    idop = top_up.payment.gateway_reference
    fake_payfip.payments[idop]["montant"] = "100"
    fake_payfip.pay(idop)

    payments.settle_card_payment(gateway_for(payfip_backend).parse_response(f"idop={idop}"))

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.PENDING
    assert general_balance(parent) == Decimal("0.00")


# --- Polling -------------------------------------------------------------------------------


def test_polling_an_unfinished_payment_settles_it_once_payfip_has_the_result(
    parent, top_up, fake_payfip
):
    # No result yet (PayFiP's P5): still pending.
    assert tasks.poll_unfinished_payments() == 0
    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.PENDING

    fake_payfip.pay(top_up.payment.gateway_reference)

    assert tasks.poll_unfinished_payments() == 1
    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(parent) == Decimal("25.00")
    # Settled: no longer asked.
    calls = len(fake_payfip.calls)
    assert tasks.poll_unfinished_payments() == 0
    assert len(fake_payfip.calls) == calls


def test_a_refused_payment_is_failed_and_credits_nothing(parent, top_up, fake_payfip):
    fake_payfip.refuse(top_up.payment.gateway_reference)

    assert tasks.poll_unfinished_payments() == 1

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.FAILED
    assert general_balance(parent) == Decimal("0.00")
    # Asked again (a FAILED payment may still end), yet nothing changes.
    assert tasks.poll_unfinished_payments() == 0


def test_an_expired_payment_is_cancelled(parent, top_up, fake_payfip):
    fake_payfip.expire(top_up.payment.gateway_reference)

    assert tasks.poll_unfinished_payments() == 1

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.CANCELED
    assert general_balance(parent) == Decimal("0.00")


def test_a_payment_without_result_hours_after_it_started_is_cancelled(top_up, fake_payfip):
    # PayFiP still answers "no result yet" (P5), but the idOp (valid 15 minutes) is long dead.
    started_minutes_ago(top_up.payment, 3 * 60)

    assert tasks.poll_unfinished_payments() == 1

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.CANCELED


def test_an_abandoned_payment_is_cancelled_once_payfip_no_longer_waits(top_up, fake_payfip):
    idop = top_up.payment.gateway_reference
    # Just abandoned: eopayment waits two minutes (the payer may come back and pay).
    fake_payfip.abandon(idop)
    assert tasks.poll_unfinished_payments() == 0

    fake_payfip.abandon(idop, at=timezone.now() - timedelta(minutes=5))
    assert tasks.poll_unfinished_payments() == 1

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.CANCELED


def test_only_payments_of_pollable_backends_older_than_two_minutes_are_asked(
    parent, payfip_backend, fake_payfip, settings
):
    fresh = payments.start_top_up(parent, "5.00").payment
    fake_payfip.pay(fresh.gateway_reference)
    offline = CardPayment.objects.create(
        owner=parent,
        purpose="top_up",
        amount=Decimal("5.00"),
        gateway="offline",
        gateway_reference="offline_abc",
        idempotency_key="offline-test",
    )
    started_minutes_ago(offline, 10)

    assert tasks.poll_unfinished_payments() == 0

    assert [name for name, _args in fake_payfip.calls] == ["creerPaiementSecurise"]
    started_minutes_ago(fresh, 3)
    assert tasks.poll_unfinished_payments() == 1


def test_payfip_unreachable_while_polling_leaves_the_payment_for_the_next_run(top_up, fake_payfip):
    fake_payfip.stop()

    assert tasks.poll_unfinished_payments() == 0

    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.PENDING


def test_cancelling_at_payfip_only_says_where_the_payment_stands(
    top_up, fake_payfip, payfip_backend
):
    gateway = gateway_for(payfip_backend)
    idop = top_up.payment.gateway_reference

    assert gateway.cancel_payment(idop).status == PaymentStatus.PENDING
    fake_payfip.pay(idop)
    assert gateway.cancel_payment(idop).status == PaymentStatus.SUCCEEDED


# --- The backend account --------------------------------------------------------------------


@pytest.mark.parametrize(("saisie", "is_test"), [("T", True), ("X", True), ("W", False)])
def test_payfip_test_and_activation_modes_are_test_payments(make_payfip_backend, saisie, is_test):
    backend = make_payfip_backend(saisie=saisie)

    gateway = gateway_for(backend)

    assert gateway.is_test is is_test
    assert gateway.publishable_key is None
    assert gateway.code == "payfip_ws"


def test_secrets_come_from_the_setting_the_backend_names(fake_payfip, settings, payfip_backend):
    settings.PAYFIP_SECRETS_TEST = '{"numcli": "654321"}'
    payfip_backend.options = {"saisie": "T", "payfip_base_url": fake_payfip.url}
    payfip_backend.secret_setting = "PAYFIP_SECRETS_TEST"
    payfip_backend.save()

    gateway_for(payfip_backend).create_payment(
        amount=Decimal("5.00"),
        reference="card-payment:1",
        description="x",
        idempotency_key="k",
        email="parent@example.org",
    )

    assert fake_payfip.last_request()["numcli"] == "654321"


def test_a_missing_secret_setting_is_a_gateway_error_not_a_crash(fake_payfip, payfip_backend):
    payfip_backend.secret_setting = "PAYFIP_SECRETS_NOWHERE"
    payfip_backend.save()

    with pytest.raises(GatewayError):
        gateway_for(payfip_backend).retrieve_payment("x")


def test_payfip_sends_no_webhook(payfip_backend):
    with pytest.raises(InvalidWebhookSignature):
        gateway_for(payfip_backend).parse_webhook(b"{}", "")


def test_a_bank_gateway_without_status_polling_cannot_be_asked():
    backend = PaymentBackendAccount.objects.create(
        name="Systempay",
        kind=BackendKind.SYSTEMPAY,
        options={"site_id": "12345678", "secret_test": "1234567890123456"},
    )
    gateway = gateway_for(backend)

    with pytest.raises(GatewayError):
        gateway.retrieve_payment("20301201_000001")
    # Its payer is sent to the bank's page with a signed form.
    created = gateway.create_payment(
        amount=Decimal("12.00"),
        reference="card-payment:9",
        description="Cantine",
        idempotency_key="k",
        email="parent@example.org",
    )
    assert created.redirect_url.startswith("https://")
    fields = {field["name"]: field["value"] for field in created.metadata["form"]["fields"]}
    assert fields["vads_amount"] == "1200"
    assert gateway.is_test is True


# --- Limits --------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1.00", "250.00", "100000.00"])
def test_amounts_within_the_backend_limits_are_accepted(payfip_backend, amount):
    check_amount(payfip_backend, Decimal(amount))


@pytest.mark.parametrize("amount", ["0.99", "0.01", "100000.01"])
def test_amounts_outside_the_backend_limits_are_refused_in_french(payfip_backend, amount):
    with pytest.raises(AmountOutOfRangeError) as refused:
        check_amount(payfip_backend, Decimal(amount))

    message = str(refused.value)
    assert message.startswith("Le paiement par carte est d'au moins 1,00\xa0€")
    assert "au plus 100\u202f000,00\xa0€" in message


def test_without_maximum_only_the_minimum_is_named(payfip_backend):
    payfip_backend.minimum_amount = Decimal("15.00")
    payfip_backend.maximum_amount = None

    with pytest.raises(AmountOutOfRangeError) as refused:
        check_amount(payfip_backend, Decimal("10.00"))

    assert "au moins 15,00\xa0€" in str(refused.value)
    assert "au plus" not in str(refused.value)
    check_amount(payfip_backend, Decimal("1000000.00"))


def test_a_top_up_below_the_backend_minimum_is_refused_before_payfip_is_asked(
    parent, payfip_backend, fake_payfip
):
    PaymentBackendAccount.objects.filter(pk=payfip_backend.pk).update(
        minimum_amount=Decimal("10.00")
    )

    with pytest.raises(ValidationError) as refused:
        payments.start_top_up(parent, "5.00")

    assert "au moins 10,00" in refused.value.message_dict["amount"][0]
    assert CardPayment.objects.count() == 0
    assert fake_payfip.requests == []


# --- make run ------------------------------------------------------------------------------


def test_serve_starts_the_fake_payfip_for_the_demo_and_gives_up_if_its_port_is_taken(
    monkeypatch,
):
    from config.management.commands import serve

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(serve, "FAKE_PAYFIP_PORT", port)

    fake = serve.start_fake_payfip()
    try:
        with urlopen(f"http://127.0.0.1:{port}/tpa/services/securite?wsdl", timeout=5) as wsdl:  # noqa: S310
            assert (
                f'location="http://127.0.0.1:{port}/tpa/services/securite"' in wsdl.read().decode()
            )
        assert serve.start_fake_payfip() is None  # the port is taken: the first one answers
    finally:
        fake.stop()
