"""The WSGI application, served by waitress (console/serve.py)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_console.settings")
application = get_wsgi_application()
