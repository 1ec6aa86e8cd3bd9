"""What every part of the assistant shares: the actions, the channels, the
website and the staff console import from here, and this package imports
from none of them (docs/architecture.md).

- `config`: the clinic's details (clinic.yml);
- `contract`: the conversation's names (intents, slots, entities, responses,
  flags, channels) that code refers to;
- `kb`, `kb_review`, `kb_validator`: the knowledge base, its sign-off, its checks;
- `gsm7`: the SMS character set;
- `sms_schema`: the SMS channel's tables, which the console reads too;
- `keys`: secrets from the environment, or generated locally.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
