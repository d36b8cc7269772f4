"""The harness itself: the browser reaches the live server's demo data, e-mails sent while serving
a request land in the outbox, and axe-core reports what it finds."""

import pytest

from config.demo import DEMO_PASSWORD, PARENT_EMAIL

from .helpers import api_log_in, run_axe, wait_for_email


def test_an_e_mail_sent_by_the_live_server_reaches_the_outbox(browser, site, outbox):
    context = browser.new_context(base_url=site.url)
    try:
        token = context.request.get("/api/accounts/csrf/").json()["csrfToken"]
        response = context.request.post(
            "/api/accounts/password-reset/",
            data={"email": PARENT_EMAIL},
            headers={"X-CSRFToken": token, "Referer": site.url},
        )
        assert response.ok, response.text()

        message = wait_for_email(outbox, to=PARENT_EMAIL)
        assert "mot de passe" in message.subject.lower() or "mot de passe" in message.body
    finally:
        context.close()


def test_the_demo_parent_logs_in_through_the_api(browser, site):
    context = browser.new_context(base_url=site.url)
    try:
        api_log_in(context, site.url, PARENT_EMAIL, DEMO_PASSWORD)
        me = context.request.get("/api/accounts/me/")
        assert me.ok, me.text()
        assert me.json()["email"] == PARENT_EMAIL
    finally:
        context.close()


def test_axe_reports_a_serious_violation(browser, site):
    # `site` only keeps this test with the others that use the live server (pytest-django runs
    # the tests that use the database first): the package's fixtures are set up once.
    page = browser.new_page()
    try:
        page.set_content('<html lang="fr"><body><main><img src="x.png"></main></body></html>')
        violations = {v["id"]: v["impact"] for v in run_axe(page)["violations"]}
        assert violations.get("image-alt") == "critical"
    finally:
        page.close()


@pytest.mark.parametrize("viewport", ["360x740"], indirect=True)
def test_the_viewport_fixture_sizes_the_page(page, viewport):
    page.goto("/")
    assert page.evaluate("window.innerWidth") == viewport["width"] == 360
