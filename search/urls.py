"""Search API, mounted at /api/search/ by config/urls.py."""

from django.urls import path

from .api import SearchView

app_name = "portal_search"

urlpatterns = [
    path("", SearchView.as_view(), name="search"),
]
