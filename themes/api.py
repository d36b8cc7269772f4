"""GET /api/themes/current/: the branding of the site the request is addressed to."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import logo_renditions, theme_for_request
from .serializers import ThemeSerializer


class CurrentThemeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The current site's theme",
        description=(
            "Name, logo renditions, colours, contact, footer links and accessibility statement "
            "of the Wagtail site answering the request's host (the default site otherwise)."
        ),
        responses={
            200: ThemeSerializer,
            404: OpenApiResponse(description="No site answers this host and none is default."),
        },
    )
    def get(self, request):
        theme = theme_for_request(request)
        if theme is None:
            raise NotFound(_("Aucun site ne répond à cette adresse."))
        return Response(ThemeSerializer(theme_payload(theme, request)).data)


def theme_payload(theme, request) -> dict:
    site = theme.site
    return {
        "site": {"id": site.pk, "name": site.site_name, "hostname": site.hostname},
        "name": theme.display_name,
        "logo": _logo(theme, request),
        "colours": {"primary": theme.primary_colour, "secondary": theme.secondary_colour},
        "contact": {"email": theme.contact_email, "phone": theme.contact_phone},
        "footer_links": list(_footer_links(theme, request)),
        "accessibility_statement": _page_link(theme.accessibility_statement, request),
    }


def _logo(theme, request) -> dict | None:
    renditions = logo_renditions(theme)
    if not renditions:
        return None
    return {
        "title": theme.logo.title,
        "renditions": {
            spec: {
                "url": request.build_absolute_uri(rendition.url),
                "width": rendition.width,
                "height": rendition.height,
            }
            for spec, rendition in renditions.items()
        },
    }


def _footer_links(theme, request):
    # The StreamField fetches every chosen page in one query.
    for block in theme.footer_links:
        link = block.value
        if link["page"] is not None:
            url = link["page"].get_url(request) if link["page"].live else None
        else:
            url = link["url"]
        if url:  # a link to an unpublished page is left out, not sent broken
            yield {"label": link["label"], "url": url}


def _page_link(page, request) -> dict | None:
    if page is None or not page.live:
        return None
    url = page.get_url(request)
    return {"title": page.title, "url": url} if url else None
