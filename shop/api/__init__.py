"""oscar-api override modules (OSCARAPI_OVERRIDE_MODULES = ["shop.api"]): each module mirrors
oscarapi's and redefines only the classes it changes."""
