"""The demo world of the seed guides: communes, their services and tariffs, one Wagtail site per
territory, and one account per role. Every step is idempotent, keyed on natural keys, so
`manage.py seed_demo` can be rerun on a database that already holds the demo (or was edited)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model
from wagtail.models import Page, Site

from accounts.models import Civility, User
from accounts.roles import AGENTS, OFFICERS, PARENTS, add_to_role
from billing.demo import seed_post_paid_demo
from cms.demo import seed_cms_content
from cms.models import HomePage
from reservations.access import accept_access, request_access
from reservations.catalogue import SERVICE_CLASS_SLUG
from reservations.models import (
    AccessRequirements,
    Beneficiary,
    DocumentKind,
    OpeningPeriod,
    Relation,
    SchoolClass,
    ServiceAccess,
    ServiceCalendar,
    TariffGrid,
    TariffRow,
)
from reservations.models.access import ACTIVE_STATUSES
from themes.demo import seed_themes
from wallet.models import (
    DEFAULT_NUMBERING,
    BackendKind,
    LedgerAccount,
    PaymentBackendAccount,
    Regie,
    RegieKind,
    ServiceRegie,
)

Option = get_model("catalogue", "Option")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")


# --- The demo data (seed 002: Puy-en-Velay, seed 004: Dombes) --------------------------------


@dataclass(frozen=True)
class TariffOption:
    key: str  # suffix of the option's UPC and SKU: stable, never shown to anyone
    title: str
    price: Decimal


@dataclass(frozen=True)
class CommuneService:
    key: str  # suffix of the service's UPC
    title: str
    options: tuple[TariffOption, ...]


@dataclass(frozen=True)
class Commune:
    code: str  # the partner code, also the prefix of every UPC of the commune
    name: str
    services: tuple[CommuneService, ...]


@dataclass(frozen=True)
class Territory:
    site_name: str
    hostname: str
    is_default_site: bool
    home_slug: str
    intro: str
    communes: tuple[Commune, ...]


PORT = 8000

TERRITORIES = (
    Territory(
        site_name="Communauté d'agglomération du Puy-en-Velay",
        hostname="127.0.0.1",
        is_default_site=True,
        home_slug="puy-en-velay",
        intro=(
            "<p>Réservez les repas de cantine, la garderie et l'accueil de loisirs de vos "
            "enfants dans les communes de la Communauté d'agglomération du Puy-en-Velay.</p>"
        ),
        communes=(
            Commune("aiguilhe", "Aiguilhe", (
                CommuneService("garderie", "Garderie périscolaire d'Aiguilhe", (
                    TariffOption("1er-enfant", "1er enfant à la garderie", Decimal("1.50")),
                    TariffOption("2eme-enfant", "2ème enfant à la garderie", Decimal("1.20")),
                    TariffOption("3eme-enfant", "3ème enfant à la garderie", Decimal("1.00")),
                    TariffOption("usager", "Usager", Decimal("2.00")),
                )),
            )),
            Commune("allegre", "Allègre", (
                CommuneService("restaurant-scolaire", "Restaurant scolaire d'Allègre", (
                    TariffOption("adultes", "Réservation pour adultes", Decimal("5.80")),
                    TariffOption("enfants", "Réservation pour enfants", Decimal("3.40")),
                )),
            )),
            Commune("bains", "Bains", (
                CommuneService("cantine", "Cantine de Bains", (
                    TariffOption("adultes", "Réservation repas adultes", Decimal("5.50")),
                    TariffOption("enfants", "Réservation repas enfants", Decimal("3.20")),
                )),
            )),
            Commune("rosieres", "Rosières", (
                CommuneService("accueil-loisirs", "Accueil de loisirs de Rosières", (
                    TariffOption(
                        "resident-commune",
                        "Inscription accueil de loisirs résident commune",
                        Decimal("8.00"),
                    ),
                    TariffOption(
                        "resident-hors-commune",
                        "Inscription accueil de loisirs résident hors-commune",
                        Decimal("12.00"),
                    ),
                )),
                CommuneService("cantine", "Cantine de Rosières", (
                    TariffOption("adultes", "Réservation cantine pour adultes", Decimal("5.90")),
                    TariffOption("enfants", "Réservation cantine pour enfants", Decimal("3.30")),
                )),
            )),
        ),
    ),
    Territory(
        site_name="Dombes",
        hostname="dombes.localhost",
        is_default_site=False,
        home_slug="dombes",
        intro=(
            "<p>Réservez les repas de cantine et la garderie de vos enfants à "
            "Saint-Marcel-en-Dombes et à Baneins.</p>"
        ),
        communes=(
            Commune("saint-marcel-en-dombes", "Saint-Marcel-en-Dombes", (
                CommuneService("cantine", "Cantine de Saint-Marcel-en-Dombes", (
                    TariffOption("repas", "Réservation repas cantine", Decimal("3.90")),
                )),
            )),
            Commune("baneins", "Baneins", (
                CommuneService("garderie", "Garderie de Baneins", (
                    TariffOption("periscolaire", "Garderie périscolaire", Decimal("1.80")),
                )),
            )),
        ),
    ),
)  # fmt: skip

SERVICE_CLASS_NAME = "Service communal"

DEMO_PASSWORD = "Portail-Demo-2026!"
ADMIN_EMAIL = "admin@portail-famille.test"
PARENT_EMAIL = "claire.martin@example.org"
# A family that has just registered: its account and its access request wait for an agent.
PENDING_PARENT_EMAIL = "julien.bernard@example.org"
OFFICER_EMAIL = "redaction@portail-famille.test"
CHILDREN = (
    ("Léa", date(2017, 3, 14), SchoolClass.CE2),
    ("Hugo", date(2020, 9, 2), SchoolClass.GS),
)

# Wagtail's first migration creates this page and a localhost:80 site pointing at it.
WAGTAIL_WELCOME_TITLE = "Welcome to your new Wagtail site!"


def service_upc(commune: Commune, service: CommuneService) -> str:
    return f"{commune.code}-{service.key}"


def option_upc(commune: Commune, service: CommuneService, option: TariffOption) -> str:
    return f"{service_upc(commune, service)}-{option.key}"


def agent_email(commune: Commune) -> str:
    return f"agent.{commune.code}@portail-famille.test"


def all_communes() -> list[Commune]:
    return [commune for territory in TERRITORIES for commune in territory.communes]


# --- Builder ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    where: str


@dataclass(frozen=True)
class DemoWorld:
    sites: tuple[tuple[str, str], ...]  # (site name, hostname)
    logins: tuple[DemoLogin, ...]


@transaction.atomic
def build_demo_world(now=None) -> DemoWorld:
    """Create or bring back in line every object of the demo; return what to tell the user."""
    now = now or timezone.now()
    partners = seed_communes()
    seed_sites()
    # The régies before the services: a new priced service is attached on the spot to its
    # commune's first régie (wallet.receivers), which must then be one of the demo's.
    regies = seed_regies(partners)
    seed_catalogue(partners)
    seed_service_regies(regies)
    logins = seed_people(partners, regies, now=now)
    seed_booking_setup()
    seed_access_requests()
    logins += seed_post_paid(now=now)
    seed_cms_content(today=timezone.localdate(now))
    seed_themes()
    sites = tuple((t.site_name, t.hostname) for t in TERRITORIES)
    return DemoWorld(sites=sites, logins=tuple(logins))


# --- Catalogue -------------------------------------------------------------------------------


def seed_communes() -> dict[str, Partner]:
    """One partner per commune, by code."""
    return {commune.code: seed_partner(commune) for commune in all_communes()}


def seed_catalogue(partners: dict[str, Partner]) -> None:
    """One parent product per service, one child per tariff option, priced at its commune."""
    product_class = seed_service_class()
    for commune in all_communes():
        for service in commune.services:
            seed_service(commune, service, partners[commune.code], product_class)


def seed_service_class():
    # A meal is neither shipped nor stocked: the daily capacity lives in the service calendar.
    product_class, _ = ProductClass.objects.update_or_create(
        slug=SERVICE_CLASS_SLUG,
        defaults={"name": SERVICE_CLASS_NAME, "requires_shipping": False, "track_stock": False},
    )
    return product_class


def seed_partner(commune: Commune):
    partner, _ = Partner.objects.update_or_create(
        code=commune.code, defaults={"name": commune.name}
    )
    return partner


def seed_service(commune: Commune, service: CommuneService, partner, product_class) -> None:
    parent, _ = Product.objects.update_or_create(
        upc=service_upc(commune, service),
        defaults={
            "structure": Product.PARENT,
            "title": service.title,
            "product_class": product_class,
            "parent": None,
        },
    )
    for option in service.options:
        upc = option_upc(commune, service, option)
        # Oscar wants children without a class: they inherit the parent's.
        child, _ = Product.objects.update_or_create(
            upc=upc,
            defaults={
                "structure": Product.CHILD,
                "title": option.title,
                "parent": parent,
                "product_class": None,
            },
        )
        # The price sits on the commune's stock record: that is what Oscar's strategy reads.
        StockRecord.objects.update_or_create(
            partner=partner,
            partner_sku=upc,
            defaults={
                "product": child,
                "price": option.price,
                "price_currency": "EUR",
                "num_in_stock": None,
            },
        )
        documents, tax_figures = requirements_for(option)
        AccessRequirements.objects.update_or_create(
            tariff_option=child,
            defaults={"required_documents": documents, "requires_tax_figures": tax_figures},
        )


def requirements_for(option: TariffOption) -> tuple[list[str], bool]:
    """What the seeds' "Mes services" form asks: a proof of address always; for children, whose
    price follows the family quotient, the quotient certificate or tax notice and the figures."""
    if "adulte" in option.key:
        return [DocumentKind.PROOF_OF_ADDRESS.value], False
    return [DocumentKind.PROOF_OF_ADDRESS.value, DocumentKind.FAMILY_QUOTIENT.value], True


# --- Régies and their payment backends ------------------------------------------------------


@dataclass(frozen=True)
class BackendSpec:
    name: str  # the natural key of the backend account
    kind: str
    options: tuple[tuple[str, str], ...] = ()  # eopayment's parameters (never a secret)
    minimum_amount: Decimal | None = None  # None: the model's default
    maximum_amount: Decimal | None = None


@dataclass(frozen=True)
class RegieSpec:
    code: str  # the natural key of a services régie; a platform régie is keyed on its site
    name: str
    services: tuple[str, ...]  # keys of the commune's services it collects (none: platform)
    backend: BackendSpec
    numbering_format: str = DEFAULT_NUMBERING


TEST_BACKEND = BackendSpec("Passerelle de test", BackendKind.OFFLINE)
# The Treasury's PayFiP, here against the fake PayFiP that `manage.py serve` (make run) starts on
# 127.0.0.1:8765 ("T": test payments). The client number is the fake's; a real one comes from
# the DGFiP with the régie's agreement, and production never sets payfip_base_url
# (wallet/gateways/eopayment.py).
FAKE_PAYFIP_URL = "http://127.0.0.1:8765"
PAYFIP_BACKEND = BackendSpec(
    "PayFiP — Régie cantine de Rosières",
    BackendKind.PAYFIP,
    (("numcli", "123456"), ("saisie", "T"), ("payfip_base_url", FAKE_PAYFIP_URL)),
    # PayFiP takes from 1 € to 100 000 € (eopayment's payfip_ws limits).
    minimum_amount=Decimal("1.00"),
    maximum_amount=Decimal("100000.00"),
)

# Each territory's platform régie (by home page slug): it holds the wallet's general pot.
PLATFORM_REGIES = {
    "puy-en-velay": RegieSpec(
        "plateforme-puy",
        "Régie de la plateforme — Agglomération du Puy-en-Velay",
        (),
        TEST_BACKEND,
    ),
    "dombes": RegieSpec("plateforme-dombes", "Régie de la plateforme — Dombes", (), TEST_BACKEND),
}

# One régie per service group of each commune (by commune code). Rosières keeps its canteen and
# its holiday club apart, the canteen paid through PayFiP.
SERVICE_REGIES = {
    "aiguilhe": (
        RegieSpec("aiguilhe-periscolaire", "Régie périscolaire d'Aiguilhe", ("garderie",),
                  TEST_BACKEND),
    ),
    "allegre": (
        RegieSpec("allegre-restauration", "Régie de restauration scolaire d'Allègre",
                  ("restaurant-scolaire",), TEST_BACKEND),
    ),
    "bains": (
        RegieSpec("bains-cantine", "Régie cantine de Bains", ("cantine",), TEST_BACKEND),
    ),
    "rosieres": (
        RegieSpec("rosieres-cantine", "Régie cantine de Rosières", ("cantine",), PAYFIP_BACKEND,
                  "CAN-ROS-{yyyy}-{n:06d}"),
        RegieSpec("rosieres-periscolaire", "Régie périscolaire de Rosières", ("accueil-loisirs",),
                  TEST_BACKEND, "ALSH-ROS-{yyyy}-{n:06d}"),
    ),
    "saint-marcel-en-dombes": (
        RegieSpec("saint-marcel-cantine", "Régie cantine de Saint-Marcel-en-Dombes",
                  ("cantine",), TEST_BACKEND),
    ),
    "baneins": (
        RegieSpec("baneins-periscolaire", "Régie périscolaire de Baneins", ("garderie",),
                  TEST_BACKEND),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Regisseur:
    email: str
    last_name: str
    regies: tuple[str, ...]  # régie codes


# One régisseur per territory at least: Rosières' (both its régies), the Puy platform's, and
# Dombes' (its platform and both communes).
REGISSEURS = (
    Regisseur("regisseur.rosieres@portail-famille.test", "Rosières",
              ("rosieres-cantine", "rosieres-periscolaire")),
    Regisseur("regisseur.plateforme@portail-famille.test", "Plateforme du Puy-en-Velay",
              ("plateforme-puy",)),
    Regisseur("regisseur.dombes@portail-famille.test", "Dombes",
              ("plateforme-dombes", "saint-marcel-cantine", "baneins-periscolaire")),
)  # fmt: skip


# Where a régisseur logs in: the régie screens' login, landing on their régies' journal.
REGISSEUR_LOGIN = "/dashboard/porte-monnaie/regies/connexion/"


def seed_regies(partners: dict[str, Partner]) -> dict[str, Regie]:
    """The backend accounts, each territory's platform régie and its communes' régies, by code."""
    regies = {}
    for territory in TERRITORIES:
        site = Site.objects.get(hostname=territory.hostname, port=PORT)
        spec = PLATFORM_REGIES[territory.home_slug]
        regies[spec.code] = seed_platform_regie(spec, site, territory.is_default_site)
        for commune in territory.communes:
            partner = partners[commune.code]
            for index, spec in enumerate(SERVICE_REGIES[commune.code]):
                regies[spec.code] = seed_service_regie(spec, site, partner, adopt=index == 0)
    return regies


def seed_backend(spec: BackendSpec) -> PaymentBackendAccount:
    defaults = {
        "kind": spec.kind,
        "options": dict(spec.options),
        "maximum_amount": spec.maximum_amount,
    }
    if spec.minimum_amount is not None:
        defaults["minimum_amount"] = spec.minimum_amount
    backend, _ = PaymentBackendAccount.objects.update_or_create(name=spec.name, defaults=defaults)
    return backend


def seed_platform_regie(spec: RegieSpec, site: Site, is_default_site: bool) -> Regie:
    """Keyed on its site (one platform régie per territory). The default territory adopts the
    platform régie made before the demo had one (wallet.regies.platform_regie, migration 0006),
    which holds the general pots already opened."""
    platform = Regie.objects.filter(kind=RegieKind.PLATFORM)
    regie = platform.filter(site=site).first()
    if regie is None and is_default_site:
        regie = platform.filter(site__isnull=True).order_by("pk").first()
    return _save_regie(regie, spec, kind=RegieKind.PLATFORM, site=site, commune=None)


def seed_service_regie(spec: RegieSpec, site: Site, partner, *, adopt: bool) -> Regie:
    """Keyed on its code. A commune's first régie adopts "Régie de <commune>", the one made for
    the commune's services before the demo had régies (wallet.regies, migration 0006)."""
    regie = Regie.objects.filter(code=spec.code).first()
    if regie is None and adopt:
        regie = Regie.objects.filter(
            kind=RegieKind.SERVICES, commune=partner, code=partner.code
        ).first()
    return _save_regie(regie, spec, kind=RegieKind.SERVICES, site=site, commune=partner)


def _save_regie(regie: Regie | None, spec: RegieSpec, **fields) -> Regie:
    fields |= {
        "code": spec.code,
        "name": spec.name,
        "numbering_format": spec.numbering_format,
        "backend": seed_backend(spec.backend),
    }
    if regie is None:
        return Regie.objects.create(**fields)
    changed = [name for name, value in fields.items() if getattr(regie, name) != value]
    for name in changed:
        setattr(regie, name, fields[name])
    if changed:
        regie.save(update_fields=changed)
    return regie


def seed_service_regies(regies: dict[str, Regie]) -> None:
    """Attach each service to its demo régie, moving it there if it was attached elsewhere (a
    database seeded before the demo had these régies); its pots and system accounts follow."""
    for commune in all_communes():
        services = {service.key: service for service in commune.services}
        for spec in SERVICE_REGIES[commune.code]:
            regie = regies[spec.code]
            for key in spec.services:
                service = Product.objects.get(upc=service_upc(commune, services[key]))
                link = ServiceRegie.objects.filter(service=service).first()
                if link is None:
                    ServiceRegie.objects.create(service=service, regie=regie)
                elif link.regie_id != regie.pk:
                    link.regie = regie
                    link.save(update_fields=["regie"])
                LedgerAccount.objects.filter(service=service).exclude(regie=regie).update(
                    regie=regie
                )


# --- Wagtail sites and pages -----------------------------------------------------------------


def seed_sites() -> dict[str, HomePage]:
    """One published home page per territory, each the root of its own Wagtail site."""
    root = Page.get_first_root_node()
    homes = {}
    for territory in TERRITORIES:
        home = seed_home_page(root, territory)
        seed_site(territory, home)
        homes[territory.home_slug] = home
    remove_wagtail_welcome_page()
    return homes


def seed_home_page(root: Page, territory: Territory) -> HomePage:
    home = HomePage.objects.child_of(root).filter(slug=territory.home_slug).first()
    if home is None:
        # Created as a draft, then published through a revision as the admin does, so the
        # page has a history that /cms/ can show and edit.
        home = root.add_child(
            instance=HomePage(
                title=territory.site_name,
                slug=territory.home_slug,
                intro=territory.intro,
                live=False,
            )
        )
    elif home.live and home.title == territory.site_name and home.intro == territory.intro:
        return home  # up to date: a rerun adds no revision
    home.title = territory.site_name
    home.intro = territory.intro
    home.save_revision().publish()
    return home


def seed_site(territory: Territory, home: HomePage) -> Site:
    if territory.is_default_site:
        # Wagtail picks "the" default site for unknown hosts; it does not enforce there is one.
        for other in Site.objects.filter(is_default_site=True).exclude(
            hostname=territory.hostname, port=PORT
        ):
            other.is_default_site = False
            other.save(update_fields=["is_default_site"])  # save(): clears Wagtail's site cache
    # (hostname, port) is Site's natural key and its unique constraint.
    site, _ = Site.objects.update_or_create(
        hostname=territory.hostname,
        port=PORT,
        defaults={
            "site_name": territory.site_name,
            "root_page": home,
            "is_default_site": territory.is_default_site,
        },
    )
    return site


def remove_wagtail_welcome_page() -> None:
    """Delete the placeholder page of Wagtail's first migration, and with it (on cascade) the
    localhost:80 site rooted there. A page someone built on, or turned into another type, stays."""
    page_type = ContentType.objects.get_for_model(Page)
    placeholders = Page.objects.filter(
        depth=2, content_type=page_type, title=WAGTAIL_WELCOME_TITLE, numchild=0
    )
    for page in placeholders:
        page.delete()


# --- People ----------------------------------------------------------------------------------


def seed_people(partners: dict, regies: dict[str, Regie], *, now) -> list[DemoLogin]:
    admin = seed_admin()
    parent = seed_parent(validated_by=admin, now=now)
    agents = [seed_agent(commune, partners[commune.code]) for commune in all_communes()]
    officer = seed_officer()
    regisseurs = [seed_regisseur(regisseur, regies) for regisseur in REGISSEURS]
    return [
        DemoLogin("Administrateur", admin.email, "partout (/django-admin/, /dashboard/, /cms/)"),
        DemoLogin("Parent (usager)", parent.email, "site des familles (/connexion/, /espace/)"),
        DemoLogin("Parent en attente", PENDING_PARENT_EMAIL, "compte à valider par un agent"),
        *(
            DemoLogin("Agent communal", agent.email, f"/dashboard/ ({partner.name})")
            for agent, partner in agents
        ),
        DemoLogin("Rédacteur", officer.email, "/cms/ (pages de Rosières)"),
        *(
            DemoLogin("Régisseur", user.email, f"{REGISSEUR_LOGIN} ({', '.join(names)})")
            for user, names in regisseurs
        ),
    ]


def ensure_account(email: str, *, superuser: bool = False, **profile) -> User:
    """Create the account with the demo password, or bring an existing one's profile back in
    line. The password is set only at creation: a password changed during a demo survives."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # Profile fields are applied below, not passed here: Oscar's create_user sets some of
        # them itself (is_staff) and would refuse them twice.
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(email, DEMO_PASSWORD)
    changed = [field for field, value in profile.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, profile[field])
    if changed:
        user.save(update_fields=changed)
    return user


def seed_admin() -> User:
    # The manager's create_superuser validates the account: nobody has to validate theirs.
    return ensure_account(ADMIN_EMAIL, superuser=True)


def seed_parent(*, validated_by: User, now) -> User:
    parent = ensure_account(
        PARENT_EMAIL, civility=Civility.MADAME, first_name="Claire", last_name="Martin"
    )
    # Set directly rather than through accounts.services.validate_account: a demo account needs
    # no "votre compte est validé" e-mail. Existing dates are kept so a rerun changes nothing.
    if parent.terms_accepted_at is None or parent.validated_at is None:
        parent.terms_accepted_at = parent.terms_accepted_at or now
        parent.validated_at = parent.validated_at or now
        parent.validated_by = validated_by
        parent.save(update_fields=["terms_accepted_at", "validated_at", "validated_by"])
    add_to_role(parent, PARENTS)
    for first_name, birth_date, school_class in CHILDREN:
        Beneficiary.objects.update_or_create(
            account=parent,
            first_name=first_name,
            birth_date=birth_date,
            defaults={
                "last_name": "Martin",
                "relation": Relation.MOTHER,
                "school_class": school_class,
            },
        )
    return parent


def seed_agent(commune: Commune, partner) -> tuple[User, Partner]:
    # Not staff: Oscar's dashboard lets an agent in through the group's dashboard_access
    # permission and then shows only the partners listing them in `users`.
    agent = ensure_account(
        agent_email(commune), first_name="Agent", last_name=commune.name, is_staff=False
    )
    add_to_role(agent, AGENTS)
    partner.users.add(agent)
    return agent, partner


def seed_officer() -> User:
    # Wagtail admin access comes with the role; page permissions come per commune, from
    # cms/demo.py ("Rédaction Rosières").
    officer = ensure_account(OFFICER_EMAIL, first_name="Rédaction", last_name="Rosières")
    add_to_role(officer, OFFICERS)
    return officer


def seed_regisseur(regisseur: Regisseur, regies: dict[str, Regie]) -> tuple[User, list[str]]:
    # Neither staff nor agent: being listed by a régie gives the permission of the régie screens
    # alone (wallet.dashboard.regies.sync_regisseur_permission), which show only their régies.
    user = ensure_account(
        regisseur.email, first_name="Régisseur", last_name=regisseur.last_name, is_staff=False
    )
    # An early version of this seed gave them the agents' dashboard access: taken back.
    user.user_permissions.remove(
        *Permission.objects.filter(content_type__app_label="partner", codename="dashboard_access")
    )
    for code in regisseur.regies:
        regies[code].regisseurs.add(user)
    return user, [regies[code].name for code in regisseur.regies]


# --- Booking: meal options, calendars, tariff grids ------------------------------------------

SCHOOL_YEAR = ("Année scolaire 2026–2027", date(2026, 9, 1), date(2027, 7, 3))
# Holiday clubs open on Wednesdays and during the school holidays; the rest follow the school.
HOLIDAY_CLUB_KEYS = {"accueil-loisirs"}
DAILY_CAPACITY = {"saint-marcel-en-dombes-cantine": 60, "rosieres-cantine": 80}
# Rosières prices its children's meals by family quotient (seed 002: "inf 399").
ROSIERES_CHILDREN_GRID = (
    (None, Decimal("400"), Decimal("1.50")),
    (Decimal("400"), Decimal("900"), Decimal("2.40")),
    (Decimal("900"), None, Decimal("3.30")),
)


def seed_booking_setup() -> None:
    """What booking needs: the meal options on the service class, a calendar per service for
    the school year (deadlines J-2 working days at 10:00), and Rosières' canteen tariff grid."""
    product_class = ProductClass.objects.get(slug=SERVICE_CLASS_SLUG)
    product_class.options.add(
        *Option.objects.filter(code__in=["beneficiary", "date", "price_explanation"])
    )
    for commune in all_communes():
        for service in commune.services:
            product = Product.objects.get(upc=service_upc(commune, service))
            seed_calendar(product, service, service_upc(commune, service))
    seed_rosieres_canteen_grid()


def seed_calendar(product, service: CommuneService, upc: str) -> None:
    holiday_club = service.key in HOLIDAY_CLUB_KEYS
    calendar, _ = ServiceCalendar.objects.update_or_create(
        service=product,
        defaults={
            "open_weekdays": [3] if holiday_club else [1, 2, 4, 5],
            "closed_during_school_holidays": not holiday_club,
            "daily_capacity": DAILY_CAPACITY.get(upc),
        },
    )
    label, start, end = SCHOOL_YEAR
    OpeningPeriod.objects.get_or_create(
        calendar=calendar, start=start, end=end, defaults={"label": label}
    )


def seed_rosieres_canteen_grid() -> None:
    grid, _ = TariffGrid.objects.get_or_create(
        service=Product.objects.get(upc="rosieres-cantine"), defaults={"mode": "grid"}
    )
    for low, high, price in ROSIERES_CHILDREN_GRID:
        TariffRow.objects.update_or_create(
            grid=grid,
            category="child",
            residence="any",
            sibling_rank=1,
            family_quotient_min=low,
            defaults={"family_quotient_max": high, "unit_price": price},
        )
    TariffRow.objects.update_or_create(
        grid=grid,
        category="adult",
        residence="any",
        sibling_rank=1,
        family_quotient_min=None,
        defaults={"family_quotient_max": None, "unit_price": Decimal("5.90")},
    )


# --- Access requests -------------------------------------------------------------------------

# The smallest file that reads as a PDF: the demo's supporting documents.
DEMO_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def seed_access_requests() -> None:
    """One decided request and one waiting at Rosières, so its agent sees every queue; and
    Claire's access to Aiguilhe's garderie too, so her basket can span two communes, two régies
    and two payment backends (Rosières' canteen on PayFiP, Aiguilhe on the test gateway)."""
    admin = User.objects.get(email=ADMIN_EMAIL)
    claire = User.objects.get(email=PARENT_EMAIL)
    for upc in ("rosieres-cantine-enfants", "aiguilhe-garderie-usager"):
        accepted = ensure_access_request(
            claire,
            Product.objects.get(upc=upc),
            reference_tax_income=Decimal("31200"),
            tax_shares=2,
        )
        if accepted.is_undecided:
            accept_access(accepted, tariff_bracket="QF de 900 à 1 500 €", by=admin)

    julien = seed_pending_parent()
    ensure_access_request(
        julien,
        Product.objects.get(upc="rosieres-accueil-loisirs-resident-commune"),
        reference_tax_income=Decimal("18500"),
        tax_shares=Decimal("2.5"),
    )


def seed_pending_parent() -> User:
    julien = ensure_account(
        PENDING_PARENT_EMAIL, civility=Civility.MONSIEUR, first_name="Julien", last_name="Bernard"
    )
    if julien.terms_accepted_at is None:
        julien.terms_accepted_at = timezone.now()
        julien.save(update_fields=["terms_accepted_at"])
    add_to_role(julien, PARENTS)
    Beneficiary.objects.update_or_create(
        account=julien,
        first_name="Inès",
        birth_date=date(2016, 6, 21),
        defaults={"last_name": "Bernard", "relation": Relation.FATHER, "school_class": "CM1"},
    )
    return julien


def ensure_access_request(account, tariff_option, **tax_figures) -> ServiceAccess:
    """The account's active request for the option, asked through the real service if none."""
    existing = ServiceAccess.objects.filter(
        account=account, tariff_option=tariff_option, status__in=ACTIVE_STATUSES
    ).first()
    if existing:
        return existing
    documents = {
        kind: SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF, content_type="application/pdf")
        for kind in requirements_for_product(tariff_option)
    }
    return request_access(
        account=account,
        tariff_option=tariff_option,
        beneficiaries=Beneficiary.objects.filter(account=account),
        documents=documents,
        **tax_figures,
    )


def requirements_for_product(tariff_option) -> list[str]:
    return AccessRequirements.objects.get(tariff_option=tariff_option).required_documents


# --- A post-paid service (billing/) ---------------------------------------------------------

POST_PAID_SERVICE = "bains-cantine"
POST_PAID_OPTION = "bains-cantine-enfants"
# Two families of Bains, apart from Claire (whose bookings other demos count): the Petit pay
# their invoices online, the Roux by SEPA direct debit.
INVOICED_PARENT_EMAIL = "sophie.petit@example.org"
DEBIT_PARENT_EMAIL = "nicolas.roux@example.org"
POST_PAID_FAMILIES = (
    (INVOICED_PARENT_EMAIL, Civility.MADAME, "Sophie", "Petit", Relation.MOTHER,
     (("Jules", date(2017, 5, 2), SchoolClass.CE2), ("Manon", date(2020, 2, 11), SchoolClass.GS))),
    (DEBIT_PARENT_EMAIL, Civility.MONSIEUR, "Nicolas", "Roux", Relation.FATHER,
     (("Emma", date(2018, 1, 9), SchoolClass.CE1),)),
)  # fmt: skip


def seed_post_paid(*, now) -> list[DemoLogin]:
    """Bains' canteen invoiced after the fact (billing/demo.py): the Petit and Roux families
    booked and pointed for three months, two billed, the last ready for its billing run; the
    Roux pay by SEPA direct debit."""
    admin = User.objects.get(email=ADMIN_EMAIL)
    option = Product.objects.get(upc=POST_PAID_OPTION)
    families = [seed_family(*family, validated_by=admin, now=now) for family in POST_PAID_FAMILIES]
    for account in families:
        access = ensure_access_request(
            account, option, reference_tax_income=Decimal("28400"), tax_shares=2
        )
        if access.is_undecided:
            accept_access(access, tariff_bracket="QF de 900 à 1 500 €", by=admin)
    bains = next(c for c in all_communes() if c.code == "bains")
    seed_post_paid_demo(
        Product.objects.get(upc=POST_PAID_SERVICE),
        families,
        agent=User.objects.get(email=agent_email(bains)),
        now=now,
    )
    return [
        DemoLogin("Parent (factures)", INVOICED_PARENT_EMAIL, "/espace/factures/ (Bains)"),
        DemoLogin("Parent (prélèvement SEPA)", DEBIT_PARENT_EMAIL, "/espace/factures/ (Bains)"),
    ]


def seed_family(email, civility, first_name, last_name, relation, children, *, validated_by, now):
    """A validated parent and their children (kept as they are on a rerun)."""
    parent = ensure_account(email, civility=civility, first_name=first_name, last_name=last_name)
    if parent.validated_at is None:
        parent.terms_accepted_at = parent.terms_accepted_at or now
        parent.validated_at, parent.validated_by = now, validated_by
        parent.save(update_fields=["terms_accepted_at", "validated_at", "validated_by"])
    add_to_role(parent, PARENTS)
    for child, birth_date, school_class in children:
        Beneficiary.objects.update_or_create(
            account=parent,
            first_name=child,
            birth_date=birth_date,
            defaults={"last_name": last_name, "relation": relation, "school_class": school_class},
        )
    return parent


# --- Summary ---------------------------------------------------------------------------------


def render_summary(world: DemoWorld, *, port: int = PORT) -> str:
    """The French text `seed_demo` prints: where to go and with which account, at the `port`
    the server is started on (`make run PORT=8001`)."""
    back_office = f"http://{TERRITORIES[0].hostname}:{port}"
    addresses = [
        *((f"Site « {name} »", f"http://{hostname}:{port}/") for name, hostname in world.sites),
        ("Espace des familles (connexion)", f"{back_office}/connexion/"),
        ("Wagtail (pages, rédacteurs)", f"{back_office}/cms/"),
        ("Tableau de bord Oscar (agents)", f"{back_office}/dashboard/"),
        ("Administration Django", f"{back_office}/django-admin/"),
        ("Documentation de l'API", f"{back_office}/api/docs/"),
    ]
    label_width = max(len(label) for label, _ in addresses)
    lines = ["Données de démonstration prêtes.", "", "Adresses :"]
    lines += [f"  {label.ljust(label_width)}  {url}" for label, url in addresses]

    role_width = max(len(login.role) for login in world.logins)
    email_width = max(len(login.email) for login in world.logins)
    lines += ["", "Comptes de démonstration :"]
    lines.append(f"  {'Rôle'.ljust(role_width)}  {'E-mail'.ljust(email_width)}  Où")
    lines += [
        f"  {login.role.ljust(role_width)}  {login.email.ljust(email_width)}  {login.where}"
        for login in world.logins
    ]
    lines += ["", f"Mot de passe commun : {DEMO_PASSWORD}"]
    lines.append("(défini à la création du compte : relancer seed_demo ne le réinitialise pas)")
    return "\n".join(lines)
