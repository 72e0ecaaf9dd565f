#!/usr/bin/env bash
# vCompanion update for Linux (and macOS): pulls the latest version with git
# and reinstalls the dependencies through init.sh.
#
#   ./update.sh          update (keeps a --dev install a --dev install)
#   ./update.sh --dev    update and install the test tools too
#
# Your config.json, logs/ and data/ are not tracked by git and are never
# touched. Stop a running "vcompanion serve" first and start it again after.
# The Windows twin of this script is update.ps1; both mark their steps with
# the same "# STEP:" lines, in the same order (tests/test_scripts.py checks this).
#
# Everything runs inside main(): bash reads a script while it runs it, and
# "git pull" may replace this very file.
set -euo pipefail

main() {
    local root flavour_args=() arg
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    cd "$root"
    for arg in "$@"; do
        case "$arg" in
            --dev) flavour_args=(--dev) ;;
            -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
            *) echo "update.sh: unknown option '$arg' (use --dev or --help)" >&2; return 2 ;;
        esac
    done
    # Keep the flavour of the last install (init.sh writes it into this stamp).
    if [[ ${#flavour_args[@]} -eq 0 && -f .venv/.vcompanion-install-stamp ]] \
        && [[ "$(cat .venv/.vcompanion-install-stamp)" == *" dev" ]]; then
        flavour_args=(--dev)
    fi

    # STEP: check-clean
    if ! git rev-parse --is-inside-work-tree >/dev/null; then
        echo "ERROR: git cannot use $root (see git's message above);" \
             "update.sh needs a folder made with 'git clone'." >&2
        return 1
    fi
    local changes
    changes="$(git status --porcelain --untracked-files=no)"
    if [[ -n "$changes" ]]; then
        {
            echo "ERROR: not updating: these files tracked by git have local changes:"
            printf '%s\n' "$changes" | sed 's/^/    /'
            echo "Save a copy of your changes, then undo them with 'git checkout -- <file>'"
            echo "(or keep them with 'git stash') and run ./update.sh again."
            echo "config.json, logs/ and data/ are not tracked and need nothing."
        } >&2
        return 1
    fi

    # STEP: version-before
    local before="(not installed)"
    if [[ -x .venv/bin/vcompanion ]]; then
        before="$(.venv/bin/vcompanion --version 2>/dev/null || echo "(unknown)")"
    fi
    echo "==> Version before: $before"

    # STEP: git-pull
    echo "==> git pull --ff-only"
    if ! git pull --ff-only; then
        echo "ERROR: 'git pull --ff-only' failed (see above). Nothing was changed." >&2
        echo "Check the network access to the git server, or ask whoever maintains your copy." >&2
        return 1
    fi

    # STEP: reinstall
    echo "==> Reinstalling the dependencies: ./init.sh ${flavour_args[*]:-}"
    if ! bash ./init.sh ${flavour_args[@]+"${flavour_args[@]}"}; then
        echo "ERROR: ./init.sh failed after the update (see above)." >&2
        return 1
    fi

    # STEP: version-after
    local after="(unknown)"
    if [[ -x .venv/bin/vcompanion ]]; then
        after="$(.venv/bin/vcompanion --version 2>/dev/null || echo "(unknown)")"
    fi
    echo "==> Version before: $before"
    echo "==> Version after:  $after"
}

main "$@"
exit
