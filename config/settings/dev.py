"""Local development and `make run`: debug on, everything embedded."""

from .base import *  # noqa: F403

DEBUG = True

# The demo's PayFiP régie pays against the fake PayFiP of tests/fakes/, which `manage.py serve`
# (make run) starts on 127.0.0.1:8765, where config/demo.py points its account.
DEMO_FAKE_PAYFIP = True
