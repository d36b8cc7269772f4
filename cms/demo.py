"""The pages of the demo world (config/demo.py builds the rest): a page per commune and per
service with its règlement intérieur, a week of menus for Rosières' canteen, a news item and an
accessibility statement per site, the officers' group of each commune and the moderation workflow.

Pages are found by their slug under their parent: a missing page is created and published, an
existing one is left as it is, so a rerun adds nothing and keeps what an officer edited during a
demo. Groups and the workflow are brought back in line on every run.
"""

import html
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from oscar.core.loading import get_model
from wagtail.models import GroupPagePermission

from accounts.roles import OFFICERS
from cms.allergens import Allergen
from cms.models import (
    CommunePage,
    ContentPage,
    HomePage,
    MenuPage,
    NewsIndexPage,
    NewsPage,
    ServicePage,
)
from cms.moderation import enable_moderation
from cms.permissions import grant_commune_officers, officers_group_name

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")

# The officer of the demo (config/demo.py creates the account) writes for Rosières.
ROSIERES_OFFICER_EMAIL = "redaction@portail-famille.test"
MENU_COMMUNE, MENU_SERVICE_UPC = "rosieres", "rosieres-cantine"


@dataclass(frozen=True)
class TownHall:
    code: str  # the commune's partner code
    address: str
    postcode: str
    city: str
    phone: str  # from the ranges ARCEP keeps for fiction (04 65 71 …)
    hours: str

    @property
    def email(self) -> str:
        return f"mairie@{self.code}.example"

    @property
    def map_url(self) -> str:
        return "https://www.openstreetmap.org/search?query=" + quote(
            f"Mairie, {self.postcode} {self.city}"
        )


TOWN_HALLS = {
    # home page slug (config/demo.py's territories) -> its communes
    "puy-en-velay": (
        TownHall("aiguilhe", "2 rue du Rocher", "43000", "Aiguilhe", "04 65 71 10 01",
                 "Lundi, mardi et jeudi : 8 h 30 – 12 h\nVendredi : 14 h – 17 h 30"),
        TownHall("allegre", "Place du Marché", "43270", "Allègre", "04 65 71 10 02",
                 "Du lundi au vendredi : 9 h – 12 h\nMercredi : 14 h – 17 h"),
        TownHall("bains", "Le Bourg", "43370", "Bains", "04 65 71 10 03",
                 "Mardi et jeudi : 9 h – 12 h\nSamedi : 9 h – 11 h 30"),
        TownHall("rosieres", "1 place de la Mairie", "43800", "Rosières", "04 65 71 10 04",
                 "Du lundi au vendredi : 8 h 30 – 12 h et 13 h 30 – 17 h"),
    ),
    "dombes": (
        TownHall("saint-marcel-en-dombes", "Place de la Mairie", "01390",
                 "Saint-Marcel-en-Dombes", "04 65 71 20 01",
                 "Lundi, mercredi et vendredi : 9 h – 12 h\nJeudi : 14 h – 18 h"),
        TownHall("baneins", "Le Bourg", "01990", "Baneins", "04 65 71 20 02",
                 "Mardi : 14 h – 18 h\nVendredi : 9 h – 12 h"),
    ),
}  # fmt: skip


# --- Texts -----------------------------------------------------------------------------------
# Prices and deadlines are never written in these texts: the page shows them live from the
# catalogue and the booking rules (cms.facts), so the text cannot contradict them.

CANTEEN, DAYCARE, HOLIDAY_CLUB = "canteen", "daycare", "holiday_club"
KIND_BY_UPC_SUFFIX = {
    "-cantine": CANTEEN,
    "-restaurant-scolaire": CANTEEN,
    "-garderie": DAYCARE,
    "-accueil-loisirs": HOLIDAY_CLUB,
}

PRESENTATIONS = {
    CANTEEN: (
        "<p>Le service de restauration scolaire accueille les enfants des écoles {of_commune} "
        "les jours de classe, de la fin de la matinée à la reprise des cours. Les repas sont "
        "préparés sur place avec des produits de saison, dont une part issue de producteurs "
        "de la région.</p>"
    ),
    DAYCARE: (
        "<p>La garderie périscolaire {of_commune} accueille les enfants scolarisés avant la "
        "classe, le matin, et après la classe, le soir, dans les locaux de l'école. Les enfants "
        "y sont encadrés par des agents communaux.</p>"
    ),
    HOLIDAY_CLUB: (
        "<p>L'accueil de loisirs {of_commune} reçoit les enfants de 3 à 12 ans le mercredi et "
        "pendant les vacances scolaires, à la journée. L'équipe d'animation propose des "
        "activités de plein air, manuelles et culturelles adaptées à chaque âge.</p>"
    ),
}

ENROLMENT = (
    "<h3>Inscriptions</h3>"
    "<p>Pour utiliser le service, la famille crée son compte sur le portail, y ajoute ses "
    "enfants puis demande l'accès au service en joignant un justificatif de domicile et, pour "
    "bénéficier du tarif adapté à ses revenus, l'attestation de quotient familial de la CAF ou "
    "le dernier avis d'imposition. La mairie {of_commune} étudie la demande ; la famille est "
    "prévenue par courriel de la réponse. Seule une demande acceptée permet de réserver.</p>"
    "<p>Tout changement de situation (adresse, composition de la famille, revenus) est à "
    "signaler sans délai en mettant à jour son compte.</p>"
)
BOOKING = {
    CANTEEN: (
        "<h3>Réservations et annulations</h3>"
        "<p>Les repas se réservent sur le portail, jour par jour, au plus tard à la date limite "
        "de réservation indiquée sur cette page. Un repas réservé peut être annulé jusqu'à la "
        "date limite d'annulation, également indiquée sur cette page : son montant est alors "
        "recrédité sur le porte-monnaie de la famille, pour ce service.</p>"
        "<p>Passé ce délai, le repas ne peut plus être annulé en ligne et reste dû. En cas de "
        "maladie de l'enfant, la famille prévient la mairie au plus vite.</p>"
    ),
    DAYCARE: (
        "<h3>Réservations et annulations</h3>"
        "<p>Les présences à la garderie se réservent sur le portail, jour par jour, au plus tard "
        "à la date limite de réservation indiquée sur cette page. Une présence réservée peut "
        "être annulée jusqu'à la date limite d'annulation : son montant est alors recrédité sur "
        "le porte-monnaie de la famille, pour ce service. Passé ce délai, elle reste due.</p>"
        "<p>Les enfants sont confiés et repris par un parent ou par une personne majeure dont "
        "le nom a été donné à la mairie. Un retard après l'heure de fermeture doit rester "
        "exceptionnel et être signalé par téléphone.</p>"
    ),
    HOLIDAY_CLUB: (
        "<h3>Réservations et annulations</h3>"
        "<p>Les journées se réservent sur le portail au plus tard à la date limite de "
        "réservation indiquée sur cette page ; les places étant limitées, les réservations sont "
        "prises dans l'ordre d'arrivée. Une journée réservée peut être annulée jusqu'à la date "
        "limite d'annulation : son montant est alors recrédité sur le porte-monnaie de la "
        "famille, pour ce service. Passé ce délai, elle reste due.</p>"
        "<p>Les enfants arrivent le matin et repartent le soir aux heures d'accueil affichées "
        "à l'accueil de loisirs, accompagnés d'un adulte autorisé.</p>"
    ),
}
PRICES = (
    "<h3>Tarifs et paiement</h3>"
    "<p>Les tarifs sont fixés par délibération du conseil municipal et figurent sur cette page. "
    "Le prix tient compte du quotient familial : sans justificatif, le tarif le plus élevé "
    "s'applique. Il est calculé au moment de la réservation et ne change plus ensuite.</p>"
    "<p>Les réservations se paient en ligne, par carte bancaire ou avec le porte-monnaie de la "
    "famille, que l'on peut créditer sur le portail.</p>"
)
HEALTH = {
    CANTEEN: (
        "<h3>Allergies et projet d'accueil individualisé (PAI)</h3>"
        "<p>Un enfant souffrant d'une allergie ou d'une intolérance alimentaire n'est accueilli "
        "qu'après la signature d'un projet d'accueil individualisé entre la famille, le médecin "
        "scolaire et la mairie. Selon le PAI, l'enfant mange le repas du service ou un panier "
        "repas fourni par la famille.</p>"
        "<p>Les menus publiés sur ce site indiquent, pour chaque plat, les 14 allergènes à "
        "déclaration obligatoire. Aucun médicament n'est donné en dehors d'un PAI.</p>"
    ),
    DAYCARE: (
        "<h3>Santé, allergies et PAI</h3>"
        "<p>Le goûter est fourni par la famille. Un enfant allergique ou souffrant d'un trouble "
        "de santé est accueilli dans le cadre d'un projet d'accueil individualisé (PAI), dont la "
        "famille remet une copie à la mairie. Aucun médicament n'est donné en dehors d'un "
        "PAI.</p>"
    ),
    HOLIDAY_CLUB: (
        "<h3>Santé, allergies et PAI</h3>"
        "<p>La fiche sanitaire de l'enfant est à jour avant sa première journée. Un enfant "
        "allergique ou souffrant d'un trouble de santé est accueilli dans le cadre d'un projet "
        "d'accueil individualisé (PAI) ; les repas servis à l'accueil de loisirs suivent les "
        "mêmes règles d'information sur les allergènes que la restauration scolaire.</p>"
    ),
}
BEHAVIOUR = (
    "<h3>Comportement</h3>"
    "<p>Chaque enfant respecte ses camarades, le personnel, les locaux et le matériel. Un "
    "comportement qui met en danger l'enfant ou les autres, ou qui perturbe gravement le "
    "service, fait l'objet d'un avertissement écrit adressé à la famille ; s'il se répète, "
    "le maire peut prononcer une exclusion temporaire, après avoir reçu la famille.</p>"
)


def regulation(kind: str, commune: str) -> str:
    sections = (ENROLMENT, BOOKING[kind], PRICES, HEALTH[kind], BEHAVIOUR)
    return "".join(sections).format(of_commune=of_commune(commune))


def of_commune(name: str) -> str:
    """ "de Rosières", "d'Aiguilhe": French elides "de" before a vowel. Escaped for HTML."""
    elided = name[:1].upper() in "AEIOUYÀÂÉÈÊÎÔÛ"
    # Text, not an attribute: quotes stay as they are.
    return html.escape(f"d'{name}" if elided else f"de {name}", quote=False)


def service_kind(upc: str) -> str:
    for suffix, kind in KIND_BY_UPC_SUFFIX.items():
        if upc.endswith(suffix):
            return kind
    return CANTEEN


# One week at Rosières' canteen: (day of the week, [(course, dish, allergens)]).
A = Allergen
ROSIERES_MENUS = (
    (0, [
        ("entree", "Carottes râpées à la vinaigrette", [A.MUSTARD]),
        ("plat", "Émincé de poulet à la crème", [A.MILK]),
        ("accompagnement", "Riz pilaf", []),
        ("laitage", "Yaourt nature", [A.MILK]),
    ]),
    (1, [
        ("entree", "Salade de lentilles vertes du Puy", [A.MUSTARD]),
        ("plat", "Filet de colin pané", [A.FISH, A.GLUTEN, A.EGGS]),
        ("accompagnement", "Haricots verts persillés", []),
        ("dessert", "Compote de pommes", []),
    ]),
    (2, [
        ("entree", "Velouté de légumes", [A.CELERY, A.MILK]),
        ("plat", "Lasagnes à la bolognaise", [A.GLUTEN, A.EGGS, A.MILK, A.CELERY]),
        ("dessert", "Fruit de saison", []),
    ]),
    (3, [
        ("entree", "Œuf dur mayonnaise", [A.EGGS, A.MUSTARD]),
        ("plat", "Bœuf bourguignon", [A.SULPHITES, A.CELERY]),
        ("accompagnement", "Pommes vapeur", []),
        ("dessert", "Tarte aux pommes", [A.GLUTEN, A.EGGS, A.MILK]),
    ]),
    (4, [
        ("entree", "Concombres à la crème", [A.MILK]),
        ("plat", "Dos de cabillaud, sauce au citron", [A.FISH, A.MILK]),
        ("accompagnement", "Semoule aux petits légumes", [A.GLUTEN]),
        ("dessert", "Moelleux au chocolat et aux amandes", [A.GLUTEN, A.EGGS, A.MILK, A.NUTS]),
    ]),
)  # fmt: skip

NEWS = {
    "puy-en-velay": (
        "nouveau-portail-famille",
        "Un nouveau portail pour les familles",
        "Cantine, garderie et accueil de loisirs : les réservations des communes de "
        "l'agglomération se font désormais au même endroit.",
        "<p>Le portail famille remplace l'ancien espace citoyen. Après avoir créé leur compte "
        "et ajouté leurs enfants, les familles demandent l'accès aux services de leur commune, "
        "puis réservent et paient en ligne, par carte bancaire ou avec leur porte-monnaie.</p>"
        "<p>Les règlements intérieurs, les tarifs et les menus de chaque service sont publiés "
        "sur la page de la commune.</p>",
    ),
    "dombes": (
        "reservations-en-ligne",
        "La cantine et la garderie se réservent en ligne",
        "À Saint-Marcel-en-Dombes et à Baneins, les repas et la garderie se réservent "
        "désormais sur le portail famille.",
        "<p>Les familles déjà inscrites retrouvent leurs enfants sur le portail ; les nouvelles "
        "familles créent leur compte puis demandent l'accès au service de leur commune. Une "
        "fois la demande acceptée par la mairie, les réservations se font jour par jour.</p>",
    ),
}


# The accessibility statement of each site (RGAA), at the slug themes.demo links in the footer.
ACCESSIBILITY_SLUG = "accessibilite"


@dataclass(frozen=True)
class AccessibilityContact:
    organisation: str  # who publishes the site, as the statement's first sentence names it
    # The same contact as the site's theme (themes/demo.py): cms may not import themes.
    email: str
    phone: str
    postal_address: str


ACCESSIBILITY_CONTACTS = {
    "puy-en-velay": AccessibilityContact(
        "La Communauté d'agglomération du Puy-en-Velay",
        "contact.puy@portail-famille.test",
        "04 65 71 00 01",
        "Communauté d'agglomération du Puy-en-Velay, service Portail famille, "
        "43000 Le Puy-en-Velay",
    ),
    "dombes": AccessibilityContact(
        "La Communauté de communes de la Dombes",
        "contact.dombes@portail-famille.test",
        "04 65 71 00 02",
        "Communauté de communes de la Dombes, service Portail famille, "
        "01400 Châtillon-sur-Chalaronne",
    ),
}


def accessibility_statement(contact: AccessibilityContact) -> list[dict]:
    """The statement's body, on the model the RGAA publishes: conformity, what is not
    accessible, how it was checked, contact and the "voies de recours"."""
    organisation = html.escape(contact.organisation, quote=False)

    def heading(text):
        return {"type": "heading", "value": text}

    def paragraph(text):
        return {"type": "paragraph", "value": text}

    return [
        paragraph(
            f"<p>{organisation} s'engage à rendre son portail famille accessible, conformément "
            "à l'article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration "
            "d'accessibilité s'applique à l'ensemble du portail : pages d'information, espace "
            "des familles, réservation et paiement.</p>"
        ),
        heading("État de conformité"),
        paragraph(
            "<p>Le portail famille est <strong>partiellement conforme</strong> avec le "
            "référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1.2, en "
            "raison des non-conformités et des dérogations énumérées ci-dessous.</p>"
        ),
        heading("Résultats des tests"),
        paragraph(
            "<p>L'audit interne, réalisé en 2026 sur un échantillon de pages représentatif "
            "(accueil, connexion, création de compte, Mes filiations, Mes services, "
            "réservation, panier, paiement, Mon porte-monnaie, recherche, page d'un service, "
            "menus de la semaine), montre que la majorité des critères applicables du RGAA "
            "sont respectés. Un audit complet par un prestataire extérieur est prévu.</p>"
        ),
        heading("Contenus non accessibles"),
        paragraph(
            "<p>Non-conformités relevées :</p><ul>"
            "<li>certains règlements intérieurs au format PDF, fournis par les communes, ne "
            "sont pas balisés pour les lecteurs d'écran ; leur contenu est repris en texte "
            "sur la page du service ;</li>"
            "<li>le formulaire de paiement par carte bancaire est fourni par le prestataire "
            "de paiement et n'a pas pu être audité en entier ;</li>"
            "<li>quelques images des actualités publiées avant la mise en ligne du portail "
            "n'ont pas d'alternative textuelle pertinente ;</li>"
            "<li>les justificatifs déposés par les familles (scans, photos) ne peuvent pas "
            "être rendus accessibles par le portail.</li></ul>"
            "<p>Contenus non soumis à l'obligation d'accessibilité : les documents "
            "bureautiques publiés avant le 23 septembre 2018 et les cartes des plans d'accès "
            "aux mairies (l'adresse est toujours donnée en texte).</p>"
        ),
        heading("Établissement de cette déclaration"),
        paragraph(
            "<p>Cette déclaration a été établie en 2026. Technologies utilisées : HTML, CSS, "
            "JavaScript (en amélioration progressive : chaque page fonctionne sans). Tests "
            "réalisés avec les lecteurs d'écran NVDA (Firefox) et VoiceOver (Safari sur iOS), "
            "l'outil axe-core et un contrôle manuel des contrastes, du zoom à 200 % et de la "
            "navigation au clavier, sur écran de 360 pixels de large et sur ordinateur.</p>"
        ),
        heading("Retour d'information et contact"),
        paragraph(
            "<p>Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez-nous "
            "pour être orienté vers une alternative accessible ou obtenir le contenu sous une "
            "autre forme :</p><ul>"
            f'<li>par courriel : <a href="mailto:{contact.email}">{contact.email}</a> ;</li>'
            f"<li>par téléphone : {contact.phone} ;</li>"
            f"<li>par courrier : {html.escape(contact.postal_address, quote=False)}.</li></ul>"
        ),
        heading("Voies de recours"),
        paragraph(
            "<p>Cette procédure est à utiliser dans le cas suivant : vous avez signalé au "
            "responsable du portail un défaut d'accessibilité qui vous empêche d'accéder à un "
            "contenu ou à un service, et vous n'avez pas obtenu de réponse satisfaisante. "
            "Vous pouvez alors :</p><ul>"
            '<li>écrire un message au <a href="https://formulaire.defenseurdesdroits.fr/">'
            "Défenseur des droits</a> ;</li>"
            '<li>contacter <a href="https://www.defenseurdesdroits.fr/saisir/delegues">le '
            "délégué du Défenseur des droits dans votre région</a> ;</li>"
            "<li>envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : "
            "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.</li></ul>"
        ),
    ]


# --- Builder ---------------------------------------------------------------------------------


@transaction.atomic
def seed_cms_content(today: date | None = None) -> None:
    """Create what is missing of the demo's pages, groups and workflow (see the module's doc)."""
    today = today or timezone.localdate()
    homes = []
    for home_slug, town_halls in TOWN_HALLS.items():
        home = HomePage.objects.filter(depth=2, slug=home_slug).first()
        if home is None:
            continue  # config/demo.py seeds the sites first
        homes.append(home)
        for town_hall in town_halls:
            partner = Partner.objects.filter(code=town_hall.code).first()
            if partner is not None:
                seed_commune(home, partner, town_hall, today=today)
        seed_news(home, NEWS[home_slug], today=today)
        seed_accessibility_statement(home, ACCESSIBILITY_CONTACTS[home_slug])
    seed_officers()
    enable_moderation(homes)


def seed_commune(home, partner, town_hall: TownHall, *, today: date) -> CommunePage:
    commune = ensure_page(
        home,
        CommunePage,
        slug=town_hall.code,
        title=partner.name,
        partner=partner,
        intro=(
            f"<p>Bienvenue sur la page {of_commune(partner.name)} : retrouvez ici les services "
            "proposés aux familles, leurs règlements et leurs tarifs, et les coordonnées de la "
            "mairie.</p>"
        ),
        address=town_hall.address,
        postcode=town_hall.postcode,
        city=town_hall.city,
        phone=town_hall.phone,
        email=town_hall.email,
        opening_hours=town_hall.hours,
        map_url=town_hall.map_url,
    )
    grant_commune_officers(commune)
    services = Product.objects.filter(
        structure=Product.PARENT, children__stockrecords__partner=partner
    ).distinct()
    for service in services.order_by("title"):
        kind = service_kind(service.upc)
        page = ensure_page(
            commune,
            ServicePage,
            slug=slugify(service.title),
            title=service.title,
            product=service,
            presentation=PRESENTATIONS[kind].format(of_commune=of_commune(partner.name)),
            regulation=regulation(kind, partner.name),
        )
        if service.upc == MENU_SERVICE_UPC:
            seed_menus(page, week_start=today - timedelta(days=today.weekday()))
    return commune


def seed_menus(service_page, *, week_start: date) -> MenuPage:
    days = [
        {
            "type": "day",
            "value": {
                "date": (week_start + timedelta(days=weekday)).isoformat(),
                "dishes": [
                    {"course": course, "name": name, "allergens": [a.value for a in allergens]}
                    for course, name, allergens in dishes
                ],
            },
        }
        for weekday, dishes in ROSIERES_MENUS
    ]
    return ensure_page(
        service_page,
        MenuPage,
        slug="menus-de-la-semaine",
        title=f"Menus de la semaine du {week_start:%d/%m/%Y}",
        week_start=week_start,
        days=days,
    )


def seed_news(home, news, *, today: date) -> NewsPage:
    slug, title, intro, body = news
    index = ensure_page(
        home,
        NewsIndexPage,
        slug="actualites",
        title="Actualités",
        intro="<p>Les nouvelles des services aux familles.</p>",
    )
    return ensure_page(
        index,
        NewsPage,
        slug=slug,
        title=title,
        date=today,
        intro=intro,
        body=[{"type": "paragraph", "value": body}],
    )


def seed_accessibility_statement(home, contact: AccessibilityContact) -> ContentPage:
    return ensure_page(
        home,
        ContentPage,
        slug=ACCESSIBILITY_SLUG,
        title="Déclaration d'accessibilité",
        search_description="Accessibilité du portail famille : partiellement conforme au RGAA.",
        body=accessibility_statement(contact),
    )


def seed_officers() -> None:
    """The demo officer writes for Rosières through its commune group. Edit rights on a whole
    home page, which config/demo.py's seed_officer still grants to the Rédacteurs role, are
    taken back: an officer's pages are their commune's subtree, nothing more."""
    rosieres = CommunePage.objects.filter(partner__code=MENU_COMMUNE).first()
    officer = get_user_model().objects.filter(email__iexact=ROSIERES_OFFICER_EMAIL).first()
    if rosieres is not None and officer is not None:
        officer.groups.add(Group.objects.get(name=officers_group_name(rosieres)))
    GroupPagePermission.objects.filter(
        group__name=OFFICERS, page__in=HomePage.objects.filter(depth=2)
    ).delete()


def ensure_page(parent, model, *, slug: str, **fields):
    """The page of that type and slug under `parent`, created and published if missing."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is not None:
        return page
    # Added as a draft and published through a revision, as the admin does: the page has a
    # history that /cms/ can show.
    page = parent.add_child(instance=model(slug=slug, live=False, **fields))
    page.save_revision().publish()
    return page
