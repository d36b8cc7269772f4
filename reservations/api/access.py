"""Access requests ("Mes services"): a parent asks access to a tariff option with the supporting
documents, follows its status and sends a new document when asked.

Open to accounts awaiting validation: the commune examines the documents before validating the
account. Every lookup is scoped to the requesting account, so another family's request is a 404.
Documents are streamed by an authorised view, to their owner and to the agents of the commune."""

import filetype
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ..access import replace_document, request_access
from ..models import DocumentKind, ServiceAccess
from ..selectors import accesses_of, readable_documents
from ..uploads import DOCUMENT_TYPES
from .access_serializers import (
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    DocumentUploadSerializer,
)

app_name = "access_requests"

FIELD_ERRORS = OpenApiResponse(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description="Field name → messages to show next to that field (in French).",
)
NOT_FOUND = OpenApiResponse(description="No such request (or not one of this account's).")


def _as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


class AccessRequestListView(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AccessRequestSerializer
    # Declared for the schema generator; get_queryset() scopes every request to its account.
    queryset = ServiceAccess.objects.none()
    # A family asks for a handful of options: the whole list, as the "Mes services" table.
    pagination_class = None
    # The documents travel as files.
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return accesses_of(self.request.user)

    @extend_schema(summary="The account's access requests, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Ask access to a tariff option",
        description=(
            "Multipart form: the tariff option, the beneficiaries (one form value each), one "
            "file field per document the option requires (see `required_documents` in "
            "GET /api/services/) and, when `requires_tax_figures`, the reference tax income and "
            "the number of tax shares. Nothing is stored when anything is refused."
        ),
        request={"multipart/form-data": AccessRequestCreateSerializer},
        responses={201: AccessRequestSerializer, 400: FIELD_ERRORS},
    )
    def post(self, request, *args, **kwargs):
        form = AccessRequestCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        try:
            access = request_access(
                account=request.user,
                tariff_option=form.validated_data["tariff_option"],
                beneficiaries=form.validated_data["beneficiaries"],
                documents=form.validated_documents(),
                **form.validated_tax_figures(),
            )
        except DjangoValidationError as error:
            raise _as_drf_error(error) from error
        access = self.get_queryset().get(pk=access.pk)
        return Response(self.get_serializer(access).data, status=status.HTTP_201_CREATED)


class AccessRequestDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AccessRequestSerializer
    queryset = ServiceAccess.objects.none()

    def get_queryset(self):
        return accesses_of(self.request.user)

    @extend_schema(
        summary="One access request, its documents and history",
        responses={200: AccessRequestSerializer, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AccessDocumentUploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Send a new supporting document",
        description=(
            "While the request is examined, or when the agent asked for a new document (the "
            "request then goes back to the agent's queue). The previous file of that kind is "
            "kept, marked replaced. Answers the updated request."
        ),
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: AccessRequestSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def post(self, request, pk):
        access = get_object_or_404(ServiceAccess.objects.filter(account=request.user), pk=pk)
        form = DocumentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            replace_document(
                access,
                kind=form.validated_data["kind"],
                upload=form.validated_data["file"],
                by=request.user,
            )
        except DjangoValidationError as error:
            raise _as_drf_error(error) from error
        access = accesses_of(request.user).get(pk=pk)
        data = AccessRequestSerializer(access, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


# The stem of a downloaded document's name, per kind of document.
DOWNLOAD_NAMES = {
    DocumentKind.PROOF_OF_ADDRESS: "justificatif-domicile",
    DocumentKind.FAMILY_QUOTIENT: "quotient-familial",
    DocumentKind.OTHER: "justificatif",
}
UNKNOWN_TYPE = ("application/octet-stream", ".bin")


def _served_type(handle) -> tuple[str, str]:
    """The type of the stored file read again from its first bytes, and its extension: a file
    that no longer reads as a PDF, JPEG or PNG is sent as opaque bytes, never as what it says."""
    kind = filetype.guess(handle.read(8192))
    handle.seek(0)
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        return UNKNOWN_TYPE
    return kind.mime, DOCUMENT_TYPES[kind.mime]


class AccessDocumentDownloadView(APIView):
    """Streams a private document to the request's owner or to an agent of its commune."""

    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # The file is sent whatever the client says it accepts; only errors go through a
        # renderer, and they fall back to JSON rather than a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Download a supporting document",
        description=(
            "For the owner of the request and the agents of its commune (the dashboard links "
            "here); 404 for everyone else. Replaced documents stay readable. Always an "
            "attachment named by the server after the document's kind and the type read from "
            "its content (`justificatif-domicile-12.pdf`), never the name it was uploaded with."
        ),
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in DOCUMENT_TYPES},
            404: OpenApiResponse(description="No such document, or not readable by this account."),
        },
    )
    def get(self, request, pk, document_id):
        document = get_object_or_404(readable_documents(request.user), pk=document_id, access_id=pk)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        content_type, extension = _served_type(handle)
        # The name is ours, never the uploader's: "evil.html" holding a PDF leaves as a .pdf.
        stem = DOWNLOAD_NAMES.get(document.kind, "justificatif")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{stem}-{document.pk}{extension}",
            content_type=content_type,
        )
        # Personal data: never kept by a shared cache or the browser's, never sniffed into HTML.
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


urlpatterns = [
    path("", AccessRequestListView.as_view(), name="list"),
    path("<int:pk>/", AccessRequestDetailView.as_view(), name="detail"),
    path("<int:pk>/documents/", AccessDocumentUploadView.as_view(), name="documents"),
    path(
        "<int:pk>/documents/<int:document_id>/",
        AccessDocumentDownloadView.as_view(),
        name="document",
    ),
]
