"""The API's errors in the site's language: Django's get_object_or_404 (and DRF's) raise an
Http404 worded in English ("No Beneficiary matches the given query."), which DRF passes on as
it is; here it becomes "Bénéficiaire introuvable : …", translatable like every other error."""

import re

from django.apps import apps
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

# Django's shortcut says "No %s matches the given query." % model._meta.object_name.
_NO_MATCH = re.compile(r"^No (\w+) matches the given query\.$")


def exception_handler(exc, context):
    """DRF's handler, the lookups' 404 reworded (REST_FRAMEWORK["EXCEPTION_HANDLER"])."""
    if isinstance(exc, Http404):
        match = _NO_MATCH.match(str(exc))
        if match is not None:
            exc = exceptions.NotFound(_not_found_message(match.group(1)))
    return drf_exception_handler(exc, context)


def _not_found_message(object_name: str) -> str:
    name = _verbose_name(object_name)
    if name is None:
        return _("Introuvable : cet élément n'existe pas ou ne vous est pas accessible.")
    return _("%(name)s introuvable : vérifiez l'identifiant demandé.") % {"name": capfirst(name)}


def _verbose_name(object_name: str) -> str | None:
    for model in apps.get_models():
        if model._meta.object_name == object_name:
            return str(model._meta.verbose_name)
    return None
