"""Issue 16, done when: in Chromium at 360 and 1280 px, on the demo, Bains' agent runs the
billing of last month for its post-paid canteen and downloads the SEPA file (valid against the
pain.008 schema); then Sophie Petit pays one of her invoices online (the offline test gateway).

The two viewports share the demo: the second finds last month billed already, and a file made
by the first (no invoice left to debit), and pays her next unpaid invoice. Each page is
screenshotted (var/e2e-artifacts/<viewport>/) and checked by axe-core."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import sepaxml
import xmlschema
from django.utils import timezone

from billing.models import BillingRun, Invoice, InvoiceStatus
from config.demo import DEMO_PASSWORD, INVOICED_PARENT_EMAIL
from wallet import integrity
from wallet.models import Regie

from .helpers import api_log_in, assert_accessible, screenshot

AGENT = "agent.bains@portail-famille.test"


def step(page, name: str) -> None:
    page.wait_for_load_state("load")
    screenshot(page, name)
    assert_accessible(page)


def last_month():
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def test_the_agent_runs_last_months_billing_and_downloads_the_sepa_file(page, site):
    regie = Regie.objects.get(code="bains-cantine")
    month = last_month()
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/dashboard/")

    page.goto("/dashboard/facturation/")
    page.wait_for_url(f"**/dashboard/facturation/regies/{regie.pk}/")
    step(page, "billing-home")
    already = BillingRun.objects.filter(regie=regie, period=month, status="final").exists()
    page.fill("#id_month", f"{month:%Y-%m}")
    page.get_by_role("button", name="Facturation définitive").click()
    page.wait_for_load_state("load")
    body = page.locator("body").inner_text()
    if already:
        assert "déjà facturé" in body, body
    else:
        assert f"facture(s) émise(s) pour {month:%m/%Y}" in body, body
        step(page, "billing-invoices")
    numbered = Invoice.objects.filter(regie=regie, period=month)
    assert numbered.exists() and not numbered.filter(number__isnull=True).exists()
    page.goto(f"/dashboard/facturation/regies/{regie.pk}/factures/?mois={month:%Y-%m}")
    step(page, "billing-invoice-list")
    page.locator("#invoices tbody a").first.click()
    page.wait_for_url(re.compile(r"/dashboard/facturation/factures/\d+/$"))
    step(page, "billing-invoice-detail")
    assert "Présent" in page.locator("#invoice_lines").inner_text()

    page.goto(f"/dashboard/facturation/regies/{regie.pk}/prelevements/")
    page.fill("#id_collection_date", f"{timezone.localdate() + timedelta(days=7):%Y-%m-%d}")
    page.get_by_role("button", name="Préparer le fichier de prélèvements").click()
    page.wait_for_load_state("load")
    body = page.locator("body").inner_text()
    assert "Fichier de prélèvements prêt" in body or "Aucune facture à prélever" in body, body
    step(page, "billing-debits")
    with page.expect_download() as download:
        page.locator("a.batch-xml").first.click()
    xml = download.value.path().read_bytes().decode("utf-8")
    schema = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd")
    xmlschema.XMLSchema(schema).validate(xml)
    assert "RUM-BAINSCANTINE-" in xml
    assert integrity.check_ledger().ok


def test_the_parent_pays_an_invoice_online(page, site):
    api_log_in(page.context, site.url, INVOICED_PARENT_EMAIL, DEMO_PASSWORD)
    page.goto("/espace/factures/")
    step(page, "invoices")
    row = page.locator("table.invoices tbody tr", has_text="À payer").first
    number = row.get_by_role("link").inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/espace/factures/\d+/$"))
    step(page, "invoice-detail")
    assert "Détail : chaque journée et son calcul" in page.locator("main").inner_text()

    page.get_by_role("button", name="Payer en ligne (carte bancaire)").click()
    page.wait_for_url(re.compile(r"/espace/factures/\d+/paiement/\d+/$"))
    step(page, "invoice-payment")
    page.get_by_role("button", name=re.compile("Confirmer le paiement de")).click()
    page.wait_for_url(re.compile(r"/espace/factures/\d+/$"))
    assert "votre facture est réglée" in page.locator("body").inner_text()
    step(page, "invoice-paid")
    invoice = Invoice.objects.get(number=number)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.payments.get().method == "card"
    assert integrity.check_ledger().ok
