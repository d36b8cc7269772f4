"""The production settings, for the load benchmark (scripts/load_test.py) only.

One change: passwords are hashed with MD5, as config/settings/test.py does. Production's PBKDF2
costs about a second of CPU per login on a 2-core machine, so 200 parents logging in would eat
the run; the login is not what the benchmark measures, and its seeded accounts are throwaway."""

from config.settings.production import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
