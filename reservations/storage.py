"""Private files (supporting documents, children's photos): never under a public URL.

They live in the `private` storage (PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT) under random names,
and are streamed only by views that check who is asking."""

import os
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, read at each use (not once at start-up), so that a test
    pointing the setting at a temporary folder moves every private file with it."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through an authorised view.")


def private_storage():
    """The `private` storage alias (a model field calls this once, when its class is built)."""
    return storages["private"]


def random_name(folder: str, extension: str) -> str:
    return str(PurePosixPath(folder) / f"{uuid.uuid4().hex}{extension}")


def document_upload_to(instance, filename):
    # The extension follows the type read from the content, never the name the parent gave.
    return random_name("documents", instance.extension)


def photo_upload_to(instance, filename):
    return random_name("photos", ".jpg")


def justification_upload_to(instance, filename):
    # Absence certificates are health documents: their own folder, a random name.
    return random_name("justifications", instance.extension)
