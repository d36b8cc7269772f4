"""Builders for the access-request tests: beneficiaries, tariff options with their requirements,
uploaded files (real PDF/PNG bytes, a disguised executable, an oversized PDF), a private storage
under a temporary folder."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import factory
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reservations.access import request_access
from reservations.models import AccessDocument, AccessRequirements, Beneficiary, Relation
from reservations.uploads import MAX_DOCUMENT_BYTES
from tests.factories import ParentFactory, PartnerFactory
from tests.shop_data import make_service

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BOTH_DOCUMENTS = ["proof_of_address", "family_quotient"]


class AccessBeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    account = factory.SubFactory(ParentFactory)
    last_name = factory.LazyAttribute(lambda o: o.account.last_name)
    first_name = factory.Sequence(lambda n: f"Hugo{n}")
    birth_date = datetime.date(2017, 3, 14)
    relation = Relation.MOTHER


def make_option(
    commune=None,
    *,
    service="Cantine de Rosières",
    option="Réservation cantine pour enfants",
    price="3.30",
    documents=BOTH_DOCUMENTS,
    tax_figures=True,
):
    """A tariff option of a commune's service, with its access requirements."""
    commune = commune or PartnerFactory(name="Rosières")
    _, (tariff_option,) = make_service(commune, service, {option: price})
    AccessRequirements.objects.create(
        tariff_option=tariff_option,
        required_documents=list(documents),
        requires_tax_figures=tax_figures,
    )
    return tariff_option


def pdf_upload(name="justificatif.pdf", *, size=None) -> SimpleUploadedFile:
    content = PDF_BYTES
    if size is not None:  # padded (or cut) to `size` bytes
        content = (PDF_BYTES + b"0" * max(0, size - len(PDF_BYTES)))[:size]
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name="avis.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    # The parent's browser claims a PDF: the type is read from the bytes.
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


EXECUTABLE_HEADERS = {
    "windows": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56,
    "linux": b"\x7fELF\x02\x01\x01" + b"\x00" * 57,
}


def executable_upload(system="windows", name="avis.pdf") -> SimpleUploadedFile:
    """A program renamed to look like a PDF, announced as one by the browser."""
    return SimpleUploadedFile(name, EXECUTABLE_HEADERS[system], content_type="application/pdf")


def oversized_pdf_upload() -> SimpleUploadedFile:
    return pdf_upload("scan.pdf", size=MAX_DOCUMENT_BYTES + 1024 * 1024)


def both_documents() -> dict:
    return {"proof_of_address": pdf_upload("domicile.pdf"), "family_quotient": png_upload()}


def ask(account, option, *, beneficiaries=None, documents=None, income="24000", shares="2"):
    """A pending request by `account`, with both documents and the tax figures."""
    if beneficiaries is None:
        beneficiaries = [AccessBeneficiaryFactory(account=account)]
    return request_access(
        account=account,
        tariff_option=option,
        beneficiaries=beneficiaries,
        documents=both_documents() if documents is None else documents,
        reference_tax_income=None if income is None else Decimal(income),
        tax_shares=None if shares is None else Decimal(shares),
    )


def use_private_root(settings, monkeypatch, root: Path) -> None:
    """Store private files under `root` for one test.

    Pointing the "private" alias elsewhere is not enough on its own: Django resolves a
    FileField's storage callable once, when the model class is built, so the field keeps the
    storage of the settings of that moment. The field is given the new one too."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(root)}},
    }
    monkeypatch.setattr(AccessDocument._meta.get_field("file"), "storage", storages["private"])


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]
