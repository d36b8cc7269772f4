"""The parent's pages on a phone (360 × 740): a compact header (the page's title in the first
200 px, the space's menu one row), the balance and the basket's count in the header, the login
landing on the month calendar, the month as a real grid with each closed day's reason, a sticky
action bar with the running total of the ticked days, and a basket whose "Payer" stays in view
and outweighs "Retirer"."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reservations.basket import add_meals_to_basket, basket_summary, remove_meals_from_basket
from reservations.models import Beneficiary, ServiceCalendar
from reservations.month import BOOKABLE, month_calendar
from wallet import ledger

from .helpers import assert_accessible, screenshot

PARENT = "claire.martin@example.org"
PASSWORD = "Portail-Demo-2026!"
CANTEEN = "Cantine de Rosières"
TITLE_TOP_MAX = 200
SPACE_PAGES = (
    "/espace/",
    "/espace/informations/",
    "/espace/filiations/",
    "/espace/services/",
    "/espace/reserver/",
    "/espace/panier/",
    "/espace/porte-monnaie/",
    "/espace/reservations/",
    "/espace/commandes/",
    "/espace/mes-emails/",
    "/espace/mes-donnees/",
)

phone = pytest.mark.parametrize("viewport", ["360x740"], indirect=True)


def log_in(page) -> None:
    page.goto("/connexion/")
    page.fill("#id_email", PARENT)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def empty_basket(account) -> None:
    left = [line.id for day in basket_summary(account).days for line in day.lines]
    if left:
        remove_meals_from_basket(account=account, line_ids=left)


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@phone
def test_every_page_of_the_space_shows_its_title_in_the_first_200_pixels(page, site):
    log_in(page)
    page.wait_for_url("**/espace/reserver/")
    for path in SPACE_PAGES:
        page.goto(path)
        title = page.locator("main h1").first
        top = title.bounding_box()["y"]
        assert top <= TITLE_TOP_MAX, f"{path}: the title starts at {top:.0f} px"
    # The menu button folds the account links and the search; it opens them.
    search = page.get_by_role("searchbox")
    assert not search.is_visible()
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert search.is_visible()
    screenshot(page, "mobile-menu-open")
    assert_accessible(page)


@phone
def test_the_header_shows_the_balance_and_the_baskets_count(page, site):
    claire = get_user_model().objects.get(email=PARENT)
    empty_basket(claire)
    log_in(page)
    page.wait_for_url("**/espace/reserver/")
    header = page.locator(".site-header")
    assert header.get_by_role("link", name=re.compile(r"Panier 0 repas")).is_visible()
    balance = header.get_by_role("link", name=re.compile(r"Solde du porte-monnaie"))
    assert balance.is_visible()
    amount = balance.locator(".amount").inner_text()
    assert re.fullmatch(r"\d[\d\u202f\u00a0 ]*,\d\d\u00a0€", amount), amount


@phone
def test_the_month_is_a_grid_with_a_sticky_bar_and_a_running_total(page, site):
    claire = get_user_model().objects.get(email=PARENT)
    empty_basket(claire)
    ledger.credit_top_up(
        claire,
        Decimal("50.00"),
        reference="e2e mobile calendar",
        idempotency_key=f"e2e-mobile-{uuid.uuid4()}",
    )
    log_in(page)
    page.wait_for_url("**/espace/reserver/")
    select = page.locator("select[name=service]")
    canteen = select.locator("option", has_text=CANTEEN).first
    select.select_option(value=canteen.get_attribute("value"))
    page.get_by_role("button", name="Afficher le calendrier").click()
    page.wait_for_load_state("load")
    screenshot(page, "mobile-calendar")
    assert_accessible(page)

    # Seven columns a week: the days of a week side by side, on one line.
    week = page.locator("tbody tr[data-week]").nth(1)
    days = week.locator("td")
    assert days.count() == 7
    tops = {round(days.nth(n).bounding_box()["y"]) for n in range(7)}
    assert len(tops) == 1, tops
    assert days.nth(6).bounding_box()["x"] + days.nth(6).bounding_box()["width"] <= 360
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"month calendar of two children at 360 px: {height} px high")
    assert height < 3000, f"the page is {height} px high"

    # A closed day says why in its cell.
    closed = page.locator("td.day--closed .day__reason").filter(has_text=re.compile(r"\w"))
    assert closed.count() > 0
    assert closed.first.is_visible()
    assert closed.first.bounding_box()["height"] > 0

    # Tick two days: the bar counts them and their price, and stays in view while scrolling.
    boxes = page.locator("input[data-day]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    total = page.locator("[data-running-total]")
    expected = sum(Decimal(boxes.nth(n).get_attribute("data-price")) for n in range(2))
    assert total.inner_text().startswith("2 repas cochés · ")
    assert f"{expected:.2f}".replace(".", ",") in total.inner_text()
    page.evaluate("window.scrollTo(0, 400)")
    page.wait_for_function("window.scrollY >= 400")
    bar = page.locator("[data-action-bar]")
    assert in_view(page, bar), bar.bounding_box()
    screenshot(page, "mobile-calendar-ticked")

    # "Payer" adds the ticked days and goes to the payment.
    bar.get_by_role("button", name="Payer").click()
    page.wait_for_url("**/espace/panier/paiement/")
    assert (
        len(basket_summary(claire).days) == 2
        or sum(len(day.lines) for day in basket_summary(claire).days) == 2
    )
    header = page.locator(".site-header")
    assert header.get_by_role("link", name=re.compile(r"Panier 2 repas")).is_visible()

    # The basket: "Payer" in view from the start, larger than "Retirer".
    page.goto("/espace/panier/")
    screenshot(page, "mobile-basket")
    assert_accessible(page)
    pay = page.locator(".basket-pay").get_by_role("link", name=re.compile("^Payer"))
    assert in_view(page, pay)
    remove = page.get_by_role("button", name=re.compile("^Retirer")).first
    assert pay.bounding_box()["height"] > remove.bounding_box()["height"]
    # Each meal in a few short lines, not a card a screen high.
    meal = page.locator(".basket tbody tr:not(.basket__day)").first
    assert meal.bounding_box()["height"] < 200, meal.bounding_box()
    empty_basket(claire)


@pytest.mark.parametrize("viewport", ["1280x900"], indirect=True)
def test_a_wide_screen_shows_the_whole_header_with_no_menu_button(page, site):
    log_in(page)
    page.wait_for_url("**/espace/reserver/")
    assert page.get_by_role("searchbox").is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.locator("main h1").first.bounding_box()["y"] <= TITLE_TOP_MAX
    assert_accessible(page)


@phone
def test_a_basket_of_14_meals_is_far_shorter_than_5700_pixels(page, site):
    """The issue measured 5,700 px for 14 meals: now a few short lines each, "Payer" in view."""
    claire = get_user_model().objects.get(email=PARENT)
    empty_basket(claire)
    canteen = ServiceCalendar.objects.get(service__title=CANTEEN).service
    children = list(Beneficiary.objects.filter(account=claire).order_by("pk")[:2])
    today = timezone.localdate()
    days = []
    for month in (today.replace(day=1), (today.replace(day=28) + timedelta(days=4)).replace(day=1)):
        months = month_calendar(
            account=claire,
            beneficiary_ids=[children[0].pk],
            month=month,
            now=timezone.now(),
            service_id=canteen.pk,
        )
        days += [d.date for m in months for s in m.services for d in s.days if d.state == BOOKABLE]
    assert len(days) >= 7, days
    add_meals_to_basket(
        account=claire,
        service_id=canteen.pk,
        beneficiary_ids=[child.pk for child in children],
        dates=days[:7],
        now=timezone.now(),
    )
    try:
        log_in(page)
        page.goto("/espace/panier/")
        screenshot(page, "mobile-basket-14")
        assert_accessible(page)
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"basket of 14 meals at 360 px: {height} px high")
        assert height < 3000, f"the basket of 14 meals is {height} px high"
        pay = page.locator(".basket-pay").get_by_role("link", name=re.compile("^Payer"))
        assert in_view(page, pay)
    finally:
        empty_basket(claire)
