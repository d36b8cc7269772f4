"""Read queries, scoped to whoever asks: a parent sees their own rows, an agent their communes'."""

import re
from collections import Counter, defaultdict

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from .exceptions import UnknownBeneficiary
from .models import (
    ACTIVE_BOOKING_STATUSES,
    AccessDocument,
    AccessStatus,
    Beneficiary,
    Booking,
    BookingStatus,
    ServiceAccess,
)

StockRecord = get_model("partner", "StockRecord")


def beneficiaries_of(account, *, include_archived=False) -> QuerySet:
    queryset = Beneficiary.objects.filter(account=account)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset


def family_of(account, beneficiary_ids) -> dict[int, Beneficiary]:
    """All the account's beneficiaries by id (siblings count for the rank); raises
    UnknownBeneficiary when one of `beneficiary_ids` is not an active one of theirs."""
    family = {b.pk: b for b in Beneficiary.objects.filter(account=account)}
    for pk in beneficiary_ids:
        beneficiary = family.get(pk)
        if beneficiary is None or beneficiary.is_archived:
            raise UnknownBeneficiary(pk)
    return family


def accepted_accesses(account, beneficiary_ids, service_ids=None) -> dict:
    """(beneficiary id, service id) → accepted ServiceAccess, its tariff option loaded and the
    option's price at its commune annotated (`option_price`, `option_stockrecord_id`)."""
    Link = ServiceAccess.beneficiaries.through
    stockrecords = StockRecord.objects.filter(
        product_id=OuterRef("serviceaccess__tariff_option_id"),
        partner_id=OuterRef("serviceaccess__commune_id"),
    ).order_by("pk")
    links = (
        Link.objects.filter(
            beneficiary_id__in=beneficiary_ids,
            serviceaccess__account=account,
            serviceaccess__status=AccessStatus.ACCEPTED,
        )
        .select_related("serviceaccess__tariff_option__parent")
        .annotate(
            option_price=Subquery(stockrecords.values("price")[:1]),
            option_stockrecord_id=Subquery(stockrecords.values("pk")[:1]),
        )
        .order_by("serviceaccess__decided_at", "serviceaccess_id")
    )
    if service_ids is not None:
        links = links.filter(serviceaccess__tariff_option__parent_id__in=service_ids)
    accesses = {}
    for link in links:
        access = link.serviceaccess
        access.option_price = link.option_price
        access.option_stockrecord_id = link.option_stockrecord_id
        # The latest decision wins when a family holds two options of one service.
        accesses[(link.beneficiary_id, access.tariff_option.parent_id)] = access
    return accesses


def bookings_by_day(account, service_ids, days, *, capped_service_ids=()) -> tuple[dict, Counter]:
    """The active bookings of these services on these days: (service id, date) → the ids of
    the account's beneficiaries booked, and (service id, date) → the seats everyone's bookings
    take, counted for the services of `capped_service_ids` only. Two queries at most."""
    active = Booking.objects.filter(
        service_id__in=list(service_ids), date__in=list(days), status__in=ACTIVE_BOOKING_STATUSES
    )
    family = defaultdict(set)
    for service_id, day, beneficiary_id in active.filter(account=account).values_list(
        "service_id", "date", "beneficiary_id"
    ):
        family[service_id, day].add(beneficiary_id)
    taken = Counter()
    if capped_service_ids:
        seats = (
            active.filter(service_id__in=list(capped_service_ids))
            .values("service_id", "date")
            .annotate(seats=Count("pk"))
        )
        taken.update({(row["service_id"], row["date"]): row["seats"] for row in seats})
    return family, taken


def _with_details(queryset: QuerySet) -> QuerySet:
    current_documents = AccessDocument.objects.filter(replaced_at__isnull=True)
    return queryset.select_related(
        "tariff_option__parent", "commune", "account", "decided_by"
    ).prefetch_related(
        "beneficiaries",
        "events__actor",
        Prefetch("documents", queryset=current_documents, to_attr="current_documents"),
    )


def accesses_of(account) -> QuerySet:
    return _with_details(ServiceAccess.objects.filter(account=account))


def accesses_for_agent(agent) -> QuerySet:
    if agent.is_superuser:
        return _with_details(ServiceAccess.objects.all())
    return _with_details(ServiceAccess.objects.filter(commune__users=agent))


def readable_documents(user) -> QuerySet:
    """Documents `user` may read: their own requests', or those of their communes' requests."""
    documents = AccessDocument.objects.select_related("access")
    if user.is_superuser:
        return documents
    return documents.filter(Q(access__account=user) | Q(access__commune__users=user)).distinct()


# --- The family's bookings ("Mes réservations") ---------------------------------------------

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def bookings_of(account) -> QuerySet:
    """The family's bookings, with what a list of them shows."""
    return Booking.objects.filter(account=account).select_related(
        "beneficiary", "service", "commune"
    )


def filter_bookings(bookings: QuerySet, params) -> tuple[QuerySet, dict[str, list[str]]]:
    """The bookings narrowed by the `beneficiary`, `month` (AAAA-MM) and `status` parameters of
    a query string (the API's and the web pages'), by date; and, by parameter, the French
    errors of those that are malformed."""
    errors = {}
    if beneficiary := params.get("beneficiary"):
        if not str(beneficiary).isdigit():
            errors["beneficiary"] = [_("Indiquez le numéro d'un bénéficiaire.")]
        else:
            bookings = bookings.filter(beneficiary_id=beneficiary)
    if month := params.get("month"):
        match = MONTH.match(month)
        if match is None:
            errors["month"] = [_("Indiquez un mois au format AAAA-MM, par exemple 2026-01.")]
        else:
            bookings = bookings.filter(date__year=int(match[1]), date__month=int(match[2]))
    if booking_status := params.get("status"):
        if booking_status not in BookingStatus.values:
            errors["status"] = [
                _("Statut inconnu. Choisissez parmi : %(choices)s.")
                % {"choices": ", ".join(BookingStatus.values)}
            ]
        else:
            bookings = bookings.filter(status=booking_status)
    return bookings.order_by("date", "beneficiary_id", "pk"), errors
