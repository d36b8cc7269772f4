"""Shapes of the beneficiaries API ("Mes filiations"). The rules live in
reservations/beneficiaries.py; these serializers only parse and present."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Beneficiary

NAME_MESSAGES = {
    "last_name": {
        "required": _("Indiquez le nom du bénéficiaire."),
        "blank": _("Indiquez le nom du bénéficiaire."),
        "null": _("Indiquez le nom du bénéficiaire."),
        "max_length": _("Le nom ne doit pas dépasser {max_length} caractères."),
    },
    "first_name": {
        "required": _("Indiquez le prénom du bénéficiaire."),
        "blank": _("Indiquez le prénom du bénéficiaire."),
        "null": _("Indiquez le prénom du bénéficiaire."),
        "max_length": _("Le prénom ne doit pas dépasser {max_length} caractères."),
    },
}


class BeneficiarySerializer(serializers.ModelSerializer):
    """A beneficiary as the family sees it. The photo is never exposed by its storage path, only
    by `photo_url`, an endpoint that checks who is asking."""

    relation_label = serializers.CharField(source="get_relation_display", read_only=True)
    school_class_label = serializers.CharField(source="get_school_class_display", read_only=True)
    photo_url = serializers.SerializerMethodField()
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Beneficiary
        fields = [
            "id",
            "last_name",
            "first_name",
            "birth_date",
            "relation",
            "relation_label",
            "school_class",
            "school_class_label",
            "group",
            "has_pai",
            "pai_details",
            "diet",
            "additional_information",
            "photo_url",
            "is_archived",
            "archived_at",
            "created_at",
        ]
        read_only_fields = ["archived_at", "created_at"]
        extra_kwargs = {
            "last_name": {"error_messages": NAME_MESSAGES["last_name"]},
            "first_name": {"error_messages": NAME_MESSAGES["first_name"]},
            "birth_date": {
                "error_messages": {
                    "required": _("Indiquez la date de naissance."),
                    "null": _("Indiquez la date de naissance."),
                    "invalid": _("Date de naissance invalide : utilisez le format AAAA-MM-JJ."),
                }
            },
            "relation": {
                "error_messages": {
                    "required": _("Choisissez le type de filiation."),
                    "invalid_choice": _("Choisissez le type de filiation dans la liste."),
                }
            },
            "school_class": {
                "error_messages": {"invalid_choice": _("Choisissez une classe de la liste.")}
            },
        }

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo_url(self, beneficiary) -> str | None:
        if not beneficiary.photo:
            return None
        url = reverse("beneficiaries:beneficiary-photo", kwargs={"pk": beneficiary.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class BeneficiaryCreateSerializer(BeneficiarySerializer):
    """Creation also takes the identity photo, in a multipart request."""

    photo = serializers.FileField(
        write_only=True,
        required=False,
        help_text=_("Photo d'identité, JPEG ou PNG de 10 Mo au plus."),
        error_messages={"empty": _("La photo envoyée est vide.")},
    )

    class Meta(BeneficiarySerializer.Meta):
        fields = [*BeneficiarySerializer.Meta.fields, "photo"]


class BeneficiaryPhotoSerializer(serializers.Serializer):
    photo = serializers.FileField(
        help_text=_("Photo d'identité, JPEG ou PNG de 10 Mo au plus."),
        error_messages={
            "required": _("Choisissez une photo à envoyer."),
            "empty": _("La photo envoyée est vide."),
            "invalid": _("Envoyez la photo comme fichier (formulaire multipart)."),
        },
    )
