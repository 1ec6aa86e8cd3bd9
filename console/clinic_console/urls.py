"""The console's URLs: all of them are the review app's."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("", include("review.urls"))]
