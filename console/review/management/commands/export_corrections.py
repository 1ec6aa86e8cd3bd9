"""`make corrections`: writes the review inbox's corrections as Rasa NLU
training data (data/nlu/reviewed.yml, or --out / CONSOLE_REVIEWED_NLU);
the next `make train` uses it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from review import training_export
from review.management.database import ensure_migrated


class Command(BaseCommand):
    help = "Export staff corrections to a Rasa NLU training file."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--out", type=Path, default=None, help="file to write (default data/nlu/reviewed.yml)"
        )

    def handle(self, *args, **options) -> None:
        ensure_migrated()
        path, count = training_export.export(options["out"])
        if count:
            self.stdout.write(f"wrote {count} examples to {path}; run `make train` to use them")
        else:
            self.stdout.write(f"no corrections to export ({path} is absent)")
