"""Commands may run before the console has ever started (make staff-user on a
fresh checkout): they bring the console's database schema up to date first."""

from __future__ import annotations

from django.core.management import call_command


def ensure_migrated() -> None:
    call_command("migrate", interactive=False, verbosity=0)
