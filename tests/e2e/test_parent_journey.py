"""The seeds' whole journey in Chromium, at 360 and 1280 px, through the themed site and the
agents' dashboard: a parent creates an account, an agent validates it, the parent adds two
children and asks access to Rosières' canteen with a document, the agent accepts, the parent
tops up 50 €, books 10 days (5 per child) paid by the wallet, cancels one and sees the refund.

Every page the parent sees is screenshotted (var/e2e-artifacts/<viewport>/) and checked by
axe-core (no serious or critical violation); so are the agent's dashboard pages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from reservations.models import Booking, BookingStatus, ServiceAccess

from .helpers import assert_accessible, screenshot

PASSWORD = "Jardin-Potager-2026!"
AGENT = "agent.rosieres@portail-famille.test"
DEMO_PASSWORD = "Portail-Demo-2026!"
CHILDREN = (("Inès", "2017-03-14"), ("Noé", "2019-09-02"))
MEALS_PER_CHILD = 5
# The smallest file that reads as a PDF (type is checked by content).
PROOF_OF_ADDRESS = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def step(page, name: str) -> None:
    """A page of the journey: screenshot it, then check it with axe-core."""
    page.wait_for_load_state("load")
    screenshot(page, name)
    assert_accessible(page)


def euros(text: str) -> Decimal:
    """'12,50 €' (any spaces) -> Decimal('12.50')."""
    match = re.search(r"(-?\d[\d\s\u202f\u00a0]*,\d{2})", text)
    assert match, f"no amount in {text!r}"
    return Decimal(re.sub(r"[\s\u202f\u00a0]", "", match[1]).replace(",", "."))


def add_month(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


@pytest.fixture
def agent_page(browser, site, viewport):
    """The Rosières agent, logged in to the Oscar dashboard in their own browser context."""
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        base_url=site.url,
        locale="fr-FR",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    yield page
    context.close()


def test_a_new_family_goes_from_account_creation_to_a_refunded_cancellation(
    page, agent_page, site, viewport, outbox
):
    email = f"famille.{viewport['name']}@example.org"

    # 1. Public home → "Créer ou accéder à mon compte usager".
    page.goto("/")
    step(page, "home")
    page.get_by_role("link", name="Créer ou accéder à mon compte usager").first.click()
    page.wait_for_url("**/inscription/")
    step(page, "register")

    # 2. Registration, with the password rules ticked live as the parent types.
    page.fill("#id_first_name", "Camille")
    page.fill("#id_last_name", f"Durand {viewport['width']}")
    page.fill("#id_email", email)
    page.locator("#id_password").press_sequentially(PASSWORD, delay=5)
    rules = page.locator("[data-password-rules] li, .password-rules li")
    page.wait_for_function(
        """() => {
            const rules = document.querySelectorAll("[data-password-rules] li, .password-rules li");
            return rules.length > 0 && [...rules].every(
                (rule) => rule.matches(".is-met, [data-met=true], .rule--met")
            );
        }"""
    )
    assert rules.count() >= 4
    screenshot(page, "register-filled")
    page.get_by_label(re.compile("J'accepte les conditions")).check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/espace/en-attente/")
    step(page, "awaiting-validation")
    assert User.objects.get(email=email).validated_at is None

    # 3. The agent validates the account in the dashboard.
    agent_page.goto(reverse("families-dashboard:account-list"))
    row = agent_page.locator("tr", has_text=email)
    step(agent_page, "agent-accounts")
    row.get_by_role("button", name="Valider").click()
    agent_page.wait_for_load_state("load")
    assert User.objects.get(email=email).validated_at is not None

    # 4. The parent's space opens; two children in "Mes filiations".
    page.goto("/espace/")
    assert page.url.endswith("/espace/")
    step(page, "space")
    page.get_by_role("link", name="Mes filiations").first.click()
    step(page, "beneficiaries-empty")
    for first_name, birth_date in CHILDREN:
        page.get_by_role("link", name="Ajouter une filiation").click()
        page.fill("#id_last_name", "Durand")
        page.fill("#id_first_name", first_name)
        page.fill("#id_birth_date", birth_date)
        page.select_option("#id_relation", "mere")
        if first_name == CHILDREN[0][0]:
            step(page, "beneficiary-form")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        page.wait_for_url("**/espace/filiations/")
    step(page, "beneficiaries")
    for first_name, _ in CHILDREN:
        assert page.get_by_text(first_name).first.is_visible()

    # 5. "Mes services": access to Rosières' canteen for both, with a proof of address.
    page.get_by_role("link", name="Mes services").first.click()
    step(page, "services")
    page.get_by_role(
        "link", name=re.compile("Demander l'accès.*Réservation cantine pour enfants")
    ).first.click()
    step(page, "access-request")
    for first_name, _ in CHILDREN:
        page.get_by_label(re.compile(first_name)).check()
    for file_input in page.locator("input[type=file]").all():
        file_input.set_input_files(
            {"name": "justificatif.pdf", "mimeType": "application/pdf", "buffer": PROOF_OF_ADDRESS}
        )
    if page.locator("#id_reference_tax_income").count():
        page.fill("#id_reference_tax_income", "21 000")
        page.fill("#id_tax_shares", "3")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state("load")
    step(page, "access-requested")
    access = ServiceAccess.objects.get(account__email=email)
    assert access.status == "pending"

    # 6. The agent examines and accepts the request.
    agent_page.goto(reverse("families-dashboard:access-detail", kwargs={"pk": access.pk}))
    step(agent_page, "agent-access-request")
    agent_page.fill("#id_tariff_bracket", "QF 2")
    agent_page.get_by_role("button", name="Accepter la demande").click()
    agent_page.wait_for_load_state("load")
    access.refresh_from_db()
    assert access.status == "accepted"

    # 7. "Mon porte-monnaie": a 50 € top-up through the offline test gateway.
    page.goto("/espace/porte-monnaie/")
    step(page, "wallet-empty")
    page.get_by_role("button", name=re.compile(r"50,00")).click()
    page.wait_for_url(re.compile(r"/espace/porte-monnaie/recharge/\d+/$"))
    step(page, "top-up")
    page.get_by_role("button", name=re.compile("Confirmer le paiement de 50,00")).click()
    page.wait_for_url("**/espace/porte-monnaie/**")
    assert page.get_by_text(re.compile("crédité de 50,00")).first.is_visible()
    step(page, "wallet-topped-up")

    # 8. The month calendar: both children, 5 bookable days each.
    page.get_by_role("link", name="Réserver").first.click()
    page.wait_for_load_state("load")
    service_select = page.locator("select[name=service]")
    if service_select.count():
        canteen = service_select.locator("option", has_text="Cantine de Rosières").first
        service_select.select_option(value=canteen.get_attribute("value"))
    for first_name, _ in CHILDREN:
        page.get_by_label(re.compile(first_name)).first.check()
    page.get_by_role("button", name="Afficher le calendrier").click()
    page.wait_for_load_state("load")
    month = page.url
    picked = pick_days(page, month)
    step(page, "calendar-picked")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_load_state("load")
    step(page, "calendar-added")

    # 9. Basket, then checkout paid by the wallet.
    page.goto("/espace/panier/")
    step(page, "basket")
    assert page.locator("input[name=ligne]").count() == len(picked) == 2 * MEALS_PER_CHILD
    page.get_by_role("link", name=re.compile("Payer")).first.click()
    page.wait_for_url("**/espace/panier/paiement/")
    page.get_by_label(re.compile("^Porte-monnaie")).first.check()
    step(page, "checkout")
    page.get_by_role("button", name=re.compile("Payer")).click()
    page.wait_for_url(re.compile(r"/espace/commandes/[^/]+/confirmation/$"))
    step(page, "order-confirmation")
    booked = Booking.objects.filter(account__email=email, status=BookingStatus.CONFIRMED)
    assert booked.count() == 2 * MEALS_PER_CHILD

    # 10. "Mes réservations": cancel one meal, in time, after a confirmation.
    page.get_by_role("link", name="Mes réservations").first.click()
    page.wait_for_url("**/espace/reservations/**")
    step(page, "bookings")
    page.get_by_role("link", name=re.compile(r"^Annuler le repas")).first.click()
    page.wait_for_url(re.compile(r"/espace/reservations/\d+/annuler/$"))
    step(page, "cancel-confirmation")
    page.get_by_role("button", name="Confirmer l'annulation").click()
    page.wait_for_load_state("load")
    refund_message = page.locator(".message--success").first
    assert "rembours" in refund_message.inner_text()
    refunded = euros(refund_message.inner_text())
    step(page, "cancelled")
    assert booked.count() == 2 * MEALS_PER_CHILD - 1
    assert refunded > 0

    # 11. The refund shows in "Mon porte-monnaie".
    page.get_by_role("link", name="Mon porte-monnaie").first.click()
    page.wait_for_url("**/espace/porte-monnaie/")
    step(page, "wallet-refunded")
    movements = page.locator("table").last.inner_text()
    assert re.search(r"\+\s?" + f"{refunded:.2f}".replace(".", ","), movements), movements


def pick_days(page, first_month_url: str) -> list[str]:
    """Tick MEALS_PER_CHILD bookable days for each child (`repas` checkboxes, valued
    "<child id>:<date>"), moving on to the next month when this one has too few left."""
    for _ in range(4):
        boxes = page.locator("input[name=repas]:not([disabled])")
        by_child: dict[str, list] = {}
        for box in boxes.all():
            child = box.get_attribute("value").split(":")[0]
            by_child.setdefault(child, []).append(box)
        if len(by_child) == len(CHILDREN) and all(
            len(days) >= MEALS_PER_CHILD for days in by_child.values()
        ):
            picked = []
            for days in by_child.values():
                for box in days[:MEALS_PER_CHILD]:
                    box.check()
                    picked.append(box.get_attribute("value"))
            return picked
        page.get_by_role("link", name=re.compile("Mois suivant")).first.click()
        page.wait_for_load_state("load")
    raise AssertionError(f"fewer than {MEALS_PER_CHILD} bookable days from {first_month_url}")
