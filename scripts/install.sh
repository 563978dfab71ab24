#!/usr/bin/env bash
# Create .venv and install lawsearch into it; safe to re-run.
#   scripts/install.sh         the tool and its dependencies
#   scripts/install.sh --dev   the same plus the test tools, and (through apt-get, as root or with sudo)
#                              Debian's chromium and fonts-noto-cjk for tests/web/test_browser.py when missing
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

# --dev: tests/web/test_browser.py drives a headless chromium, and the pages need a CJK font to render.
# Nothing is printed when both are there already.
has_browser() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
has_cjk_font() {  # fonts-noto-cjk, or any font fontconfig offers for Chinese
    dpkg -s fonts-noto-cjk >/dev/null 2>&1 || [ -n "$(fc-list :lang=zh 2>/dev/null || true)" ]
}
if [ -n "$extras" ]; then
    missing=()
    has_browser || missing+=(chromium)
    has_cjk_font || missing+=(fonts-noto-cjk)
    if [ ${#missing[@]} -gt 0 ]; then
        manual="install Debian's chromium and fonts-noto-cjk (apt-get install chromium fonts-noto-cjk) and re-run"
        if [ "$(id -u)" -eq 0 ]; then
            as_root=()
        elif command -v sudo >/dev/null 2>&1; then
            as_root=(sudo)
        else
            echo "install.sh: tests/web/test_browser.py needs ${missing[*]}, and this user is not root and has no sudo; $manual" >&2
            exit 1
        fi
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "install.sh: tests/web/test_browser.py needs ${missing[*]}, and there is no apt-get here; $manual" >&2
            exit 1
        fi
        echo "install.sh: installing ${missing[*]} with apt-get (for tests/web/test_browser.py)" >&2
        apt=(${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0)
        if ! "${apt[@]}" update >/dev/null || ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null; then
            echo "install.sh: apt-get could not install ${missing[*]}; $manual" >&2
            exit 1
        fi
        has_browser || { echo "install.sh: apt-get ran but chromium is still not on PATH; $manual" >&2; exit 1; }
        has_cjk_font || { echo "install.sh: apt-get ran but fonts-noto-cjk is still not installed; $manual" >&2; exit 1; }
    fi
fi
echo "lawsearch installed in .venv ($(.venv/bin/lawsearch --version))"
