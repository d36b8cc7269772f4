"""The demo's post-paid service (config/demo.py calls `seed_post_paid_demo`): Bains' canteen,
invoiced after the fact by its régie. Its families are booked on every open day of the last
three months, staff pointed every state, the two older months are billed (their invoices
numbered, waiting to be paid), the last one is pointed and ready for its billing run; one
family pays by SEPA direct debit. Rerunning it changes nothing."""

import json
from datetime import date, datetime, time

from django.utils import timezone

from accounts.roles import ActorRole
from reservations.attendance import (
    Mark,
    month_bounds,
    record_attendance,
    unbooked_base_price,
)
from reservations.calendars import calendar_window
from reservations.meals import explanation_to_json
from reservations.models import (
    ACTIVE_BOOKING_STATUSES,
    AttendanceState,
    Beneficiary,
    Booking,
    BookingStatus,
)
from reservations.rules import PARIS
from reservations.selectors import accepted_accesses
from wallet.models import ServiceRegie
from wallet.regies import forget_service_regies

from . import runs, sepa
from .models import BillingRun, DebtThreshold, RunStatus, SepaCreditor, SepaMandate

DEMO_ORDER = "DEMO-FACTURATION"
# A régie's creditor identifier and account (test values: the French examples).
CREDITOR = {
    "creditor_id": "FR72ZZZ123456",
    "iban": "FR1420041010050500013M02606",
    "bic": "PSSTFRPPPAR",
}
MANDATE_IBAN = "FR7630006000011234567890189"
DEBT_THRESHOLD = "60.00"


def seed_post_paid_demo(service, families, *, agent, now=None) -> None:
    """`service` post-paid, its régie a SEPA creditor, its commune's debt threshold set; each
    of `families` (accounts with an accepted access) booked and pointed; the mandate of the
    last family. The two months before last are billed, last month is ready."""
    now = now or timezone.now()
    link = ServiceRegie.objects.select_related("regie").get(service=service)
    if not link.post_paid:
        link.post_paid = True
        link.save(update_fields=["post_paid"])
        forget_service_regies()
    regie = link.regie
    SepaCreditor.objects.get_or_create(regie=regie, defaults={"name": regie.name, **CREDITOR})
    commune = service.children.first().stockrecords.first().partner
    DebtThreshold.objects.get_or_create(commune=commune, defaults={"amount": DEBT_THRESHOLD})
    months = _last_months(timezone.localdate(now), 3)
    for n, (year, month) in enumerate(months):
        done = BillingRun.objects.filter(regie=regie, period=date(year, month, 1))
        if done.filter(status=RunStatus.FINAL).exists():
            continue
        _book_and_point(service, families, year, month, agent)
        if n < 2:
            runs.run_billing(regie, year, month, final=True, by=agent, now=now)
    _mandate(families[-1], regie)


def _last_months(today: date, count: int) -> list[tuple[int, int]]:
    """The `count` months before today's, oldest first."""
    months, year, month = [], today.year, today.month
    for _n in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append((year, month))
    return list(reversed(months))


def _book_and_point(service, families, year: int, month: int, agent) -> None:
    first, last = month_bounds(year, month)
    window = calendar_window(service, first, last)
    if Booking.objects.filter(service=service, date__range=(first, last)).exists():
        return
    by_family = [_children_with_access(family, service) for family in families]
    children = [child for family in by_family for child in family]
    youngest = {family[-1].pk for family in by_family if family}
    days = [
        date.fromordinal(n)
        for n in range(first.toordinal(), last.toordinal() + 1)
        if children and window.day_state_for(date.fromordinal(n), children[0]).open
    ]
    if not days:
        return
    for child in children:
        # The youngest of each family skips the last day, when it comes unbooked.
        booked = days[:-1] if child.pk in youngest else days
        for day in booked:
            _book(child, service, day)
    _point(service, days, children, agent)


def _children_with_access(account, service):
    beneficiaries = list(Beneficiary.objects.filter(account=account).order_by("birth_date", "pk"))
    accesses = accepted_accesses(account.pk, [b.pk for b in beneficiaries], [service.pk])
    return [b for b in beneficiaries if (b.pk, service.pk) in accesses]


def _book(child, service, day) -> Booking:
    access = accepted_accesses(child.account_id, [child.pk], [service.pk])[(child.pk, service.pk)]
    price = unbooked_base_price(child, service, day)
    moment = datetime.combine(day, time(8), PARIS)
    return Booking.objects.create(
        account=child.account,
        beneficiary=child,
        service=service,
        tariff_option=access.tariff_option,
        commune=access.commune,
        date=day,
        status=BookingStatus.CONFIRMED,
        unit_price=price.unit_price,
        price_explanation=json.loads(explanation_to_json(price)),
        order_number=DEMO_ORDER,
        booked_by=child.account,
        booked_by_role=ActorRole.PARENT,
        confirmed_at=moment,
    )


def _point(service, days, children, agent) -> None:
    """Every state once a month: the eldest absent on the first day, the second child's absence
    justified on the second, the youngest present without booking on the last day."""
    states = {
        (children[0].pk, days[0]): AttendanceState.ABSENT,
        (children[min(1, len(children) - 1)].pk, days[min(1, len(days) - 1)]): (
            AttendanceState.ABSENT_JUSTIFIED
        ),
    }
    for day in days:
        booked = set(
            Booking.objects.filter(
                service=service, date=day, status__in=ACTIVE_BOOKING_STATUSES
            ).values_list("beneficiary_id", flat=True)
        )
        marks = [
            Mark(child.pk, states.get((child.pk, day), AttendanceState.PRESENT))
            if child.pk in booked
            else Mark(child.pk, AttendanceState.PRESENT_UNBOOKED)
            for child in children
        ]
        record_attendance(service, day, marks, by=agent, now=datetime.combine(day, time(17), PARIS))


def _mandate(account, regie) -> None:
    if not SepaMandate.objects.filter(owner=account, regie=regie, revoked_at__isnull=True).exists():
        sepa.sign_mandate(
            account,
            regie,
            holder=account.get_full_name() or account.email,
            iban=MANDATE_IBAN,
            signed_on=timezone.localdate(),
        )
