"""The payer's return from PayFiP (/paiement/retour/<backend>/) and PayFiP's server
notification (/api/payments/notify/<backend>/), for a top-up through a PayFiP backend account,
against the fake PayFiP on 127.0.0.1: settled once, forged returns refused, owners only."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from tests.factories import ParentFactory
from wallet import payments, tasks
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

FORM = "application/x-www-form-urlencoded"


def return_url(backend_id):
    return f"/paiement/retour/{backend_id}/"


def notify_url(backend_id):
    return f"/api/payments/notify/{backend_id}/"


def general_balance(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def detail_calls(fake) -> int:
    return sum(1 for name, _args in fake.calls if name == "recupererDetailPaiementSecurise")


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def parent_client(parent):
    # PayFiP posts the browser back from its own site: no CSRF token, and the view must not
    # need one.
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    return client


@pytest.fixture
def top_up(parent, payfip_backend):
    return payments.start_top_up(parent, "10.00").payment


def test_the_payers_return_after_paying_credits_the_pot_once_and_shows_the_wallet(
    parent, parent_client, top_up, payfip_backend, fake_payfip
):
    fake_payfip.pay(top_up.gateway_reference)
    body = urlencode({"idop": top_up.gateway_reference})

    first = parent_client.post(return_url(payfip_backend.pk), body, content_type=FORM)
    again = parent_client.post(return_url(payfip_backend.pk), body, content_type=FORM)

    assert first.status_code == 302
    assert first["Location"] == "/espace/porte-monnaie/"
    assert texts(first) == ["Votre porte-monnaie a été crédité de 10,00\xa0€."]
    assert again.status_code == 302
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(parent) == Decimal("10.00")
    assert Transfer.objects.count() == 1


def test_a_return_by_get_is_read_as_well(
    parent, parent_client, top_up, payfip_backend, fake_payfip
):
    fake_payfip.pay(top_up.gateway_reference)

    response = parent_client.get(return_url(payfip_backend.pk), {"idop": top_up.gateway_reference})

    assert response.status_code == 302
    assert general_balance(parent) == Decimal("10.00")


def test_a_refused_card_brings_the_parent_back_to_the_top_up_with_what_to_do(
    parent, parent_client, top_up, payfip_backend, fake_payfip
):
    fake_payfip.refuse(top_up.gateway_reference)

    response = parent_client.get(return_url(payfip_backend.pk), {"idop": top_up.gateway_reference})

    assert response.status_code == 302
    assert response["Location"] == f"/espace/porte-monnaie/recharge/{top_up.pk}/"
    (message,) = texts(response)
    assert message.startswith("Votre banque a refusé le paiement de 10,00")
    assert "Réessayez avec une autre carte" in message
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.FAILED
    assert general_balance(parent) == Decimal("0.00")


def test_a_return_before_payfip_knows_the_outcome_says_it_is_pending(
    parent, parent_client, top_up, payfip_backend
):
    response = parent_client.get(return_url(payfip_backend.pk), {"idop": top_up.gateway_reference})

    assert response.status_code == 302
    assert response["Location"] == f"/espace/porte-monnaie/recharge/{top_up.pk}/"
    assert "pas encore confirmé" in texts(response)[0]
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.PENDING


def test_the_notification_settles_the_payment_and_a_replay_changes_nothing(
    parent, top_up, payfip_backend, fake_payfip
):
    fake_payfip.pay(top_up.gateway_reference)
    server = Client(enforce_csrf_checks=True)
    body = urlencode({"idOp": top_up.gateway_reference})

    first = server.post(notify_url(payfip_backend.pk), body, content_type=FORM)
    replay = server.post(notify_url(payfip_backend.pk), body, content_type=FORM)

    assert (first.status_code, first.content) == (200, b"OK")
    assert (replay.status_code, replay.content) == (200, b"OK")
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(parent) == Decimal("10.00")
    assert Transfer.objects.count() == 1


def test_the_notification_when_payfip_cannot_be_asked_answers_503_and_the_poll_settles_later(
    parent, top_up, payfip_backend, fake_payfip
):
    fake_payfip.pay(top_up.gateway_reference)
    fake_payfip.stop()

    response = Client().post(
        notify_url(payfip_backend.pk),
        urlencode({"idOp": top_up.gateway_reference}),
        content_type=FORM,
    )

    assert response.status_code == 503
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.PENDING


@pytest.mark.parametrize(
    "body",
    [
        "idop=00000000-0000-0000-0000-000000000000",  # no payment of ours
        "idop=",
        "foo=bar",
        "",
        "idop=" + "x" * 300,
        "\udcff\x00idop",
    ],
)
def test_a_forged_return_or_notification_is_refused_and_payfip_is_not_asked(
    parent, parent_client, top_up, payfip_backend, fake_payfip, body
):
    payload = body.encode("utf-8", errors="surrogateescape")

    returned = parent_client.post(return_url(payfip_backend.pk), payload, content_type=FORM)
    notified = Client().post(notify_url(payfip_backend.pk), payload, content_type=FORM)

    assert returned.status_code == 400
    assert "rien n'a été modifié" in returned.content.decode()
    assert notified.status_code == 400
    assert detail_calls(fake_payfip) == 0
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.PENDING


def test_a_return_at_another_backend_is_refused(
    parent, parent_client, top_up, payfip_backend, fake_payfip, make_payfip_backend
):
    fake_payfip.pay(top_up.gateway_reference)
    other = make_payfip_backend()
    offline = PaymentBackendAccount.objects.create(name="Test", kind=BackendKind.OFFLINE)
    body = urlencode({"idop": top_up.gateway_reference})

    for backend_id in (other.pk, offline.pk, 999999):
        response = parent_client.post(return_url(backend_id), body, content_type=FORM)
        assert response.status_code == 400, backend_id
        response = Client().post(notify_url(backend_id), body, content_type=FORM)
        assert response.status_code == 400, backend_id

    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.PENDING
    assert general_balance(parent) == Decimal("0.00")


def test_another_parent_cannot_use_the_return_of_a_payment_not_theirs(
    parent, top_up, payfip_backend, fake_payfip
):
    fake_payfip.pay(top_up.gateway_reference)
    intruder = Client()
    intruder.force_login(ParentFactory())

    response = intruder.get(return_url(payfip_backend.pk), {"idop": top_up.gateway_reference})

    assert response.status_code == 404
    top_up.refresh_from_db()
    assert top_up.status == CardPaymentStatus.PENDING
    assert detail_calls(fake_payfip) == 0


def test_a_return_without_session_settles_and_sends_the_parent_to_sign_in(
    parent, top_up, payfip_backend, fake_payfip
):
    # A cross-site POST may come back without the session cookie (SameSite).
    fake_payfip.pay(top_up.gateway_reference)

    response = Client(enforce_csrf_checks=True).post(
        return_url(payfip_backend.pk),
        urlencode({"idop": top_up.gateway_reference}),
        content_type=FORM,
    )

    assert response.status_code == 302
    assert general_balance(parent) == Decimal("10.00")


def test_the_return_page_methods_other_than_get_and_post_are_refused(payfip_backend):
    assert Client().put(return_url(payfip_backend.pk)).status_code == 405
    assert Client().get(notify_url(payfip_backend.pk)).status_code == 405


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_top_up_paid_on_payfips_page_is_notified_to_our_server_end_to_end(
    live_server, settings, fake_payfip, payfip_backend, parent
):
    # PayFiP's server (the fake) calls ours over HTTP, at the URL eopayment sent it.
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    top_up = payments.start_top_up(parent, "25.00")
    with urlopen(top_up.redirect_url, timeout=10) as page:  # noqa: S310 - the fake, on 127.0.0.1
        assert "25,00 €" in page.read().decode()

    choice = urlencode({"idop": top_up.payment.gateway_reference, "outcome": "pay"}).encode()
    with urlopen(f"{fake_payfip.url}/tpa/paiementws.web", data=choice, timeout=10) as back:  # noqa: S310
        # The browser is sent back to our return URL with the idOp.
        assert f"{live_server.url}/paiement/retour/{payfip_backend.pk}/" in back.read().decode()

    (notified,) = fake_payfip.notifications
    assert notified["url"] == f"{live_server.url}/api/payments/notify/{payfip_backend.pk}/"
    assert notified["status"] == 200
    top_up.payment.refresh_from_db()
    assert top_up.payment.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(parent) == Decimal("25.00")


def test_a_top_up_left_on_payfips_page_is_settled_by_the_poll(
    parent, top_up, payfip_backend, fake_payfip
):
    CardPayment.objects.filter(pk=top_up.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    fake_payfip.pay(top_up.gateway_reference)

    assert tasks.poll_unfinished_payments() == 1

    assert general_balance(parent) == Decimal("10.00")
