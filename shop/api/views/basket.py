from oscarapi.basket import operations
from oscarapi.views import basket
from rest_framework import generics

from .owned import OwnedReadOnly

__all__ = ["LineList", "BasketLineDetail"]


def owned_basket(request, pk):
    """The request user's open basket `pk`, or a 404."""
    baskets = operations.editable_baskets().filter(owner=request.user)
    return generics.get_object_or_404(baskets, pk=pk)


class LineList(OwnedReadOnly, basket.LineList):
    """The lines of the parent's open basket, read-only: meals are added by our endpoints,
    which price them on the server (oscar-api's POST takes the client's price)."""

    def get_queryset(self):
        prepared = operations.assign_basket_strategy(
            owned_basket(self.request, self.kwargs["pk"]), self.request
        )
        return prepared.all_lines()


class BasketLineDetail(OwnedReadOnly, basket.BasketLineDetail):
    """One line of the parent's open basket, read-only: a meal is one line of quantity 1
    (oscar-api's PATCH would let the quantity fall to 0, and the price with it)."""

    def get_queryset(self):
        prepared = operations.prepare_basket(
            owned_basket(self.request, self.kwargs["basket_pk"]), self.request
        )
        return prepared.all_lines()
