#!/usr/bin/env bash
# The test suite: every test on the default lexical backend (Whoosh), then the tests that build, update, repair and
# search indexes again with tantivy (LAWSEARCH_LEXICAL sets the backend of every index they make).
# Arguments go to the first run: ./scripts/test.sh -x tests/search
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q "$@"
LAWSEARCH_LEXICAL=tantivy .venv/bin/python -m pytest -q tests/search tests/index tests/test_cli.py tests/web
