"""/api/beneficiaries/: the logged-in family's beneficiaries ("Mes filiations") and their
identity photos. Open to accounts awaiting validation: families enter their children before the
commune validates them."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from .. import beneficiaries as use_cases
from ..models import Beneficiary
from ..selectors import beneficiaries_of
from .beneficiary_serializers import (
    BeneficiaryCreateSerializer,
    BeneficiaryPhotoSerializer,
    BeneficiarySerializer,
)

app_name = "beneficiaries"

INCLUDE_ARCHIVED = OpenApiParameter(
    "include_archived",
    OpenApiTypes.BOOL,
    description=_("1 pour voir aussi les bénéficiaires archivés (signalés par is_archived)."),
)
NOT_FOUND = OpenApiResponse(description=_("Aucun bénéficiaire de ce numéro dans votre famille."))


@contextmanager
def refusals_as_400():
    """The use cases refuse with Django's ValidationError; the API answers 400 per field."""
    try:
        yield
    except DjangoValidationError as error:
        raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


@extend_schema(tags=["beneficiaries"])
class BeneficiaryViewSet(viewsets.ModelViewSet):
    """The family's beneficiaries: children, or the account holder themself."""

    serializer_class = BeneficiarySerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # A family has a handful of beneficiaries, and the booking screens want them all.
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Beneficiary.objects.none()
        # An archived beneficiary stays readable (its page, its photo) but no longer changes.
        include_archived = self.action == "retrieve" or (
            self.action == "list"
            and self.request.query_params.get("include_archived") in ("1", "true", "True")
        )
        return beneficiaries_of(self.request.user, include_archived=include_archived)

    def get_serializer_class(self):
        if self.action == "create":
            return BeneficiaryCreateSerializer
        return BeneficiarySerializer

    @extend_schema(
        summary=_("Lister les bénéficiaires de la famille"),
        parameters=[INCLUDE_ARCHIVED],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=_("Ajouter un bénéficiaire"),
        description=_(
            "JSON, ou multipart pour joindre la photo d'identité (champ photo) dès la création."
        ),
        request=BeneficiaryCreateSerializer,
        responses={201: BeneficiarySerializer, 400: OpenApiResponse(description=_("Refusé."))},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with refusals_as_400():
            beneficiary = use_cases.create_beneficiary(
                account=request.user, **serializer.validated_data
            )
        data = BeneficiarySerializer(beneficiary, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Lire un bénéficiaire"), responses={200: BeneficiarySerializer})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary=_("Modifier un bénéficiaire"),
        responses={
            200: BeneficiarySerializer,
            400: OpenApiResponse(description=_("Refusé.")),
            404: NOT_FOUND,
        },
    )
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(
        summary=_("Modifier quelques champs d'un bénéficiaire"),
        responses={
            200: BeneficiarySerializer,
            400: OpenApiResponse(description=_("Refusé.")),
            404: NOT_FOUND,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer):
        with refusals_as_400():
            serializer.instance = use_cases.update_beneficiary(
                serializer.instance, **serializer.validated_data
            )

    @extend_schema(
        summary=_("Retirer un bénéficiaire"),
        description=_(
            "Un bénéficiaire qui a un historique (demandes d'accès, réservations) est archivé et "
            "renvoyé avec is_archived à vrai ; sinon il est supprimé avec sa photo (204)."
        ),
        responses={
            200: OpenApiResponse(BeneficiarySerializer, description=_("Archivé.")),
            204: OpenApiResponse(description=_("Supprimé.")),
            404: NOT_FOUND,
        },
    )
    def destroy(self, request, *args, **kwargs):
        beneficiary = self.get_object()
        if use_cases.remove_beneficiary(beneficiary) == use_cases.ARCHIVED:
            return Response(self.get_serializer(beneficiary).data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Envoyer ou remplacer la photo d'identité"),
        description=_(
            "JPEG ou PNG de 10 Mo au plus ; la photo est réduite à 600 px et réenregistrée en "
            "JPEG, sans ses métadonnées. L'ancienne photo est effacée."
        ),
        request={"multipart/form-data": BeneficiaryPhotoSerializer},
        responses={
            200: BeneficiarySerializer,
            400: OpenApiResponse(description=_("Refusée.")),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["put"], parser_classes=[MultiPartParser], url_path="photo")
    def photo(self, request, pk=None):
        beneficiary = self.get_object()
        serializer = BeneficiaryPhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with refusals_as_400():
            use_cases.set_photo(beneficiary, serializer.validated_data["photo"])
        return Response(self.get_serializer(beneficiary).data)

    @extend_schema(
        summary=_("Voir la photo d'identité"),
        description=_(
            "Réservée à la famille et aux agents d'une commune où le bénéficiaire a demandé un "
            "accès."
        ),
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description=_("Pas de photo, ou pas la vôtre.")),
        },
    )
    @photo.mapping.get
    def read_photo(self, request, pk=None):
        # Not get_object(): agents of the beneficiary's communes may look too, and an archived
        # beneficiary's photo stays readable.
        beneficiary = get_object_or_404(Beneficiary, pk=pk)
        if not beneficiary.photo or not use_cases.may_see_photo(request.user, beneficiary):
            raise Http404
        try:
            stream = beneficiary.photo.storage.open(beneficiary.photo.name, "rb")
        except FileNotFoundError as error:
            raise Http404 from error
        # A neutral file name: the storage name stays on the server.
        response = FileResponse(stream, content_type="image/jpeg", filename="photo.jpg")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        summary=_("Effacer la photo d'identité"),
        request=None,
        responses={204: OpenApiResponse(description=_("Effacée.")), 404: NOT_FOUND},
    )
    @photo.mapping.delete
    def delete_photo(self, request, pk=None):
        use_cases.remove_photo(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


router = SimpleRouter()
router.register("", BeneficiaryViewSet, basename="beneficiary")

urlpatterns = router.urls
