"""Wagtail API v2, mounted at /api/cms/v2/: pages, images, documents, and the preview of drafts.

Wagtail filters pages by the site of the request's host (or `?site=`), so each territory's front
end sees its own page tree.
"""

from types import SimpleNamespace

from django.http import Http404
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from wagtail.api.v2 import views as wagtail_views
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.documents.api.v2 import views as wagtail_documents
from wagtail.images.api.v2 import views as wagtail_images
from wagtail.models import Page

# PostgreSQL's bigint: a larger offset or id makes the query itself fail.
MAX_BIGINT = 2**63 - 1
SEARCH_OPERATORS = ("and", "or")


class CheckedQueryMixin:
    """Refuses, with a 400, the query parameters Wagtail would hand to the database unchecked: a
    NUL character (PostgreSQL refuses it in any text), an `id` to find that is not a number, an
    offset beyond bigint, an unknown search operator. Wagtail checks the rest itself."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name, value in request.GET.items():
            if "\x00" in name or "\x00" in value:
                raise BadRequestError(
                    _("Le paramètre « %(name)s » contient un caractère nul : retirez-le.")
                    % {"name": name.replace("\x00", "")}
                )
        for name in ("offset", "limit"):
            value = request.GET.get(name, "")
            if value.isascii() and value.isdigit() and int(value) > MAX_BIGINT:
                raise BadRequestError(_("« %(name)s » est trop grand.") % {"name": name})
        operator = request.GET.get("search_operator")
        if operator is not None and operator not in SEARCH_OPERATORS:
            raise BadRequestError(_("« search_operator » vaut « and » ou « or »."))

    def find_object(self, queryset, request):
        if "id" in request.GET:
            value = request.GET["id"]
            if not (value.isascii() and value.isdigit() and int(value) <= MAX_BIGINT):
                raise BadRequestError(_("« id » doit être un nombre entier positif."))
        return super().find_object(queryset, request)


class PagesAPIViewSet(CheckedQueryMixin, wagtail_views.PagesAPIViewSet):
    """Wagtail's pages endpoint, loading up front the rows that the page type's `api_fields`
    reach (`api_select_related`, `api_prefetch_related` on the model): a listing then costs the
    same number of queries for 3 pages or 30."""

    def get_base_queryset(self):
        # Wagtail asks for it three times a request (listing, serializer class, serializer
        # context), and each time reads every view restriction: once is enough.
        if not hasattr(self, "_base_queryset"):
            self._base_queryset = super().get_base_queryset()
        return self._base_queryset

    def get_queryset(self):
        queryset = super().get_queryset()
        model = queryset.model
        # Every page carries a locale, and `?fields=*` lists it.
        return queryset.select_related(
            "locale", *getattr(model, "api_select_related", ())
        ).prefetch_related(*getattr(model, "api_prefetch_related", ()))


class PagePreviewAPIViewSet(PagesAPIViewSet):
    """The latest revision of a page, draft or not, as the pages endpoint would return it once
    published: what a headless front end shows as a preview.

    Only a user who may edit the page sees it, authenticated by the session of the Wagtail admin
    (the front end is served on the same host). Anybody else gets 404, as for a page that does
    not exist: a draft's existence is not public either."""

    authentication_classes = [SessionAuthentication]
    filter_backends = []
    # Read by drf-spectacular only (the type of the path's id); get_object() does the work.
    queryset = Page.objects.none()

    def get_object(self):
        if not hasattr(self, "_preview_object"):
            self._preview_object = self._latest_revision_for(self.request.user)
        return self._preview_object

    def _latest_revision_for(self, user):
        page = Page.objects.filter(pk=self.kwargs["pk"]).first()
        if page is None or not user.is_authenticated:
            raise Http404("not found")
        page = page.specific
        if not page.permissions_for_user(user).can_edit():
            raise Http404("not found")
        return page.get_latest_revision_as_object()

    @extend_schema(
        operation_id="cms_pages_preview",
        summary="Preview the latest revision of a page",
        description=(
            "The page's latest revision (its draft, if any) in the shape of "
            "/api/cms/v2/pages/{id}/. Only for a user who may edit the page, logged in to the "
            "Wagtail admin (session); 404 for anybody else."
        ),
        parameters=[
            OpenApiParameter(
                "fields",
                str,
                OpenApiParameter.QUERY,
                description="As for /api/cms/v2/pages/{id}/.",
            ),
            OpenApiParameter(
                "rich_text_format",
                str,
                OpenApiParameter.QUERY,
                enum=["db_html", "html", "db_markdown", "markdown"],
                description="As for /api/cms/v2/pages/{id}/.",
            ),
        ],
        auth=[{"cookieAuth": []}],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The page: id, meta, title and the fields of its type.",
            ),
            404: OpenApiResponse(description="No such page, or not yours to edit."),
        },
    )
    def detail_view(self, request, pk):
        response = super().detail_view(request, pk)
        # A draft must not linger in a shared cache, nor outlive a change of permissions.
        add_never_cache_headers(response)
        return response

    @classmethod
    def get_urlpatterns(cls):
        return [path("<int:pk>/", cls.as_view({"get": "detail_view"}), name="detail")]


class PagesAPIViewSetExtension(OpenApiViewExtension):
    """Documents our pages endpoint as config/openapi.py documents Wagtail's: the subclass
    changes how rows are loaded, not the answer."""

    target_class = "cms.api.PagesAPIViewSet"

    def view_replacement(self):
        # drf-spectacular matches a view by its callback's `cls`.
        wagtails = SimpleNamespace(cls=wagtail_views.PagesAPIViewSet)
        documented = OpenApiViewExtension.get_match(wagtails)
        return documented.view_replacement() if documented else self.target


class ImagesAPIViewSet(CheckedQueryMixin, wagtail_images.ImagesAPIViewSet):
    pass


class DocumentsAPIViewSet(CheckedQueryMixin, wagtail_documents.DocumentsAPIViewSet):
    pass


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
# After "pages": the router links a page to the first endpoint serving its model, and a page's
# `detail_url` must stay /pages/{id}/, even in a preview.
api_router.register_endpoint("preview", PagePreviewAPIViewSet)
