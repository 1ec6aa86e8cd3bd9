"""SMS keywords: a text that is a keyword (STOP, START, HELP, MORE) rather than a question.

Gateways act on a lone word only (Twilio: "STOP PLEASE" does not opt out),
but patients write "Stop.", "stop please", "STOP!!" or "opt out", and the
FCC's TCPA rules (in force since April 2025) require honouring stop, quit,
end, revoke, opt out, cancel and unsubscribe however they are phrased. So a
text is a keyword when, case and punctuation aside, it is one or more keywords
with only polite filler around them ("please stop texting me"). A question
that merely contains one ("how do I stop the redness?", "when can I stop
using the cream") is not: it goes to the assistant.
"""

from __future__ import annotations

import re
from typing import Optional

# Twilio's and the CTIA's opt-out words, and the FCC's ("opt out" is joined below).
OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
OPT_IN = {"start", "unstop"}
HELP = {"help", "info"}
MORE = {"more"}
YES = {"yes"}  # opts back in, but only after an opt-out (otherwise it is an answer)
# Checked in this order: an opt-out wins over anything else in the same text.
KINDS = (("stop", OPT_OUT), ("start", OPT_IN), ("help", HELP), ("more", MORE), ("yes", YES))
FILLER = {
    "please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "now", "ok", "okay",
    "it", "me", "all", "messages", "messaging", "texts", "texting", "sending", "sms",
}
WORD = re.compile(r"[a-z0-9]+")


def keyword(text: str) -> Optional[str]:
    """"stop", "start", "help", "more" or "yes" when `text` is that keyword, else None.

    >>> keyword("Stop please."), keyword("how do I stop the redness?")
    ('stop', None)
    """
    words = WORD.findall(re.sub(r"\bopt[\s_-]*out\b", "optout", text.lower()))
    found = [word for word in words if word not in FILLER]
    if not found or not all(any(word in members for _, members in KINDS) for word in found):
        return None
    return next(kind for kind, members in KINDS if any(word in members for word in found))
