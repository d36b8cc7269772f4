from oscarapi.permissions import APIAdminPermission
from oscarapi.views.admin import product

__all__ = ["CategoryBulkAdminApi"]


class CategoryBulkAdminApi(product.CategoryBulkAdminApi):
    """oscar-api routes this admin endpoint publicly, with no permission of its own: any logged-in
    user could rewrite the category tree. Only API administrators may."""

    permission_classes = (APIAdminPermission,)
