"""The demo's post-paid service, seeded on a clock of December 2026: Bains' canteen invoiced
after the fact, September and October billed (the Petit and Roux invoices numbered, every
attendance state on them), November pointed and ready for its billing run, the Roux' SEPA
mandate, Bains' debt threshold; a second seed changes nothing."""

from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from oscar.core.loading import get_model

from billing.models import BillingRun, DebtThreshold, Invoice, InvoiceStatus, SepaMandate
from reservations.models import Attendance
from reservations.rules import PARIS
from wallet import integrity
from wallet.models import ServiceRegie

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
DEMO_DAY = datetime(2026, 12, 4, 9, 0, tzinfo=PARIS)


def seed():
    with time_machine.travel(DEMO_DAY, tick=False):
        call_command("seed_demo", stdout=StringIO())


def test_the_demo_bills_two_months_of_bains_canteen_and_leaves_the_third_ready():
    seed()
    canteen = Product.objects.get(upc="bains-cantine")
    link = ServiceRegie.objects.get(service=canteen)
    assert link.post_paid
    runs = dict(BillingRun.objects.filter(regie=link.regie).values_list("period", "status"))
    assert runs == {date(2026, 9, 1): "final", date(2026, 10, 1): "final"}
    petit = Invoice.objects.filter(owner__email="sophie.petit@example.org")
    assert petit.count() == 2
    assert set(petit.values_list("status", flat=True)) == {InvoiceStatus.ISSUED}
    states = set(petit.values_list("lines__state", flat=True))
    assert states == {"present", "absent", "present_unbooked"}  # the justified one is off
    november = Attendance.objects.filter(service=canteen, date__month=11)
    assert november.exists() and not november.filter(locked_at__isnull=False).exists()
    assert SepaMandate.objects.filter(owner__email="nicolas.roux@example.org").count() == 1
    assert DebtThreshold.objects.get(commune__name="Bains").amount > 0
    assert integrity.check_ledger().ok

    counts = (Invoice.objects.count(), Attendance.objects.count(), SepaMandate.objects.count())
    seed()
    assert (Invoice.objects.count(), Attendance.objects.count(), SepaMandate.objects.count()) == (
        counts
    )
