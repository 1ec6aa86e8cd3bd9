"""App registration."""

from __future__ import annotations

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Conversation review"
    default_auto_field = "django.db.models.BigAutoField"
