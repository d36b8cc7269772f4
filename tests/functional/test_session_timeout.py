"""Sessions end after 2 hours without activity, and each request restarts the 2 hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import DEFAULT_PASSWORD, ParentFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
LOGIN_TIME = datetime(2026, 11, 22, 8, 0, tzinfo=PARIS)
ME = "/api/accounts/me/"


@pytest.fixture
def logged_in_client(client):
    parent = ParentFactory()
    with time_machine.travel(LOGIN_TIME, tick=False):
        response = client.post(
            "/api/login/",
            {"username": parent.email, "password": DEFAULT_PASSWORD},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    return client


def test_still_logged_in_after_1_h_59_min_idle(logged_in_client):
    with time_machine.travel(LOGIN_TIME + timedelta(hours=1, minutes=59), tick=False):
        assert logged_in_client.get(ME).status_code == 200


def test_logged_out_after_2_h_01_min_idle(logged_in_client):
    with time_machine.travel(LOGIN_TIME + timedelta(hours=2, minutes=1), tick=False):
        assert logged_in_client.get(ME).status_code == 403


def test_each_request_restarts_the_two_hours(logged_in_client):
    first_activity = LOGIN_TIME + timedelta(hours=1, minutes=30)
    with time_machine.travel(first_activity, tick=False):
        assert logged_in_client.get(ME).status_code == 200
    # 3 h 20 after login but only 1 h 50 after the last request.
    with time_machine.travel(first_activity + timedelta(hours=1, minutes=50), tick=False):
        assert logged_in_client.get(ME).status_code == 200


def _expiry_in_database(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_requests_within_a_minute_do_not_write_the_session(logged_in_client):
    """A burst of requests (calendar, basket, checkout) leaves the session row alone: the expiry
    the login wrote stands, and the requests run no UPDATE of the session."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    written_at_login = _expiry_in_database(logged_in_client)
    with time_machine.travel(LOGIN_TIME + timedelta(seconds=59), tick=False):
        with CaptureQueriesContext(connection) as queries:
            assert logged_in_client.get(ME).status_code == 200
            assert logged_in_client.get(ME).status_code == 200
    assert _expiry_in_database(logged_in_client) == written_at_login
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]


def test_a_request_a_minute_later_pushes_the_expiry_forward(logged_in_client):
    written_at_login = _expiry_in_database(logged_in_client)
    with time_machine.travel(LOGIN_TIME + timedelta(minutes=1), tick=False):
        response = logged_in_client.get(ME)
    assert response.status_code == 200
    assert _expiry_in_database(logged_in_client) == written_at_login + timedelta(minutes=1)
    # The browser's cookie is renewed with it.
    assert response.cookies["sessionid"]["max-age"] == 2 * 60 * 60


def test_an_anonymous_visitor_gets_no_session(client):
    from django.contrib.sessions.models import Session

    client.get("/api/services/")
    client.cookies["sessionid"] = "expired-or-made-up"
    client.get("/api/services/")
    assert not Session.objects.exists()
