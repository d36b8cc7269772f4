from rest_framework import serializers

from .models import User


class ProfileSerializer(serializers.ModelSerializer):
    """The personal information a parent edits ("Mes informations personnelles")."""

    is_validated = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "email",
            "civility",
            "first_name",
            "last_name",
            "birth_date",
            "newsletter",
            "is_company",
            "terms_accepted_at",
            "is_validated",
            "validated_at",
        ]
        # Changing the e-mail asks for the current password: not through this serializer.
        read_only_fields = ["email", "terms_accepted_at", "is_validated", "validated_at"]
