#!/usr/bin/env python
"""Django's command line for the staff console: `python console/manage.py <command>`.

The console's own commands: create_staff_user, index_conversations,
export_corrections, purge_conversations (see review/management/commands/).
"""

from __future__ import annotations

import os
import sys

from clinic import keys
from clinic_console.lean import keep_tensorflow_out


def main() -> None:
    keys.private_files()  # its database, sessions and key: the service user's only
    keep_tensorflow_out()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_console.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
