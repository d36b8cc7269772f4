from django.utils.translation import gettext_lazy as _
from oscarapi.basket import operations
from oscarapi.utils.session import login_and_upgrade_session
from oscarapi.views import login
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

__all__ = ["LoginView"]


class LoginView(login.LoginView):
    """oscar-api's login, with the serializer given the request (for django-axes)."""

    # Logging in is what an anonymous visitor does; the project default is read-only for them.
    permission_classes = (AllowAny,)

    def post(self, request, *args, **kwargs):
        # Login CSRF: DRF checks the token only for a session it already authenticates, so a
        # foreign site could otherwise log a visitor into an account it controls.
        SessionAuthentication().enforce_csrf(request)
        serializer = self.serializer_class(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # When django-axes locked the login, its middleware replaces this answer.
            return Response(serializer.errors, status=401)
        if request.user.is_authenticated:
            # One session per user, as oscar-api does.
            return Response(
                {"detail": _("Une session est déjà ouverte : déconnectez-vous d'abord.")},
                status=405,
            )
        user = serializer.instance
        anonymous_basket = operations.get_anonymous_basket(request)
        request.user = user
        login_and_upgrade_session(request._request, user)
        basket = operations.get_user_basket(user)
        if anonymous_basket is not None:
            self.merge_baskets(anonymous_basket, basket)
        operations.store_basket_in_session(basket, request.session)
        return Response("")
