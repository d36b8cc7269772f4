"""An agent of Rosières edits a service's rules in the dashboard: the calendar and its deadlines
(the example follows the saved rule), the tariff grid and its example price, the documents each
option asks for — at 1280 and 360 px, axe on every page."""

from django.urls import reverse

from reservations.models import ServiceCalendar

from .helpers import assert_accessible, screenshot

AGENT = "agent.rosieres@portail-famille.test"
PASSWORD = "Portail-Demo-2026!"


def fits_the_viewport(page) -> bool:
    """Nothing wider than the screen: a table scrolls in its own region (select2's hidden
    selects escaped it, widening the page at 360 px)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in(page):
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")


def test_an_agent_edits_a_services_calendar_tariff_and_documents(page, site, viewport):
    log_in(page)

    page.goto(reverse("families-dashboard:service-rules"))
    screenshot(page, "agent-service-rules")
    assert_accessible(page)
    page.get_by_role("link", name="Modifier le calendrier").first.click()
    page.wait_for_url("**/calendrier/")
    pk = int(page.url.rstrip("/").split("/")[-2])
    screenshot(page, "agent-service-calendar")
    assert fits_the_viewport(page)
    assert_accessible(page)
    page.locator("#id_booking_kind").select_option("days_before")
    page.locator("#id_booking_days").fill("3")
    # Only the fields of the kind chosen show.
    page.locator("#id_cancellation_kind").select_option("weekday_of_previous_week")
    assert page.locator("#id_cancellation_weekday").is_visible()
    assert not page.locator("#id_cancellation_days").is_visible()
    page.locator("#id_cancellation_weekday").select_option("2")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    assert "Le calendrier est enregistré." in page.content()
    assert "Une réservation pour le" in page.locator("#deadline_example").inner_text()
    calendar = ServiceCalendar.objects.get(service_id=pk)
    assert calendar.booking_rule_params["days"] == 3
    assert calendar.cancellation_rule_kind == "weekday_of_previous_week"
    assert calendar.cancellation_rule_params == {"weekday": 2, "at": "10:00"}
    assert_accessible(page)

    page.goto(reverse("families-dashboard:service-tariff", kwargs={"pk": pk}))
    screenshot(page, "agent-service-tariff")
    assert fits_the_viewport(page)
    assert_accessible(page)
    page.locator("#id_rows-0-unit_price").fill("2.50")
    page.locator("#tariff_form").get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    assert "La grille tarifaire est enregistrée." in page.content()
    page.get_by_role("button", name="Calculer").click()
    page.wait_for_load_state("load")
    assert "Pour un QF de 750, 2e enfant : 2,50" in page.locator("#price_example").inner_text()
    assert_accessible(page)

    page.goto(reverse("families-dashboard:service-requirements", kwargs={"pk": pk}))
    screenshot(page, "agent-service-requirements")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    assert "Les pièces demandées sont enregistrées." in page.content()
