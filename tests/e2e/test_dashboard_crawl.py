"""Every dashboard page an agent of Rosières reaches from the navigation (and the first page each
of them links to, a detail page), and the Wagtail edit page of each of our page models as the
communication officer, at 1280 and 360 px: no serious or critical axe violation, no page wider
than the screen, and none of Oscar's English left in what the agent reads. New screens join the
crawl when they join the navigation (OSCAR_DASHBOARD_NAVIGATION).

The test collects every problem of every page before failing, so one run lists them all."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Page

from accounts.models import User
from cms.models import CommunePage, ContentPage, MenuPage, NewsIndexPage, NewsPage, ServicePage
from config.demo import DEMO_PASSWORD, OFFICER_EMAIL
from reservations.calendars import calendar_window
from shop.on_behalf import book_for_parent
from tests.booking_factories import accept_access
from tests.factories import ParentFactory
from tests.reservations_factories import BeneficiaryFactory
from wallet import ledger

from .agent_data import make_week_service
from .helpers import (
    assert_accessible,
    blocking_violations,
    format_violations,
    run_axe,
    screenshot,
)

AGENT = "agent.rosieres@portail-famille.test"

# Oscar's English an agent must not read (whole words, case-sensitive). Words French shares
# ("Actions", "Total", "Page", "Date", "Options") tell nothing and are left out.
ENGLISH = re.compile(
    r"\b(Dashboard|Submit|Search|Bulk|Delete|Cancel|Edit|View|Save|Previous|Next|Filter|"
    r"Welcome|Log out|Return to site|Orders?|Customers?|Showing|results?|Download|Select all|"
    r"selected|Apply|Status|Date of purchase|No \w+ found|Go|Details|Home|Oscar|Account|"
    r"Change|Update|Add|Remove|Back|Print|Sort|Shipping|Billing|Basket|Product|Price|Quantity|"
    r"Yes|No)\b"
)
# What a crawl must not follow: files, the logout, links that print or export.
SKIPPED = re.compile(r"(export|\.csv|\.pdf|imprimer|print|logout|/recu/|/receipt)", re.I)
# Per page, what it reads: visible text, the buttons' values, placeholders and labels, the
# title, and what opens later (dialogs such as Oscar's advanced search, a list's choices).
READ_TEXT = """() => [
    document.title,
    document.body.innerText,
    ...Array.from(document.querySelectorAll('input[type=submit], input[type=button]'))
        .map(e => e.value),
    ...Array.from(document.querySelectorAll('[placeholder]')).map(e => e.placeholder),
    ...Array.from(document.querySelectorAll('.modal, select')).map(e => e.textContent),
    ...Array.from(document.querySelectorAll('[aria-label]')).map(e => e.getAttribute('aria-label')),
].join('\\n')"""
# The outermost elements reaching past the screen's right edge, to say what widens a page.
WIDE = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right
        <= window.innerWidth + 1)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : ''))
    .join(', ')"""
NAV_LINKS = """() => Array.from(document.querySelectorAll(
    'nav a[href^="/dashboard/"], nav a[href^="http"]'
)).map(a => a.getAttribute('href'))"""
MAIN_LINKS = """() => Array.from(document.querySelectorAll('main a[href^="/dashboard/"]'))
    .map(a => a.getAttribute('href'))"""


def log_in(page, email, path="/dashboard/login/"):
    page.goto(path)
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")


def pattern(path: str) -> str:
    """A page's kind: its path with the numbers out (one detail page of each kind is enough)."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def dashboard_pages(page) -> list[str]:
    """The navigation's pages, then one page of each kind their main content links to."""
    page.goto("/dashboard/")
    menu = [urlsplit(href).path for href in page.evaluate(NAV_LINKS)]
    menu = list(dict.fromkeys(p for p in menu if p.startswith("/dashboard/") and p != "#"))
    menu = [p for p in menu if not SKIPPED.search(p)]
    seen = {pattern(p) for p in menu}
    details = []
    for path in menu:
        page.goto(path)
        for href in page.evaluate(MAIN_LINKS):
            if SKIPPED.search(href) or pattern(href) in seen:
                continue
            seen.add(pattern(href))
            details.append(href)
    return menu + details


def problems_of(page, path: str, *, check_width: bool) -> list[str]:
    response = page.goto(path)
    if response is None or response.status != 200:
        return [f"{path} answered {response and response.status}"]
    found = []
    violations = blocking_violations(run_axe(page))
    if violations:
        found.append(format_violations(violations, path))
    if check_width and not page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    ):
        width = page.evaluate("document.documentElement.scrollWidth")
        found.append(f"{path} is {width} px wide, wider than the screen: {page.evaluate(WIDE)}")
    english = sorted(set(ENGLISH.findall(page.evaluate(READ_TEXT))))
    if english:
        found.append(f"{path} shows English: {', '.join(english)}")
    return found


def place_an_order(viewport) -> None:
    """A family's order booked by the agent, so that the orders' list and an order's page have
    one to show (the demo seeds none)."""
    tag = f"crawl{viewport['width']}"
    service, meal = make_week_service(tag)
    parent = ParentFactory(email=f"{tag}@example.org", last_name=f"Commande{tag}")
    child = BeneficiaryFactory(account=parent, school_class="CP")
    accept_access(parent, meal, [child])
    ledger.credit_top_up(parent, Decimal("10.00"), reference="e2e", idempotency_key=tag)
    window = calendar_window(service, timezone.localdate(), timezone.localdate() + timedelta(90))
    agent = User.objects.get(email=AGENT)
    book_for_parent(agent, parent, service, [child], [window.open_days()[12]])


def test_every_dashboard_page_an_agent_reaches_is_accessible_french_and_fits(page, site, viewport):
    place_an_order(viewport)
    problems = problems_of(page, "/dashboard/login/", check_width=True)
    log_in(page, AGENT)
    pages = dashboard_pages(page)
    print("crawled:", *pages, sep="\n  ")
    assert len(pages) >= 10, pages

    for path in pages:
        problems += problems_of(page, path, check_width=True)
        screenshot(page, f"crawl-{pattern(path)}")
    assert not problems, "\n".join(problems)


OUR_PAGE_MODELS = (CommunePage, ServicePage, ContentPage, MenuPage, NewsIndexPage, NewsPage)


def our_page_models_edit_pages(officer) -> list[str]:
    """For each of our page models, the edit page of one page the officer may edit, else the
    page that adds one where the officer may add it."""
    paths = []
    for model in OUR_PAGE_MODELS:
        pages = model.objects.order_by("path")
        editable = next((p for p in pages if p.permissions_for_user(officer).can_edit()), None)
        if editable is not None:
            paths.append(f"/cms/pages/{editable.pk}/edit/")
            continue
        parents = Page.objects.type(*model.allowed_parent_page_models()).order_by("path")
        parent = next(
            (p for p in parents if p.permissions_for_user(officer).can_add_subpage()), None
        )
        if parent is not None:
            paths.append(f"/cms/pages/add/cms/{model._meta.model_name}/{parent.pk}/")
    return paths


def test_the_wagtail_edit_pages_of_our_models_are_accessible(page, site):
    officer = User.objects.get(email=OFFICER_EMAIL)
    paths = our_page_models_edit_pages(officer)
    # The demo's officer reaches five of the six (not a week's menus), as the demo seeds them.
    assert len(paths) >= len(OUR_PAGE_MODELS) - 1, paths
    log_in(page, OFFICER_EMAIL, "/cms/login/")

    problems = []
    for path in ["/cms/", *paths]:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        page.wait_for_load_state("networkidle")  # Wagtail draws its editors after the load
        violations = blocking_violations(run_axe(page))
        if violations:
            problems.append(format_violations(violations, path))
        screenshot(page, f"wagtail-{pattern(path)}")
    # Leaving an edit page releases its editing session (a beacon): while the server may still
    # reach the database, not when the browser closes after the test.
    page.goto("/cms/")
    page.wait_for_load_state("networkidle")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", ["360x740"], indirect=True)
def test_one_menu_button_opens_the_whole_navigation_on_a_phone_by_touch_and_keyboard(
    browser, site, viewport
):
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        base_url=site.url,
        locale="fr-FR",
        has_touch=True,
        is_mobile=True,
    )
    context.set_default_timeout(10_000)
    try:
        walk_the_phone_menu(context.new_page())
    finally:
        context.close()


def walk_the_phone_menu(page):
    log_in(page, AGENT)
    toggles = page.locator(".navbar-toggler:visible")
    assert toggles.count() == 1  # Oscar drew one per bar
    menu = page.locator("#bottom_nav_bar")
    assert menu.is_hidden()
    brand = page.locator(".navbar-brand")
    assert brand.inner_text().split("\n")[0] == "Portail Famille"
    assert "Rosières" in brand.inner_text()
    # Not Oscar's logo (its stylesheet draws it as the brand's background) nor its icon.
    assert brand.evaluate("e => getComputedStyle(e).backgroundImage") == "none"
    assert page.locator("link[rel~=icon]").get_attribute("href") == "data:,"

    toggles.tap()
    menu.wait_for(state="visible")
    page.locator("#top_nav_bar").wait_for(state="visible")  # both bars, one button
    expect(page.locator(".collapsing")).to_have_count(0)  # Bootstrap's animation ended
    page.get_by_role("button", name="Familles").tap()
    page.get_by_role("link", name="Journal des actions").tap()
    page.wait_for_url("**/dashboard/familles/journal/")
    screenshot(page, "phone-menu-by-touch")

    # By keyboard: the skip link first, then the menu button; the menu opens with Enter and its
    # entries follow in the tab order.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('navbar-toggler')")
    page.keyboard.press("Enter")
    menu.wait_for(state="visible")
    families = page.get_by_role("button", name="Familles")
    families.focus()
    page.keyboard.press("Enter")
    entry = page.get_by_role("link", name="Effectifs du jour")
    entry.wait_for(state="visible")
    entry.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/familles/effectifs/**")
    screenshot(page, "phone-menu-by-keyboard")
    assert_accessible(page)
