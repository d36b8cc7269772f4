from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from .text import fold


class SearchableServiceQuerySet(SearchableQuerySetMixin, models.QuerySet):
    """Adds Wagtail's search() and autocomplete() to the queryset."""


class SearchableService(index.Indexed, models.Model):
    """What search knows of a catalogue service (an Oscar parent product of the "Service
    communal" class), so that Wagtail's backends index services without touching Oscar's Product.

    One row per service, its primary key the product's; search.indexing rebuilds it from the
    catalogue after every change (search.signals → search.tasks). `is_public` is whether a
    parent can book it now: public, with public tariff options priced at a commune."""

    product = models.OneToOneField(
        "catalogue.Product",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="searchable_service",
        verbose_name=_("service"),
    )
    title = models.CharField(_("titre"), max_length=255)
    commune_name = models.CharField(_("commune"), max_length=128, blank=True)
    option_titles = models.TextField(_("options tarifaires"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(_("réservable"), default=False)

    objects = SearchableServiceQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=2),
        index.AutocompleteField("title"),
        index.SearchField("commune_name"),
        index.AutocompleteField("commune_name"),
        index.SearchField("option_titles"),
        index.SearchField("description"),
        # The database backend's autocomplete keeps accents (PostgreSQL's "simple" config):
        # the folded names let "rosie" complete to "Rosières" there too.
        index.AutocompleteField("folded_names"),
        index.FilterField("is_public"),
    ]

    class Meta:
        verbose_name = _("service indexé")
        verbose_name_plural = _("services indexés")

    def __str__(self):
        return self.title

    @property
    def folded_names(self) -> str:
        return fold(f"{self.title} {self.commune_name}")

    @property
    def text(self) -> str:
        """The plain text a result's snippet is cut from."""
        parts = [
            self.description,
            gettext("Commune : %s.") % self.commune_name if self.commune_name else "",
            gettext("Options : %s.") % self.option_titles if self.option_titles else "",
        ]
        return " ".join(part for part in parts if part)
