"""The Content-Security-Policy in a real browser: an injected inline script does not run on the
parent site, and the back offices, whose pages write inline scripts, still work under their own
policy (any refusal logged in the console fails the test: tests/e2e/conftest.py)."""

import pytest
from wagtail.models import Page

from config.demo import ADMIN_EMAIL, DEMO_PASSWORD

from .helpers import is_csp_violation, screenshot

INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.head.appendChild(script);
}"""


def test_an_injected_inline_script_does_not_run_on_the_parent_site(browser, site):
    page = browser.new_page(base_url=site.url)
    refusals = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if is_csp_violation(message.type, message.text) else None
        ),
    )
    try:
        page.goto("/connexion/")
        page.evaluate(INJECT)
        page.wait_for_timeout(200)

        assert page.evaluate("() => window.injected") is None
        assert any("inline script" in refusal for refusal in refusals), refusals
        # The site's own colours, an inline <style> with the request's nonce, still apply.
        primary = page.evaluate(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--primary')"
        )
        assert primary.strip().startswith("#")
    finally:
        page.close()


@pytest.mark.parametrize("viewport", ["1280x900"], indirect=True)
def test_the_back_offices_work_under_their_policy(page, site):
    home = Page.objects.filter(depth=2).first()
    page.goto("/cms/login/")
    page.fill("#id_username", ADMIN_EMAIL)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/cms/")

    page.goto(f"/cms/pages/{home.pk}/edit/")
    # Wagtail's editor is built by its scripts: the title field shows once they ran.
    page.locator("#id_title").wait_for(state="visible")
    screenshot(page, "cms-page-editor")

    page.goto("/django-admin/")
    page.locator("#content").wait_for()

    page.goto("/api/docs/")
    # Swagger UI renders the operations from /api/schema/ with its inline start-up script.
    page.locator(".swagger-ui .opblock").first.wait_for(state="visible", timeout=20_000)
    screenshot(page, "api-docs")

    page.goto("/dashboard/")
    page.locator(".navbar-primary").wait_for()
