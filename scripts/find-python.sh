#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10, not 3.11).
# Order: $PYTHON if set, pyenv's 3.10.x, then python3.10 on PATH (pyenv shims
# fail there unless PYENV_VERSION is set, so each candidate is actually run).
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for p in "$root"/versions/3.10*/bin/python3.10; do [ -x "$p" ] && candidates+=("$p"); done
fi
for p in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  command -v "$p" >/dev/null 2>&1 && candidates+=("$(command -v "$p")")
done
for p in "${candidates[@]}"; do
  if "$p" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
    echo "$p"
    exit 0
  fi
done
echo "error: no working Python 3.10 found (Rasa 3.6 needs 3.8-3.10)." >&2
echo "       Install one (e.g. 'pyenv install 3.10.13') or run: make PYTHON=/path/to/python3.10 ..." >&2
exit 1
