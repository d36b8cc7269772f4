"""End-to-end tests in headless Chromium (Debian's package) driven by Playwright.

One live server, one seeding of the demo data and one browser for the package (tests/e2e):
- `demo_site` (package): the live server (127.0.0.1, a free port) with `seed_demo` loaded and
  both demo Wagtail sites moved to its port; `.url` = `.puy_url` (http://127.0.0.1:<port>),
  `.dombes_url` (http://dombes.localhost:<port>), `.port`, `.server`.
- `site` (per test): the same object, with database access open for the test (the live server's
  threads need it, and the test may use the ORM: autocommit, so the server sees its writes at
  once). Every test that talks to the server asks for it (`context`/`page` do).
- `browser` (package): Chromium.
- `viewport` (per test, parametrised): {"name": "360x740", "width": 360, "height": 740} and the
  same for 1280x900: every test using `page` runs at both widths (ids `[360x740]`, `[1280x900]`).
- `context`, `page` (per test): a fresh browser context (French, the viewport, base_url =
  `site.url`, so `page.goto("/connexion/")` works) and its page. A JavaScript error in the page
  fails the test at teardown; a failing test leaves a `failed-<test>` screenshot.
- `outbox` (per test): django.core.mail.outbox, emptied before each test. The live server runs in
  this process and the mail task eagerly, delivering to locmem; `helpers.wait_for_email(outbox,
  to=..., subject=...)` waits for a message.

The data is not reset between tests: a test that changes it (a new account, a booking) uses its
own e-mail addresses and children (one per viewport). At the end the database is put back as the
migrations left it (flush, then the serialized migrated state), as transactional tests do.

Helpers (tests/e2e/helpers.py): screenshot, assert_accessible, page_weight, api_log_in,
wait_for_email.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from .helpers import (
    ARTIFACTS_DIR,
    MEASURED,
    is_csp_violation,
    launch_chromium,
    reset_artifacts,
    screenshot,
    weights_table,
)

VIEWPORTS = {"360x740": (360, 740), "1280x900": (1280, 900)}
DEMO_HOSTNAMES = ("127.0.0.1", "dombes.localhost")


@dataclass(frozen=True)
class DemoSite:
    server: LiveServer
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    puy_url = url

    @property
    def dombes_url(self) -> str:
        return f"http://dombes.localhost:{self.port}"


# --- Server and data --------------------------------------------------------------------------


def _migrated_state() -> str:
    """The database as the migrations left it, serialized. pytest-django serializes it at set-up
    when some test of the session uses serialized_rollback; otherwise (tests/e2e run alone) the
    database is still in that state now."""
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is None:
        from wagtail.models import Page

        if not Page.objects.filter(depth=1).exists():
            pytest.fail(
                "The reused test database is empty (an interrupted run?): run once with "
                "--create-db."
            )
        contents = connection.creation.serialize_db_to_string()
    return contents


def _restore(contents: str) -> None:
    from django.contrib.contenttypes.models import ContentType

    call_command(
        "flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True
    )
    ContentType.objects.clear_cache()
    connection.creation.deserialize_db_from_string(_content_types_first(contents))
    # Rows come back with their ids: move each sequence past them (a reused database may have
    # had its sequences reset by an interrupted run).
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _content_types_first(contents: str) -> str:
    """Wagtail's Task.__init__ looks up its content type, creating it when missing: loaded before
    the serialized content types (with an empty cache: a reused database), it would clash with
    them. Load the content types first."""
    objects = json.loads(contents)
    objects.sort(key=lambda obj: obj["model"] != "contenttypes.contenttype")
    return json.dumps(objects)


@pytest.fixture(autouse=True)
def _live_server_helper():
    """pytest-django's helper of the same name makes every test using `live_server` a
    transactional test, flushing the database after each: the seeded demo would not survive the
    first test. Here the data lives as long as the package's server (see `live_server`)."""
    yield


@pytest.fixture(scope="package")
def live_server(django_db_setup, django_db_blocker, browser):
    """The live server of this package, on 127.0.0.1 and a free port, serving the demo data.

    Named like pytest-django's fixture on purpose: a test that has `live_server` among its
    fixtures is one that needs the test database (pytest-django creates it for such tests only)
    and runs with the transactional tests. At the end of the package the database is put back as
    the migrations left it, for the tests that run after.

    It asks for the browser only to be set up after it, hence torn down before it: while
    Playwright's loop runs, Django counts this thread as an async context with connections of its
    own, which the teardown closes (else dropping the test database fails on a connection left
    open)."""
    with django_db_blocker.unblock():
        contents = _migrated_state()
        # Transactional tests that ran before end with a flush: start from the migrated state.
        _restore(contents)
        call_command("seed_demo", stdout=_Discard())
    server = LiveServer("127.0.0.1:0")
    try:
        yield server
    finally:
        server.stop()
        with django_db_blocker.unblock():
            _restore(contents)
            # The ORM calls made while Playwright's loop runs use their own connection (Django
            # keeps one per async context): close it, or dropping the test database fails.
            connections.close_all()


@pytest.fixture(scope="package")
def demo_site(live_server, django_db_blocker):
    from wagtail.models import Site

    port = live_server.thread.port
    with django_db_blocker.unblock():
        # The demo sites answer on :8000; move them to the live server's port, so that Wagtail
        # matches them and builds their URLs (other site, accessibility page) with this port.
        for wagtail_site in Site.objects.filter(hostname__in=DEMO_HOSTNAMES):
            wagtail_site.port = port
            wagtail_site.save()  # save(): clears Wagtail's cached site root paths
    return DemoSite(server=live_server, port=port)


class _Discard:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


@pytest.fixture
def site(demo_site, django_db_blocker):
    with django_db_blocker.unblock():
        yield demo_site


@pytest.fixture
def outbox(site):
    return mail.outbox


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    reset_artifacts()
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django takes for
    # an async context and refuses ORM calls from it: the tests' own queries are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = launch_chromium(playwright)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    width, height = VIEWPORTS[request.param]
    return {"name": request.param, "width": width, "height": height}


@pytest.fixture
def context(browser, site, viewport):
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        base_url=site.url,
        locale="fr-FR",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(request, context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A script, style, frame or request the Content-Security-Policy refused (themes/security.py).
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if is_csp_violation(message.type, message.text) else None
        ),
    )
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        try:
            screenshot(page, f"failed-{request.node.name}")
        except Exception as exc:  # the test's own failure matters more
            print(f"no failure screenshot: {exc}")
    page.close()
    if errors:
        pytest.fail(f"JavaScript or Content-Security-Policy error(s) in the page: {errors}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.write_sep("-", "e2e page weights (first load, bytes)")
        for line in weights_table(MEASURED):
            terminalreporter.write_line(line)
    if ARTIFACTS_DIR.exists() and any(ARTIFACTS_DIR.rglob("*.png")):
        terminalreporter.write_line(f"e2e screenshots: {ARTIFACTS_DIR}")
