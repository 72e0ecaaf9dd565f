#!/usr/bin/env bash
# THE test command: installs what the tests need, checks lint and the
# architecture contracts, then runs pytest.
#
#   scripts/test.sh                         all tests
#   scripts/test.sh tests/test_scripts.py   some tests (arguments go to pytest)
#
# Works from any directory. On a fresh Debian/Ubuntu machine run it as root
# (CI does): missing system packages are installed with apt-get. Then
# ./init.sh --dev creates or refreshes .venv; ruff lints the code and
# lint-imports checks the layers declared in pyproject.toml
# (docs/architecture.md); pytest runs last.
set -euo pipefail

# Debian packages the tests need: Go and govmomi's source (the vCenter
# simulator is built from them), Chromium (browser tests via Playwright),
# LibreOffice Calc (opens the Excel reports) and the PostgreSQL server (the
# history tests run against SQLite and a private PostgreSQL they start).
APT_PACKAGES="golang-go golang-github-vmware-govmomi-dev chromium libreoffice-calc postgresql"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Is the thing that package $1 provides already here?
have_package() {
    case "$1" in
        golang-go) command -v go >/dev/null 2>&1 ;;
        golang-github-vmware-govmomi-dev) [[ -d /usr/share/gocode/src/github.com/vmware/govmomi ]] ;;
        chromium) command -v chromium >/dev/null 2>&1 ;;
        libreoffice-calc) command -v libreoffice >/dev/null 2>&1 ;;
        postgresql) compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ;;
        *) dpkg -s "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for pkg in $APT_PACKAGES; do
    have_package "$pkg" || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "==> Installing missing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    else
        {
            echo "ERROR: the tests need these system packages, which are missing: ${missing[*]}"
            echo "Install them (Debian/Ubuntu), then run scripts/test.sh again:"
            echo "  sudo apt-get update"
            echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}"
            echo "(or run scripts/test.sh as root, which installs them itself)."
        } >&2
        exit 1
    fi
fi

bash ./init.sh --dev

echo "==> Lint (ruff) and architecture contracts (lint-imports)"
.venv/bin/ruff check vcompanion tests benchmarks scripts dashboards
.venv/bin/lint-imports --no-cache

# Test files run in parallel worker processes (pytest-xdist; the tests of one
# file stay together, so its servers start once): most tests wait on
# simulators, servers and Chromium, so three files at a time fit 2 cores.
# VCOMPANION_TEST_WORKERS=0 runs everything in this one process.
WORKERS="${VCOMPANION_TEST_WORKERS:-3}"
if [[ "$WORKERS" == "0" ]]; then
    exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$WORKERS" --dist loadfile "$@"
