from oscarapi.views import checkout

from accounts.permissions import IsValidatedAccount

__all__ = ["CheckoutView"]


class CheckoutView(checkout.CheckoutView):
    permission_classes = (IsValidatedAccount,)
