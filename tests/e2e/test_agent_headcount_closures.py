"""An agent of Rosières in Chromium, at 1280 and 360 px: the headcount (default day, the
canteen chosen, next and previous service day), closing a class's day with its preview and
confirmation, and the caterer's page with its frozen headcounts; axe-core on each screen."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from reservations.calendars import calendar_window
from reservations.caterer import freeze_due_headcounts, freeze_headcount
from reservations.headcount import next_service_day
from reservations.models import Booking, BookingStatus, Diet, HeadcountSnapshot
from tests.booking_factories import make_booking
from tests.factories import ParentFactory
from tests.reservations_factories import BeneficiaryFactory

from .helpers import assert_accessible, screenshot, wait_for_email

Product = get_model("catalogue", "Product")

AGENT = "agent.rosieres@portail-famille.test"
PASSWORD = "Portail-Demo-2026!"


@pytest.fixture
def canteen(site):
    service = Product.objects.get(upc="rosieres-cantine")
    return service, Product.objects.get(upc="rosieres-cantine-enfants")


def log_in(page):
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")


def family(viewport, school_class, group, **fields):
    """A family of this test and viewport, its child in `school_class` and `group`."""
    parent = ParentFactory(
        email=f"e2e.effectifs.{viewport['name']}.{group or school_class}@example.org".lower(),
        last_name=f"Effectif{viewport['width']}",
    )
    return BeneficiaryFactory(
        account=parent,
        first_name=f"Enfant{school_class}",
        school_class=school_class,
        group=group,
        **fields,
    )


def book(canteen, beneficiary, day):
    return make_booking(beneficiary, service=canteen[0], tariff_option=canteen[1], day=day)


def service_days(service, count):
    """The next `count` service days of `service` after its next one (a closure test keeps
    clear of the days others book)."""
    start = next_service_day(service, timezone.localdate())
    return calendar_window(service, start, start + timedelta(days=120)).open_days()[:count]


def shown_day(page):
    return parse_qs(urlsplit(page.url).query)["date"][0]


def test_the_headcount_opens_on_a_service_day_and_walks_to_the_next_and_previous(
    page, site, canteen, viewport
):
    day = next_service_day(canteen[0], timezone.localdate())
    tag = viewport["name"]
    book(
        canteen,
        family(viewport, "CP", f"Hiboux {tag}", has_pai=True, pai_details=f"Œuf {tag}"),
        day,
    )
    book(canteen, family(viewport, "CE1", "", diet=Diet.NO_PORK), day)
    log_in(page)

    page.goto("/dashboard/familles/effectifs/")
    assert page.locator("main").count() == 1
    assert re.match(r"Effectifs du \w+ \d+ \w+", page.locator("h1").inner_text())
    screenshot(page, "headcount-default")
    assert_accessible(page)

    page.select_option("#id_service", label=canteen[0].title)
    page.fill("#id_date", day.isoformat())
    page.get_by_role("button", name="Afficher", exact=True).click()
    page.wait_for_url("**date=*")
    table = page.locator("#headcount_totals")
    assert table.get_by_role("rowheader", name=f"CP — Hiboux {tag}").count() == 1
    assert page.get_by_role("columnheader", name="Sans porc").count() == 1
    assert page.get_by_text(f"Œuf {tag}").count() == 1
    screenshot(page, "headcount-canteen")
    assert_accessible(page)
    # On paper: the tables only, no menus, form nor buttons.
    page.emulate_media(media="print")
    assert page.locator("#headcount_form").is_hidden()
    assert page.locator("nav.navbar").first.is_hidden()
    assert page.locator("#headcount_totals").is_visible()
    screenshot(page, "headcount-print")
    page.emulate_media(media="screen")

    page.locator("#headcount_next").click()
    page.wait_for_url(lambda url: f"date={day.isoformat()}" not in url)
    next_day = shown_day(page)
    assert next_day > day.isoformat()
    screenshot(page, "headcount-next-day")
    assert_accessible(page)

    page.locator("#headcount_previous").click()
    page.wait_for_url(f"**date={day.isoformat()}")
    assert page.locator("#headcount_totals").count() == 1


def test_an_agent_closes_a_classs_day_after_its_preview(page, site, canteen, viewport, outbox):
    # A day of its own per viewport, a week or two ahead of the days other tests book.
    day = service_days(canteen[0], 12)[5 if viewport["width"] > 400 else 8]
    group = f"Sortie {viewport['name']}"
    leaving = book(canteen, family(viewport, "CM2", group), day)
    staying = book(canteen, family(viewport, "CM1", ""), day)
    log_in(page)

    page.goto("/dashboard/familles/fermetures/")
    assert page.locator("main").count() == 1
    page.select_option("#id_service", label=canteen[0].title)
    page.fill("#id_date", day.isoformat())
    page.select_option("#id_school_class", "CM2")
    page.fill("#id_group", group)
    page.fill("#id_reason", "Sortie scolaire")
    screenshot(page, "closure-form")
    assert_accessible(page)
    page.get_by_role("button", name="Voir l'aperçu").click()

    bookings = page.locator("#closure_bookings")
    bookings.wait_for()
    assert bookings.get_by_text(str(leaving.beneficiary.last_name)).count() == 1
    assert bookings.get_by_text(f"CM2 — {group}").count() == 1
    assert page.locator("#closure_refunds").get_by_text("€").count() == 1
    assert Booking.objects.get(pk=leaving.pk).status == BookingStatus.CONFIRMED
    screenshot(page, "closure-preview")
    assert_accessible(page)

    page.get_by_role("button", name="Confirmer la fermeture").click()
    page.wait_for_url("**/dashboard/familles/fermetures/")
    assert (
        page.get_by_text("sont annulés", exact=False).count()
        + page.get_by_text("est annulé", exact=False).count()
        >= 1
    )
    screenshot(page, "closure-done")
    assert_accessible(page)
    assert Booking.objects.get(pk=leaving.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=staying.pk).status == BookingStatus.CONFIRMED
    message = wait_for_email(outbox, to=leaving.account.email, subject="Fermeture exceptionnelle")
    assert "pour la classe CM2" in message.body


def test_the_caterer_page_lists_the_frozen_headcounts(page, site, canteen, viewport):
    log_in(page)
    page.goto("/dashboard/familles/effectifs/prestataire/")
    assert page.locator("main").count() == 1
    page.select_option("#id_service", label=canteen[0].title)
    page.fill("#id_email", f"cuisine.{viewport['name']}@traiteur.example.org")
    page.fill("#id_label", "Cuisine centrale")
    page.get_by_role("button", name="Ajouter cette adresse").click()
    page.wait_for_url("**/effectifs/prestataire/")
    recipients = page.locator("#caterer_recipients")
    address = f"cuisine.{viewport['name']}@traiteur.example.org"
    assert recipients.get_by_role("cell", name=address, exact=True).count() == 1

    # What the beat task does at each deadline; a day is frozen here if none is due yet.
    freeze_due_headcounts()
    if not HeadcountSnapshot.objects.filter(service=canteen[0]).exists():
        day = next_service_day(canteen[0], timezone.localdate())
        deadline = calendar_window(canteen[0], day, day).booking_deadline(day)
        freeze_headcount(canteen[0], day, deadline, timezone.now())
    page.reload()
    snapshots = page.locator("#caterer_snapshots")
    assert snapshots.get_by_text(canteen[0].title).count() >= 1
    screenshot(page, "caterer")
    assert_accessible(page)

    snapshots.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/effectifs/prestataire/\d+/$"))
    assert page.locator("#snapshot_counts").count() == 1
    assert page.locator("h1").inner_text().startswith("Effectif du ")
    screenshot(page, "caterer-snapshot")
    assert_accessible(page)
