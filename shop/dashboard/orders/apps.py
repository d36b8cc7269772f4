import oscar.apps.dashboard.orders.apps as apps


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    """Oscar's orders dashboard with our order list and detail (shop/dashboard/orders/views.py)."""

    name = "shop.dashboard.orders"

    def ready(self):
        super().ready()
        from .views import OrderDetailView, OrderListView

        self.order_list_view = OrderListView
        self.order_detail_view = OrderDetailView
