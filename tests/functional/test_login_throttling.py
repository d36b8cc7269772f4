"""Repeated failed logins lock the e-mail out for a while, and the answer says so."""

import pytest

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
