import os

import pytest
from django.db import connection


@pytest.fixture(scope="session", autouse=True)
def _postgres_is_required(django_db_setup, django_db_blocker):
    """CI sets REQUIRE_POSTGRES=1: the suite must never pass on another database by accident."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", "tests must run on PostgreSQL"


@pytest.fixture(autouse=True)
def _mail_goes_through_the_task_backend(settings):
    """Django's test setup swaps EMAIL_BACKEND for locmem; put ours back so that tests see mail
    leave through the Celery task after commit, as in production. The task then delivers to
    locmem (EMAIL_DELIVERY_BACKEND in the test settings), so `mail.outbox` still works."""
    settings.EMAIL_BACKEND = "accounts.email.TaskEmailBackend"


def pytest_sessionfinish(session, exitstatus):
    """With FORBID_SKIPS=1 (CI), a skipped test fails the run: a skip must never hide a test that
    needs PostgreSQL or Redis."""
    if os.environ.get("FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"FORBID_SKIPS: {len(skipped)} test(s) skipped", red=True)
        session.exitstatus = 1
