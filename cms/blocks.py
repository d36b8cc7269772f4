"""StreamField blocks of the pages. Chooser blocks answer the API with the URL of their file, not
only an id, so a front end shows an image or a document link without a second request."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.api.utils import get_full_url
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock as WagtailImageBlock

from cms.allergens import Allergen


def _full_url(context, url):
    request = (context or {}).get("request")
    return get_full_url(request, url) if request else url


class ImageBlock(WagtailImageBlock):
    """Wagtail's image with its alternative text (or marked decorative), plus its file's URL."""

    def get_api_representation(self, value, context=None):
        data = super().get_api_representation(value, context=context)
        if value:
            data.update(
                title=value.title,
                url=_full_url(context, value.file.url),
                width=value.width,
                height=value.height,
            )
        return data


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    label = blocks.CharBlock(
        label=_("texte du lien"), required=False, help_text=_("Par défaut, le titre du document.")
    )

    class Meta:
        icon = "doc-full"
        label = _("lien vers un document")
        template = "cms/blocks/document_link.html"

    def get_api_representation(self, value, context=None):
        document = value.get("document")
        if document is None:
            return {"document": None, "label": value.get("label"), "url": None}
        return {
            "document": document.pk,
            "label": value.get("label") or document.title,
            "url": _full_url(context, document.url),
        }


class ContentBlock(blocks.StreamBlock):
    """The body of content and news pages."""

    heading = blocks.CharBlock(
        label=_("intertitre"), form_classname="title", template="cms/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(label=_("paragraphe"))
    image = ImageBlock(label=_("image"))
    document = DocumentLinkBlock()


COURSES = [
    ("entree", _("Entrée")),
    ("plat", _("Plat")),
    ("accompagnement", _("Accompagnement")),
    ("laitage", _("Fromage ou laitage")),
    ("dessert", _("Dessert")),
    ("gouter", _("Goûter")),
]


class DishValue(blocks.StructValue):
    def course_label(self) -> str:
        return str(dict(COURSES).get(self.get("course"), ""))

    def allergen_labels(self) -> list[str]:
        return [str(Allergen(code).label) for code in self.get("allergens") or []]


class DishBlock(blocks.StructBlock):
    course = blocks.ChoiceBlock(choices=COURSES, label=_("service"), required=False)
    name = blocks.CharBlock(label=_("plat"))
    allergens = blocks.MultipleChoiceBlock(
        choices=Allergen.choices,
        label=_("allergènes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        icon = "list-ul"
        label = _("plat")
        value_class = DishValue

    def get_api_representation(self, value, context=None):
        # Codes for programs, labels for people: a front end need not copy the list.
        data = super().get_api_representation(value, context=context)
        data["allergens"] = [
            {"code": code, "label": label}
            for code, label in zip(value["allergens"] or [], value.allergen_labels(), strict=True)
        ]
        return data


class DayBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("jour"))
    dishes = blocks.ListBlock(DishBlock(), label=_("plats"))

    class Meta:
        icon = "date"
        label = _("jour")
        template = "cms/blocks/day.html"
