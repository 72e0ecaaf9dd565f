"""Checks of the install and update scripts (init/update .sh and .ps1).

The bash scripts are run for real where bash exists; the PowerShell twins are
checked statically here (same "# STEP:" markers, plain ASCII) and parsed by
PowerShell itself when pwsh or powershell is on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SH_SCRIPTS = ["init.sh", "update.sh", "scripts/test.sh", ".ci/run"]
PS_SCRIPTS = ["init.ps1", "update.ps1"]
INIT_STEPS = ["find-python", "create-venv", "install-project", "copy-config", "next-steps"]
UPDATE_STEPS = ["check-clean", "version-before", "git-pull", "reinstall", "version-after"]
STEP_RE = re.compile(r"^\s*# STEP: (\S+)\s*$")

BASH = shutil.which("bash")
GIT = shutil.which("git")
ON_WINDOWS = sys.platform == "win32"
needs_bash = pytest.mark.skipif(BASH is None or ON_WINDOWS, reason="needs bash on Linux/macOS")
needs_git = pytest.mark.skipif(GIT is None, reason="needs git")


def steps(name: str) -> list[str]:
    text = (ROOT / name).read_text(encoding="ascii")
    return [m.group(1) for line in text.splitlines() if (m := STEP_RE.match(line))]


def project_version() -> str:
    init = (ROOT / "vcompanion" / "version.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init, re.M)
    assert match, "vcompanion/version.py defines no __version__"
    return match.group(1)


def git_env(home: Path) -> dict[str, str]:
    """An environment where git ignores the user's and the system's config."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        GIT_TERMINAL_PROMPT="0",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def write_exe(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    path.chmod(0o755)


# --- static checks -----------------------------------------------------------


def test_init_steps_identical_and_ordered():
    assert steps("init.sh") == INIT_STEPS
    assert steps("init.ps1") == INIT_STEPS


def test_update_steps_identical_and_ordered():
    assert steps("update.sh") == UPDATE_STEPS
    assert steps("update.ps1") == UPDATE_STEPS


@pytest.mark.parametrize("name", SH_SCRIPTS + PS_SCRIPTS)
def test_scripts_are_plain_ascii(name):
    # Windows PowerShell 5.1 reads a .ps1 without BOM as ANSI: keep all ASCII.
    data = (ROOT / name).read_bytes()
    bad = sorted({b for b in data if b > 127})
    assert not bad, f"{name} has non-ASCII bytes {bad}"


@pytest.mark.parametrize("name", SH_SCRIPTS)
def test_sh_scripts_have_lf_endings(name):
    assert b"\r" not in (ROOT / name).read_bytes(), f"{name} has CR characters (see .gitattributes)"


@pytest.mark.skipif(ON_WINDOWS, reason="no executable bit on Windows")
@pytest.mark.parametrize("name", SH_SCRIPTS)
def test_sh_scripts_are_executable(name):
    assert os.access(ROOT / name, os.X_OK), f"chmod +x {name}"


@pytest.mark.skipif(BASH is None, reason="needs bash")
@pytest.mark.parametrize("name", SH_SCRIPTS)
def test_sh_scripts_parse(name):
    done = subprocess.run([BASH, "-n", str(ROOT / name)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", PS_SCRIPTS)
def test_ps1_scripts_parse(name):
    shell = shutil.which("pwsh") or shutil.which("powershell")
    if shell is None:
        pytest.skip("PowerShell is not installed")
    path = str(ROOT / name).replace("'", "''")
    command = (
        "$errors = $null; "
        f"$null = [System.Management.Automation.Language.Parser]::ParseFile('{path}', [ref]$null, [ref]$errors); "
        "if ($errors) { $errors | ForEach-Object { $_.ToString() }; exit 1 }"
    )
    done = subprocess.run(
        [shell, "-NoProfile", "-NonInteractive", "-Command", command],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@needs_git
@pytest.mark.parametrize("name", ["config.json", "logs/x.log", "data/x", "certs/ca.pem", ".venv/x", "sim-config.json"])
def test_user_files_are_git_ignored(name):
    done = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT, capture_output=True, timeout=30)
    if done.returncode == 128:
        pytest.skip("not a git checkout")
    assert done.returncode == 0, f"{name} is not ignored by .gitignore"


# --- init.sh -----------------------------------------------------------------


@needs_bash
def test_init_sh_is_idempotent_and_installs_the_cli():
    """Re-running init.sh changes nothing and is fast; the console script works."""
    cmd = [BASH, str(ROOT / "init.sh"), "--dev"]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=540)
    assert first.returncode == 0, first.stdout + first.stderr

    started = time.monotonic()
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - started
    assert second.returncode == 0, second.stdout + second.stderr
    assert "skipping pip" in second.stdout
    assert "Re-using" in second.stdout
    assert seconds < 30, f"second run of init.sh took {seconds:.1f} s"

    exe = ROOT / ".venv" / "bin" / "vcompanion"
    assert exe.exists(), "init.sh did not install the vcompanion console script"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0, version.stdout + version.stderr
    assert project_version() in version.stdout + version.stderr


@needs_bash
def test_init_sh_explains_what_to_install_without_python(tmp_path):
    """With only old or broken Pythons around, init.sh says what to install and exits 1."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy2(ROOT / "init.sh", repo / "init.sh")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    fakebin = tmp_path / "bin"
    # A pyenv shim for a version that is installed but not selected fails like this.
    write_exe(fakebin / "python3.12", "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    write_exe(fakebin / "python3", "#!/bin/sh\necho 3.10.12\nexit 1\n")
    for tool in ("dirname", "ls", "grep", "sort", "sed", "cat", "cp", "rm"):
        found = shutil.which(tool)
        assert found, tool
        (fakebin / tool).symlink_to(found)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": str(fakebin), "HOME": str(home), "LANG": "C"}
    done = subprocess.run(
        [BASH, str(repo / "init.sh")], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "needs Python 3.12 or newer" in done.stderr
    assert "apt install" in done.stderr and "pyenv" in done.stderr
    assert not (repo / ".venv").exists()


# --- update.sh ---------------------------------------------------------------


@needs_bash
@needs_git
def test_update_sh_refuses_when_tracked_files_changed(tmp_path):
    env = git_env(tmp_path / "home")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy2(ROOT / "update.sh", repo / "update.sh")
    write_exe(repo / "init.sh", "#!/usr/bin/env bash\ntouch init-was-called\n")
    (repo / "dummy.txt").write_text("original\n")
    git(repo, env, "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "initial")

    (repo / "dummy.txt").write_text("changed locally\n")
    done = subprocess.run(
        [BASH, "update.sh"], cwd=repo, env=env, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "local changes" in done.stderr
    assert "dummy.txt" in done.stderr
    assert not (repo / "init-was-called").exists()
    assert (repo / "dummy.txt").read_text() == "changed locally\n"


@needs_bash
@needs_git
def test_update_sh_pulls_and_reinstalls_keeping_user_files(tmp_path):
    env = git_env(tmp_path / "home")
    origin = tmp_path / "origin"
    origin.mkdir()
    shutil.copy2(ROOT / "update.sh", origin / "update.sh")
    write_exe(origin / "init.sh", '#!/usr/bin/env bash\necho "init $*" > init-args.txt\n')
    (origin / "VERSION").write_text("1.0\n")
    git(origin, env, "init", "-q")
    git(origin, env, "add", "-A")
    git(origin, env, "commit", "-q", "-m", "v1")

    clone = tmp_path / "clone"
    git(tmp_path, env, "clone", "-q", str(origin), str(clone))
    # A stand-in for the installed console script, and the stamp of a --dev install.
    write_exe(clone / ".venv" / "bin" / "vcompanion", '#!/bin/sh\necho "vcompanion $(cat VERSION)"\n')
    (clone / ".venv" / ".vcompanion-install-stamp").write_text("0123abcd dev\n")
    (clone / "config.json").write_text('{"mine": true}\n')  # untracked: must not block or change

    (origin / "VERSION").write_text("2.0\n")
    git(origin, env, "commit", "-q", "-am", "v2")

    done = subprocess.run(
        [BASH, "update.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Version before: vcompanion 1.0" in done.stdout
    assert "Version after:  vcompanion 2.0" in done.stdout
    assert (clone / "VERSION").read_text() == "2.0\n"
    assert (clone / "init-args.txt").read_text().strip() == "init --dev"
    assert (clone / "config.json").read_text() == '{"mine": true}\n'
