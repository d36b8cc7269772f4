"""/api/reservations/absence-justifications/: the family's absence certificates. GET lists them,
POST (multipart) sends one for a child's booked days at a service, GET /<id>/ reads one and
GET /<id>/document/ downloads its file. Thin: validate, call reservations/justifications.py.
Another family's child or certificate is a 404."""

import filetype
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from oscar.core.loading import get_model
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsValidatedAccount

from ..justifications import JustificationError, submit_justification
from ..models import AbsenceJustification
from ..selectors import beneficiaries_of
from ..uploads import DOCUMENT_TYPES

Product = get_model("catalogue", "Product")


class SubmitSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField()
    service = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    file = serializers.FileField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class JustificationSerializer(serializers.ModelSerializer):
    beneficiary_name = serializers.CharField(source="beneficiary.first_name", read_only=True)
    service_title = serializers.CharField(source="service.title", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AbsenceJustification
        fields = [
            "id",
            "beneficiary",
            "beneficiary_name",
            "service",
            "service_title",
            "start_date",
            "end_date",
            "comment",
            "original_name",
            "status",
            "status_label",
            "reason",
            "created_at",
            "reviewed_at",
        ]
        read_only_fields = fields


NOT_FOUND = OpenApiResponse(description="Un enfant, un service ou un justificatif inconnu.")
REFUSED = OpenApiResponse(
    description="Refusé, rien n'est enregistré : aucun jour réservé sur ces dates, dates dans "
    "le désordre, plus de 31 jours, fichier qui n'est pas un PDF, un JPEG ou un PNG, plus de "
    "10 Mo. `detail` le dit en français."
)


def justifications_of(account):
    return AbsenceJustification.objects.filter(account=account).select_related(
        "beneficiary", "service"
    )


class JustificationListView(APIView):
    permission_classes = [IsValidatedAccount]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Mes justificatifs d'absence",
        responses={200: JustificationSerializer(many=True)},
    )
    def get(self, request):
        justifications = justifications_of(request.user)
        return Response(JustificationSerializer(justifications, many=True).data)

    @extend_schema(
        summary="Envoyer un justificatif d'absence",
        description=(
            "Un certificat (PDF, JPEG ou PNG, 10 Mo au plus, type lu dans le contenu) pour les "
            "jours réservés d'un enfant à un service, du `start_date` au `end_date` inclus. Un "
            "agent de la commune l'examine ; la famille reçoit sa décision par e-mail."
        ),
        request={"multipart/form-data": SubmitSerializer},
        responses={201: JustificationSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request):
        form = SubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        beneficiary = get_object_or_404(beneficiaries_of(request.user), pk=data["beneficiary"])
        service = get_object_or_404(
            Product.objects.filter(structure=Product.PARENT), pk=data["service"]
        )
        try:
            justification = submit_justification(
                account=request.user,
                beneficiary=beneficiary,
                service=service,
                start_date=data["start_date"],
                end_date=data["end_date"],
                upload=data["file"],
                comment=data["comment"],
            )
        except JustificationError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        body = JustificationSerializer(justifications_of(request.user).get(pk=justification.pk))
        return Response(body.data, status=status.HTTP_201_CREATED)


class JustificationDetailView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary="Un justificatif d'absence",
        responses={200: JustificationSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        justification = get_object_or_404(justifications_of(request.user), pk=pk)
        return Response(JustificationSerializer(justification).data)


class JustificationDocumentView(APIView):
    """The certificate's file, to its family only (agents read it from the dashboard)."""

    permission_classes = [IsValidatedAccount]

    def perform_content_negotiation(self, request, force=False):
        # The file goes whatever the client accepts; errors fall back to JSON, not a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Télécharger un justificatif d'absence",
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in DOCUMENT_TYPES},
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        justification = get_object_or_404(justifications_of(request.user), pk=pk)
        try:
            handle = justification.file.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        kind = filetype.guess(handle.read(8192))
        handle.seek(0)
        known = kind is not None and kind.mime in DOCUMENT_TYPES
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"justificatif-absence-{justification.pk}"
            f"{DOCUMENT_TYPES[kind.mime] if known else '.bin'}",
            content_type=kind.mime if known else "application/octet-stream",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


urlpatterns = [
    path("", JustificationListView.as_view(), name="absence-justifications"),
    path("<int:pk>/", JustificationDetailView.as_view(), name="absence-justification"),
    path(
        "<int:pk>/document/",
        JustificationDocumentView.as_view(),
        name="absence-justification-document",
    ),
]
