"""« Mes données » (RGPD): download everything the platform holds about the family, and close
the account. Thin views over accounts/rgpd.py and accounts/closure.py, the same use cases as the
API; open to an account awaiting validation (its data is its own too)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import closure, rgpd
from accounts.api import CurrentPasswordThrottle
from accounts.rgpd_api import ExportThrottle

from ..access import signed_in_required
from ..forms.account import password_field
from ..forms.base import AccessibleFormMixin
from .account import _throttled


class CloseAccountForm(AccessibleFormMixin, forms.Form):
    password = password_field(
        gettext_lazy("Mot de passe"), autocomplete="current-password", with_rules=False
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Je comprends que la fermeture est définitive : mes filiations, mes pièces et mes "
            "photos seront effacées."
        )
    )


@never_cache
@signed_in_required
def my_data(request):
    return _page(request, CloseAccountForm())


def _page(request, form, *, refusals=(), status=200):
    return render(
        request,
        "themes/privacy/my_data.html",
        {
            "form": form,
            "refusals": refusals or closure.closure_refusals(request.user),
            "refused": bool(refusals),
        },
        status=status,
    )


@never_cache
@signed_in_required
@require_POST
def download(request):
    """A POST (a button, not a link): the archive holds private files, and no prefetching or
    crawler should build it."""
    if message := _throttled(request, ExportThrottle):
        messages.error(request, message)
        return redirect("portail:my_data")
    return FileResponse(
        rgpd.export_archive(request.user),
        as_attachment=True,
        filename=rgpd.export_filename(),
        content_type="application/zip",
    )


@sensitive_post_parameters("password")
@never_cache
@signed_in_required
@require_http_methods(["POST"])
def close(request):
    form = CloseAccountForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    if message := _throttled(request, CurrentPasswordThrottle):
        form.add_error(None, message)
        return _page(request, form, status=429)
    try:
        closed = closure.close_account(request.user, password=form.cleaned_data["password"])
    except ValidationError as error:
        for message in error.message_dict.get("password", []):
            form.add_error("password", message)
        return _page(request, form, status=400)
    except closure.ClosureRefused as refused:
        return _page(request, form, refusals=refused.reasons, status=409)
    logout(request)
    messages.success(
        request,
        _(
            "Votre compte est fermé (référence %(reference)s). Un e-mail de confirmation vous a "
            "été envoyé. Au revoir !"
        )
        % {"reference": closed.reference},
    )
    return redirect("/")


urlpatterns = [
    path("espace/mes-donnees/", my_data, name="my_data"),
    path("espace/mes-donnees/telecharger/", download, name="my_data_download"),
    path("espace/mes-donnees/fermer-mon-compte/", close, name="close_account"),
]
