import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TestCase


@pytest.fixture(scope="session", autouse=True)
def _postgres_is_required(django_db_setup, django_db_blocker):
    """CI sets REQUIRE_POSTGRES=1: the suite must never pass on another database by accident."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", "tests must run on PostgreSQL"


@pytest.fixture(autouse=True)
def _each_test_starts_with_an_empty_cache():
    """The test settings' cache is in-process memory: without this, what one test cached (school
    holidays, throttling counters) would still be there in the next, whose database may hold
    other rows."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _mail_goes_through_the_task_backend(settings):
    """Django's test setup swaps EMAIL_BACKEND for locmem; put ours back so that tests see mail
    leave through the Celery task after commit, as in production. The task then delivers to
    locmem (EMAIL_DELIVERY_BACKEND in the test settings), so `mail.outbox` still works."""
    settings.EMAIL_BACKEND = "accounts.email.TaskEmailBackend"


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker) -> str:
    """`seed_demo` run once for a whole test module (its output is returned), inside a
    transaction rolled back when the module ends: seeding takes seconds, a test milliseconds.
    Each test runs in a savepoint of it (pytest-django nests its own transaction), so a test that
    changes the demo data leaves the next one the seeded state, as Django's setUpTestData does.
    What the seed queues for after its commit (search indexing) runs, as in production.

    The data stays until the module ends, so the module's later tests see it even when they do
    not ask for it: use it where every test runs on the demo world."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = StringIO()
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


# --- Running on several processes (pytest-xdist, `make test`) --------------------------------

BROWSER_TESTS = "tests/e2e/"


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """On an xdist worker, put the browser tests first, pytest-django's order kept otherwise: they
    are the longest unit of work, so one worker starts them while the other runs the rest. They
    may run first: their live server starts from the migrated state and puts it back at the end
    (tests/e2e/conftest.py)."""
    yield  # after pytest-django's sort: ordinary tests, then transactional ones, then no database
    _refuse_transactional_tests_without_serialized_rollback(items)
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: not item.nodeid.startswith(BROWSER_TESTS))


def _refuse_transactional_tests_without_serialized_rollback(items) -> None:
    """A transactional test's flush re-runs post_migrate receivers (the roles' groups are created
    again, with new ids) unless it restores the serialized migrated state: the next test that
    restores it would then meet those rows twice ("Usagers" already exists)."""
    offenders = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError(
            "Mark transactional tests django_db(transaction=True, serialized_rollback=True): "
            + ", ".join(offenders[:5])
        )


def work_units(nodeids: list[str]) -> dict[str, str]:
    """Each test's unit of work: the browser tests all together (one live server, one browser);
    any other test with its module's neighbours in the run order. A module whose transactional
    tests pytest-django moved after the others is two units, so that a worker, taking units in
    the run order, never runs an ordinary test after a transactional one has emptied the
    database."""
    units: dict[str, str] = {}
    runs_of: dict[str, int] = {}
    previous = None
    for nodeid in nodeids:
        module = nodeid.split("::", 1)[0]
        if module.startswith(BROWSER_TESTS):
            units[nodeid] = BROWSER_TESTS
            continue
        if module != previous:
            runs_of[module] = runs_of.get(module, 0) + 1
        previous = module
        units[nodeid] = f"{module}#{runs_of[module]}"
    return units


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        """Units of work from `work_units`, handed out in the run order."""

        def __init__(self, config, log=None):
            # xdist would otherwise hand out the largest units first, out of the run order.
            config.option.loadscopereorder = False
            super().__init__(config, log)
            self.unit_of: dict[str, str] = {}

        def _split_scope(self, nodeid):
            if not self.unit_of:
                collection = next(iter(self.registered_collections.values()))
                self.unit_of = work_units(list(collection))
            return self.unit_of[nodeid]

    return ModuleScheduling(config, log)


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


@pytest.fixture(scope="session", autouse=True)
def _leave_a_reused_database_as_migrations_left_it(request, django_db_setup, django_db_blocker):
    """Transactional tests (real threads, real commits) end by flushing every table, Wagtail's
    root page included. With --reuse-db the next run would start from that empty database, so
    put the migrated state back at the end of the session (it is serialized at set-up for the
    tests marked serialized_rollback)."""
    yield
    if not request.config.getoption("reuse_db", False):
        return
    with django_db_blocker.unblock():
        from django.db import connection

        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not _has_wagtail_root(connection):
            connection.creation.deserialize_db_from_string(contents)


def _has_wagtail_root(connection) -> bool:
    from wagtail.models import Page

    return Page.objects.filter(depth=1).exists()
