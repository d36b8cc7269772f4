"""Security of the parent front end, across its pages: throttles that signed-in visitors cannot
step around, the reset link's token kept out of Referer headers, the top-up's client secret
forgotten once of no use, no HTML injected through names or agents' notes, no GET that changes
anything, CSRF on every form, and no page that can be framed by another site."""

import html

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from reservations.access import request_new_document
from reservations.models import Beneficiary, BookingStatus, Relation
from tests.access_factories import ask, make_option, pdf_upload, use_private_root
from tests.booking_factories import MEAL_DAY, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import FakeGateway
from tests.reservations_factories import BeneficiaryFactory
from themes.card_secrets import SESSION_KEY as CLIENT_SECRETS
from themes.views import account
from wallet.models import CardPayment, CardPaymentStatus

pytestmark = pytest.mark.django_db

RESET = "/mot-de-passe/oublie/"
RESET_CONFIRM = "/mot-de-passe/nouveau/"
RULES = "/mot-de-passe/regles/"
WALLET = "/espace/porte-monnaie/"
TOP_UP = "/espace/porte-monnaie/recharger/"
INJECTED = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def top_up_page(pk):
    return f"/espace/porte-monnaie/recharge/{pk}/"


def top_up_confirm(pk):
    return f"/espace/porte-monnaie/recharge/{pk}/confirmer/"


@pytest.fixture(autouse=True)
def _throttles_start_from_zero():
    """Throttles count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr("wallet.payments.gateway_for", lambda commune=None: fake)
    return fake


@pytest.fixture
def private_root(settings, monkeypatch, tmp_path):
    use_private_root(settings, monkeypatch, tmp_path / "private")


# --- Throttles and the live password check ---------------------------------------------------


def test_a_signed_in_visitor_cannot_flood_a_mailbox_from_the_forgotten_password_page(
    client, parent, django_capture_on_commit_callbacks
):
    victim = ParentFactory(email="victime@example.org")
    client.force_login(parent)

    answers = []
    for _ in range(11):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(client.post(RESET, {"email": victim.email}))

    assert [answer.status_code for answer in answers[:10]] == [302] * 10
    assert answers[10].status_code == 429
    assert "Trop de demandes : réessayez dans" in html.unescape(answers[10].content.decode())
    assert len(mail.outbox) == 10


def test_signing_in_does_not_reset_the_forgotten_password_count_of_the_address(
    client, parent, django_capture_on_commit_callbacks
):
    for _ in range(10):
        client.post(RESET, {"email": "personne@example.org"})
    client.force_login(parent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": parent.email})

    assert response.status_code == 429
    assert mail.outbox == []


def test_the_live_check_counts_signed_in_and_anonymous_visitors_of_an_address_together(
    client, parent, monkeypatch
):
    monkeypatch.setattr(account.PasswordRulesThrottle, "rate", "2/hour")

    anonymous = client.post(RULES, {"password": "abc"})
    client.force_login(parent)
    signed_in = client.post(RULES, {"password": "abc"})
    refused = client.post(RULES, {"password": "abc"})

    assert (anonymous.status_code, signed_in.status_code, refused.status_code) == (200, 200, 429)


def test_the_live_check_answers_the_same_whether_or_not_an_account_has_the_email(client):
    ParentFactory(email="claire.martin@example.org", first_name="Claire", last_name="Martin")
    typed = {"password": "ClaireMartin-2026", "first_name": "", "last_name": ""}

    known = client.post(RULES, {**typed, "email": "claire.martin@example.org"}).json()
    unknown = client.post(RULES, {**typed, "email": "claire.martin@example.com"}).json()

    assert known == unknown


def test_a_forged_reset_link_makes_the_live_check_compare_with_no_account(client):
    target = ParentFactory(email="claire.martin@example.org", first_name="Claire")
    password = {"password": "claire.martin@example.org"}

    without = client.post(RULES, password).json()
    uid = urlsafe_base64_encode(force_bytes(target.pk))
    forged = client.post(RULES, {**password, "uid": uid, "token": "x-y"}).json()

    assert forged == without


# --- The reset link's token ----------------------------------------------------------------


@pytest.mark.parametrize("query", ["?uid=MQ&token=abc-def", ""])
def test_the_reset_page_asks_browsers_to_send_no_referer(client, query):
    response = client.get(RESET_CONFIRM + query)

    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_the_reset_page_posted_keeps_its_no_referer_header(client):
    response = client.post(RESET_CONFIRM, {"uid": "MQ", "token": "abc", "new_password": "x"})

    assert response["Referrer-Policy"] == "no-referrer"


# --- The top-up's client secret ----------------------------------------------------------------


def test_the_client_secret_is_forgotten_once_the_top_up_is_paid(client, parent, gateway):
    client.force_login(parent)
    client.post(TOP_UP, {"amount": "25.00"})
    payment = CardPayment.objects.get(owner=parent)
    secret = f"{payment.gateway_reference}_secret"
    assert client.session[CLIENT_SECRETS] == {str(payment.pk): secret}

    gateway.paid.add(payment.gateway_reference)
    client.post(top_up_confirm(payment.pk))

    assert client.session[CLIENT_SECRETS] == {}
    assert secret not in client.get(top_up_page(payment.pk)).content.decode()


@pytest.mark.parametrize("status", [CardPaymentStatus.SUCCEEDED, CardPaymentStatus.CANCELED])
def test_a_top_up_settled_by_the_webhook_no_longer_shows_nor_keeps_its_secret(
    client, parent, gateway, status
):
    client.force_login(parent)
    client.post(TOP_UP, {"amount": "25.00"})
    payment = CardPayment.objects.get(owner=parent)
    secret = f"{payment.gateway_reference}_secret"
    CardPayment.objects.filter(pk=payment.pk).update(status=status)

    page = client.get(top_up_page(payment.pk))

    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert "js.stripe.com" not in page.content.decode()
    assert client.session[CLIENT_SECRETS] == {}


def test_the_top_up_page_holding_the_secret_is_never_cached(client, parent, gateway):
    client.force_login(parent)
    client.post(TOP_UP, {"amount": "25.00"})
    payment = CardPayment.objects.get(owner=parent)

    page = client.get(top_up_page(payment.pk))

    assert f'data-client-secret="{payment.gateway_reference}_secret"' in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]


def test_the_next_parent_on_the_same_browser_never_sees_the_secret(client, parent, gateway):
    client.force_login(parent)
    client.post(TOP_UP, {"amount": "25.00"})
    payment = CardPayment.objects.get(owner=parent)
    client.post("/deconnexion/")
    client.force_login(ParentFactory())

    assert CLIENT_SECRETS not in client.session
    assert client.get(top_up_page(payment.pk)).status_code == 404
    assert client.post(top_up_confirm(payment.pk)).status_code == 404


# --- Nothing typed by someone else is read as HTML --------------------------------------------


def test_a_childs_name_is_shown_as_text_on_the_family_pages(client, parent):
    child = BeneficiaryFactory(
        account=parent, first_name=INJECTED, last_name=INJECTED, additional_information=INJECTED
    )
    client.force_login(parent)

    for url in (
        "/espace/filiations/",
        f"/espace/filiations/{child.pk}/modifier/",
        f"/espace/filiations/{child.pk}/archiver/",
    ):
        content = client.get(url).content.decode()
        assert INJECTED not in content, url
        assert ESCAPED in content, url


def test_an_agents_note_is_shown_as_text_to_the_parent(client, parent, private_root):
    rosieres = PartnerFactory(name="Rosières", code="rosieres")
    agent = AgentFactory(communes=[rosieres], first_name=INJECTED, last_name="")
    access = ask(parent, make_option(rosieres))
    request_new_document(access, kind="family_quotient", message=INJECTED, by=agent)
    client.force_login(parent)

    content = client.get(f"/espace/services/demandes/{access.pk}/").content.decode()

    assert INJECTED not in content
    assert ESCAPED in content


# --- No GET changes anything; every form needs its CSRF token ----------------------------------


@pytest.fixture
def family(parent):
    service, meal, _ = make_canteen()
    child = BeneficiaryFactory(account=parent, first_name="Léa", relation=Relation.MOTHER)
    booking = make_booking(child, service=service, tariff_option=meal, day=MEAL_DAY)
    return child, booking


def test_opening_any_action_address_changes_nothing(client, parent, family, gateway):
    child, booking = family
    client.force_login(parent)
    client.post(TOP_UP, {"amount": "5.00"})
    payment = CardPayment.objects.get(owner=parent)
    gateway.paid.add(payment.gateway_reference)

    answers = {
        url: client.get(url, query).status_code
        for url, query in [
            (f"/espace/filiations/{child.pk}/archiver/", {}),
            (f"/espace/reservations/{booking.pk}/annuler/", {}),
            ("/espace/reservations/annuler/", {"reservations": [booking.pk]}),
            (TOP_UP, {"amount": "5.00"}),
            (top_up_confirm(payment.pk), {}),
            ("/deconnexion/", {}),
        ]
    }

    assert set(answers.values()) <= {200, 405}
    assert Beneficiary.objects.filter(pk=child.pk, archived_at__isnull=True).exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert CardPayment.objects.filter(owner=parent).count() == 1
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.PENDING
    assert client.session.get("_auth_user_id") == str(parent.pk)


def test_every_form_of_the_space_needs_its_csrf_token(parent, family, private_root):
    child, booking = family
    access = ask(parent, make_option(PartnerFactory(name="Bains", code="bains")))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(parent)
    posts = [
        ("/espace/filiations/ajouter/", {"first_name": "Hugo"}),
        (f"/espace/filiations/{child.pk}/modifier/", {"first_name": "Hugo"}),
        (f"/espace/filiations/{child.pk}/archiver/", {}),
        (f"/espace/services/demandes/{access.pk}/pieces/", {"kind": "family_quotient"}),
        (f"/espace/reservations/{booking.pk}/annuler/", {}),
        ("/espace/reservations/annuler/", {"reservations": [booking.pk]}),
        (TOP_UP, {"amount": "5.00"}),
        ("/espace/informations/", {"first_name": "Hugo"}),
        ("/espace/informations/email/", {}),
        ("/espace/informations/mot-de-passe/", {}),
        ("/deconnexion/", {}),
        (RULES, {"password": "x"}),
        (RESET, {"email": parent.email}),
    ]

    refused = {url: strict.post(url, data).status_code for url, data in posts}
    upload = strict.post(
        f"/espace/services/demandes/{access.pk}/pieces/",
        {"kind": "family_quotient", "file": pdf_upload()},
    )

    assert set(refused.values()) == {403}, refused
    assert upload.status_code == 403
    assert Beneficiary.objects.filter(pk=child.pk, first_name="Léa").exists()
    assert access.documents.count() == 2


# --- Clickjacking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/connexion/", RESET, "/espace/", "/espace/filiations/", WALLET, "/espace/panier/"]
)
def test_no_page_can_be_framed_by_another_site(client, parent, url):
    client.force_login(parent)

    assert client.get(url)["X-Frame-Options"] == "DENY"
