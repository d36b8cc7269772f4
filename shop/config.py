from django.http import Http404
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from oscar import config


def storefront_is_closed(request, *args, **kwargs):
    raise Http404(
        _(
            "Cette page n'existe pas : réservations, paiements et recherche se font "
            "depuis l'espace famille."
        )
    )


def disabled(url: URLPattern | URLResolver):
    """The same URL names (templates still reverse them), every view answering 404."""
    if isinstance(url, URLPattern):
        return URLPattern(url.pattern, storefront_is_closed, url.default_args, url.name)
    patterns = [disabled(pattern) for pattern in url.url_patterns]
    return URLResolver(
        url.pattern, patterns, url.default_kwargs, app_name=url.app_name, namespace=url.namespace
    )


class Shop(config.Shop):
    """Oscar's root app: its storefront's URL names under /shop/, every page answering 404.

    Wagtail serves the site root, so Oscar's "home" redirect is dropped, and the dashboard is
    mounted at /dashboard/ by config/urls.py. Parents register, log in, book and pay through the
    API and the themes/ front end, which apply our account, booking and payment rules; Oscar's
    customer pages (registration, password reset, profile, basket, checkout, catalogue, reviews,
    offers, alerts, wish lists) would bypass them, and our search/ app answers real queries. The
    dashboard's templates still reverse these names (`catalogue:detail`, `customer:summary`),
    so the names stay and their views answer 404."""

    NOT_MOUNTED = {"", "dashboard/"}

    def ready(self):
        super().ready()
        # Orders are counted in one statement per table by shop/order/analytics.py; Oscar's own
        # receiver would count them again, one UPDATE per line.
        from oscar.apps.analytics.receivers import receive_order_placed
        from oscar.apps.order.signals import order_placed

        from wallet.signals import card_payment_settled

        from .payment.receivers import apply_card_payment_to_order

        order_placed.disconnect(receive_order_placed)
        # The wallet announces settled card payments; the order they pay is ours to update.
        card_payment_settled.connect(
            apply_card_payment_to_order, dispatch_uid="shop.payment.apply_card_payment_to_order"
        )
        # A seat freed (a cancellation, a capacity raised) promotes the day's waiting list.
        from . import waitlist

        waitlist.connect()

    def get_urls(self):
        return [
            disabled(url) for url in super().get_urls() if str(url.pattern) not in self.NOT_MOUNTED
        ]
