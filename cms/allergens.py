"""The 14 allergens whose presence a canteen must declare (EU regulation 1169/2011, annex II)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Allergen(models.TextChoices):
    GLUTEN = "gluten", _("Gluten")
    CRUSTACEANS = "crustaces", _("Crustacés")
    EGGS = "oeufs", _("Œufs")
    FISH = "poissons", _("Poissons")
    PEANUTS = "arachides", _("Arachides")
    SOY = "soja", _("Soja")
    MILK = "lait", _("Lait")
    NUTS = "fruits_a_coque", _("Fruits à coque")
    CELERY = "celeri", _("Céleri")
    MUSTARD = "moutarde", _("Moutarde")
    SESAME = "sesame", _("Sésame")
    SULPHITES = "sulfites", _("Anhydride sulfureux et sulfites")
    LUPIN = "lupin", _("Lupin")
    MOLLUSCS = "mollusques", _("Mollusques")
