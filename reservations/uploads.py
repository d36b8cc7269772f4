"""Checks on uploaded files: the type is read from the content, never from the name."""

import io
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 600

DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


@dataclass(frozen=True)
class CheckedDocument:
    content_type: str
    extension: str
    size: int


def check_document(upload) -> CheckedDocument:
    """A PDF, JPEG or PNG of at most 10 MB, judged by its first bytes."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _(
                "Le fichier « %(name)s » dépasse 10 Mo : réduisez-le ou scannez-le en plus basse "
                "résolution."
            )
            % {"name": upload.name},
            code="file_too_large",
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas un PDF, un JPEG ou un PNG.")
            % {"name": upload.name},
            code="file_type_refused",
        )
    return CheckedDocument(kind.mime, DOCUMENT_TYPES[kind.mime], upload.size)


def normalise_photo(upload) -> ContentFile:
    """A real image, re-encoded as a JPEG of at most 600 px a side: the re-encoding also drops
    any metadata (GPS position of the phone that took it) and anything hidden after the image."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("La photo dépasse 10 Mo."), code="file_too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in {"JPEG", "PNG"}:
                raise UnidentifiedImageError
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=85)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("La photo doit être une image JPEG ou PNG."), code="photo_refused"
        ) from error
    return ContentFile(output.getvalue(), name="photo.jpg")
