"""The parent's space keeps working when JavaScript does not run (only a card payment needs it),
and the booking calendar is usable with the keyboard alone."""

import re

import pytest

from reservations.models import Booking, BookingStatus

from .helpers import assert_accessible, screenshot

PARENT = "claire.martin@example.org"
PASSWORD = "Portail-Demo-2026!"


def log_in(page) -> None:
    page.goto("/connexion/")
    page.fill("#id_email", PARENT)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace/reserver/")  # the family can book: the calendar first


def open_canteen_calendar(page) -> None:
    page.goto("/espace/reserver/")
    select = page.locator("select[name=service]")
    canteen = select.locator("option", has_text="Cantine de Rosières").first
    select.select_option(value=canteen.get_attribute("value"))
    page.get_by_label(re.compile("^Léa")).first.check()
    page.get_by_role("button", name="Afficher le calendrier").click()
    page.wait_for_load_state("load")


def bookable_days(page, minimum: int):
    """The month's bookable day checkboxes, moving to the next month until there are enough."""
    for _ in range(4):
        boxes = page.locator("input[name=repas]:not([disabled]):not(:checked)")
        if boxes.count() >= minimum:
            return boxes
        page.get_by_role("link", name=re.compile("Mois suivant")).first.click()
        page.wait_for_load_state("load")
    raise AssertionError(f"fewer than {minimum} bookable days in the coming months")


@pytest.fixture
def no_script_page(browser, site):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        base_url=site.url,
        locale="fr-FR",
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_parent_books_pays_by_wallet_and_cancels_without_javascript(no_script_page, site):
    page = no_script_page
    log_in(page)
    before = Booking.objects.filter(account__email=PARENT, status=BookingStatus.CONFIRMED).count()

    # A 10 € top-up: the offline test gateway's confirmation is a plain form.
    page.goto("/espace/porte-monnaie/")
    page.get_by_role("button", name=re.compile(r"10,00")).click()
    page.get_by_role("button", name=re.compile("Confirmer le paiement de 10,00")).click()
    page.wait_for_url("**/espace/porte-monnaie/**")
    assert page.get_by_text(re.compile("crédité de 10,00")).first.is_visible()

    open_canteen_calendar(page)
    # Without the script, the week/month buttons submit a pattern; here two single days.
    days = bookable_days(page, 2)
    for box in [page.locator(f"#{days.nth(n).get_attribute('id')}") for n in (0, 1)]:
        box.check()
    screenshot(page, "nojs-calendar")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_load_state("load")

    page.goto("/espace/panier/paiement/")
    page.get_by_label(re.compile("^Porte-monnaie$")).check()
    page.get_by_role("button", name=re.compile("^Payer")).click()
    page.wait_for_url(re.compile(r"/espace/commandes/[^/]+/confirmation/$"))
    screenshot(page, "nojs-confirmation")
    booked = Booking.objects.filter(account__email=PARENT, status=BookingStatus.CONFIRMED)
    assert booked.count() == before + 2

    # The last meal booked, by its own page: the demo family's list (Bains' post-paid canteen
    # too) runs over several pages.
    last = booked.order_by("-pk").first()
    page.goto(f"/espace/reservations/{last.pk}/annuler/")
    page.get_by_role("button", name="Confirmer l'annulation").click()
    page.wait_for_load_state("load")
    assert "rembours" in page.locator(".message--success").first.inner_text()
    assert booked.count() == before + 1


@pytest.mark.parametrize("viewport", ["1280x900"], indirect=True)
def test_the_calendar_is_usable_with_the_keyboard(page, site):
    log_in(page)
    open_canteen_calendar(page)
    days = bookable_days(page, 2)
    # By id: the locator above no longer matches a day once it is ticked.
    first, second = (page.locator(f"#{days.nth(n).get_attribute('id')}") for n in (0, 1))

    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    # The focus is visible, and the arrow keys move it to the next bookable day.
    outline = first.evaluate("(box) => getComputedStyle(box).outlineStyle")
    assert outline != "none"
    page.keyboard.press("ArrowRight")
    assert second.evaluate("(box) => box === document.activeElement")
    page.keyboard.press("Space")
    assert second.is_checked()
    screenshot(page, "keyboard-calendar")
    assert_accessible(page)
