"""An agent books for a family in Chromium, at 360 and 1280 px: each child's checkbox takes a
mouse click (the second one used to sit under the dates field), the weekday boxes too, and the
form works by keyboard; the meals are booked and paid from the family's wallet."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config.demo import DEMO_PASSWORD, PARENT_EMAIL
from reservations.models import Beneficiary, Booking, BookingStatus
from reservations.month import month_calendar
from wallet import ledger

from .helpers import assert_accessible, screenshot

AGENT = "agent.rosieres@portail-famille.test"


def two_days_both_children_can_book(claire, children, skip: int) -> list:
    """Two days of the Rosières canteen both children may still book, after `skip` such days."""
    today = timezone.localdate()
    common = []
    for months_ahead in range(3):
        month = (today.replace(day=1) + timedelta(days=32 * months_ahead)).replace(day=1)
        calendar = month_calendar(
            account=claire, beneficiary_ids=[c.pk for c in children], month=month,
            now=timezone.now(),
        )  # fmt: skip
        bookable = []
        for child_month in calendar:
            days = set()
            for service in child_month.services:
                if service.service["title"].startswith("Cantine de Rosières"):
                    days |= {e.date for e in service.days if e.state == "bookable"}
            bookable.append(days)
        common += sorted(set.intersection(*bookable))
        if len(common) >= skip + 2:
            return common[skip : skip + 2]
    raise AssertionError("no two days both children can book at the Rosières canteen")


def test_an_agent_books_two_children_with_the_mouse_on_any_screen(browser, site, viewport):
    claire = User.objects.get(email=PARENT_EMAIL)
    children = list(
        Beneficiary.objects.filter(account=claire).exclude(relation="moi").order_by("birth_date")
    )
    days = two_days_both_children_can_book(claire, children, 0 if viewport["width"] < 800 else 2)
    ledger.credit_top_up(
        claire, Decimal("50.00"), reference="e2e", idempotency_key=f"e2e-book-{viewport['name']}"
    )
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        base_url=site.url,
        locale="fr-FR",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/dashboard/login/")
        page.fill("#id_username", AGENT)
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("#id_password").press("Enter")
        page.goto(reverse("bookings-dashboard:family-book", kwargs={"pk": claire.pk}))
        screenshot(page, "book-for-family")
        assert_accessible(page)

        form = page.locator("#book_form")
        form.get_by_label("Service").select_option(label="Cantine de Rosières")
        for child in children:
            box = form.get_by_label(re.compile(child.first_name))
            box.click()  # the mouse, where the box is drawn: nothing lies over it
            assert box.is_checked(), child.first_name
        form.get_by_label("Dates").fill(", ".join(f"{d:%d/%m/%Y}" for d in days))
        form.get_by_role("button", name=re.compile("Réserver")).focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")  # by keyboard: the button has the focus
        screenshot(page, "book-for-family-booked")
        assert_accessible(page)
    finally:
        context.close()

    booked = Booking.objects.filter(
        account=claire, date__in=days, status=BookingStatus.CONFIRMED, booked_by_role="agent"
    )
    assert sorted((b.beneficiary_id, b.date) for b in booked) == sorted(
        (c.pk, d) for c in children for d in days
    )
