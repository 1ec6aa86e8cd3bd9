"""`make purge`: deletes conversations whose last event is older than the
retention period (RETENTION_DAYS, default 180) from Rasa's tracker store, the
SMS tables and the console's index; audited. Run it daily (cron or a timer)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from review import retention
from review.management.database import ensure_migrated


class Command(BaseCommand):
    help = "Delete conversations older than the retention period (audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help="retention period in days (default RETENTION_DAYS, 180)")
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be deleted"
        )

    def handle(self, *args, **options) -> None:
        ensure_migrated()
        days = options["days"] if options["days"] is not None else settings.RETENTION_DAYS
        try:
            result = retention.purge(
                days, actor="command: purge_conversations", dry_run=options["dry_run"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        cutoff = result.cutoff.isoformat(timespec="seconds")
        if result.deleted is None:
            self.stdout.write(
                f"would delete {len(result.conversations)} conversations idle since before {cutoff}"
            )
        else:
            self.stdout.write(
                f"deleted {result.deleted.conversations} conversations "
                f"({result.deleted.events} events, {result.deleted.sms_rows} SMS rows) "
                f"idle since before {cutoff}"
            )
