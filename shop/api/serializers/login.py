from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from oscarapi.serializers import login
from rest_framework import serializers

__all__ = ["LoginSerializer"]


class LoginSerializer(login.LoginSerializer):
    """Passes the request to `authenticate`: django-axes counts failures per e-mail and address,
    and refuses to authenticate without a request."""

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(
            request._request, username=attrs["username"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(_("Adresse e-mail ou mot de passe incorrect."))
        if not user.is_active:
            raise serializers.ValidationError(_("Ce compte est désactivé."))
        self.instance = user
        return attrs
