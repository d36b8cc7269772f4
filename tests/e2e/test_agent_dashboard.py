"""The agents' own dashboard screens pass axe-core too (Oscar's layout made accessible in
templates/oscar/dashboard/layout.html); the journey test covers account validation and access
decisions, this one the other screens an agent of Rosières uses."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from .helpers import assert_accessible, screenshot

AGENT = "agent.rosieres@portail-famille.test"
PASSWORD = "Portail-Demo-2026!"
PARENT = "claire.martin@example.org"


@pytest.mark.parametrize("viewport", ["1280x900"], indirect=True)
def test_the_agents_screens_have_no_serious_accessibility_violation(page, site):
    claire = get_user_model().objects.get(email=PARENT)
    screens = {
        "dashboard": reverse("dashboard:index"),
        "accounts": reverse("families-dashboard:account-list"),
        "access-requests": reverse("families-dashboard:access-list"),
        "headcount": reverse("families-dashboard:headcount"),
        "closures": reverse("families-dashboard:closure-list"),
        "book-for-family": reverse("bookings-dashboard:family-list"),
        "book-for-claire": reverse("bookings-dashboard:family-book", kwargs={"pk": claire.pk}),
        "wallets": reverse("wallet-dashboard:wallet-list"),
        "claire-wallet": reverse("wallet-dashboard:wallet-detail", kwargs={"pk": claire.pk}),
    }
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")

    for name, path in screens.items():
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        screenshot(page, f"agent-{name}")
        assert_accessible(page)
