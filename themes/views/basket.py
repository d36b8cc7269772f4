"""Mon panier: the meals waiting in the parent's basket, by day with their frozen prices, and
removing some (`reservations.basket`, as the JSON API does)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from reservations.basket import basket_summary, remove_meals_from_basket

from ..access import parent_required
from ..forms.planning import RemoveLinesForm


@parent_required
@require_http_methods(["GET", "POST"])
def basket_view(request):
    """The basket's meals by day, with their frozen prices; POST removes some."""
    form = RemoveLinesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        removed = remove_meals_from_basket(
            account=request.user, line_ids=form.cleaned_data["lines"]
        )
        messages.success(
            request,
            ngettext(
                "%(count)s repas retiré du panier.", "%(count)s repas retirés du panier.", removed
            )
            % {"count": removed},
        )
        return redirect("portail:basket")
    summary = basket_summary(request.user)
    return render(
        request,
        "themes/planning/basket.html",
        {"summary": summary, "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("espace/panier/", basket_view, name="basket"),
]
