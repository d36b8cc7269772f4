"""Communication officers of a commune: a Wagtail group per commune that adds, edits and publishes
the pages of that commune's subtree, and only there, and manages the images and documents of the
commune's own collection. (The "Rédacteurs" role of accounts/roles.py opens the admin.)"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

OFFICER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
OFFICER_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)


def officers_group_name(commune_page) -> str:
    return f"Rédaction {commune_page.title}"


@transaction.atomic
def grant_commune_officers(commune_page) -> Group:
    """Create the officers' group of the commune, or bring it back to exactly these rights:
    admin access, add/change/publish on the commune page's subtree, and the commune's collection.
    Safe to rerun; a right granted by hand to the group elsewhere is taken back."""
    group, _ = Group.objects.get_or_create(name=officers_group_name(commune_page))
    group.permissions.set([permission("wagtailadmin", "access_admin")])

    page_permissions = [permission("wagtailcore", code) for code in OFFICER_PAGE_PERMISSIONS]
    GroupPagePermission.objects.filter(group=group).exclude(
        page=commune_page, permission__in=page_permissions
    ).delete()
    for page_permission in page_permissions:
        GroupPagePermission.objects.get_or_create(
            group=group, page=commune_page, permission=page_permission
        )

    collection = commune_collection(commune_page)
    collection_permissions = [permission(*key) for key in OFFICER_COLLECTION_PERMISSIONS]
    GroupCollectionPermission.objects.filter(group=group).exclude(
        collection=collection, permission__in=collection_permissions
    ).delete()
    for collection_permission in collection_permissions:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=collection_permission
        )
    return group


def commune_collection(commune_page) -> Collection:
    """The collection (under the root one) holding the commune's images and documents."""
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=commune_page.title).first()
    return existing or root.add_child(name=commune_page.title)


def permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)
