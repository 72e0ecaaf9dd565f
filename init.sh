#!/usr/bin/env bash
# vCompanion set-up for Linux (and macOS): creates .venv, installs vCompanion
# into it and copies config.example.json to config.json.
#
#   ./init.sh          install vCompanion
#   ./init.sh --dev    install vCompanion plus the test tools (pytest, Playwright, ...)
#
# Safe to run again at any time: an existing good .venv is kept, and the pip
# step is skipped while pyproject.toml is unchanged since the last successful
# install. Set VCOMPANION_PYTHON=/path/to/python3.12 to choose the Python.
# The Windows twin of this script is init.ps1; both mark their steps with the
# same "# STEP:" lines, in the same order (tests/test_scripts.py checks this).
set -euo pipefail

MIN_PY="3.12"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"
STAMP="$VENV/.vcompanion-install-stamp"

FLAVOUR="base"
for arg in "$@"; do
    case "$arg" in
        --dev) FLAVOUR="dev" ;;
        -h|--help)
            sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
            exit 0 ;;
        *) echo "init.sh: unknown option '$arg' (use --dev or --help)" >&2; exit 2 ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the full version of the Python given as $1 and returns 0 if it is
# >= MIN_PY and can create virtual environments, 1 if it is too old, 2 if
# its venv/ensurepip module is missing (Debian/Ubuntu: package python3.X-venv),
# 3 if it does not run at all (e.g. a pyenv shim for a version not selected).
probe_python() {
    local out rc=0
    out="$("$1" -c 'import sys
print("%d.%d.%d" % sys.version_info[:3])
if sys.version_info < (3, 12): sys.exit(1)
try:
    import venv, ensurepip
except ImportError:
    sys.exit(2)' 2>/dev/null)" || rc=$?
    # A shim that fails prints nothing useful; insist on a version line.
    if [[ ! "$out" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
        return 3
    fi
    printf '%s\n' "$out"
    return "$rc"
}

main() {
    cd "$ROOT"

    # STEP: find-python
    local candidates=() c pyenv_root
    if [[ -n "${VCOMPANION_PYTHON:-}" ]]; then
        candidates+=("$VCOMPANION_PYTHON")
    fi
    for c in python3.13 python3.12 python3; do
        if command -v "$c" >/dev/null 2>&1; then
            candidates+=("$(command -v "$c")")
        fi
    done
    # pyenv's installed versions, newest first, even if none is selected.
    local roots=()
    if command -v pyenv >/dev/null 2>&1; then
        pyenv_root="$(pyenv root 2>/dev/null || true)"
        [[ -n "$pyenv_root" ]] && roots+=("$pyenv_root")
    fi
    roots+=("${PYENV_ROOT:-$HOME/.pyenv}" "$HOME/.pyenv")
    local r v
    for r in "${roots[@]}"; do
        [[ -d "$r/versions" ]] || continue
        while IFS= read -r v; do
            [[ -x "$r/versions/$v/bin/python3" ]] && candidates+=("$r/versions/$v/bin/python3")
        done < <(ls -1 "$r/versions" 2>/dev/null | grep -E '^3\.[0-9]+' | sort -t. -k1,1nr -k2,2nr -k3,3nr)
    done

    local PY="" PY_VERSION="" novenv="" ver rc
    for c in ${candidates[@]+"${candidates[@]}"}; do
        rc=0
        ver="$(probe_python "$c")" || rc=$?
        case "$rc" in
            0) PY="$c"; PY_VERSION="$ver"; break ;;
            2) novenv="$c ($ver)" ;;
        esac
    done
    if [[ -z "$PY" ]]; then
        {
            echo
            echo "ERROR: vCompanion needs Python $MIN_PY or newer, and none was found."
            if [[ -n "$novenv" ]]; then
                echo "  $novenv is new enough but cannot create virtual environments."
                echo "  Install its venv package, e.g.:  sudo apt install python3-venv"
                echo "  (or python3.12-venv / python3.13-venv to match the version)."
            fi
            echo "Install one of these, then run ./init.sh again:"
            echo "  Debian 13 / Ubuntu 24.04 or newer:  sudo apt install python3 python3-venv"
            echo "  Ubuntu 22.04:  sudo add-apt-repository ppa:deadsnakes/ppa"
            echo "                 sudo apt install python3.12 python3.12-venv"
            echo "  Debian 12 and others: pyenv (https://github.com/pyenv/pyenv), then"
            echo "                 pyenv install 3.12"
            echo "  RHEL/Rocky/Alma 9:  sudo dnf install python3.12"
            echo "Or point VCOMPANION_PYTHON at a Python $MIN_PY+ interpreter."
        } >&2
        exit 1
    fi
    say "Python $PY_VERSION: $PY"

    # STEP: create-venv
    if [[ -e "$VENV" ]]; then
        if [[ -x "$VENV_PY" ]] && "$VENV_PY" -c 'import sys, pip
sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
            say "Re-using $VENV ($("$VENV_PY" -c 'import platform; print(platform.python_version())'))"
        else
            say "$VENV is broken or too old: recreating it"
            rm -rf -- "$VENV"
        fi
    fi
    if [[ ! -e "$VENV" ]]; then
        say "Creating $VENV"
        "$PY" -m venv "$VENV" || die "could not create $VENV with $PY (Debian/Ubuntu: sudo apt install python3-venv)"
    fi

    # STEP: install-project
    local want have="" hash
    hash="$("$VENV_PY" -c 'import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$ROOT/pyproject.toml")"
    want="$hash $FLAVOUR"
    [[ -f "$STAMP" ]] && have="$(cat "$STAMP")"
    # A dev install contains everything a base install has.
    if [[ "$have" == "$want" || ( "$FLAVOUR" == "base" && "$have" == "$hash dev" ) ]]; then
        say "Dependencies up to date (pyproject.toml unchanged since the last install): skipping pip"
    else
        say "Upgrading pip"
        "$VENV_PY" -m pip install --quiet --upgrade pip \
            || echo "WARNING: could not upgrade pip; continuing with the installed one" >&2
        local target="."
        [[ "$FLAVOUR" == "dev" ]] && target=".[dev]"
        say "Installing vCompanion ($FLAVOUR) into $VENV; this takes a few minutes the first time, and pip prints little until it is done"
        rm -f -- "$STAMP"
        "$VENV_PY" -m pip install --quiet -e "$target" \
            || die "pip install failed (see the messages above; behind a proxy set HTTPS_PROXY)"
        printf '%s\n' "$want" > "$STAMP"
    fi

    # STEP: copy-config
    if [[ -f "$ROOT/config.json" ]]; then
        say "config.json exists: left as it is"
    elif [[ -f "$ROOT/config.example.json" ]]; then
        cp "$ROOT/config.example.json" "$ROOT/config.json"
        say "Created config.json from config.example.json"
    else
        echo "WARNING: config.example.json not found; create config.json yourself (see INSTALL.md)" >&2
    fi

    # STEP: next-steps
    cat <<EOF

vCompanion is installed. Next steps:
  1. Edit config.json: list your vCenter Servers (see INSTALL.md).
  2. Store the read-only account:   .venv/bin/vcompanion credentials set
  3. Check the connections:         .venv/bin/vcompanion check
  4. Start the web interface:       .venv/bin/vcompanion serve
     then open http://localhost:5006 (try it without a vCenter: .venv/bin/vcompanion serve --demo)
EOF
}

main "$@"
exit
