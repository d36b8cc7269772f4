"""/api/beneficiaries/ ("Mes filiations"): a family manages its own beneficiaries and their
identity photos; nobody else sees them, except the agents of a commune they asked access to."""

import datetime
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from PIL import Image

from reservations.beneficiaries import (
    create_beneficiary,
    has_history,
    set_photo,
    update_beneficiary,
)
from reservations.models import Beneficiary, Relation, SchoolClass
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory, make_access, years_ago

pytestmark = pytest.mark.django_db

LIST = "/api/beneficiaries/"


def detail(beneficiary):
    return f"/api/beneficiaries/{beneficiary.pk}/"


def photo(beneficiary):
    return f"/api/beneficiaries/{beneficiary.pk}/photo/"


def valid_payload(**overrides):
    payload = {
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": years_ago(7, days=10).isoformat(),
        "relation": Relation.MOTHER,
        "school_class": SchoolClass.CE1,
        "group": "Maternelle B",
        "has_pai": False,
        "pai_details": "",
        "additional_information": "",
    }
    payload.update(overrides)
    return payload


def png_upload(size=(1200, 800), name="enfant.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def put_photo(client, beneficiary, upload):
    return client.put(
        photo(beneficiary),
        encode_multipart(BOUNDARY, {"photo": upload}),
        content_type=MULTIPART_CONTENT,
    )


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent)
    return client


@pytest.fixture
def private_media(settings, tmp_path, monkeypatch):
    """Photos go to a throwaway folder. The photo field resolved its storage when the model
    class was built (Django calls a callable storage once), so the field is pointed there too."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}},
    }
    monkeypatch.setattr(Beneficiary._meta.get_field("photo"), "storage", storages["private"])
    return tmp_path


def stored_photos(root):
    folder = root / "photos"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- CRUD ------------------------------------------------------------------------------------


def test_parent_adds_reads_lists_updates_and_deletes_a_beneficiary(parent_client, parent):
    created = parent_client.post(LIST, valid_payload(), content_type="application/json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["last_name"] == "Martin"
    assert body["relation_label"] == "Mère"
    assert body["school_class_label"] == "CE1"
    assert body["photo_url"] is None
    assert body["is_archived"] is False
    beneficiary = Beneficiary.objects.get(pk=body["id"])
    assert beneficiary.account == parent

    assert parent_client.get(detail(beneficiary)).json()["first_name"] == "Léa"
    assert [b["id"] for b in parent_client.get(LIST).json()] == [beneficiary.pk]

    patched = parent_client.patch(
        detail(beneficiary),
        {"has_pai": True, "pai_details": "Allergie à l'arachide"},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    beneficiary.refresh_from_db()
    assert (beneficiary.has_pai, beneficiary.pai_details) == (True, "Allergie à l'arachide")

    replaced = parent_client.put(
        detail(beneficiary),
        valid_payload(first_name="Léonie", school_class=SchoolClass.CE2),
        content_type="application/json",
    )
    assert replaced.status_code == 200, replaced.content
    beneficiary.refresh_from_db()
    assert (beneficiary.first_name, beneficiary.school_class) == ("Léonie", SchoolClass.CE2)

    deleted = parent_client.delete(detail(beneficiary))
    assert deleted.status_code == 204
    assert not Beneficiary.objects.filter(pk=beneficiary.pk).exists()


def test_names_are_trimmed(parent_client):
    response = parent_client.post(
        LIST,
        valid_payload(last_name="  Martin ", first_name="\tLéa  "),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    beneficiary = Beneficiary.objects.get(pk=response.json()["id"])
    assert (beneficiary.last_name, beneficiary.first_name) == ("Martin", "Léa")


def test_account_holder_may_add_themself_as_an_adult(parent_client):
    response = parent_client.post(
        LIST,
        valid_payload(
            relation=Relation.SELF,
            school_class=SchoolClass.ADULT,
            birth_date=years_ago(38).isoformat(),
        ),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["relation_label"] == "Moi-même"


def test_account_awaiting_validation_manages_its_beneficiaries(client):
    client.force_login(PendingParentFactory())

    response = client.post(LIST, valid_payload(), content_type="application/json")

    assert response.status_code == 201, response.content
    assert len(client.get(LIST).json()) == 1


def test_list_shows_only_the_parents_own_beneficiaries(parent_client, parent):
    own = BeneficiaryFactory(account=parent)
    BeneficiaryFactory()

    response = parent_client.get(LIST)

    assert [b["id"] for b in response.json()] == [own.pk]


# --- Validation ------------------------------------------------------------------------------

REFUSALS = [
    ("blank last name", {"last_name": "   "}, "last_name"),
    ("missing first name", {"first_name": None}, "first_name"),
    ("birth date in the future", {"birth_date": "FUTURE"}, "birth_date"),
    ("birth date before 1900", {"birth_date": "1899-12-31"}, "birth_date"),
    ("birth date not a date", {"birth_date": "31/12/2018"}, "birth_date"),
    ("unknown relation", {"relation": "cousin"}, "relation"),
    ("unknown school class", {"school_class": "6EME"}, "school_class"),
    ("moi-même as a pupil", {"relation": Relation.SELF, "school_class": "CM1"}, "school_class"),
    ("an adult in CM1", {"birth_date": "ADULT", "school_class": "CM1"}, "school_class"),
    ("a baby in CP", {"birth_date": "BABY", "school_class": "CP"}, "school_class"),
    ("a PAI without details", {"has_pai": True, "pai_details": "  "}, "pai_details"),
]
DATES = {
    "FUTURE": lambda: (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
    "ADULT": lambda: years_ago(19).isoformat(),
    "BABY": lambda: years_ago(0, days=100).isoformat(),
}


def with_dates(overrides):
    payload = valid_payload(**overrides)
    if payload["birth_date"] in DATES:
        payload["birth_date"] = DATES[payload["birth_date"]]()
    if payload.get("first_name") is None:
        del payload["first_name"]
    return payload


@pytest.mark.parametrize(
    ("case", "overrides", "field"), REFUSALS, ids=[case for case, _, _ in REFUSALS]
)
def test_creation_refusals_name_the_field_in_french_and_store_nothing(
    parent_client, case, overrides, field
):
    response = parent_client.post(LIST, with_dates(overrides), content_type="application/json")

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert Beneficiary.objects.count() == 0


@pytest.mark.parametrize(
    ("case", "overrides", "field"), REFUSALS, ids=[case for case, _, _ in REFUSALS]
)
def test_update_refusals_name_the_field_and_change_nothing(
    parent_client, parent, case, overrides, field
):
    beneficiary = BeneficiaryFactory(account=parent, first_name="Léa")
    before = Beneficiary.objects.values().get(pk=beneficiary.pk)

    response = parent_client.put(
        detail(beneficiary), with_dates(overrides), content_type="application/json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert Beneficiary.objects.values().get(pk=beneficiary.pk) == before


def test_refusal_messages_are_french_and_say_what_to_do(parent_client):
    blank_name = parent_client.post(
        LIST, with_dates({"last_name": ""}), content_type="application/json"
    )
    # Every rule is checked before answering: the parent sees all the problems at once.
    two_rules = parent_client.post(
        LIST,
        with_dates({"birth_date": "FUTURE", "has_pai": True}),
        content_type="application/json",
    )

    assert blank_name.json() == {"last_name": ["Indiquez le nom du bénéficiaire."]}
    errors = two_rules.json()
    assert errors["birth_date"] == ["La date de naissance ne peut pas être dans le futur."]
    assert "Décrivez le PAI" in errors["pai_details"][0]


def test_age_that_does_not_fit_the_class_is_explained(parent_client):
    response = parent_client.post(
        LIST,
        with_dates({"birth_date": "ADULT", "school_class": "CM2"}),
        content_type="application/json",
    )

    assert response.json()["school_class"] == [
        "Un enfant de 19 ans ne peut pas être en CM2 : vérifiez la date de naissance ou la classe."
    ]


def test_moi_meme_is_refused_a_second_time(parent_client, parent):
    BeneficiaryFactory(
        account=parent,
        relation=Relation.SELF,
        school_class=SchoolClass.ADULT,
        birth_date=years_ago(40),
    )
    payload = valid_payload(
        relation=Relation.SELF, school_class=SchoolClass.ADULT, birth_date=years_ago(41).isoformat()
    )

    response = parent_client.post(LIST, payload, content_type="application/json")

    assert response.status_code == 400
    assert "relation" in response.json()
    assert Beneficiary.objects.filter(account=parent).count() == 1


def test_moi_meme_of_another_account_does_not_count(parent_client):
    BeneficiaryFactory(
        relation=Relation.SELF, school_class=SchoolClass.ADULT, birth_date=years_ago(40)
    )
    payload = valid_payload(
        relation=Relation.SELF, school_class=SchoolClass.ADULT, birth_date=years_ago(41).isoformat()
    )

    response = parent_client.post(LIST, payload, content_type="application/json")

    assert response.status_code == 201, response.content


def test_editing_moi_meme_does_not_collide_with_itself(parent_client, parent):
    myself = BeneficiaryFactory(
        account=parent,
        relation=Relation.SELF,
        school_class=SchoolClass.ADULT,
        birth_date=years_ago(40),
    )

    response = parent_client.patch(
        detail(myself), {"group": "Personnel"}, content_type="application/json"
    )

    assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_moi_meme_creations_keep_only_one():
    parent = ParentFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def create():
        try:
            barrier.wait()
            create_beneficiary(
                account=parent,
                last_name="Martin",
                first_name="Camille",
                birth_date=years_ago(40),
                relation=Relation.SELF,
                school_class=SchoolClass.ADULT,
            )
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(error.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("created") == 1
    [refusal] = [outcome for outcome in outcomes if outcome != "created"]
    assert list(refusal) == ["relation"]
    assert Beneficiary.objects.filter(account=parent, relation=Relation.SELF).count() == 1


# --- Scoping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", detail, None),
        ("patch", detail, {"first_name": "Intrus"}),
        ("put", detail, valid_payload()),
        ("delete", detail, None),
        ("get", photo, None),
        ("delete", photo, None),
    ],
)
def test_another_parents_beneficiary_is_a_404(parent_client, private_media, method, path, data):
    theirs = BeneficiaryFactory(first_name="Jules")
    theirs.photo.save("x.jpg", png_upload(), save=True)
    kwargs = {"content_type": "application/json"} if data is not None else {}

    response = getattr(parent_client, method)(path(theirs), data, **kwargs)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.first_name == "Jules"
    assert theirs.photo


def test_an_id_that_is_not_a_number_is_a_404(parent_client):
    assert parent_client.get("/api/beneficiaries/abc/").status_code == 404
    assert parent_client.get("/api/beneficiaries/abc/photo/").status_code == 404


def test_another_parent_cannot_replace_a_photo(parent_client, private_media):
    theirs = BeneficiaryFactory()

    response = put_photo(parent_client, theirs, png_upload())

    assert response.status_code == 404
    assert stored_photos(private_media) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", lambda b: LIST),
        ("post", lambda b: LIST),
        ("get", detail),
        ("patch", detail),
        ("delete", detail),
        ("get", photo),
        ("put", photo),
        ("delete", photo),
    ],
)
def test_anonymous_visitor_gets_403(client, method, path):
    beneficiary = BeneficiaryFactory()

    response = getattr(client, method)(path(beneficiary))

    assert response.status_code == 403
    assert Beneficiary.objects.filter(pk=beneficiary.pk).exists()


# --- Removal ---------------------------------------------------------------------------------


def test_beneficiary_with_an_access_request_is_archived_not_deleted(parent_client, parent):
    beneficiary = BeneficiaryFactory(account=parent)
    make_access([beneficiary], commune=PartnerFactory(name="Rosières"))
    assert has_history(beneficiary)

    response = parent_client.delete(detail(beneficiary))

    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] is True
    beneficiary.refresh_from_db()
    assert beneficiary.archived_at is not None
    assert parent_client.get(LIST).json() == []
    listed = parent_client.get(LIST, {"include_archived": "1"}).json()
    assert [(b["id"], b["is_archived"]) for b in listed] == [(beneficiary.pk, True)]


def test_archived_beneficiary_no_longer_changes(parent_client, parent):
    beneficiary = BeneficiaryFactory(account=parent, archived_at=timezone.now())

    response = parent_client.patch(
        detail(beneficiary), {"first_name": "Autre"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert parent_client.get(detail(beneficiary)).json()["is_archived"] is True


def test_archived_beneficiary_is_refused_by_the_use_cases_too(parent, private_media):
    beneficiary = BeneficiaryFactory(account=parent, archived_at=timezone.now())

    with pytest.raises(ValidationError, match="archivé"):
        update_beneficiary(beneficiary, first_name="Autre")
    with pytest.raises(ValidationError, match="archivé"):
        set_photo(beneficiary, png_upload())
    assert stored_photos(private_media) == []


def test_archived_moi_meme_may_be_entered_again(parent_client, parent):
    BeneficiaryFactory(
        account=parent,
        relation=Relation.SELF,
        school_class=SchoolClass.ADULT,
        birth_date=years_ago(40),
        archived_at=timezone.now(),
    )
    payload = valid_payload(
        relation=Relation.SELF, school_class=SchoolClass.ADULT, birth_date=years_ago(40).isoformat()
    )

    response = parent_client.post(LIST, payload, content_type="application/json")

    assert response.status_code == 201, response.content


def test_beneficiary_without_history_is_deleted_with_its_photo(
    parent_client, parent, private_media, django_capture_on_commit_callbacks
):
    beneficiary = BeneficiaryFactory(account=parent)
    assert put_photo(parent_client, beneficiary, png_upload()).status_code == 200
    assert len(stored_photos(private_media)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = parent_client.delete(detail(beneficiary))

    assert response.status_code == 204
    assert not Beneficiary.objects.filter(pk=beneficiary.pk).exists()
    assert stored_photos(private_media) == []


# --- Photo -----------------------------------------------------------------------------------


def test_png_photo_is_stored_as_a_jpeg_of_at_most_600_px_and_served_to_the_owner(
    parent_client, parent, private_media
):
    beneficiary = BeneficiaryFactory(account=parent)

    response = put_photo(parent_client, beneficiary, png_upload(size=(1200, 800)))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["photo_url"] == f"http://testserver{photo(beneficiary)}"
    assert "photos/" not in response.content.decode()
    [stored] = stored_photos(private_media)
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 600

    served = parent_client.get(photo(beneficiary))

    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == stored.read_bytes()
    assert stored.name not in served.get("Content-Disposition", "")


def test_photo_metadata_is_dropped(parent_client, parent, private_media):
    beneficiary = BeneficiaryFactory(account=parent)
    exif = Image.Exif()
    exif[0x010F] = "Téléphone de Maman"  # Make
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("enfant.jpg", buffer.getvalue(), content_type="image/jpeg")

    assert put_photo(parent_client, beneficiary, upload).status_code == 200

    [stored] = stored_photos(private_media)
    with Image.open(stored) as image:
        assert dict(image.getexif()) == {}


def test_photo_may_come_with_the_creation(parent_client, private_media):
    payload = valid_payload()
    payload["photo"] = png_upload(size=(300, 400))

    response = parent_client.post(LIST, payload)  # multipart

    assert response.status_code == 201, response.content
    assert response.json()["photo_url"].endswith("/photo/")
    assert len(stored_photos(private_media)) == 1


def test_agent_of_a_commune_with_an_access_sees_the_photo(client, parent, private_media):
    rosieres = PartnerFactory(name="Rosières")
    beneficiary = BeneficiaryFactory(account=parent)
    make_access([beneficiary], commune=rosieres)
    client.force_login(parent)
    put_photo(client, beneficiary, png_upload())

    client.force_login(AgentFactory(communes=[rosieres]))
    response = client.get(photo(beneficiary))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_agent_of_another_commune_gets_a_404_for_the_photo(client, parent, private_media):
    beneficiary = BeneficiaryFactory(account=parent)
    make_access([beneficiary], commune=PartnerFactory(name="Rosières"))
    client.force_login(parent)
    put_photo(client, beneficiary, png_upload())

    client.force_login(AgentFactory(communes=[PartnerFactory(name="Aiguilhe")]))
    response = client.get(photo(beneficiary))

    assert response.status_code == 404


def test_agent_with_an_access_still_cannot_change_the_beneficiary(client, parent, private_media):
    rosieres = PartnerFactory(name="Rosières")
    beneficiary = BeneficiaryFactory(account=parent)
    make_access([beneficiary], commune=rosieres)
    client.force_login(AgentFactory(communes=[rosieres]))

    assert client.get(detail(beneficiary)).status_code == 404
    assert put_photo(client, beneficiary, png_upload()).status_code == 404
    assert stored_photos(private_media) == []


def test_text_file_named_jpg_is_refused_and_nothing_is_stored(parent_client, parent, private_media):
    beneficiary = BeneficiaryFactory(account=parent)
    before = stored_photos(private_media)
    fake = SimpleUploadedFile("enfant.jpg", b"pas une image\n" * 50, content_type="image/jpeg")

    response = put_photo(parent_client, beneficiary, fake)

    assert response.status_code == 400
    assert response.json()["photo"] == ["La photo doit être une image JPEG ou PNG."]
    assert stored_photos(private_media) == before
    beneficiary.refresh_from_db()
    assert not beneficiary.photo


def test_creation_with_a_fake_photo_is_refused_entirely(parent_client, private_media):
    payload = valid_payload()
    payload["photo"] = SimpleUploadedFile("enfant.jpg", b"GIF? non", content_type="image/jpeg")

    response = parent_client.post(LIST, payload)

    assert response.status_code == 400
    assert "photo" in response.json()
    assert Beneficiary.objects.count() == 0
    assert stored_photos(private_media) == []


def test_photo_upload_without_a_file_is_refused(parent_client, parent, private_media):
    beneficiary = BeneficiaryFactory(account=parent)

    response = parent_client.put(
        photo(beneficiary), encode_multipart(BOUNDARY, {}), content_type=MULTIPART_CONTENT
    )

    assert response.status_code == 400
    assert response.json()["photo"] == ["Choisissez une photo à envoyer."]


def test_replacing_the_photo_removes_the_old_file(
    parent_client, parent, private_media, django_capture_on_commit_callbacks
):
    beneficiary = BeneficiaryFactory(account=parent)
    put_photo(parent_client, beneficiary, png_upload())
    [first] = stored_photos(private_media)

    with django_capture_on_commit_callbacks(execute=True):
        response = put_photo(parent_client, beneficiary, png_upload(size=(200, 200)))

    assert response.status_code == 200
    [second] = stored_photos(private_media)
    assert second != first
    beneficiary.refresh_from_db()
    assert beneficiary.photo.name == f"photos/{second.name}"


def test_deleting_the_photo_removes_the_file(
    parent_client, parent, private_media, django_capture_on_commit_callbacks
):
    beneficiary = BeneficiaryFactory(account=parent)
    put_photo(parent_client, beneficiary, png_upload())

    with django_capture_on_commit_callbacks(execute=True):
        response = parent_client.delete(photo(beneficiary))

    assert response.status_code == 204
    assert stored_photos(private_media) == []
    assert parent_client.get(detail(beneficiary)).json()["photo_url"] is None
    assert parent_client.get(photo(beneficiary)).status_code == 404


# --- Performance and documentation -----------------------------------------------------------


@pytest.mark.parametrize("count", [2, 20])
def test_list_query_count_does_not_grow_with_the_beneficiaries(
    parent_client, parent, private_media, django_assert_max_num_queries, count
):
    for beneficiary in BeneficiaryFactory.create_batch(count, account=parent):
        beneficiary.photo = "photos/fake.jpg"
        beneficiary.save(update_fields=["photo"])

    # Session read, user, beneficiaries, and the sliding session's save (with its savepoints).
    with django_assert_max_num_queries(6):
        response = parent_client.get(LIST, {"include_archived": "1"})

    assert len(response.json()) == count


def test_schema_documents_every_beneficiary_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]

    assert {"get", "post"} <= set(paths["/api/beneficiaries/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/beneficiaries/{id}/"])
    photo_operations = paths["/api/beneficiaries/{id}/photo/"]
    assert {"get", "put", "delete"} <= set(photo_operations)
    assert list(photo_operations["put"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert "image/jpeg" in photo_operations["get"]["responses"]["200"]["content"]
    create_types = paths["/api/beneficiaries/"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(create_types)
