"""The staff console's Django project: settings, URLs, WSGI application."""
