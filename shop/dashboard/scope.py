"""What of Oscar's dashboard a commune's agent sees: the screens of a shop that make no sense for
a commune (products with their stock records and prices outside the tariff grid, product types,
categories, options, ranges, offers and vouchers, reviews, stock alerts, shipping, content pages,
e-mail templates, partners, customers, reports and sales statistics) are the administrators'
only. They leave the agents' menu (`access`, Oscar's OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION) and
answer 404 to anyone else (`ShopScreensForAdministrators`), so that an agent cannot reach them by
their address either. An agent's services are set in "Règles des services" (calendar, deadlines,
tariff grid, documents: reservations/dashboard/service_rules.py)."""

from django.http import Http404
from oscar.apps.dashboard.nav import default_access_fn

# The URL names of those screens, as Oscar's menu names them, and where they live.
ADMINISTRATORS_ONLY = frozenset(
    {
        "dashboard:catalogue-product-list",
        "dashboard:catalogue-class-list",
        "dashboard:catalogue-category-list",
        "dashboard:catalogue-option-list",
        "dashboard:catalogue-attribute-option-group-list",
        "dashboard:range-list",
        "dashboard:stock-alert-list",
        "dashboard:order-stats",
        "dashboard:partner-list",
        "dashboard:users-index",
        "dashboard:user-alert-list",
        "dashboard:offer-list",
        "dashboard:voucher-list",
        "dashboard:voucher-set-list",
        "dashboard:page-list",
        "dashboard:comms-list",
        "dashboard:reviews-list",
        "dashboard:reports-index",
        "dashboard:shipping-method-list",
    }
)
ADMINISTRATORS_ONLY_PATHS = (
    "/dashboard/catalogue/",
    "/dashboard/ranges/",
    "/dashboard/offers/",
    "/dashboard/vouchers/",
    "/dashboard/reviews/",
    "/dashboard/pages/",
    "/dashboard/comms/",
    "/dashboard/partners/",
    "/dashboard/users/",
    "/dashboard/reports/",
    "/dashboard/shipping/",
    "/dashboard/orders/statistics/",
)


def access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Oscar's menu rule, with the shop's screens for administrators only."""
    if url_name in ADMINISTRATORS_ONLY and not user.is_superuser:
        return False
    return default_access_fn(user, url_name, url_args, url_kwargs)


class ShopScreensForAdministrators:
    """404 for anyone but an administrator on the shop's screens (after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMINISTRATORS_ONLY_PATHS):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_superuser:
                raise Http404
        return self.get_response(request)
