"""Keeps TensorFlow out of the console's processes.

The redaction module needs only spaCy's tokenizer and Matcher, but importing
spaCy imports thinc, which imports TensorFlow when it is installed (Rasa
installs it): 2 s and 360 MB more per console process for nothing. Marking the
module as absent makes thinc's `import tensorflow` fail cleanly, as it does on
a machine without TensorFlow. Only the console's own entry points (manage.py,
serve.py) call this, never a shared process such as the test runner.
"""

from __future__ import annotations

import sys


def keep_tensorflow_out() -> None:
    """Marks TensorFlow as not installed, unless something already imported it."""
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
