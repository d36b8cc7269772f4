"""Shapes of the access requests ("Mes services"): what the parent sends (multipart, with the
supporting documents) and what they read back (status, documents, history)."""

import re
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from oscar.core.loading import get_model
from rest_framework import serializers

from ..models import AccessDocument, AccessEvent, DocumentKind, ServiceAccess
from ..selectors import beneficiaries_of

Product = get_model("catalogue", "Product")

# Spaces a parent may type or paste inside a number: "24 000", with a no-break or narrow
# no-break space as French formatting puts them.
_DIGIT_GROUPING = re.compile(r"[\s\u00a0\u202f]")


class FrenchDecimalField(serializers.DecimalField):
    """A decimal that also accepts the French way of writing it: "2,5", "24 000,50"."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = _DIGIT_GROUPING.sub("", data).replace(",", ".")
        return super().to_internal_value(data)


# --- Reading ---------------------------------------------------------------------------------


class AccessBeneficiarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class AccessDocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = AccessDocument
        fields = [
            "id",
            "kind",
            "kind_label",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document) -> str:
        url = reverse(
            "access_requests:document",
            kwargs={"pk": document.access_id, "document_id": document.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AccessEventSerializer(serializers.ModelSerializer):
    # A plain string in the schema: a second enum named "status" with the request's choices
    # would make drf-spectacular's enum naming collide with the basket's.
    status = serializers.CharField(help_text="The request's status after this step.")
    status_label = serializers.CharField(source="get_status_display")
    actor = serializers.SerializerMethodField(help_text="Display name of who made this step.")

    class Meta:
        model = AccessEvent
        fields = ["status", "status_label", "message", "created_at", "actor"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, event) -> str:
        access = self.context.get("access") or event.access
        actor = event.actor
        if actor is None:
            return ""
        if actor.get_full_name():
            return actor.get_full_name()
        # The parent sees their own address, never an agent's: an agent without a name is shown
        # as their commune.
        return actor.email if actor.pk == access.account_id else access.commune.name


class AccessRequestSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(
        help_text='As the "Mes services" table shows it: "Commune / tariff option".'
    )
    service = serializers.SerializerMethodField()
    commune = serializers.SerializerMethodField()
    tariff_option = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    beneficiaries = AccessBeneficiarySerializer(many=True)
    documents = AccessDocumentSerializer(
        source="current_documents",
        many=True,
        help_text="Current documents (replaced ones left out).",
    )
    events = serializers.SerializerMethodField(help_text="History, oldest first.")

    class Meta:
        model = ServiceAccess
        fields = [
            "id",
            "label",
            "service",
            "commune",
            "tariff_option",
            "status",
            "status_label",
            "beneficiaries",
            "reference_tax_income",
            "tax_shares",
            "family_quotient",
            "tariff_bracket",
            "refusal_reason",
            "created_at",
            "decided_at",
            "documents",
            "events",
        ]
        read_only_fields = fields

    def get_label(self, access) -> str:
        return f"{access.commune.name} / {access.tariff_option.title}"

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
            "required": ["id", "title"],
        }
    )
    def get_service(self, access):
        service = access.tariff_option.parent
        return {"id": service.pk, "title": service.title}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "name": {"type": "string"},
            },
            "required": ["id", "code", "name"],
        }
    )
    def get_commune(self, access):
        commune = access.commune
        return {"id": commune.pk, "code": commune.code, "name": commune.name}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
            "required": ["id", "title"],
        }
    )
    def get_tariff_option(self, access):
        option = access.tariff_option
        return {"id": option.pk, "title": option.title}

    @extend_schema_field(AccessEventSerializer(many=True))
    def get_events(self, access):
        context = {**self.context, "access": access}
        return AccessEventSerializer(access.events.all(), many=True, context=context).data


# --- Writing ---------------------------------------------------------------------------------


def _document_field(kind: DocumentKind):
    return serializers.FileField(
        required=False,
        help_text=f"{kind.label}: PDF, JPEG or PNG, at most 10 MB.",
    )


class AccessRequestCreateSerializer(serializers.Serializer):
    """Validates the form; the rules (documents required by the option, one request per option,
    the family quotient) are the service's."""

    tariff_option = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(structure=Product.CHILD),
        help_text="Id of a tariff option of the catalogue (GET /api/services/).",
        error_messages={"does_not_exist": _("Option tarifaire inconnue.")},
    )
    beneficiaries = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        help_text="Ids of the beneficiaries; in multipart, one form value each.",
    )
    proof_of_address = _document_field(DocumentKind.PROOF_OF_ADDRESS)
    family_quotient = _document_field(DocumentKind.FAMILY_QUOTIENT)
    other = _document_field(DocumentKind.OTHER)
    reference_tax_income = FrenchDecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text='Reference tax income in euros; a French decimal comma is accepted: "24 000,50".',
    )
    tax_shares = FrenchDecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text='Number of tax shares, in quarters: "2.5" or "2,5".',
    )

    def validate_beneficiaries(self, ids):
        ids = list(dict.fromkeys(ids))
        account = self.context["request"].user
        found = list(beneficiaries_of(account).filter(pk__in=ids))
        if len(found) != len(ids):
            raise serializers.ValidationError(_("Bénéficiaire inconnu."))
        return found

    def validated_documents(self) -> dict:
        return {
            kind: self.validated_data[kind]
            for kind in DocumentKind.values
            if self.validated_data.get(kind) is not None
        }

    def validated_tax_figures(self) -> dict[str, Decimal | None]:
        return {
            "reference_tax_income": self.validated_data.get("reference_tax_income"),
            "tax_shares": self.validated_data.get("tax_shares"),
        }


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text="PDF, JPEG or PNG, at most 10 MB.")
