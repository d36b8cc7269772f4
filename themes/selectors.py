"""Read queries of themes: the current site's theme and its logo renditions, and the figures
the header shows a parent (balance, meals in the basket)."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, IntegerField, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model
from wagtail.models import Site

from wallet.models import POT_KINDS, LedgerAccount

from .models import ThemeSettings

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")

# The sizes a front end asks for: a header logo, and the same at twice the density.
LOGO_RENDITIONS = ("max-400x200", "max-800x400")


def theme_for_request(request) -> ThemeSettings | None:
    """The theme of the site answering `request` (by host, or the default site); an unsaved
    theme with the default colours when the site has none yet; None when no site matches."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    # Not for_site(): its get_or_create would write on a GET.
    theme = ThemeSettings.base_queryset().filter(site=site).first()
    return theme or ThemeSettings(site=site)


def logo_renditions(theme: ThemeSettings) -> dict:
    """{filter spec: rendition} of the theme's logo, fetched (or generated) in one go."""
    if theme.logo is None:
        return {}
    return theme.logo.get_renditions(*LOGO_RENDITIONS)


@dataclass(frozen=True)
class HeaderFigures:
    balance: Decimal  # every pot of the wallet together
    basket_count: int  # meals in the open basket


def header_figures(account) -> HeaderFigures:
    """The wallet's balance and the open basket's meal count, in one query (every page of the
    parent's space shows them)."""
    pots = (
        LedgerAccount.objects.filter(owner=account, kind__in=POT_KINDS)
        .order_by()
        .values("owner")
        .annotate(total=Sum("balance"))
        .values("total")
    )
    lines = (
        Line.objects.filter(basket__owner=account, basket__status=Basket.OPEN)
        .order_by()
        .values("basket__owner")
        .annotate(count=Count("pk"))
        .values("count")
    )
    figures = (
        get_user_model()
        .objects.filter(pk=account.pk)
        .annotate(
            balance=Coalesce(Subquery(pots, output_field=DecimalField()), Value(Decimal("0.00"))),
            basket_count=Coalesce(Subquery(lines, output_field=IntegerField()), Value(0)),
        )
        .values("balance", "basket_count")
        .first()
    ) or {"balance": Decimal("0.00"), "basket_count": 0}
    return HeaderFigures(figures["balance"], figures["basket_count"])
