"""The short labels staff see instead of conversation ids.

A conversation id is a credential (whoever holds a web chat id can rejoin
the conversation and read the replies) and may be personal data (a REST
client may use an e-mail address or phone number), so the console shows,
links and exports a label instead: an HMAC-SHA256 of the id under the
console's label key (CONSOLE_LABEL_KEY), in base32, 12 characters in groups
of four ("k3f9-x2m4-qa7p"). Without the key a label cannot be turned back into
an id, nor matched against guessed ids (phone numbers, e-mail addresses).

60 bits: among a million conversations the chance that any two share a
label is about 4 in 10 million. Should it happen anyway, the index gives the
later conversation a longer label, another group of the same HMAC
(`candidates`), so a label always names one conversation.

The key must not change: labels in the audit log would no longer match
(the index rebuilds itself with the new labels).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Iterator, Optional, Union

GROUP = 4
GROUPS = 3  # 12 characters, 60 bits
MAX_GROUPS = 13  # the whole 256-bit HMAC in base32 (52 characters)
PATTERN = re.compile(r"[a-z2-7]{4}(?:-[a-z2-7]{4}){2,12}")
MAX_LENGTH = MAX_GROUPS * (GROUP + 1) - 1

Key = Union[str, bytes]


def _key(key: Optional[Key]) -> bytes:
    if key is None:
        from django.conf import settings

        key = settings.LABEL_KEY
    return key.encode() if isinstance(key, str) else key


def _digest(sender_id: str, key: Optional[Key]) -> str:
    mac = hmac.new(_key(key), sender_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().rstrip("=").lower()


def label(sender_id: str, key: Optional[Key] = None, groups: int = GROUPS) -> str:
    """The label of a conversation id (`groups` groups of four characters),
    under `key` (the console's LABEL_KEY unless given)."""
    digest = _digest(sender_id, key)
    return "-".join(digest[i:i + GROUP] for i in range(0, groups * GROUP, GROUP))


def candidates(sender_id: str, key: Optional[Key] = None) -> Iterator[str]:
    """The label, then longer ones from the same HMAC, for a collision."""
    for groups in range(GROUPS, MAX_GROUPS + 1):
        yield label(sender_id, key, groups)


def is_label(text: str) -> bool:
    return bool(PATTERN.fullmatch(text))


def key_fingerprint() -> str:
    """Names the key without revealing it: the index rebuilds when it changes."""
    return hmac.new(_key(None), b"conversation labels", hashlib.sha256).hexdigest()[:16]


def label_of(sender_id: str) -> str:
    """The label the index gave this conversation, else its first candidate
    (a conversation not indexed yet, or deleted)."""
    from review.models import ConversationSummary

    stored = (
        ConversationSummary.objects.filter(sender_id=sender_id)
        .values_list("label", flat=True)
        .first()
    )
    return stored or label(sender_id)
