"""Each channel's conversation ids have their own shape, and no client may use another's.

The web chat's ids are issued by its channel (`web-` and random hex), SMS ids
are a keyed hash of the number (`sms-` and hex); REST clients choose their
own, so REST refuses these shapes: a REST client must not write into a web or
SMS patient's conversation.
"""

from __future__ import annotations

import re

WEB_PREFIX = "web-"
SMS_PREFIX = "sms-"
# The web chat's ids before they were signed and expiring: 64 hex characters.
# Such conversations are still in the tracker store.
OLD_WEB_ID = re.compile(r"[0-9a-f]{64}")


def belongs_to_web_or_sms(sender: str) -> bool:
    """Whether `sender` has the shape of a web chat or SMS conversation id."""
    return sender.startswith((WEB_PREFIX, SMS_PREFIX)) or bool(OLD_WEB_ID.fullmatch(sender))
