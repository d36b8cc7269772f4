"""Which receipts (paid régie shares) a user may read: a parent their own; a régisseur those of
their régies; an agent those of their communes' régies; an administrator all. Anything else is
unknown to them (a 404, as a receipt that does not exist)."""

from django.db.models import Q, QuerySet

from accounts.selectors import communes_of
from wallet.models import Regie, RegieShare, ShareStatus


def paid_shares() -> QuerySet:
    """Shares that have a receipt: paid, hence numbered; with what a receipt reads of them."""
    return RegieShare.objects.filter(status=ShareStatus.PAID, number__isnull=False).select_related(
        "regie__commune", "regie__site", "owner", "card_payment__backend"
    )


def receipts_of_parent(user) -> QuerySet:
    """The user's own receipts, newest first (the parent site and the API)."""
    if not user.is_authenticated:
        return RegieShare.objects.none()
    return paid_shares().filter(owner=user).order_by("-paid_at", "-pk")


def receipts_for_staff(user) -> QuerySet:
    """The receipts a back-office user may read (the dashboard): an administrator all, a
    régisseur their régies', an agent their communes' régies'. A parent: none."""
    if not user.is_authenticated:
        return RegieShare.objects.none()
    shares = paid_shares()
    if user.is_superuser:
        return shares.order_by("-paid_at", "-pk")
    regies = Regie.objects.filter(Q(regisseurs=user) | Q(commune__in=communes_of(user))).values(
        "pk"
    )
    return shares.filter(regie__in=regies).order_by("-paid_at", "-pk")


def visible_receipts(user) -> QuerySet:
    """Every receipt the user may read, in any role."""
    if not user.is_authenticated:
        return RegieShare.objects.none()
    return paid_shares().filter(
        Q(pk__in=receipts_of_parent(user).values("pk"))
        | Q(pk__in=receipts_for_staff(user).values("pk"))
    )


def shares_of_order(user, order_number: str) -> list:
    """Every share of the user's order, paid or not, by régie: the order page lists them."""
    return list(
        RegieShare.objects.filter(owner=user, order_number=order_number)
        .select_related("regie")
        .order_by("regie__name", "pk")
    )
