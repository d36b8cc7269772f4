"""Repeated failed logins lock the e-mail out for a while, from the address they came from, and
the answer says so. Behind the proxy, the address is the one the proxy saw."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from accounts.throttling import client_address
from tests.factories import DEFAULT_PASSWORD, ParentFactory

pytestmark = pytest.mark.django_db

FAILURE_LIMIT = 5


def api_login(client, email, password):
    return client.post(
        "/api/login/", {"username": email, "password": password}, content_type="application/json"
    )


def test_a_wrong_password_is_refused_with_a_french_message(client):
    parent = ParentFactory()

    response = api_login(client, parent.email, "Wrong-Password-1!")

    assert response.status_code == 401
    assert "mot de passe incorrect" in str(response.json())


def test_api_login_locks_after_repeated_failures_even_with_the_right_password(client):
    parent = ParentFactory()
    for _ in range(FAILURE_LIMIT - 1):
        assert api_login(client, parent.email, "Wrong-Password-1!").status_code == 401

    locking_attempt = api_login(client, parent.email, "Wrong-Password-1!")
    right_password = api_login(client, parent.email, DEFAULT_PASSWORD)

    for response in (locking_attempt, right_password):
        assert response.status_code == 429
        assert "Trop de tentatives de connexion" in response.json()["detail"]
        assert "15 minutes" in response.json()["detail"]


def test_a_successful_login_before_the_limit_resets_the_failure_count(client):
    parent = ParentFactory()
    for _ in range(FAILURE_LIMIT - 1):
        api_login(client, parent.email, "Wrong-Password-1!")
    assert api_login(client, parent.email, DEFAULT_PASSWORD).status_code == 200
    client.logout()

    for _ in range(FAILURE_LIMIT - 1):
        assert api_login(client, parent.email, "Wrong-Password-1!").status_code == 401


def test_back_office_login_forms_are_throttled_too(client):
    agent = ParentFactory(is_staff=True)
    for _ in range(FAILURE_LIMIT):
        client.post("/cms/login/", {"username": agent.email, "password": "Wrong-Password-1!"})

    response = client.post("/cms/login/", {"username": agent.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()


# --- Behind the proxy: who is "the same address" ----------------------------------------------

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
VICTIM = "198.51.100.7"


@pytest.fixture
def behind_one_proxy(settings):
    """Production's set-up: one proxy, which appends the address it saw to X-Forwarded-For."""
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    cache.clear()
    yield
    cache.clear()


def from_address(forwarded_for):
    """What the app sees of a visitor behind the proxy: the proxy's REMOTE_ADDR, and the
    X-Forwarded-For the visitor sent with the proxy's entry appended."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


def api_login_from(client, forwarded_for, email, password):
    return client.post(
        "/api/login/",
        {"username": email, "password": password},
        content_type="application/json",
        **from_address(forwarded_for),
    )


def site_login_from(client, forwarded_for, email, password):
    return client.post(
        "/connexion/", {"email": email, "password": password}, **from_address(forwarded_for)
    )


@pytest.mark.parametrize("login", [api_login_from, site_login_from], ids=["api", "site"])
def test_failures_behind_the_proxy_lock_the_attackers_address_not_the_account(
    behind_one_proxy, login
):
    parent = ParentFactory()
    for _ in range(FAILURE_LIMIT):
        login(Client(), ATTACKER, parent.email, "Wrong-Password-1!")

    attacker = login(Client(), ATTACKER, parent.email, DEFAULT_PASSWORD)
    owner = login(Client(), VICTIM, parent.email, DEFAULT_PASSWORD)

    assert attacker.status_code == 429
    assert "Trop de tentatives de connexion" in attacker.content.decode()
    assert owner.status_code in (200, 302)
    assert "_auth_user_id" in owner.client.session


@pytest.mark.parametrize("login", [api_login_from, site_login_from], ids=["api", "site"])
def test_a_forged_left_most_forwarded_address_does_not_escape_the_lock(behind_one_proxy, login):
    parent = ParentFactory()
    for attempt in range(FAILURE_LIMIT):
        forged = f"192.0.2.{attempt + 1}, {ATTACKER}"
        login(Client(), forged, parent.email, "Wrong-Password-1!")

    response = login(Client(), f"192.0.2.200, {ATTACKER}", parent.email, DEFAULT_PASSWORD)

    assert response.status_code == 429


def test_forging_the_victims_address_on_the_left_does_not_lock_the_victim(behind_one_proxy):
    parent = ParentFactory()
    for _ in range(FAILURE_LIMIT):
        api_login_from(Client(), f"{VICTIM}, {ATTACKER}", parent.email, "Wrong-Password-1!")

    assert api_login_from(Client(), VICTIM, parent.email, DEFAULT_PASSWORD).status_code == 200


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.NUM_PROXIES = 0
    parent = ParentFactory()
    for attempt in range(FAILURE_LIMIT):
        Client().post(
            "/api/login/",
            {"username": parent.email, "password": "Wrong-Password-1!"},
            content_type="application/json",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt + 1}",
        )

    response = Client().post(
        "/api/login/",
        {"username": parent.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert response.status_code == 429


def test_the_reset_throttle_counts_the_address_the_proxy_saw(behind_one_proxy):
    """DRF's throttles and django-axes agree on who the visitor is."""
    reset = {"email": "personne@example.org"}
    for attempt in range(10):
        forged = f"192.0.2.{attempt + 1}, {ATTACKER}"
        response = Client().post("/api/accounts/password-reset/", reset, **from_address(forged))
        assert response.status_code == 200

    attacker = Client().post("/api/accounts/password-reset/", reset, **from_address(ATTACKER))
    neighbour = Client().post("/api/accounts/password-reset/", reset, **from_address(VICTIM))

    assert attacker.status_code == 429
    assert neighbour.status_code == 200


@pytest.mark.parametrize(
    ("num_proxies", "remote_addr", "forwarded_for", "expected"),
    [
        (0, PROXY, None, PROXY),
        (0, PROXY, ATTACKER, PROXY),
        (1, PROXY, None, PROXY),
        (1, PROXY, ATTACKER, ATTACKER),
        (1, PROXY, f"192.0.2.1, {ATTACKER}", ATTACKER),
        (1, PROXY, f"192.0.2.1,{ATTACKER} ", ATTACKER),
        (2, PROXY, f"192.0.2.1, {ATTACKER}, 10.0.0.1", ATTACKER),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
        (1, PROXY, "not-an-address", PROXY),
    ],
)
def test_client_address_trusts_only_our_proxies_hops(
    settings, num_proxies, remote_addr, forwarded_for, expected
):
    settings.NUM_PROXIES = num_proxies
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for

    assert client_address(RequestFactory().get("/", **headers)) == expected
