from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.api import api_router

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("dashboard/familles/", apps.get_app_config("reservations_dashboard").urls),
    path("dashboard/porte-monnaie/", apps.get_app_config("wallet_dashboard").urls),
    path("dashboard/reserver/", apps.get_app_config("bookings_dashboard").urls),
    path("dashboard/quittances/", apps.get_app_config("receipts_dashboard").urls),
    path("dashboard/facturation/", apps.get_app_config("billing_dashboard").urls),
    path("dashboard/", apps.get_app_config("dashboard").urls),
    # Oscar's storefront (catalogue, customer accounts, offers), used by the dashboard's links.
    path("shop/", include(apps.get_app_config("oscar").urls[0])),
    path("i18n/", include("django.conf.urls.i18n")),
    path("paiement/", include("wallet.gateways.return_views")),  # PayFiP's, banks' returns
    # --- API: our own paths first, then the oscar-api routes we serve.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/cms/v2/", api_router.urls),
    path("api/accounts/", include("accounts.urls")),
    path("api/", include("reservations.urls")),
    path("api/", include("wallet.urls")),
    path("api/", include("billing.api")),
    path("api/themes/", include("themes.urls")),
    path("api/search/", include("search.urls")),
    # The oscar-api routes we serve, and only those (an allow-list: shop/api/urls.py).
    path("api/", include("shop.api.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The parent front end (themes/), then Wagtail's catch-all page serving, last.
urlpatterns.append(path("", include("themes.site_urls")))
urlpatterns.append(path("", include(wagtail_urls)))
