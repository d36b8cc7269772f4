"""Stub: filled by its issue."""

urlpatterns = []
