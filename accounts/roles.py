"""The four roles and the groups that carry their permissions.

- parent (usager): no back-office permission; uses the API and the parent front end.
- agent: Oscar dashboard access, limited by Oscar to the partners (communes) listing the agent in
  `Partner.users`; validates the accounts of parents.
- communication officer (rédacteur): Wagtail admin access; page permissions per commune subtree
  are granted on the Wagtail pages themselves.
- administrator: a superuser.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

PARENTS = "Usagers"
AGENTS = "Agents communaux"
OFFICERS = "Rédacteurs"

ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    PARENTS: [],
    AGENTS: [
        ("partner", "dashboard_access"),
        ("accounts", "validate_account"),
        ("reservations", "review_serviceaccess"),
    ],
    OFFICERS: [("wagtailadmin", "access_admin")],
}


class ActorRole(models.TextChoices):
    """In which role someone acted on a booking or a ledger movement (stored on both)."""

    PARENT = "parent", _("Usager")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("Système")


# Officers add and choose images and documents in every collection (Wagtail grants these per
# collection; the root collection covers them all).
OFFICER_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


def sync_role_groups(**kwargs):
    """Create the role groups with exactly their permissions; safe to run on every migrate."""
    for group_name, permission_keys in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = [
            Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            for app_label, codename in permission_keys
        ]
        # A permission is missing only while its app's migrations have not run yet.
        group.permissions.set([permission for permission in permissions if permission])
    _grant_officer_collection_permissions()


def _grant_officer_collection_permissions():
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    if root is None:  # Wagtail's migrations have not run yet
        return
    officers = Group.objects.get(name=OFFICERS)
    for app_label, codename in OFFICER_COLLECTION_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            GroupCollectionPermission.objects.get_or_create(
                group=officers, collection=root, permission=permission
            )


def add_to_role(user, group_name: str) -> None:
    user.groups.add(Group.objects.get(name=group_name))
