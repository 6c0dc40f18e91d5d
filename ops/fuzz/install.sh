#!/usr/bin/env bash
# Installs the pinned Schemathesis (requirements.txt, constraints.txt) into a virtualenv of its own
# and prints the export line that points the fuzz test (test/api/fuzz.test.ts) at its `st`:
#
#   eval "$(ops/fuzz/install.sh)"      # then: npx tap test/api/fuzz.test.ts
#
# The virtualenv lives in $ALOFT_FUZZ_VENV (default ~/.cache/aloft-fuzz-venv), outside the tree.
# A second run with the same pins installs nothing. Needs python3 3.11 or later (the pinned
# Schemathesis requires it) with its venv module; progress goes to stderr, the export line alone
# to stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${ALOFT_FUZZ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aloft-fuzz-venv}"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "ops/fuzz/install.sh: $python not found; install python3 (3.11 or later) and python3-venv" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "ops/fuzz/install.sh: $("$python" --version 2>&1) is too old: Schemathesis $(sed -n 's/^schemathesis==//p' "$here/requirements.txt") needs 3.11 or later (PYTHON=python3.11 picks another)" >&2
  exit 1
fi

# The pins the venv was made from: when they have not changed, the venv is up to date.
stamp="$(cat "$here/requirements.txt" "$here/constraints.txt" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/st" ] && [ "$(cat "$venv/.aloft-pins" 2>/dev/null)" = "$stamp" ]; then
  echo "schemathesis already installed in $venv" >&2
else
  # Replaced whole (pins changed, or a broken install), but only if it is a virtualenv.
  if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ]; then
    echo "ops/fuzz/install.sh: $venv exists and is no virtualenv; set ALOFT_FUZZ_VENV to another place" >&2
    exit 1
  fi
  echo "installing schemathesis into $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" -c "$here/constraints.txt" >&2
  echo "$stamp" >"$venv/.aloft-pins"
fi
"$venv/bin/st" --version >&2
printf 'export ALOFT_SCHEMATHESIS=%q\n' "$venv/bin/st"
