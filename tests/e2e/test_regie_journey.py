"""Issue "Régies", done when: in Chromium at 360 and 1280 px, on the demo, a parent pays a
two-commune basket (Rosières' canteen, whose régie is on PayFiP — the fake PayFiP on 127.0.0.1,
spoken to through eopayment — and Aiguilhe's garderie, on the offline test gateway) in two card
steps; then the Rosières canteen's régisseur logs in, reads the day's journal of their régie with
the receipt, exports it as CSV, and the day's reconciliation balances.

Each page is screenshotted (var/e2e-artifacts/<viewport>/) and checked by axe-core."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.utils import timezone

from accounts.models import User
from config.demo import DEMO_PASSWORD, PARENT_EMAIL
from reservations.models import Beneficiary
from tests.fakes.payfip_server import FakePayFiP
from wallet.models import Regie, RegieShare, ShareStatus

from .helpers import api_log_in, assert_accessible, screenshot

REGISSEUR = "regisseur.rosieres@portail-famille.test"
SERVICES = ("rosieres-cantine", "aiguilhe-garderie")  # the demo's UPCs


def step(page, name: str) -> None:
    page.wait_for_load_state("load")
    screenshot(page, name)
    assert_accessible(page)


@pytest.fixture
def fake_payfip(site, settings):
    """The fake PayFiP, the demo's PayFiP account pointed at it, and our return URLs at the
    live server (eopayment builds them from WAGTAILADMIN_BASE_URL)."""
    server = FakePayFiP().start()
    settings.WAGTAILADMIN_BASE_URL = site.url
    backend = Regie.objects.get(code="rosieres-cantine").backend
    saved = dict(backend.options)
    backend.options = {**saved, "payfip_base_url": server.url}
    backend.save(update_fields=["options"])
    yield server
    backend.options = saved
    backend.save(update_fields=["options"])
    server.stop()


def bookable_days_of_both(context, base_url: str, child) -> list[str]:
    """Two days both services can still be booked for `child` (from the calendar API)."""
    from oscar.core.loading import get_model

    product = get_model("catalogue", "Product")
    ids = {upc: product.objects.get(upc=upc).pk for upc in SERVICES}
    today = timezone.localdate()
    found: dict[int, set[str]] = {pk: set() for pk in ids.values()}
    for months_ahead in range(3):
        first = (today.replace(day=1) + timedelta(days=32 * months_ahead)).replace(day=1)
        answer = context.request.get(
            urljoin(
                base_url,
                f"/api/reservations/calendar/?beneficiary={child.pk}&month={first:%Y-%m}",
            )
        )
        assert answer.ok, answer.text()[:300]
        body = answer.json()
        for month in body if isinstance(body, list) else body.get("results", [body]):
            for service in month["services"]:
                days = {d["date"] for d in service["days"] if d["state"] == "bookable"}
                found.setdefault(service["service"]["id"], set()).update(days)
        common = sorted(found[ids[SERVICES[0]]] & found[ids[SERVICES[1]]])
        if len(common) >= 2:
            return [ids, common[:2]]
    raise AssertionError("no two days bookable at both services")


def test_a_parent_pays_a_two_commune_basket_and_the_regisseur_reads_a_balanced_day(
    browser, page, site, viewport, fake_payfip
):
    claire = User.objects.get(email=PARENT_EMAIL)
    # One child per viewport: each run books its own days.
    children = Beneficiary.objects.filter(account=claire).exclude(relation="moi")
    child = children.order_by("birth_date")[0 if viewport["name"] == "360x740" else 1]
    api_log_in(page.context, site.url, PARENT_EMAIL, DEMO_PASSWORD)
    ids, days = bookable_days_of_both(page.context, site.url, child)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for upc in SERVICES:
        added = page.context.request.post(
            urljoin(site.url, "/api/reservations/basket/"),
            data={"service": ids[upc], "beneficiaries": [child.pk], "dates": days},
            headers={"X-CSRFToken": csrf, "Referer": site.url},
        )
        assert added.status == 201, added.text()[:500]

    # The basket, then the checkout page: pay everything by card.
    page.goto("/espace/panier/")
    step(page, "regie-basket")
    page.goto("/espace/panier/paiement/")
    step(page, "regie-checkout")
    page.get_by_label(re.compile("Carte bancaire", re.I)).first.check()
    page.get_by_role("button", name=re.compile("Payer")).first.click()
    page.wait_for_url(re.compile(r"/espace/commandes/\d+/paiement/$"))
    number = re.search(r"/commandes/(\d+)/", page.url)[1]
    step(page, "regie-step-1")
    body = page.locator("main").inner_text()
    assert "Paiement 1/2" in body and "Paiement 2/2" in body, body

    # Whichever step comes first, pay it: PayFiP on its (fake) page, the test gateway here.
    for _ in range(2):
        main = page.locator("main")
        if main.get_by_role("link", name=re.compile("Payer .* par carte")).count():
            main.get_by_role("link", name=re.compile("Payer .* par carte")).click()
            page.wait_for_url(re.compile(re.escape(fake_payfip.url)))
            page.get_by_role("button", name="Payer").click()
            page.wait_for_url(re.compile(re.escape(site.url)))
        else:
            main.get_by_role("button", name=re.compile("Confirmer le paiement de test")).click()
        page.wait_for_load_state("load")
    page.wait_for_url(re.compile(rf"/espace/commandes/{number}/confirmation/$"))
    step(page, "regie-paid")

    shares = RegieShare.objects.filter(order_number=number).select_related("regie")
    assert {s.regie.code: s.status for s in shares} == {
        "rosieres-cantine": ShareStatus.PAID,
        "aiguilhe-periscolaire": ShareStatus.PAID,
    }
    canteen_share = next(s for s in shares if s.regie.code == "rosieres-cantine")
    assert canteen_share.number

    # The régisseur of the Rosières canteen, in another browser context.
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        base_url=site.url,
        locale="fr-FR",
    )
    context.set_default_timeout(10_000)
    regisseur = context.new_page()
    try:
        regisseur.goto("/dashboard/porte-monnaie/regies/connexion/")
        regisseur.fill("#id_username", REGISSEUR)
        regisseur.fill("#id_password", DEMO_PASSWORD)
        regisseur.locator("#id_password").press("Enter")
        regisseur.wait_for_load_state("load")
        canteen = Regie.objects.get(code="rosieres-cantine")
        regisseur.goto(f"/dashboard/porte-monnaie/regies/{canteen.pk}/journal/")
        step(regisseur, "regie-journal")
        journal = regisseur.locator("body").inner_text()
        assert canteen_share.number in journal, journal
        with regisseur.expect_download() as download:
            regisseur.get_by_role("link", name=re.compile("CSV", re.I)).first.click()
        exported = download.value.path().read_bytes().decode("utf-8-sig")
        assert canteen_share.number in exported
        assert ";" in exported.splitlines()[0]

        regisseur.goto(f"/dashboard/porte-monnaie/regies/{canteen.pk}/rapprochement/")
        step(regisseur, "regie-reconciliation")
        verdict = regisseur.locator("#reconciliation_verdict").inner_text()
        assert verdict == "La période est équilibrée au centime.", verdict
    finally:
        context.close()
