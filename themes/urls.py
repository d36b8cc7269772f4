"""Themes API, mounted at /api/themes/ by config/urls.py."""

from django.urls import path

from .api import CurrentThemeView

app_name = "themes"

urlpatterns = [
    path("current/", CurrentThemeView.as_view(), name="current"),
]
