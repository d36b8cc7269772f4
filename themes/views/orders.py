"""SCAFFOLD — replaced by the real views of this area."""

from django.urls import path
from django.views.generic import TemplateView

_pending = TemplateView.as_view(template_name="themes/pending.html")

urlpatterns = [
    path("espace/commandes/", _pending, name="orders"),
]
