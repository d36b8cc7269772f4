"""OpenAPI schema for the API we publish: drf-spectacular extensions for the oscar-api and Wagtail
views we cannot annotate in place, and the preprocessing hook that leaves out Wagtail's admin API.

drf-spectacular registers an extension when its class is defined, so ConfigConfig.ready() imports
this module. Targets are dotted paths and the rest is imported inside methods: no oscar-api or
Wagtail module is loaded here before a schema is generated.
"""

from django.urls import get_script_prefix, reverse
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
    OpenApiViewExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

# --- Preprocessing hook ---------------------------------------------------------------------


def exclude_wagtail_admin_api(endpoints, **kwargs):
    """Leave out the API that wagtail.admin mounts for its own page explorer (cms/api/main/).

    It is session-only, shaped for the admin's JavaScript and changes with each Wagtail release:
    not an API we publish. Every other endpoint is kept.
    """
    prefix = _wagtail_admin_api_prefix()
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith(prefix)]


def _wagtail_admin_api_prefix():
    # Ask Wagtail's URL namespace rather than repeat where config/urls.py mounts the admin.
    pages_listing = reverse("wagtailadmin_api:pages:listing")
    return "/" + pages_listing.removeprefix(get_script_prefix()).removesuffix("pages/")


# --- oscar-api ------------------------------------------------------------------------------


class _TypedSerializerExtension(OpenApiSerializerExtension):
    """Maps an oscar-api serializer through a subclass that only declares the types of fields
    drf-spectacular cannot infer (untyped model properties, SerializerMethodFields)."""

    def typed_fields(self):
        raise NotImplementedError

    def map_serializer(self, auto_schema, direction):
        serializer_class = type(self.target)
        typed_class = type(serializer_class.__name__, (serializer_class,), self.typed_fields())
        # Same constructor arguments as the original, as DRF's own __deepcopy__ does: keeps
        # `partial` (PATCH components) and the context.
        typed = typed_class(*self.target._args, **self.target._kwargs)
        return auto_schema._map_serializer(typed, direction, bypass_extensions=True)


class BasketSerializerExtension(_TypedSerializerExtension):
    """`is_tax_known` is an untyped property of Oscar's Basket."""

    target_class = "oscarapi.serializers.basket.BasketSerializer"

    def typed_fields(self):
        return {"is_tax_known": serializers.BooleanField(read_only=True)}


class BasketLineSerializerExtension(BasketSerializerExtension):
    """`is_tax_known` is an untyped property of Oscar's basket Line."""

    target_class = "oscarapi.serializers.basket.BasketLineSerializer"


class OrderSerializerExtension(_TypedSerializerExtension):
    """The discounts and the payment URL are SerializerMethodFields without type hints."""

    target_class = "oscarapi.serializers.checkout.OrderSerializer"

    def typed_fields(self):
        from oscarapi.serializers.checkout import (
            OrderOfferDiscountSerializer,
            OrderVoucherOfferSerializer,
        )

        return {
            "payment_url": serializers.CharField(
                read_only=True, help_text="Path of the view that starts the payment."
            ),
            "offer_discounts": OrderOfferDiscountSerializer(many=True, read_only=True),
            "voucher_discounts": OrderVoucherOfferSerializer(many=True, read_only=True),
        }


class AttributeValueFieldExtension(OpenApiSerializerFieldExtension):
    """A product attribute's value, whose JSON type follows the attribute's type."""

    target_class = "oscarapi.serializers.fields.AttributeValueField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "anyOf": [
                {**build_basic_type(OpenApiTypes.STR), "nullable": True},
                build_basic_type(OpenApiTypes.NUMBER),
                build_basic_type(OpenApiTypes.BOOL),
                build_array_type(build_basic_type(OpenApiTypes.STR)),
                build_basic_type(OpenApiTypes.OBJECT),
            ],
            "description": (
                "Depends on the attribute's type: a string for text, rich text, date, datetime, "
                "option and file or image (its URL, or null); a number for integer and float; "
                "a boolean; a list of strings for multi-option; an object for an entity."
            ),
        }


class CategoryFieldExtension(OpenApiSerializerFieldExtension):
    """A category given by its full name, its breadcrumbs ("Parent > Child")."""

    target_class = "oscarapi.serializers.fields.CategoryField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            **build_basic_type(OpenApiTypes.STR),
            "description": 'Full name of the category, parents first: "Parent > Child".',
        }


class ApiRootExtension(OpenApiViewExtension):
    """oscar-api's index is a function view that returns a map of endpoint names to URLs."""

    target_class = "oscarapi.views.root.api_root"

    def view_replacement(self):
        endpoint_urls = {
            **build_basic_type(OpenApiTypes.OBJECT),
            "additionalProperties": build_basic_type(OpenApiTypes.URI),
        }

        @extend_schema(responses={200: endpoint_urls})
        class DocumentedApiRoot(self.target):
            pass

        return DocumentedApiRoot


class CategoryTreeNodeSerializer(serializers.Serializer):
    """One category of a bulk tree: its fields in `data`, its subcategories in `children`."""

    data = serializers.DictField(help_text="The category's fields (name, code, slug, ...).")
    children = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Subcategories, each with the same shape.",
    )


class CategoryBulkExtension(OpenApiViewExtension):
    """oscar-api's bulk category view is a plain APIView: no serializer to read a shape from."""

    target_class = "shop.api.views.admin.product.CategoryBulkAdminApi"

    def view_replacement(self):
        tree = CategoryTreeNodeSerializer(many=True)

        class DocumentedCategoryBulk(self.target):
            @extend_schema(
                summary="Dump the category tree",
                responses={200: tree},
            )
            def get(self, request, *args, **kwargs):
                return super().get(request, *args, **kwargs)

            @extend_schema(
                summary="Create or update categories (matched by code), then dump the tree",
                request=tree,
                responses={200: tree},
            )
            def post(self, request):
                return super().post(request)

        return DocumentedCategoryBulk


class _CategoryListSchema(AutoSchema):
    """CategoryList serves both /categories/ and /categories/{breadcrumbs}/: one operationId
    each, and a description for the breadcrumbs."""

    def _lists_children(self):
        return "{breadcrumbs}" in self.path

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if self._lists_children():
            return operation_id.replace("_list", "_children_list", 1)
        return operation_id

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._lists_children():
            parameters = [
                *parameters,
                OpenApiParameter(
                    "breadcrumbs",
                    str,
                    OpenApiParameter.PATH,
                    description='Slugs of the category and its parents: "parent/child".',
                ),
            ]
        return parameters


class CategoryListExtension(OpenApiViewExtension):
    """Gives the two routes of oscar-api's CategoryList distinct operationIds."""

    target_class = "oscarapi.views.product.CategoryList"

    def view_replacement(self):
        class DocumentedCategoryList(self.target):
            schema = _CategoryListSchema()

        return DocumentedCategoryList


# --- Wagtail API v2 -------------------------------------------------------------------------
# Wagtail's viewsets build a serializer per request (from ?fields= and the page type), so there
# is nothing to introspect: these schema-only serializers describe the default answers.


class WagtailErrorSerializer(serializers.Serializer):
    message = serializers.CharField()


class WagtailListingMetaSerializer(serializers.Serializer):
    total_count = serializers.IntegerField(help_text="Number of matching items, all pages.")


class WagtailNestedPageMetaSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='Page model, "app_label.ModelName".')
    detail_url = serializers.URLField()
    html_url = serializers.URLField(allow_null=True)


class WagtailNestedPageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meta = WagtailNestedPageMetaSerializer()
    title = serializers.CharField()


class WagtailPageMetaSerializer(WagtailNestedPageMetaSerializer):
    slug = serializers.SlugField()
    first_published_at = serializers.DateTimeField(allow_null=True)


class WagtailPageDetailMetaSerializer(WagtailPageMetaSerializer):
    show_in_menus = serializers.BooleanField()
    seo_title = serializers.CharField(allow_blank=True)
    search_description = serializers.CharField(allow_blank=True)
    alias_of = WagtailNestedPageSerializer(allow_null=True)
    parent = WagtailNestedPageSerializer(allow_null=True)
    locale = serializers.CharField(
        required=False, help_text="Language code, when internationalisation is enabled."
    )


class WagtailPageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meta = WagtailPageMetaSerializer()
    title = serializers.CharField()


class WagtailPageDetailSerializer(serializers.Serializer):
    """A page with every field of its type (`api_fields`), besides those listed here."""

    id = serializers.IntegerField()
    meta = WagtailPageDetailMetaSerializer()
    title = serializers.CharField()


class WagtailPageListingSerializer(serializers.Serializer):
    meta = WagtailListingMetaSerializer()
    items = WagtailPageSerializer(many=True)


class WagtailMediaMetaSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='Model, "app_label.ModelName".')
    detail_url = serializers.URLField()
    tags = serializers.ListField(child=serializers.CharField())
    download_url = serializers.CharField(help_text="URL of the file.")


class WagtailImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meta = WagtailMediaMetaSerializer()
    title = serializers.CharField()


class WagtailImageDetailSerializer(WagtailImageSerializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class WagtailImageListingSerializer(serializers.Serializer):
    meta = WagtailListingMetaSerializer()
    items = WagtailImageSerializer(many=True)


class WagtailDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meta = WagtailMediaMetaSerializer()
    title = serializers.CharField()


class WagtailDocumentListingSerializer(serializers.Serializer):
    meta = WagtailListingMetaSerializer()
    items = WagtailDocumentSerializer(many=True)


def _query(name, type_=str, description="", **kwargs):
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


FIELDS = _query(
    "fields",
    description=(
        "Comma-separated fields to add (`body`), remove (`-title`), all (`*`) or none (`_`); "
        "sub-fields of a related object in parentheses: `feed_image(title)`."
    ),
)
RICH_TEXT_FORMAT = _query(
    "rich_text_format",
    description="Output of rich text fields (default: WAGTAILAPI_RICH_TEXT_FORMAT, db_html).",
    enum=["db_html", "html", "db_markdown", "markdown"],
)
LISTING = [
    FIELDS,
    RICH_TEXT_FORMAT,
    _query("limit", int, "Number of items (default 20, at most WAGTAILAPI_LIMIT_MAX: 20)."),
    _query("offset", int, "Number of items to skip."),
    _query("order", description="Comma-separated fields, `-field` for descending, or `random`."),
    _query("search", description="Full-text search."),
    _query("search_operator", description="How search terms combine.", enum=["and", "or"]),
]
SITE = _query("site", description="Hostname (or hostname:port) of the site; default: the host.")
PAGE_LISTING = [
    *LISTING,
    _query("type", description='Page models, "app_label.ModelName", comma-separated.'),
    _query("child_of", description="Id of the parent page, or `root` for the site's root."),
    _query("descendant_of", description="Id of an ancestor page, or `root`."),
    _query("ancestor_of", int, "Id of a descendant page."),
    _query("translation_of", description="Id of a page in another locale, or `root`."),
    _query("locale", description="Language code, when internationalisation is enabled."),
    SITE,
]
FIND_BY_ID = _query("id", int, "Id of the item.")
REDIRECT = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[302],
    description="Detail URL of the item found, with the other query parameters.",
)


def _wagtail_viewset(viewset, name, listing, detail, parameters):
    """A subclass of a Wagtail API viewset whose three views carry their schema. `name` makes
    the operationIds (DRF's as_view() resets the viewset's own `name`); `parameters` holds the
    query parameters of "listing", "detail" and "find"."""
    not_found = OpenApiResponse(WagtailErrorSerializer, description="No such item.")
    bad_request = OpenApiResponse(WagtailErrorSerializer, description="Invalid query parameter.")

    class Documented(viewset):
        # drf-spectacular reads the model from `queryset` when it has one; otherwise it calls
        # get_queryset(), which needs a real request (site, view restrictions) and the database.
        queryset = viewset.model.objects.none()

        @extend_schema(
            operation_id=f"cms_{name}_list",
            description="The API's fields that are database columns also filter: `?slug=news`.",
            parameters=parameters["listing"],
            responses={200: listing, 400: bad_request},
        )
        def listing_view(self, request):
            return super().listing_view(request)

        @extend_schema(
            operation_id=f"cms_{name}_retrieve",
            parameters=parameters["detail"],
            responses={200: detail, 400: bad_request, 404: not_found},
        )
        def detail_view(self, request, pk):
            return super().detail_view(request, pk)

        @extend_schema(
            operation_id=f"cms_{name}_find",
            parameters=[*parameters["find"], REDIRECT],
            responses={
                302: OpenApiResponse(description="Redirect to the item."),
                400: bad_request,
                404: not_found,
            },
        )
        def find_view(self, request):
            return super().find_view(request)

    Documented.__name__ = Documented.__qualname__ = viewset.__name__
    return Documented


class PagesAPIViewSetExtension(OpenApiViewExtension):
    """Wagtail API v2 pages: listing, detail and find (by id or by URL path)."""

    target_class = "wagtail.api.v2.views.PagesAPIViewSet"

    def view_replacement(self):
        return _wagtail_viewset(
            self.target,
            "pages",
            WagtailPageListingSerializer,
            WagtailPageDetailSerializer,
            {
                "listing": PAGE_LISTING,
                "detail": [FIELDS, RICH_TEXT_FORMAT, SITE],
                "find": [
                    FIND_BY_ID,
                    _query("html_path", description="Path of the page on the site: `/about/`."),
                ],
            },
        )


class ImagesAPIViewSetExtension(OpenApiViewExtension):
    """Wagtail API v2 images: listing, detail and find by id."""

    target_class = "wagtail.images.api.v2.views.ImagesAPIViewSet"
    # cms/api.py's subclass only checks query parameters: the same documented views.
    match_subclasses = True

    def view_replacement(self):
        return _wagtail_viewset(
            self.target,
            "images",
            WagtailImageListingSerializer,
            WagtailImageDetailSerializer,
            {"listing": LISTING, "detail": [FIELDS], "find": [FIND_BY_ID]},
        )


class DocumentsAPIViewSetExtension(OpenApiViewExtension):
    """Wagtail API v2 documents: listing, detail and find by id."""

    target_class = "wagtail.documents.api.v2.views.DocumentsAPIViewSet"
    # cms/api.py's subclass only checks query parameters: the same documented views.
    match_subclasses = True

    def view_replacement(self):
        return _wagtail_viewset(
            self.target,
            "documents",
            WagtailDocumentListingSerializer,
            WagtailDocumentSerializer,
            {"listing": LISTING, "detail": [FIELDS], "find": [FIND_BY_ID]},
        )
