"""The accounts API: registration, profile, e-mail and password changes, forgotten password, and
the CSRF token a browser client needs. Views validate, call accounts.services, shape the answer.

Every endpoint here is open to accounts awaiting validation."""

from django.contrib.auth import login, update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.fields import get_error_detail
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from . import services
from .serializers import (
    CsrfTokenSerializer,
    DetailSerializer,
    EmailChangeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileSerializer,
    RegistrationSerializer,
)
from .throttling import ByAddressMixin

TAGS = ["comptes"]
FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Messages d\'erreur en français, par champ : {"champ": ["message", …]}.',
)
CSRF_REFUSED = OpenApiResponse(
    DetailSerializer, description="Jeton CSRF absent ou invalide (voir GET /api/accounts/csrf/)."
)
THROTTLED = OpenApiResponse(DetailSerializer, description="Trop de demandes : réessayer plus tard.")

# Django's session login checks backends in order and django-axes comes first; a new account has
# not "attempted" anything, so it is logged in through the model backend directly.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Building blocks ------------------------------------------------------------------------


class CsrfProtectedMixin:
    """Check the CSRF token on unsafe methods, logged in or not.

    DRF checks it only for a request its session authenticates: an anonymous POST would pass.
    Registration opens a session, so another site must not be able to post it from a visitor's
    browser (login CSRF); the other anonymous endpoints follow the same rule so that a browser
    client has one rule to follow."""

    def initial(self, request, *args, **kwargs):
        try:
            SessionAuthentication().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                _(
                    "Jeton CSRF absent ou invalide : demandez-en un avec GET /api/accounts/csrf/ "
                    "et renvoyez-le dans l'en-tête X-CSRFToken."
                )
            ) from exc
        super().initial(request, *args, **kwargs)


def field_errors(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError (keyed by field) as DRF's 400 answer."""
    return exceptions.ValidationError(get_error_detail(exc))


class IsAnonymousVisitor(BasePermission):
    message = _("Vous êtes déjà connecté(e) : déconnectez-vous avant de créer un autre compte.")

    def has_permission(self, request, view):
        return not request.user.is_authenticated


# Rates live here rather than in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: each belongs to one
# endpoint. They count in the default cache, shared by every web node.
class RegistrationThrottle(ByAddressMixin, AnonRateThrottle):
    """Per address: a town hall's public computer may register a few families in a row."""

    scope = "accounts_registration"
    rate = "30/hour"


class PasswordResetThrottle(ByAddressMixin, AnonRateThrottle):
    """Per address: keeps the form from being used to flood mailboxes."""

    scope = "accounts_password_reset"
    rate = "10/hour"


class CurrentPasswordThrottle(UserRateThrottle):
    """Per account: a session left open must not allow guessing the password behind it."""

    scope = "accounts_current_password"
    rate = "10/hour"


# --- Views ----------------------------------------------------------------------------------


@extend_schema(tags=TAGS)
class CsrfTokenView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Obtenir le jeton CSRF",
        description=(
            "Pose le cookie `csrftoken` et renvoie sa valeur. Un client navigateur l'envoie dans "
            "l'en-tête `X-CSRFToken` de chaque requête POST, PUT, PATCH ou DELETE (connexion "
            "comprise). Le jeton change à la connexion : relire le cookie ensuite."
        ),
        responses={200: CsrfTokenSerializer},
    )
    @method_decorator(ensure_csrf_cookie)
    def get(self, request):
        return Response({"csrfToken": get_token(request)})


@extend_schema(tags=TAGS)
class RegisterView(CsrfProtectedMixin, APIView):
    permission_classes = [IsAnonymousVisitor]
    throttle_classes = [RegistrationThrottle]

    @extend_schema(
        summary="Créer un compte usager",
        description=(
            "Crée le compte, en attente de validation par la mairie, l'ajoute aux usagers, "
            "envoie un e-mail de bienvenue et ouvre une session. Tout ou rien : au moindre champ "
            "invalide, rien n'est créé."
        ),
        request=RegistrationSerializer,
        responses={
            201: ProfileSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(DetailSerializer, description="Déjà connecté, ou jeton CSRF."),
            429: THROTTLED,
        },
    )
    def post(self, request):
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            account = services.register_account(
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                terms_accepted=data["accept_terms"],
                civility=data["civility"],
                birth_date=data["birth_date"],
                newsletter=data["newsletter"],
                is_company=data["is_company"],
            )
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc
        # As the seed: "Votre compte est maintenant créé. Bienvenue sur votre page d'accueil".
        login(request._request, account, backend=MODEL_BACKEND)
        return Response(ProfileSerializer(account).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Lire mes informations personnelles", tags=TAGS),
    patch=extend_schema(summary="Modifier mes informations personnelles", tags=TAGS),
)
class ProfileView(generics.RetrieveUpdateAPIView):
    """The logged-in account's personal information; open to accounts awaiting validation."""

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


@extend_schema(tags=TAGS)
class EmailChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [CurrentPasswordThrottle]

    @extend_schema(
        summary="Changer mon adresse e-mail de connexion",
        description="Demande le mot de passe actuel ; l'ancienne adresse est prévenue par e-mail.",
        request=EmailChangeSerializer,
        responses={200: ProfileSerializer, 400: FIELD_ERRORS, 403: CSRF_REFUSED, 429: THROTTLED},
    )
    def post(self, request):
        serializer = EmailChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            account = services.change_email(request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc
        return Response(ProfileSerializer(account).data)


@extend_schema(tags=TAGS)
class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [CurrentPasswordThrottle]

    @extend_schema(
        summary="Changer mon mot de passe",
        description=(
            "Demande le mot de passe actuel. La session en cours reste ouverte, les autres sont "
            "fermées ; le titulaire est prévenu par e-mail."
        ),
        request=PasswordChangeSerializer,
        responses={200: DetailSerializer, 400: FIELD_ERRORS, 403: CSRF_REFUSED, 429: THROTTLED},
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            account = services.change_password(request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc
        update_session_auth_hash(request._request, account)
        return Response({"detail": _("Votre mot de passe a été modifié.")})


@extend_schema(tags=TAGS)
class PasswordResetView(CsrfProtectedMixin, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        summary="Mot de passe oublié : recevoir un lien par e-mail",
        description=(
            "Répond la même chose, que l'adresse ait un compte ou non. Le lien ne sert qu'une "
            "fois et expire au bout de 2 heures."
        ),
        request=PasswordResetSerializer,
        responses={200: DetailSerializer, 400: FIELD_ERRORS, 403: CSRF_REFUSED, 429: THROTTLED},
    )
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.send_password_reset(serializer.validated_data["email"])
        return Response(
            {
                "detail": _(
                    "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé "
                    "avec un lien pour choisir un nouveau mot de passe. Pensez à regarder dans "
                    "vos courriers indésirables."
                )
            }
        )


@extend_schema(tags=TAGS)
class PasswordResetConfirmView(CsrfProtectedMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Mot de passe oublié : choisir le nouveau mot de passe",
        description=(
            "Avec les paramètres uid et token du lien reçu par e-mail. Un lien déjà utilisé, "
            "expiré ou altéré est refusé (erreur sur le champ token)."
        ),
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer, 400: FIELD_ERRORS, 403: CSRF_REFUSED},
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.reset_password(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc
        return Response(
            {
                "detail": _(
                    "Votre mot de passe a été modifié. Vous pouvez maintenant vous connecter."
                )
            }
        )
