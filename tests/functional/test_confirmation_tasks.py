"""The confirmation e-mails leave the request: a Celery task composes them after the commit, in
the language of the page that caused them (a worker has none of its own)."""

import pytest
from django.core import mail
from django.db import transaction

from reservations import confirmation_tasks
from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def queued(monkeypatch):
    """The tasks' `delay` calls, recorded instead of run: what a broker would receive."""
    calls = []
    for name in ("confirm_order", "confirm_cancellations", "confirm_top_up"):
        task = getattr(confirmation_tasks, name)
        monkeypatch.setattr(task, "delay", lambda *args, _name=name: calls.append((_name, args)))
    return calls


def offline_gateway(settings):
    settings.STRIPE_SECRET_KEY = None
    settings.STRIPE_PUBLISHABLE_KEY = None
    settings.STRIPE_WEBHOOK_SECRET = None


def test_an_english_top_up_queues_its_confirmation_in_english_after_the_commit(
    client, parent, settings, queued, django_capture_on_commit_callbacks
):
    offline_gateway(settings)
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/wallet/top-ups/",
            {"amount": "10.00"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        payment_id = started.json()["id"]
        client.post(f"/api/wallet/top-ups/{payment_id}/confirm/", HTTP_ACCEPT_LANGUAGE="en")

    # JSON-safe arguments only: the language, ids, the amount as a string.
    assert queued == [("confirm_top_up", ("en", parent.pk, "10.00", payment_id))]
    assert mail.outbox == []  # composed by the worker, not by the request


def test_nothing_is_queued_when_the_transaction_rolls_back(parent, queued):
    from reservations.confirmations import confirm_top_up

    class Payment:
        owner_id, amount, pk = parent.pk, "5.00", 1

    with transaction.atomic():
        confirm_top_up(sender=None, payment=Payment())
        transaction.set_rollback(True)
    assert queued == []


@pytest.mark.parametrize(
    ("language", "subject"), [("fr", "Porte-monnaie rechargé"), ("en", "Wallet topped up")]
)
def test_the_worker_writes_the_email_in_the_language_it_is_given(
    parent, language, subject, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmation_tasks.confirm_top_up(language, parent.pk, "5.00", 1) is True
    (message,) = mail.outbox
    assert message.subject == subject
