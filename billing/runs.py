"""The billing run of one régie and month: its post-paid services' attendance priced into one
invoice per family. A preview writes drafts (never numbered, nothing locked) that the next
preview or the final run replaces; the final run locks the month's attendance first (then no
pointage can change what it reads), prices it again, and numbers the invoices from the régie's
invoice sequence, in one transaction."""

import json
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from reservations.attendance import (
    AttendanceError,
    attendance_for_month,
    lock_attendance,
    modifiers_for,
    month_bounds,
    unbooked_base_price,
)
from reservations.meals import explanation_to_json
from reservations.rules import NoTariffError
from wallet.models import CounterKind, Regie, ServiceRegie
from wallet.numbering import allocate_numbers

from . import rules
from .exceptions import BillingError
from .models import BillingRun, Invoice, InvoiceLine, InvoiceStatus, RunStatus

StockRecord = get_model("partner", "StockRecord")


def post_paid_services_of(regie: Regie) -> list[int]:
    return sorted(
        ServiceRegie.objects.filter(regie=regie, post_paid=True).values_list(
            "service_id", flat=True
        )
    )


def run_billing(
    regie: Regie, year: int, month: int, *, final: bool, by=None, now: datetime | None = None
) -> BillingRun:
    """Preview (`final` False) or issue the régie's invoices of the month; returns the run.
    The final run is refused before the month has ended, and once done (BillingError)."""
    now = now or timezone.now()
    period = date(year, month, 1)
    first, last = month_bounds(year, month)
    if final and timezone.localdate(now) <= last:
        raise BillingError(
            _("Le mois de %(month)s n'est pas terminé : facturez-le à partir du %(day)s.")
            % {"month": f"{period:%m/%Y}", "day": f"{_next(last):%d/%m/%Y}"}
        )
    service_ids = post_paid_services_of(regie)
    with transaction.atomic():
        run = _locked_run(regie, period, now, by)
        if run.status == RunStatus.FINAL:
            raise BillingError(
                _("Le mois de %(month)s est déjà facturé pour cette régie.")
                % {"month": f"{period:%m/%Y}"}
            )
        Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT).delete()
        if final:
            days = [first.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
            for service_id in service_ids:
                lock_attendance(service_id, days, by, now=now)
        drafts = rules.draft_invoices(
            billable_days(service_ids, year, month), modifiers_for(service_ids)
        )
        invoices = _write(run, drafts, final=final, now=now)
        run.status = RunStatus.FINAL if final else RunStatus.PREVIEW
        run.ran_by, run.ran_at = by, now
        run.save(update_fields=["status", "ran_by", "ran_at"])
    run.written = invoices
    return run


def _next(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _locked_run(regie, period, now, by) -> BillingRun:
    run, _created = BillingRun.objects.get_or_create(
        regie=regie,
        period=period,
        defaults={"status": RunStatus.PREVIEW, "ran_at": now, "ran_by": by},
    )
    # Two agents running the same month wait on each other: one writes, the other then sees it.
    return BillingRun.objects.select_for_update().get(pk=run.pk)


def billable_days(service_ids: list[int], year: int, month: int) -> list[rules.Day]:
    """The month's attendance of these services as billable days, each with its base price:
    the booking's frozen price, or for a presence without booking the grid's price that day."""
    communes = _communes_of(service_ids)
    days = []
    for attendance in attendance_for_month(service_ids, year, month):
        booking = attendance.booking
        if booking is not None:
            base, explanation = booking.unit_price, booking.price_explanation
            commune_id = booking.commune_id
        else:
            base, explanation = _unbooked_price(attendance)
            commune_id = communes[attendance.service_id]
        days.append(
            rules.Day(
                owner_id=attendance.beneficiary.account_id,
                beneficiary_id=attendance.beneficiary_id,
                service_id=attendance.service_id,
                commune_id=commune_id,
                date=attendance.date,
                state=attendance.state,
                base_price=base,
                price_explanation=explanation or {},
                attendance_id=attendance.pk,
                booking_id=booking.pk if booking else None,
            )
        )
    return days


def _unbooked_price(attendance):
    try:
        price = unbooked_base_price(attendance.beneficiary, attendance.service, attendance.date)
    except (AttendanceError, NoTariffError) as error:
        raise BillingError(
            _("%(name)s, le %(day)s : présence sans réservation impossible à tarifer (%(why)s).")
            % {"name": attendance.beneficiary, "day": f"{attendance.date:%d/%m/%Y}", "why": error}
        ) from error
    return price.unit_price, json.loads(explanation_to_json(price))


def _communes_of(service_ids) -> dict[int, int]:
    """Each service's commune: the partner of its tariff options' stock records."""
    rows = StockRecord.objects.filter(product__parent_id__in=service_ids).values_list(
        "product__parent_id", "partner_id"
    )
    return dict(rows)


def _write(run, drafts, *, final: bool, now) -> list[Invoice]:
    drafts = [draft for draft in drafts if draft.total > 0]
    issued_on = timezone.localdate(now)
    numbers = (
        allocate_numbers(run.regie, issued_on.year, len(drafts), CounterKind.INVOICE)
        if final
        else [None] * len(drafts)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            regie=run.regie,
            owner_id=draft.owner_id,
            run=run,
            period=run.period,
            status=InvoiceStatus.ISSUED if final else InvoiceStatus.DRAFT,
            number=number,
            year=issued_on.year if final else None,
            total=draft.total,
            issued_at=now if final else None,
            due_date=rules.due_date(issued_on) if final else None,
        )
        for draft, number in zip(drafts, numbers, strict=True)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            beneficiary_id=line.day.beneficiary_id,
            service_id=line.day.service_id,
            commune_id=line.day.commune_id,
            date=line.day.date,
            attendance_id=line.day.attendance_id,
            booking_id=line.day.booking_id,
            state=line.day.state,
            base_price=line.day.base_price,
            amount=line.amount,
            explanation=line.explanation[:255],
            price_explanation=line.day.price_explanation,
        )
        for invoice, draft in zip(invoices, drafts, strict=True)
        for line in draft.lines
    )
    return invoices
