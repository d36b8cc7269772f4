"""The shapes of GET /api/search/: its query parameters and one result."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .selectors import PAGE, SERVICE

MAX_QUERY_LENGTH = 200


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        help_text="Words to look for, accents optional.",
        error_messages={
            "required": _("Saisissez un ou plusieurs mots à rechercher."),
            "blank": _("Saisissez un ou plusieurs mots à rechercher."),
            "max_length": _("Raccourcissez votre recherche : {max_length} caractères au plus."),
        },
    )
    autocomplete = serializers.BooleanField(
        default=False,
        help_text='As-you-type suggestions: the last word is a prefix ("ros" finds Rosières).',
    )


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[PAGE, SERVICE])
    id = serializers.IntegerField(help_text="The page's id, or the service's (catalogue) id.")
    title = serializers.CharField()
    url = serializers.CharField(
        help_text=(
            "The page's URL; for a service, its service page's URL if it has one, "
            "otherwise /api/services/{id}/."
        )
    )
    snippet = serializers.CharField(help_text="Plain-text excerpt around the first match.")
