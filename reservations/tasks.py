"""Celery tasks of the reservations domain: the families' reminders (CELERY_BEAT_SCHEDULE).

`send_reminders` gathers every family's situation in a fixed number of queries, asks the pure
rules (reservations/reminders.py) what each is due, and sends what was not sent yet: the
`SentReminder` row is written in the same transaction as the e-mail is queued (the e-mail
leaves after commit), and its unique key makes a second run, or a second worker, send nothing."""

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import notifications
from accounts.models import NotificationOptOut, SentReminder, User
from wallet.forecast import pace_of
from wallet.models import POT_KINDS, AccountKind, LedgerAccount

from . import reminders
from .calendars import calendar_windows
from .models import ACTIVE_BOOKING_STATUSES, AccessStatus, Booking, ServiceAccess
from .rules import PARIS, format_deadline

logger = logging.getLogger(__name__)

LOOK_AHEAD_DAYS = 62  # a "day 20 of the previous month" deadline closes the whole next month
PACE_WEEKS = 4
TEMPLATES = "reservations/email/reminders/"


def low_balance_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "LOW_BALANCE_THRESHOLD", "5.00")))


@shared_task
def send_reminders(now: str | None = None) -> int:
    """Send every reminder due at `now` (ISO, for tests and replays; default: the clock) that
    was not sent before. Returns how many were sent."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    families, services, accounts = gather(moment)
    opted_out = defaultdict(set)
    for account_id, kind in NotificationOptOut.objects.filter(
        account_id__in=list(families)
    ).values_list("account_id", "kind"):
        opted_out[account_id].add(kind)
    sent = 0
    threshold = low_balance_threshold()
    for account_id, family in families.items():
        for reminder in reminders.reminders_for(family, services, moment, threshold):
            if reminder.kind in opted_out[account_id]:
                continue
            sent += _send_once(accounts[account_id], family, reminder, services)
    return sent


def gather(now: datetime):
    """(account id → reminders.Family, service id → reminders.ServiceDays, account id → User)
    for every active, validated family with an accepted access, in six queries."""
    today = now.astimezone(PARIS).date()
    Link = ServiceAccess.beneficiaries.through
    links = Link.objects.filter(
        serviceaccess__status=AccessStatus.ACCEPTED,
        serviceaccess__account__is_active=True,
        serviceaccess__account__validated_at__isnull=False,
        beneficiary__archived_at__isnull=True,
    ).values_list(
        "serviceaccess__account_id",
        "beneficiary_id",
        "beneficiary__first_name",
        "serviceaccess__tariff_option__parent_id",
    )
    children = defaultdict(dict)  # account → beneficiary → (name, service ids)
    for account_id, beneficiary_id, name, service_id in links:
        entry = children[account_id].setdefault(beneficiary_id, (name, set()))
        entry[1].add(service_id)
    service_ids = {s for family in children.values() for _n, ids in family.values() for s in ids}
    windows = calendar_windows(service_ids, today, today + timedelta(days=LOOK_AHEAD_DAYS))
    services = {
        service_id: reminders.ServiceDays(
            service_id,
            window.calendar.service.title,
            {day: window.booking_deadline(day) for day in window.open_days()},
        )
        for service_id, window in windows.items()
    }
    booked = defaultdict(set)
    spent = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
    for account_id, beneficiary_id, service_id, day, price in Booking.objects.filter(
        account_id__in=list(children),
        status__in=ACTIVE_BOOKING_STATUSES,
        date__gte=today - timedelta(weeks=PACE_WEEKS),
        date__lte=today + timedelta(days=LOOK_AHEAD_DAYS),
    ).values_list("account_id", "beneficiary_id", "service_id", "date", "unit_price"):
        if day >= today:
            booked[account_id].add((beneficiary_id, service_id, day))
        else:
            spent[account_id][service_id][day.isoweekday()] += price
    pots = defaultdict(dict)
    for owner_id, kind, service_id, balance in LedgerAccount.objects.filter(
        owner_id__in=list(children), kind__in=POT_KINDS
    ).values_list("owner_id", "kind", "service_id", "balance"):
        pots[owner_id][None if kind == AccountKind.GENERAL_POT else service_id] = balance
    families = {
        account_id: reminders.Family(
            account_id=account_id,
            children=tuple(
                reminders.Child(beneficiary_id, name, frozenset(ids))
                for beneficiary_id, (name, ids) in sorted(family.items())
            ),
            booked=frozenset(booked[account_id]),
            pots=pots[account_id],
            pace={
                service_id: pace_of(by_weekday, PACE_WEEKS)
                for service_id, by_weekday in spent[account_id].items()
            },
        )
        for account_id, family in children.items()
    }
    accounts = User.objects.in_bulk(list(families))
    return families, services, accounts


def _send_once(account, family, reminder, services) -> int:
    try:
        with transaction.atomic():
            SentReminder.objects.create(account=account, kind=reminder.kind, period=reminder.period)
            subject, template, context = _message(family, reminder, services)
            notifications.notify(
                account, reminder.kind, subject=subject, template=template, context=context
            )
    except IntegrityError:
        return 0  # sent already (by an earlier run, or another worker right now)
    return 1


def _message(family, reminder, services) -> tuple[str, str, dict]:
    context = {"reminder": reminder, "balance": family.balance}
    if reminder.kind == reminders.DEADLINE_REMINDER:
        service = services[reminder.service_id]
        context |= {"service": service.title, "deadline": format_deadline(reminder.deadline)}
        subject = _("Dernier jour pour réserver : %(service)s, date limite %(deadline)s") % {
            "service": service.title,
            "deadline": format_deadline(reminder.deadline),
        }
        return subject, TEMPLATES + "deadline.txt", context
    if reminder.kind == reminders.UNBOOKED_WEEK:
        return (
            _("Rien n'est réservé la semaine prochaine"),
            TEMPLATES + "unbooked_week.txt",
            context,
        )
    if reminder.kind == reminders.LOW_BALANCE:
        return _("Votre porte-monnaie est bientôt vide"), TEMPLATES + "low_balance.txt", context
    monday = datetime.fromisoformat(reminder.period).date()
    bookings = (
        Booking.objects.filter(
            account_id=family.account_id,
            status__in=ACTIVE_BOOKING_STATUSES,
            date__gte=monday,
            date__lte=monday + timedelta(days=6),
        )
        .select_related("beneficiary", "service")
        .order_by("date", "beneficiary__first_name")
    )
    context["bookings"] = bookings
    subject = _("Votre semaine du %(date)s") % {"date": f"{monday:%d/%m}"}
    return subject, TEMPLATES + "weekly_summary.txt", context
