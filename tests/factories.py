"""factory_boy factories shared by the tests."""

import factory
from django.utils import timezone
from oscar.core.loading import get_model

from accounts import roles
from accounts.models import User

Partner = get_model("partner", "Partner")

DEFAULT_PASSWORD = "Correct-Horse-42!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"usager{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ParentFactory(UserFactory):
    """A parent whose account the commune has validated."""

    validated_at = factory.LazyFunction(timezone.now)
    terms_accepted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            roles.add_to_role(obj, roles.PARENTS)


class PendingParentFactory(ParentFactory):
    """A parent who has just registered: awaiting validation."""

    validated_at = None


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Commune {n}")
    code = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class AgentFactory(UserFactory):
    """An agent of the communes given as `communes=[partner, ...]`."""

    email = factory.Sequence(lambda n: f"agent{n}@mairie.example.org")
    validated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def communes(obj, create, extracted, **kwargs):
        if create:
            roles.add_to_role(obj, roles.AGENTS)
            for partner in extracted or []:
                partner.users.add(obj)


class OfficerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"redaction{n}@mairie.example.org")
    validated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            roles.add_to_role(obj, roles.OFFICERS)


class AdministratorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@portail.example.org")
    is_staff = True
    is_superuser = True
    validated_at = factory.LazyFunction(timezone.now)
