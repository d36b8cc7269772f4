"""Every answer carries a Content-Security-Policy and a Permissions-Policy: strict on the parent
site and the API, relaxed for the back offices' inline scripts, Stripe.js only where a card is
paid (themes/security.py)."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from oscar.core.loading import get_model

from reservations.basket import add_meals_to_basket
from tests.factories import ParentFactory
from tests.planning_factories import NOW, make_canteen, make_family
from wallet.models import CardPayment

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")

STRIPE_HOSTS = ("https://js.stripe.com", "https://hooks.stripe.com", "https://api.stripe.com")


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def features(response) -> dict[str, str]:
    return dict(
        re.fullmatch(r"([a-z-]+)=(\(.*\))", item.strip()).groups()
        for item in response["Permissions-Policy"].split(",")
    )


def assert_strict(response):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any(host in response["Content-Security-Policy"] for host in STRIPE_HOSTS)


def assert_no_device_access(response, payment="()"):
    allowed = features(response)
    assert allowed["camera"] == allowed["microphone"] == allowed["geolocation"] == "()"
    assert allowed["payment"] == payment


@pytest.fixture(autouse=True)
def _offline_gateway(settings):
    # No Stripe keys: the offline test gateway of `make run`; the policy does not depend on it.
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""


@pytest.fixture
def parent(client):
    parent = ParentFactory()
    client.force_login(parent)
    return parent


@pytest.mark.parametrize("path", ["/connexion/", "/mot-de-passe/oublie/", "/inscription/"])
def test_a_public_page_runs_no_inline_script_and_cannot_be_framed(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_strict(response)
    assert_no_device_access(response)


def test_the_sites_inline_colours_carry_the_nonce_of_the_policy(client):
    response = client.get("/connexion/")

    nonce = re.search(r'<style nonce="([^"]+)">:root\{', response.content.decode()).group(1)
    assert directives(response)["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert client.get("/connexion/").content.decode().count(nonce) == 0


def test_a_parent_page_gets_the_strict_policy(client, parent):
    response = client.get(reverse("portail:wallet"))

    assert response.status_code == 200
    assert_strict(response)
    assert_no_device_access(response)


@pytest.mark.parametrize("path", ["/api/accounts/me/", "/api/schema/", "/api/wallet/"])
def test_an_api_answer_gets_the_strict_policy(client, parent, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_strict(response)
    assert_no_device_access(response)


def test_a_login_lockout_page_gets_the_strict_policy(client):
    email = ParentFactory().email
    for _ in range(5):
        client.post("/cms/login/", {"username": email, "password": "Wrong-Password-1!"})

    response = client.post("/cms/login/", {"username": email, "password": "Wrong-Password-1!"})

    assert response.status_code == 429
    assert "Content-Security-Policy" in response
    assert "Permissions-Policy" in response


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/cms/", "/django-admin/", "/api/docs/", "/dashboard/login/"]
)
def test_the_back_offices_allow_their_inline_scripts_but_no_other_origin(client, path):
    client.force_login(ParentFactory(is_staff=True, is_superuser=True))

    response = client.get(path)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert not re.search(r"https?://", response["Content-Security-Policy"])
    assert_no_device_access(response)


def test_the_top_up_page_alone_may_load_stripe_js(client, parent):
    wallet_page = client.get(reverse("portail:wallet"))
    client.post(reverse("portail:wallet_top_up_start"), {"amount": "10.00"})
    payment = CardPayment.objects.get(owner=parent)

    response = client.get(reverse("portail:wallet_top_up", kwargs={"pk": payment.pk}))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "https://js.stripe.com"]
    assert policy["frame-src"] == ["https://js.stripe.com", "https://hooks.stripe.com"]
    assert policy["connect-src"] == ["https://api.stripe.com"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert_no_device_access(response, payment='(self "https://js.stripe.com")')
    assert_strict(wallet_page)
    assert_no_device_access(wallet_page)


def test_the_order_card_payment_page_alone_may_load_stripe_js(client):
    service, children, _adults = make_canteen()
    family = make_family(children)
    client.force_login(family.parent)
    with time_machine.travel(NOW, tick=False):
        add_meals_to_basket(
            account=family.parent,
            service_id=service.pk,
            beneficiary_ids=[child.pk for child in family.children],
            dates=[date(2026, 12, 1)],
            now=NOW,
        )
        checkout = client.get(reverse("portail:checkout"))
        form = checkout.context["form"]
        client.post(
            reverse("portail:checkout"),
            {"payment_method": "card", **{k: form.initial[k] for k in ("basket", "total")}},
        )
        order = Order.objects.get()
        response = client.get(reverse("portail:order_payment", kwargs={"number": order.number}))

    assert response.status_code == 200
    assert "https://js.stripe.com" in directives(response)["script-src"]
    assert "https://hooks.stripe.com" in directives(response)["frame-src"]
    assert_no_device_access(response, payment='(self "https://js.stripe.com")')
    assert_strict(checkout)
    assert_no_device_access(checkout)
