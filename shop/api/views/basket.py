from oscarapi.views import basket

from accounts.permissions import IsValidatedAccount

__all__ = ["AddProductView", "AddVoucherView", "LineList", "BasketLineDetail"]


class AddProductView(basket.AddProductView):
    permission_classes = (IsValidatedAccount,)


class AddVoucherView(basket.AddVoucherView):
    permission_classes = (IsValidatedAccount,)


class LineList(basket.LineList):
    permission_classes = (IsValidatedAccount, *basket.LineList.permission_classes)


class BasketLineDetail(basket.BasketLineDetail):
    permission_classes = (IsValidatedAccount, *basket.BasketLineDetail.permission_classes)
