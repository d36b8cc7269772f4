"""The parent's pages in English leave no French behind: the demo parent (orders, bookings, a
wallet with movements) switches the site to English, and every page of the space, an order, the
statement and the footer are read for French words. Names are not translated: the communes,
services, tariff options, régies, children and the CMS pages' titles are taken out first.
Money reads one way in English: "€3.30"."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from cms.models import CommunePage
from reservations.models import Beneficiary, Booking, Closure, ServiceAccess
from wallet import ledger
from wallet.models import Regie

from .helpers import screenshot

Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")

PARENT = "claire.martin@example.org"
PASSWORD = "Portail-Demo-2026!"
CANTEEN = "Cantine de Rosières"
PAGES = (
    "/espace/",
    "/espace/informations/",
    "/espace/filiations/",
    "/espace/services/",
    "/espace/reserver/",
    "/espace/reserver/periode/",
    "/espace/panier/",
    "/espace/porte-monnaie/",
    "/espace/reservations/",
    "/espace/reservations/?vue=calendrier",
    "/espace/commandes/",
    "/espace/mes-emails/",
    "/espace/mes-donnees/",
)
# Words of the French interface that English never uses (accents, articles, the booking
# vocabulary); matched as whole words, case-insensitively.
FRENCH = re.compile(
    r"\b(le|la|les|des|du|au|aux|et|ou|pour|avec|votre|vos|vous|est|sont|une|un|dans|sur|"
    r"repas|réservation|réservations|réservé|réserver|commande|commandes|porte-monnaie|"
    r"solde|panier|payer|payée?s?|annuler|annulée?s?|mois|semaine|jours?|enfants?|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|février|mars|avril|mai|"
    r"juin|juillet|août|septembre|octobre|novembre|décembre|aucune?|avant|après|fermé|"
    r"mes|tous|services?\s+communaux|[a-zà-ÿ]*[éèêàçùôîû][a-zà-ÿ]*|d'|l')(?=\W|$)",
    re.IGNORECASE,
)
FRENCH_MONEY = re.compile(r"\d,\d\d\s?€")


def proper_names() -> list[str]:
    """Names as stored, longest first (so "Cantine de Rosières" goes before "Rosières")."""
    claire = get_user_model().objects.get(email=PARENT)
    names = set(Product.objects.values_list("title", flat=True))
    names |= set(Partner.objects.values_list("name", flat=True))
    names |= set(Regie.objects.values_list("name", flat=True))
    names |= set(CommunePage.objects.values_list("title", flat=True))
    from wagtail.models import Page

    names |= set(Page.objects.values_list("title", flat=True))
    for child in Beneficiary.objects.filter(account=claire):
        names |= {child.first_name, child.last_name, str(child)}
    names |= {claire.first_name, claire.last_name, claire.get_full_name(), claire.email}
    # What agents typed: a tariff bracket, a closure's reason.
    names |= set(ServiceAccess.objects.values_list("tariff_bracket", flat=True))
    names |= set(Closure.objects.values_list("reason", flat=True))
    from themes.models import ThemeSettings

    for theme in ThemeSettings.objects.all():
        names.add(theme.display_name)
        names |= {link.value.get("label") or "" for link in theme.footer_links}
    return sorted((name for name in names if name), key=len, reverse=True)


def french_left(text: str, names: list[str]) -> list[str]:
    for name in names:
        text = text.replace(name, " ")
    # Addresses and e-mails are data too; the language switch says "Français" in French; a
    # régie keeps its French name in English (there is no English word for it).
    text = re.sub(r"\S+@\S+", " ", text)
    text = re.sub(r"\bFrançais\b|\brégies?\b", " ", text, flags=re.IGNORECASE)
    found = [
        text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " | ")
        for m in FRENCH.finditer(text)
    ]
    return sorted(set(found)) + FRENCH_MONEY.findall(text)


@pytest.mark.parametrize("viewport", ["1280x900"], indirect=True)
def test_every_page_of_the_parents_space_reads_in_english(page, site):
    claire = get_user_model().objects.get(email=PARENT)
    ledger.credit_top_up(
        claire, Decimal("20.00"), reference="e2e english", idempotency_key=f"e2e-en-{uuid.uuid4()}"
    )
    names = proper_names()
    page.goto("/connexion/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#id_email", PARENT)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/espace/reserver/")
    # A meal booked and paid by wallet: an order, a statement movement, a booking.
    canteen = Product.objects.get(title=CANTEEN)
    page.goto(f"/espace/reserver/?service={canteen.pk}")
    page.locator("input[data-day]").first.check()
    page.locator("[data-action-bar] button[name=payer]").click()
    page.wait_for_url("**/espace/panier/paiement/")
    page.locator("input[name=payment_method][value=wallet]").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/confirmation/$"))
    order = Order.objects.filter(user=claire).order_by("-date_placed").first()
    booking = Booking.objects.filter(order_number=order.number).first()

    problems = {}
    extra = (f"/espace/commandes/{order.number}/", f"/espace/reservations/{booking.pk}/annuler/")
    for path in (page.url, *PAGES, *extra):
        page.goto(path)
        text = page.locator("body").inner_text()
        left = french_left(text, names)
        if left:
            problems[path] = left
        if "€" in text:
            assert re.search(r"€\d", text), f"{path}: no amount written €3.30"
    screenshot(page, "english-order")
    assert not problems, "\n".join(f"{path}: {words}" for path, words in problems.items())
