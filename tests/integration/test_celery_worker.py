"""E-mail leaves through a real Celery worker consuming from Redis (not the eager mode)."""

import time

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from celery.fixups.django import DjangoFixup
from django.core import mail
from django.core.mail import send_mail

from accounts.tasks import deliver_email
from config.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_on_redis():
    # The test settings point the app at Redis for both broker and results; only eagerness changes.
    assert app.conf.broker_url.startswith("redis://")
    app.conf.task_always_eager = False
    # Celery's Django fixup closes the database connections when a worker starts, which is right
    # for a worker process but would close this test's own connection (and its transaction).
    django_fixups = [fixup for fixup in app._fixups if isinstance(fixup, DjangoFixup)]
    for fixup in django_fixups:
        signals.worker_init.disconnect(dispatch_uid=fixup._worker_init_uid)
    # A message left in the queue by an interrupted earlier run must not be taken for this one's.
    app.control.purge()
    try:
        # perform_ping_check would need celery's test tasks registered; the real task suffices.
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        for fixup in django_fixups:
            signals.worker_init.connect(fixup.on_worker_init, dispatch_uid=fixup._worker_init_uid)
        app.conf.task_always_eager = True


def wait_for_outbox(count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_task_runs_on_a_real_worker_through_redis(worker_on_redis):
    result = deliver_email.delay(
        {"subject": "Test", "body": "Bonjour", "from_email": None, "to": ["a@example.org"]}
    )

    assert result.get(timeout=15) == 1
    # The result came back through the Redis backend: the task really crossed the broker.
    assert result.backend.__class__.__name__ == "RedisBackend"
    assert result.state == "SUCCESS"


def test_send_mail_is_delivered_by_the_worker_only_after_the_transaction_commits(
    worker_on_redis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_mail("Votre compte est validé", "Bonjour", None, ["parent@example.org"])
        # Still inside the transaction: nothing has been queued yet.
        time.sleep(0.3)
        assert mail.outbox == []

    wait_for_outbox(1)
    assert len(callbacks) == 1
    assert [message.subject for message in mail.outbox] == ["Votre compte est validé"]
