"""A theme per demo site (config/demo.py builds the sites): name, colours, contact, footer links
and a logo drawn here with Pillow. Idempotent: sites are found by hostname, logos by title."""

from dataclasses import dataclass
from io import BytesIO
from uuid import NAMESPACE_URL, uuid5

from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from .models import ThemeSettings

# The accessibility statement page, when the site's content has one (cms demo content).
ACCESSIBILITY_SLUG = "accessibilite"


@dataclass(frozen=True)
class DemoTheme:
    hostname: str  # the demo site's hostname in config.demo.TERRITORIES
    name: str
    initials: str  # drawn on the logo
    primary: str
    secondary: str
    email: str
    phone: str
    external_link: tuple[str, str]  # (label, URL)


DEMO_THEMES = (
    DemoTheme(
        hostname="127.0.0.1",
        name="Portail Famille — Agglomération du Puy-en-Velay",
        initials="PF",
        primary="#1d4e89",
        secondary="#f2a900",
        email="contact.puy@portail-famille.test",
        # A number ARCEP reserves for fiction: nobody answers it.
        phone="04 65 71 00 01",
        external_link=("Agglomération du Puy-en-Velay", "https://www.agglo-lepuyenvelay.fr/"),
    ),
    DemoTheme(
        hostname="dombes.localhost",
        name="Dombes Connect",
        initials="DC",
        primary="#2e6b30",
        secondary="#e0e7d9",
        email="contact.dombes@portail-famille.test",
        phone="04 65 71 00 02",
        external_link=("Communauté de communes de la Dombes", "https://www.ccdombes.fr/"),
    ),
)


def seed_themes() -> list[ThemeSettings]:
    themes = []
    for demo in DEMO_THEMES:
        for site in Site.objects.filter(hostname=demo.hostname).select_related("root_page"):
            themes.append(seed_theme(demo, site))
    return themes


def seed_theme(demo: DemoTheme, site: Site) -> ThemeSettings:
    label, url = demo.external_link
    footer_links = [
        footer_link(site, "Accueil", page=site.root_page_id),
        footer_link(site, label, url=url),
    ]
    theme, _ = ThemeSettings.objects.update_or_create(
        site=site,
        defaults={
            "name": demo.name,
            "logo": seed_logo(demo),
            "primary_colour": demo.primary,
            "secondary_colour": demo.secondary,
            "contact_email": demo.email,
            "contact_phone": demo.phone,
            "footer_links": footer_links,
            "accessibility_statement": accessibility_page(site),
        },
    )
    return theme


def footer_link(site: Site, label: str, *, page: int | None = None, url: str = "") -> dict:
    # Raw StreamField data with a stable block id: a rerun stores exactly the same JSON.
    block_id = str(uuid5(NAMESPACE_URL, f"{site.hostname}:{site.port}/{label}"))
    return {"type": "link", "id": block_id, "value": {"label": label, "page": page, "url": url}}


def accessibility_page(site: Site) -> Page | None:
    return (
        Page.objects.descendant_of(site.root_page, inclusive=True)
        .filter(slug=ACCESSIBILITY_SLUG)
        .first()
    )


def seed_logo(demo: DemoTheme):
    Image = get_image_model()
    title = f"Logo — {demo.name}"
    logo = Image.objects.filter(title=title).first()
    if logo is None:
        png = ImageFile(BytesIO(draw_logo(demo)), name=f"logo-{demo.initials.lower()}.png")
        logo = Image.objects.create(title=title, file=png)
    return logo


def draw_logo(demo: DemoTheme) -> bytes:
    """A 600×240 PNG: the initials in white on the primary colour, a band of the secondary."""
    width, height = 600, 240
    image = PillowImage.new("RGB", (width, height), demo.primary)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - 36, width, height), fill=demo.secondary)
    font = ImageFont.load_default(size=120)
    draw.text((width / 2, (height - 36) / 2), demo.initials, fill="#ffffff", font=font, anchor="mm")
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
