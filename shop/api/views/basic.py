from oscarapi.basket.operations import editable_baskets
from oscarapi.views import basic

from .owned import OwnedReadOnly

__all__ = ["BasketDetail", "LineAttributeDetail"]


class BasketDetail(OwnedReadOnly, basic.BasketDetail):
    """The parent's open basket, read-only: the checkout names it by this URL. Its lines are
    written by our endpoints only (the trust boundary), so oscar-api's PUT and DELETE are not
    served; another parent's basket is a 404 (oscar-api says 403)."""

    def get_queryset(self):
        return editable_baskets().filter(owner=self.request.user)


class LineAttributeDetail(OwnedReadOnly, basic.LineAttributeDetail):
    """One option of a line of the parent's open basket, read-only: the beneficiary, the date
    and the price frozen when the meal was added must not be rewritten before the checkout."""

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(
                line__basket__in=editable_baskets().filter(owner=self.request.user),
                line__basket_id=self.kwargs["basket_pk"],
                line_id=self.kwargs["line_pk"],
            )
        )
