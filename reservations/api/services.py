"""The services catalogue: public and read-only, for the "Ajouter un service" screen."""

from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils.module_loading import import_string
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import catalogue
from .service_serializers import CommuneServicesSerializer, ServiceDetailSerializer

app_name = "services"


def site_communes(request) -> set[int] | None:
    """The partner ids of the communes the request's site serves, None for every commune: the
    same territory as the parent's "Mes services" page (PORTAIL_SITE_COMMUNES says who knows)."""
    resolver = getattr(settings, "PORTAIL_SITE_COMMUNES", None)
    return import_string(resolver)(request) if resolver else None


class CatalogueQuerySerializer(serializers.Serializer):
    # A CharField refuses a NUL character, which PostgreSQL cannot compare: a 500 otherwise.
    commune = serializers.CharField(required=False, allow_blank=True)


class ServiceListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Communes, their services and tariff options",
        description=(
            "Every commune of the site's territory offering at least one service, sorted by "
            "name; a parent picks a tariff option and asks access to it "
            "(POST /api/access-requests/)."
        ),
        parameters=[
            OpenApiParameter(
                "commune", str, OpenApiParameter.QUERY, description="Code of one commune."
            )
        ],
        responses={
            200: CommuneServicesSerializer(many=True),
            400: OpenApiResponse(description="`commune` contient un caractère nul."),
        },
    )
    def get(self, request):
        # Not paginated: the screen shows the whole catalogue at once, and its size is bounded by
        # the communes of the platform.
        query = CatalogueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        communes = catalogue.catalogue(commune_code=query.validated_data.get("commune"))
        served = site_communes(request)
        if served is not None:
            communes = [commune for commune in communes if commune.id in served]
        return Response(CommuneServicesSerializer(communes, many=True).data)


class ServiceDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="One service with its commune and tariff options",
        description="Another territory's service is a 404, as on the parent's pages.",
        responses={200: ServiceDetailSerializer},
    )
    def get(self, request, pk):
        entry = catalogue.service(pk)
        served = site_communes(request)
        if entry is None or (served is not None and entry.commune.id not in served):
            raise Http404
        return Response(ServiceDetailSerializer(entry).data)


urlpatterns = [
    path("", ServiceListView.as_view(), name="list"),
    path("<int:pk>/", ServiceDetailView.as_view(), name="detail"),
]
