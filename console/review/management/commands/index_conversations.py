"""Updates the console's summary index from Rasa's tracker store (the console
also does this at the start of each list request; this is for a first build
or a cron job). --rebuild starts from scratch."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from review import indexer
from review.management.database import ensure_migrated


class Command(BaseCommand):
    help = "Index new events of the tracker store into the console's summary tables."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="drop the index and build it again"
        )

    def handle(self, *args, **options) -> None:
        ensure_migrated()
        progress = indexer.refresh(rebuild=options["rebuild"])
        self.stdout.write(
            f"indexed {progress.events} events ({progress.conversations} new conversations) "
            f"in {progress.seconds:.2f} s{' (rebuilt)' if progress.rebuilt else ''}"
        )
