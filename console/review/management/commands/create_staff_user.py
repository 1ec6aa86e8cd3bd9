"""`make staff-user USERNAME=<name> ROLE=<staff|admin>`: creates a console
account, or updates the password and role of an existing one (and forgets its
failed sign-ins). The password comes from STAFF_PASSWORD, else it is prompted
for (twice, not echoed). An admin sets up two-step sign-in at their first
sign-in; one who lost their phone and recovery codes can be given a one-time
code with `console/manage.py addstatictoken <name>` (django-otp)."""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review import audit, throttle
from review.management.database import ensure_migrated
from review.models import User


class Command(BaseCommand):
    help = "Create a staff console account (or reset its password and role)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", choices=[r.value for r in User.Role], default=User.Role.STAFF)

    def _password(self) -> str:
        password = os.environ.get("STAFF_PASSWORD")
        if password:
            return password
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise CommandError("the passwords differ")
        return first

    def handle(self, *args, **options) -> None:
        ensure_migrated()
        username = options["username"].strip()
        try:
            User.username_validator(username)
        except ValidationError as error:
            raise CommandError(f"invalid username: {' '.join(error.messages)}") from None
        password = self._password()
        user = User.objects.filter(username=username).first() or User(username=username)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        created = user.pk is None
        user.role, user.is_active = options["role"], True
        user.set_password(password)
        user.save()
        throttle.clear(username)
        audit.record("user_created" if created else "user_updated",
                     actor="command: create_staff_user", username=username, role=user.role)
        self.stdout.write(f"{'created' if created else 'updated'} {username} ({user.role})")
        if user.role == User.Role.ADMIN:
            self.stdout.write(
                "admins set up two-step sign-in (an authenticator app) at their first sign-in"
            )
