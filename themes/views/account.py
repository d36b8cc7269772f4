"""SCAFFOLD — replaced by the real views of this area."""

from django.urls import path
from django.views.generic import TemplateView

_pending = TemplateView.as_view(template_name="themes/pending.html")

urlpatterns = [
    path("connexion/", _pending, name="login"),
    path("deconnexion/", _pending, name="logout"),
    path("inscription/", _pending, name="register"),
    path("mot-de-passe/oublie/", _pending, name="password_reset"),
    path("mot-de-passe/nouveau/", _pending, name="password_reset_confirm"),
    path("espace/informations/", _pending, name="profile"),
]
