#!/usr/bin/env bash
# Create .venv and install lawsearch into it; safe to re-run.
#   scripts/install.sh         the tool and its dependencies
#   scripts/install.sh --dev   the same plus the test tools
# torch 2.13.0 (CPU build) goes in first: installing sentence-transformers without it
# would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"

python=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
if [ -z "$python" ]; then
    echo "install.sh: no python3 found; lawsearch needs Python 3.11 or newer" >&2
    exit 1
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "install.sh: $("$python" --version 2>&1) is too old; lawsearch needs Python 3.11 or newer" >&2
    exit 1
}

[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" torch==2.13.0
"${pip[@]}" -e ".${extras}"
echo "lawsearch installed in .venv ($(.venv/bin/lawsearch --version))"
