"""The console's URLs: all of them are the review app's."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("", include("review.urls"))]

# A database's full disk gets a page that says so (Django's 400 and 500 otherwise).
handler400 = "review.views.errors.bad_request"
handler500 = "review.views.errors.server_error"
