"""Local development and `make run`: debug on, everything embedded."""

from .base import *  # noqa: F403

DEBUG = True
