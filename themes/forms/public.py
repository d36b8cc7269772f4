"""The public pages' form: the site search. Its limits and messages are the API's
(search.serializers), so /recherche/ and GET /api/search/ refuse the same queries."""

from django import forms
from django.utils.translation import gettext_lazy as _

from search.serializers import MAX_QUERY_LENGTH, SearchQuerySerializer

from .base import AccessibleFormMixin

_API_MESSAGES = SearchQuerySerializer().fields["q"].error_messages


class SearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Rechercher un service, une commune, une page"),
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Les accents et les majuscules sont facultatifs."),
        error_messages={
            "required": _API_MESSAGES["blank"],
            "max_length": _("Raccourcissez votre recherche : %(limit_value)d caractères au plus."),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
