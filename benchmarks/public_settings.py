"""Settings of the server started by ``benchmarks/public.py`` (never used otherwise): the
project's settings, with a URLconf that adds a bare view to compare against."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.public_urls"
