"""The caterer's automatic headcount: at each service day's booking deadline its headcount is
frozen (a HeadcountSnapshot: counts per class and group with their diets and PAI) and e-mailed,
once, to the addresses the commune set for that service (CatererRecipient).

Only counts leave the commune: a PAI is health data, its details stay on the agents' headcount.
What changes after the deadline (an agent's cancellation, a closure) is not in the snapshot: it
is the number the kitchen ordered with."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from .calendars import calendar_windows
from .headcount import Headcount, active_bookings, group_bookings
from .models import CatererRecipient, Diet, HeadcountSnapshot, ServiceCalendar

logger = logging.getLogger(__name__)
Product = get_model("catalogue", "Product")

# How far ahead a deadline may fall: "day 1 of the previous month" locks a month's last day
# about 61 days before it.
LOOKAHEAD = timedelta(days=70)


@dataclass(frozen=True)
class DueDay:
    service_id: int
    day: date
    deadline: datetime


def due_days(now: datetime) -> list[DueDay]:
    """The service days from today on whose booking deadline has passed at `now` and that have
    no snapshot yet, in date order. A fixed number of queries whatever the number of services
    (their calendars, the closures, the snapshots already taken)."""
    today = timezone.localdate(now)
    end = today + LOOKAHEAD
    service_ids = list(ServiceCalendar.objects.values_list("service_id", flat=True))
    windows = calendar_windows(service_ids, today, end)
    taken = set(
        HeadcountSnapshot.objects.filter(date__range=(today, end)).values_list("service_id", "date")
    )
    due = []
    for service_id, window in windows.items():
        for day in window.open_days():
            if (service_id, day) in taken:
                continue
            deadline = window.booking_deadline(day)
            if deadline > now:
                # Deadlines only move later with the day (same rule, later date): stop here.
                break
            due.append(DueDay(service_id, day, deadline))
    return sorted(due, key=lambda d: (d.day, d.service_id))


def snapshot_counts(headcount: Headcount) -> dict:
    """The JSON a snapshot keeps: per class and group its meals, PAI and diets, and the
    totals. Meals awaiting their card payment count (the kitchen cooks them) and are told."""
    return {
        "rows": [
            {
                "school_class": group.school_class,
                "group": group.group,
                "label": group.label,
                "total": len(group.bookings),
                "pai": group.with_pai,
                "diets": group.diets,
            }
            for group in headcount.groups
        ],
        "total": headcount.total,
        "pai": headcount.with_pai,
        "diets": headcount.diets,
        "pending_payment": headcount.pending_payment,
    }


def recipients_of(service_ids) -> dict[int, list[str]]:
    """Service id → the addresses its frozen headcount goes to, in one query."""
    found = defaultdict(list)
    for service_id, email in CatererRecipient.objects.filter(
        service_id__in=set(service_ids)
    ).values_list("service_id", "email"):
        found[service_id].append(email)
    return found


def freeze_headcount(service, day: date, deadline: datetime, now: datetime, recipients=None):
    """Freeze and e-mail one service day, all or nothing; None when it was frozen already
    (another run of the task got there first: the caterer gets one e-mail). `recipients`:
    the service's addresses when the caller read them already."""
    bookings = list(active_bookings(service, day))
    headcount = Headcount(service=service, day=day, groups=group_bookings(bookings))
    if recipients is None:
        recipients = recipients_of([service.pk])[service.pk]
    try:
        with transaction.atomic():
            snapshot = HeadcountSnapshot.objects.create(
                service=service,
                date=day,
                deadline=deadline,
                frozen_at=now,
                total=headcount.total,
                counts=snapshot_counts(headcount),
                recipients=recipients,
                sent_at=now if recipients else None,
            )
            for address in recipients:
                # Sent by the Celery e-mail task once this transaction commits.
                send_mail(
                    subject=snapshot_subject(snapshot),
                    message=render_to_string(
                        "reservations/email/caterer_headcount.txt", snapshot_context(snapshot)
                    ),
                    from_email=None,
                    recipient_list=[address],
                )
    except IntegrityError:
        return None
    return snapshot


def freeze_due_headcounts(now: datetime | None = None) -> int:
    """What the beat task runs: every due service day frozen and sent; the number frozen."""
    now = now or timezone.now()
    due = due_days(now)
    services = Product.objects.in_bulk({d.service_id for d in due})
    addresses = recipients_of(services)
    frozen = 0
    for item in due:
        service = services[item.service_id]
        snapshot = freeze_headcount(service, item.day, item.deadline, now, addresses[service.pk])
        if snapshot is not None:
            frozen += 1
            logger.info(
                "Headcount of %s on %s frozen: %d meals, sent to %d address(es)",
                service.title,
                item.day,
                snapshot.total,
                len(snapshot.recipients),
            )
    return frozen


# --- Reading a snapshot ------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRow:
    label: str
    total: int
    pai: int
    diets: list[tuple[str, int]]  # (diet's label, count), in Diet's order

    @property
    def special_diets(self) -> list[tuple[str, int]]:
        """The diets other than the standard meal that someone of this row has."""
        pairs = zip(self.diets, Diet.values, strict=True)
        return [(label, count) for (label, count), code in pairs if code and count]


def diet_headers() -> list[str]:
    return [str(label) for label in Diet.labels]


def _diets(diets: dict) -> list[tuple[str, int]]:
    return [(str(label), int(diets.get(code, 0))) for code, label in Diet.choices]


def snapshot_rows(snapshot: HeadcountSnapshot) -> list[SnapshotRow]:
    return [
        SnapshotRow(row["label"], row["total"], row["pai"], _diets(row.get("diets", {})))
        for row in snapshot.counts.get("rows", [])
    ]


def snapshot_totals(snapshot: HeadcountSnapshot) -> SnapshotRow:
    counts = snapshot.counts
    return SnapshotRow(
        _("Total"), counts.get("total", 0), counts.get("pai", 0), _diets(counts.get("diets", {}))
    )


def long_date(day: date) -> str:
    """ "mardi 8 décembre 2026", in the active language."""
    return date_format(day, "l j F Y")


def snapshot_subject(snapshot: HeadcountSnapshot) -> str:
    return _("Effectif du %(date)s — %(service)s : %(total)d repas") % {
        "date": long_date(snapshot.date),
        "service": snapshot.service.title,
        "total": snapshot.total,
    }


def snapshot_context(snapshot: HeadcountSnapshot) -> dict:
    return {
        "snapshot": snapshot,
        "service": snapshot.service,
        "day": long_date(snapshot.date),
        "deadline": timezone.localtime(snapshot.deadline),
        "diet_headers": diet_headers(),
        "rows": snapshot_rows(snapshot),
        "totals": snapshot_totals(snapshot),
        "pending_payment": snapshot.counts.get("pending_payment", 0),
    }
