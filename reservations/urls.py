"""The reservations domain's API, mounted under /api/ by config/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("beneficiaries/", include("reservations.api.beneficiaries")),
    path("services/", include("reservations.api.services")),
    path("access-requests/", include("reservations.api.access")),
]
