from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.allergens import Allergen
from cms.blocks import DayBlock


class MenuPage(Page):
    """A week of menus of a service: each day's dishes with the allergens they contain."""

    week_start = models.DateField(_("semaine du (lundi)"))
    days = StreamField([("day", DayBlock())], verbose_name=_("jours"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("week_start"), FieldPanel("days")]
    search_fields = [*Page.search_fields, index.SearchField("days")]
    api_fields = [APIField("week_start"), APIField("week_end"), APIField("days")]

    parent_page_types = ["cms.ServicePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("menus de la semaine")
        verbose_name_plural = _("menus de la semaine")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["allergens"] = list(Allergen)  # the legend: all 14, named in full
        return context

    @property
    def week_end(self):
        """The Sunday that ends the week."""
        return self.week_start + timedelta(days=6) if self.week_start else None

    def clean(self):
        super().clean()
        if self.week_start is None:
            return
        if self.week_start.weekday() != 0:
            raise ValidationError({"week_start": _("Choisissez le lundi de la semaine.")})
        dates = [day.value["date"] for day in self.days if day.value["date"]]
        outside = [d for d in dates if not self.week_start <= d <= self.week_end]
        if outside:
            raise ValidationError(
                {
                    "days": _(
                        "Chaque jour doit tomber dans la semaine du %(monday)s au %(sunday)s."
                    )
                    % {
                        "monday": self.week_start.strftime("%d/%m"),
                        "sunday": self.week_end.strftime("%d/%m"),
                    }
                }
            )
        if len(set(dates)) != len(dates):
            raise ValidationError({"days": _("Un même jour apparaît deux fois.")})
