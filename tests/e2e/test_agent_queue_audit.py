"""An agent of Rosières opens a pending account, refuses it with a reason the family receives,
then reads the "Journal des actions" and filters it — at 1280 and 360 px, axe on every page."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts import roles

from .helpers import assert_accessible, screenshot, wait_for_email

AGENT = "agent.rosieres@portail-famille.test"
PASSWORD = "Portail-Demo-2026!"


def log_in(page):
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")


def test_an_agent_refuses_an_account_with_a_reason_then_reads_the_journal(
    page, site, outbox, viewport
):
    email = f"refus-{viewport['name']}@example.org"
    account = get_user_model().objects.create_user(
        email=email, password=PASSWORD, first_name="Paul", last_name="Refus"
    )
    roles.add_to_role(account, roles.PARENTS)
    log_in(page)

    page.goto(reverse("families-dashboard:account-list"))
    page.locator("tr", has_text=email).get_by_role("link", name="Voir").click()
    page.wait_for_url(f"**/comptes/{account.pk}/")
    screenshot(page, "agent-account-detail")
    assert_accessible(page)
    page.get_by_label("Motif du refus").fill("Justificatif de domicile illisible.")
    page.get_by_role("button", name="Refuser le compte").click()
    page.wait_for_url("**/comptes/")
    message = wait_for_email(outbox, to=email, subject="pas été validé")
    assert "Justificatif de domicile illisible." in message.body
    account.refresh_from_db()
    assert account.validated_at is None

    page.goto(reverse("families-dashboard:audit"))
    screenshot(page, "agent-journal")
    assert_accessible(page)
    page.locator("#id_kind").select_option("refused")
    page.locator("#id_family").fill("Paul Refus")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    page.wait_for_load_state("load")
    row = page.locator("#audit_table tbody tr").first
    assert "Justificatif de domicile illisible." in row.inner_text()
    screenshot(page, "agent-journal-filtered")
    assert_accessible(page)
