from oscar.apps.partner.admin import *  # noqa: F403 - keeps Oscar's partner admin registered
