"""Which régie collects what: a service's régie, a territory's platform régie, a payment
backend's gateway. Read on every checkout, so the service → régie map is cached and dropped
whenever a link or a régie changes (wallet.signals receivers, connected in apps.py)."""

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import BackendKind, PaymentBackendAccount, Regie, RegieKind, ServiceRegie

SERVICE_REGIES_CACHE_KEY = "wallet:service-regies"
REGIES_CACHE_KEY = "wallet:regies"
POST_PAID_CACHE_KEY = "wallet:post-paid-services"
CACHE_SECONDS = 60 * 60
PLATFORM_BACKEND_NAME = "Passerelle de la plateforme"


class ServiceWithoutRegie(LookupError):
    """A service no régie collects for: it cannot be paid (an administrator must attach it)."""


def regie_ids_of_services(service_ids) -> dict[int, int]:
    """Each service's régie id; raises ServiceWithoutRegie naming the first service with none."""
    mapping = _service_regie_map()
    missing = [sid for sid in service_ids if sid not in mapping]
    if missing:
        # Attached since the map was cached (a service just created), or truly without régie.
        forget_service_regies()
        mapping = _service_regie_map()
        missing = [sid for sid in service_ids if sid not in mapping]
    if missing:
        raise ServiceWithoutRegie(
            _("Le service n° %(id)s n'est rattaché à aucune régie : il ne peut pas être payé.")
            % {"id": missing[0]}
        )
    return {sid: mapping[sid] for sid in service_ids}


def regies_by_id(regie_ids) -> dict[int, Regie]:
    """The régies with their backend accounts, from the cache (every checkout reads them;
    they change only in the dashboard, which drops the cache)."""
    regie_ids = set(regie_ids)
    cached = cache.get(REGIES_CACHE_KEY) or {}
    if not regie_ids <= cached.keys():
        cached = Regie.objects.select_related("backend").in_bulk()
        cache.set(REGIES_CACHE_KEY, cached, CACHE_SECONDS)
    return {pk: cached[pk] for pk in regie_ids}


def regie_of_service(service_id: int) -> Regie:
    return Regie.objects.select_related("backend").get(
        pk=regie_ids_of_services([service_id])[service_id]
    )


def _service_regie_map() -> dict[int, int]:
    mapping = cache.get(SERVICE_REGIES_CACHE_KEY)
    if mapping is None:
        mapping = dict(ServiceRegie.objects.values_list("service_id", "regie_id"))
        cache.set(SERVICE_REGIES_CACHE_KEY, mapping, CACHE_SECONDS)
    return mapping


def post_paid_service_ids(service_ids=None) -> set[int]:
    """The services (of `service_ids`, or all) their régie invoices after the month's
    attendance rather than collects at booking (ServiceRegie.post_paid). Cached like the map."""
    post_paid = cache.get(POST_PAID_CACHE_KEY)
    if post_paid is None:
        post_paid = set(
            ServiceRegie.objects.filter(post_paid=True).values_list("service_id", flat=True)
        )
        cache.set(POST_PAID_CACHE_KEY, post_paid, CACHE_SECONDS)
    return post_paid if service_ids is None else post_paid & set(service_ids)


def forget_service_regies(**kwargs) -> None:
    cache.delete_many([SERVICE_REGIES_CACHE_KEY, REGIES_CACHE_KEY, POST_PAID_CACHE_KEY])


def platform_regie(site=None) -> Regie:
    """The platform régie of `site`'s territory (top-ups land there), else the first one; one
    is created on the platform's backend when there is none at all (a fresh installation)."""
    regies = Regie.objects.filter(kind=RegieKind.PLATFORM).select_related("backend")
    if site is not None:
        found = regies.filter(site=site).first()
        if found:
            return found
    found = regies.order_by("pk").first()
    if found:
        return found
    return _create_regie(
        code="plateforme",
        name=_("Régie de la plateforme"),
        kind=RegieKind.PLATFORM,
        site=site,
        commune=None,
    )


def platform_regie_of_pot_owner(owner) -> Regie:
    """The platform régie holding `owner`'s general pot: the one its pot names, else the first."""
    from .models import AccountKind, LedgerAccount

    regie_id = (
        LedgerAccount.objects.filter(owner=owner, kind=AccountKind.GENERAL_POT)
        .values_list("regie_id", flat=True)
        .first()
    )
    if regie_id:
        return Regie.objects.select_related("backend").get(pk=regie_id)
    return platform_regie()


def attach_service_to_commune_regie(service, commune) -> ServiceRegie:
    """Link a service priced at `commune` to that commune's first services régie (created on
    the platform's backend if the commune has none), unless it is linked already. An
    administrator moves it to another régie in the dashboard."""
    existing = ServiceRegie.objects.filter(service=service).first()
    if existing:
        return existing
    regie = Regie.objects.filter(kind=RegieKind.SERVICES, commune=commune).order_by(
        "pk"
    ).first() or _create_regie(
        code=_free_code((commune.code or f"commune-{commune.pk}")[:24]),
        name=regie_name_of(commune.name),
        kind=RegieKind.SERVICES,
        site=None,
        commune=commune,
    )
    try:
        with transaction.atomic():
            link = ServiceRegie.objects.create(service=service, regie=regie)
    except IntegrityError:
        link = ServiceRegie.objects.get(service=service)
    forget_service_regies()
    return link


def regie_name_of(commune_name: str) -> str:
    """ "Régie de Rosières", "Régie d'Aiguilhe": French elides "de" before a vowel sound."""
    if commune_name[:1].lower() in "aâàeéèêëiîïoôuùûüy":
        return _("Régie d'%(commune)s") % {"commune": commune_name}
    return _("Régie de %(commune)s") % {"commune": commune_name}


def platform_backend() -> PaymentBackendAccount:
    """The backend account of the platform's configured gateway: Stripe with keys, else the
    offline test gateway."""
    kind = BackendKind.STRIPE if settings.STRIPE_SECRET_KEY else BackendKind.OFFLINE
    backend = PaymentBackendAccount.objects.filter(name=PLATFORM_BACKEND_NAME, kind=kind).first()
    return backend or PaymentBackendAccount.objects.create(name=PLATFORM_BACKEND_NAME, kind=kind)


def _create_regie(*, code, name, kind, site, commune) -> Regie:
    return Regie.objects.create(
        code=code, name=name, kind=kind, site=site, commune=commune, backend=platform_backend()
    )


def _free_code(base: str) -> str:
    code, n = base, 1
    while Regie.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code
