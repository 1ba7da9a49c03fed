"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every view now rather than on the first request, then take everything loaded at start-up
# (modules, classes, the URL patterns: over 100,000 objects that live as long as the process) out of
# the cycle collector's sight. Otherwise each full collection walks all of them again, a pause of
# about 100 ms under load that lands on whichever request happens to trigger it (bench/api.py's p99).
get_resolver().url_patterns  # noqa: B018  (loading the patterns imports every view)
gc.collect()
gc.freeze()
