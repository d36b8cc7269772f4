"""What every oscar-api read route we serve shares: GET only, for a signed-in user, on their own
objects (another user's object is a 404, as a missing one: DESIGN.md's trust boundary)."""

from rest_framework.permissions import IsAuthenticated

READ_ONLY_METHODS = ["get", "head", "options"]


class OwnedReadOnly:
    """Mixed in before an oscar-api view: its writes answer 405 and anonymous visitors 403,
    while the view's `get_queryset` (overridden next to it) keeps only the user's rows."""

    http_method_names = READ_ONLY_METHODS
    permission_classes = (IsAuthenticated,)
