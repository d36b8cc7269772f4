"""factory_boy factories of the reservations domain (beneficiaries, access to services)."""

import datetime

import factory
from django.utils import timezone

from reservations.models import Beneficiary, Relation, SchoolClass, ServiceAccess
from tests.factories import ParentFactory, PartnerFactory
from tests.shop_data import make_service


def years_ago(years: int, *, days: int = 0) -> datetime.date:
    """A birth date that makes someone `years` old today (and `days` more)."""
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - datetime.timedelta(days=days)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    """A child of 8 in CE2 by default."""

    class Meta:
        model = Beneficiary

    account = factory.SubFactory(ParentFactory)
    last_name = factory.LazyAttribute(lambda o: o.account.last_name)
    first_name = factory.Sequence(lambda n: f"Léa{n}")
    birth_date = factory.LazyFunction(lambda: years_ago(8, days=30))
    relation = Relation.MOTHER
    school_class = SchoolClass.CE2


def make_access(beneficiaries, *, commune=None, account=None) -> ServiceAccess:
    """A (pending) request for a commune's canteen by the beneficiaries' family."""
    beneficiaries = list(beneficiaries)
    commune = commune or PartnerFactory()
    account = account or beneficiaries[0].account
    _, options = make_service(commune, f"Cantine de {commune.name}", {"Repas enfant": "3.30"})
    access = ServiceAccess.objects.create(
        account=account, tariff_option=options[0], commune=commune
    )
    access.beneficiaries.add(*beneficiaries)
    return access
