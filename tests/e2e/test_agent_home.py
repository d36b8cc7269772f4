"""The dashboard's home is the demo agent's day (reservations/dashboard/home.py): headcounts of
today and tomorrow, what waits, closures ahead, payments to look at — inside a main landmark,
with no serious or critical axe violation, at 1280 and 360 px."""

from .helpers import assert_accessible, screenshot

AGENT = "agent.rosieres@portail-famille.test"
PASSWORD = "Portail-Demo-2026!"


def test_the_agents_home_shows_their_day_without_accessibility_violations(page, site):
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")

    main = page.locator("main")
    assert main.count() == 1
    assert "Ma journée" in main.locator("h1").inner_text()
    for section in ("headcounts", "waiting", "closures", "payments"):
        assert main.locator(f"#home_{section}").is_visible(), section
    assert "Statistiques" not in main.inner_text()
    # Today's headcount of a service links to that service's headcount on that day.
    first_day = main.locator("#home_headcounts a").first
    first_day.click()
    page.wait_for_url("**/dashboard/familles/effectifs/?service=*")
    page.go_back()

    screenshot(page, "agent-home")
    assert_accessible(page)
