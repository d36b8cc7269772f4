"""The oscar-api routes served under /api/: an allow-list, not oscarapi.urls.

oscar-api mounts some forty generic routes; most write baskets, lines, line options, vouchers,
addresses or the catalogue from what the client sends, which our trust boundary forbids (meals
reach a basket only through /api/reservations/basket/, the parent's calendar and the agent's
booking screen, which price them on the server). What is served here is login, the checkout, and
reading one's own basket and orders; the rest of the list is there because those answers link to
it. Every read route is GET only and scoped to its owner (shop/api/views/owned.py).
tests/functional/test_api_surface.py fails when a route appears under /api/ that is neither ours
nor listed here."""

from django.urls import path
from oscarapi.utils.loading import get_api_classes

from .views.receipts import ReceiptListView, ReceiptPdfView

(LoginView, UserDetail) = get_api_classes("views.login", ["LoginView", "UserDetail"])
(BasketView, LineList, BasketLineDetail) = get_api_classes(
    "views.basket", ["BasketView", "LineList", "BasketLineDetail"]
)
(BasketDetail, LineAttributeDetail, OptionDetail) = get_api_classes(
    "views.basic", ["BasketDetail", "LineAttributeDetail", "OptionDetail"]
)
(
    CheckoutView,
    OrderList,
    OrderDetail,
    OrderLineList,
    OrderLineDetail,
    OrderLineAttributeDetail,
) = get_api_classes(
    "views.checkout",
    [
        "CheckoutView",
        "OrderList",
        "OrderDetail",
        "OrderLineList",
        "OrderLineDetail",
        "OrderLineAttributeDetail",
    ],
)
(
    ProductDetail,
    ProductPrice,
    ProductAvailability,
    ProductStockRecords,
    ProductStockRecordDetail,
) = get_api_classes(
    "views.product",
    [
        "ProductDetail",
        "ProductPrice",
        "ProductAvailability",
        "ProductStockRecords",
        "ProductStockRecordDetail",
    ],
)

urlpatterns = [
    # POST logs in (django-axes counts failures), GET says who is logged in, DELETE logs out:
    # the API clients' and the end-to-end tests' way in.
    path("login/", LoginView.as_view(), name="api-login"),
    # The basket and orders name their owner by this link; it answers 204 (no user details).
    path("users/<int:pk>/", UserDetail.as_view(), name="user-detail"),
    # The parent's current basket, read-only.
    path("basket/", BasketView.as_view(), name="api-basket"),
    # The checkout names the basket it pays by this URL; read-only.
    path("baskets/<int:pk>/", BasketDetail.as_view(), name="basket-detail"),
    # The basket's `lines` link, each line's `url`, each line option's `url`: read-only.
    path("baskets/<int:pk>/lines/", LineList.as_view(), name="basket-lines-list"),
    path(
        "baskets/<int:basket_pk>/lines/<int:pk>/",
        BasketLineDetail.as_view(),
        name="basket-line-detail",
    ),
    path(
        "baskets/<int:basket_pk>/lines/<int:line_pk>/lineattributes/<int:pk>/",
        LineAttributeDetail.as_view(),
        name="lineattribute-detail",
    ),
    # Places and pays the order (shop/api/views/checkout.py).
    path("checkout/", CheckoutView.as_view(), name="api-checkout"),
    # The parent's orders, their lines and the lines' options (beneficiary, date, price).
    path("orders/", OrderList.as_view(), name="order-list"),
    path("orders/<int:pk>/", OrderDetail.as_view(), name="order-detail"),
    path("orders/<int:pk>/lines/", OrderLineList.as_view(), name="order-lines-list"),
    path("orderlines/<int:pk>/", OrderLineDetail.as_view(), name="order-lines-detail"),
    path(
        "orderlineattributes/<int:pk>/",
        OrderLineAttributeDetail.as_view(),
        name="order-lineattributes-detail",
    ),
    # Ours, not oscar-api's: the parent's receipts (one per paid régie share) and their PDFs.
    path("receipts/", ReceiptListView.as_view(), name="api-receipts"),
    path("receipts/<int:pk>/pdf/", ReceiptPdfView.as_view(), name="api-receipt-pdf"),
    # Basket and order lines link their product, stock record and options; a product links its
    # price, availability and stock records. All read-only in oscar-api; the catalogue to book
    # from is /api/services/.
    path("products/<int:pk>/", ProductDetail.as_view(), name="product-detail"),
    path("products/<int:pk>/price/", ProductPrice.as_view(), name="product-price"),
    path(
        "products/<int:pk>/availability/",
        ProductAvailability.as_view(),
        name="product-availability",
    ),
    path(
        "products/<int:pk>/stockrecords/",
        ProductStockRecords.as_view(),
        name="product-stockrecords",
    ),
    path(
        "products/<int:product_pk>/stockrecords/<int:pk>/",
        ProductStockRecordDetail.as_view(),
        name="product-stockrecord-detail",
    ),
    path("options/<int:pk>/", OptionDetail.as_view(), name="option-detail"),
]
