from django.http import Http404
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from oscar import config


def booking_happens_elsewhere(request, *args, **kwargs):
    raise Http404(
        _(
            "Cette page n'existe pas : réservations, paiements et recherche se font "
            "depuis l'espace famille."
        )
    )


def disabled(resolver: URLResolver):
    """The same URL names (templates still reverse them), every view answering 404."""
    patterns = [
        URLPattern(pattern.pattern, booking_happens_elsewhere, pattern.default_args, pattern.name)
        for pattern in resolver.url_patterns
    ]
    return path(str(resolver.pattern), (patterns, resolver.app_name, resolver.namespace))


class Shop(config.Shop):
    """Oscar's root app: the storefront goes under /shop/, without its basket and checkout.

    Wagtail serves the site root, so Oscar's "home" redirect is dropped, and the dashboard is
    mounted at /dashboard/ by config/urls.py. Parents book through the API and the themes/ front
    end, which apply our booking and payment rules; Oscar's HTML basket and checkout (whose
    default payment step takes no payment) would bypass them, so their views answer 404 while
    their URL names stay reversible for Oscar's templates."""

    NOT_MOUNTED = {"", "dashboard/"}
    # search/: our search/ app answers real queries (/api/search/), not haystack's simple engine.
    DISABLED = {"basket/", "checkout/", "wishlists/", "search/"}

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

    def get_urls(self):
        urls = []
        for url in super().get_urls():
            prefix = str(url.pattern)
            if prefix in self.NOT_MOUNTED:
                continue
            urls.append(disabled(url) if prefix in self.DISABLED else url)
        return urls
