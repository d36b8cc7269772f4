"""An agent of Rosières points a canteen day in Chromium, on a tablet (768 px) as on the suite's
phone and desktop widths: the booked children by class with PAI and diet, a state chosen with
the keyboard and one by touch, a child added as present without booking, one save; then the
day billed, read-only with its reason. axe-core on each screen, screenshots of each step."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from reservations.attendance import lock_attendance
from reservations.calendars import calendar_window
from reservations.headcount import next_service_day
from reservations.models import Attendance, Diet
from tests.booking_factories import accept_access, make_booking
from tests.factories import ParentFactory
from tests.reservations_factories import BeneficiaryFactory

from .helpers import assert_accessible, screenshot

Product = get_model("catalogue", "Product")

AGENT = "agent.rosieres@portail-famille.test"
PASSWORD = "Portail-Demo-2026!"
# The suite's widths and a tablet's: the pointage is done standing, tablet in hand.
VIEWPORTS = {"360x740": (360, 740), "768x1024": (768, 1024), "1280x900": (1280, 900)}


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    width, height = VIEWPORTS[request.param]
    return {"name": request.param, "width": width, "height": height}


@pytest.fixture
def canteen(site):
    return Product.objects.get(upc="rosieres-cantine"), Product.objects.get(
        upc="rosieres-cantine-enfants"
    )


def log_in(page):
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")


def far_service_day(service, index: int):
    """A service day months ahead, one per viewport: no other test books or bills it."""
    start = next_service_day(service, timezone.localdate())
    return calendar_window(service, start, start + timedelta(days=200)).open_days()[60 + index]


# Each test of this module has its own family and day (the data is shared by the run).
TESTS = (
    "test_an_agent_points_a_day_then_finds_it_read_only_once_billed",
    "test_a_parent_justifies_an_absence_and_the_agent_accepts_it",
)


@pytest.fixture
def children(request, canteen, viewport):
    service, meal = canteen
    tag = viewport["width"]
    test = TESTS.index(request.function.__name__)
    parent = ParentFactory(
        email=f"e2e.pointage{test}.{viewport['name']}@example.org",
        last_name=f"Pointage{tag}",
    )
    lea = BeneficiaryFactory(
        account=parent,
        first_name="Léa",
        school_class="CP",
        has_pai=True,
        pai_details=f"Arachide {tag}",
        diet=Diet.NO_PORK,
    )
    tom = BeneficiaryFactory(account=parent, first_name="Tom", school_class="CM1")
    hugo = BeneficiaryFactory(account=parent, first_name="Hugo", school_class="CE2")
    accept_access(parent, meal, [lea, tom, hugo])
    index = list(VIEWPORTS).index(viewport["name"])
    # The pointage is of a day to come; a certificate justifies a day past, long before any
    # month the demo bills.
    day = (
        far_service_day(service, index)
        if test == 0
        else timezone.localdate() - timedelta(days=300 + index)
    )
    for child in (lea, tom):
        make_booking(child, service=service, tariff_option=meal, day=day)
    return {"day": day, "lea": lea, "tom": tom, "hugo": hugo}


def state(page, child, value):
    return page.locator(f'input[name="state-{child.pk}"][value="{value}"]')


def test_an_agent_points_a_day_then_finds_it_read_only_once_billed(
    page, site, canteen, children, viewport
):
    service, _meal = canteen
    day, lea, tom, hugo = children["day"], children["lea"], children["tom"], children["hugo"]
    log_in(page)

    page.goto(f"/dashboard/familles/pointage/?service={service.pk}&date={day.isoformat()}")
    assert page.locator("h1").inner_text().startswith("Pointage du ")
    row = page.locator(".pointage-row", has=state(page, lea, "present"))
    assert row.get_by_text("PAI", exact=True).count() == 1
    assert row.get_by_text(f"Arachide {viewport['width']}").count() == 1
    assert row.get_by_text("Sans porc").count() == 1
    assert state(page, lea, "present").is_checked()
    # Large targets: each choice is at least 44 px high (WCAG 2.5.5), at every width.
    target = page.locator("label.pointage-state", has=state(page, tom, "absent")).bounding_box()
    assert target["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "pointage-day")
    assert_accessible(page)

    # Keyboard: into Léa's group, the arrow moves the choice to "Absent".
    state(page, lea, "present").focus()
    page.keyboard.press("ArrowRight")
    assert state(page, lea, "absent").is_checked()
    # Touch: Tom's "Absence justifiée" tapped on its label.
    page.locator("label.pointage-state", has=state(page, tom, "absent_justified")).click()
    page.locator("#pointage_unbooked summary").click()
    page.locator(f'input[name="unbooked"][value="{hugo.pk}"]').check()
    screenshot(page, "pointage-marked")
    page.locator("#pointage_save").click()
    page.wait_for_load_state()

    assert page.get_by_text(f"Pointage du {day:%d/%m/%Y} enregistré.").count() == 1
    recorded = dict(
        Attendance.objects.filter(service=service, date=day).values_list(
            "beneficiary__first_name", "state"
        )
    )
    assert recorded == {"Léa": "absent", "Tom": "absent_justified", "Hugo": "present_unbooked"}
    assert state(page, tom, "absent_justified").is_checked()
    screenshot(page, "pointage-saved")
    assert_accessible(page)

    lock_attendance(service.pk, [day])
    page.reload()
    assert "la journée a été facturée le" in page.locator("#pointage_locked").inner_text()
    assert state(page, lea, "absent").is_disabled()
    assert page.locator("#pointage_save").count() == 0
    screenshot(page, "pointage-locked")
    assert_accessible(page)


def test_a_parent_justifies_an_absence_and_the_agent_accepts_it(
    page, context, site, canteen, children, viewport, outbox
):
    from tests.access_factories import PDF_BYTES
    from tests.factories import DEFAULT_PASSWORD

    service, _meal = canteen
    lea, day = children["lea"], children["day"]
    parent = lea.account
    page.goto("/connexion/")
    page.fill("#id_email", parent.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace/**")

    page.goto("/espace/reservations/")
    page.get_by_role("link", name="Justifier une absence (certificat médical)").click()
    page.wait_for_url("**/espace/reservations/absences/")
    screenshot(page, "absence-form")
    assert_accessible(page)
    page.get_by_label("Enfant").select_option(label="Léa")
    page.get_by_label("Service").select_option(label=service.title)
    page.get_by_label("Absent à partir du").fill(day.isoformat())
    page.get_by_label("Jusqu'au (inclus)").fill(day.isoformat())
    page.get_by_label("Certificat médical ou justificatif").set_input_files(
        {"name": "certificat.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Envoyer le justificatif").click()
    page.wait_for_load_state()
    assert page.get_by_text("Justificatif envoyé").count() == 1
    assert page.locator(".justifications li", has_text="En attente").count() == 1
    screenshot(page, "absence-sent")
    assert_accessible(page)

    context.clear_cookies()
    log_in(page)
    page.goto("/dashboard/familles/justificatifs/")
    page.get_by_role("link", name=str(lea)).first.click()
    page.wait_for_url("**/justificatifs/*/")
    screenshot(page, "absence-review")
    assert_accessible(page)
    page.locator("#justification_accept").click()
    page.wait_for_load_state()
    assert page.locator("#justification_status").inner_text().startswith("Acceptée")
    assert Attendance.objects.get(beneficiary=lea, date=day).state == "absent_justified"
    (email,) = [m for m in outbox if m.to == [parent.email]]
    assert "d'absence accepté" in email.subject
