"""Credentials: sources in order, the OS store through the real CLI, and secrets
that never reach logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from helpers import run_cli, write_json
from vcompanion import credentials
from vcompanion.errors import CredentialsError
from vcompanion.logs import scrub, setup_logging

TESTS = Path(__file__).resolve().parent


@pytest.fixture()
def keyring_env(tmp_path):
    return {"PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
            "TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
            "PYTHONPATH": str(TESTS)}


def test_environment_then_arguments():
    env = {"VCOMPANION_USERNAME": "svc@vsphere.local", "VCOMPANION_PASSWORD": "pw-env"}
    found = credentials.resolve("prod", environ=env)
    assert (found.username, found.source) == ("svc@vsphere.local", "environment")
    found = credentials.resolve("prod", "me", "pw-arg", environ=env)
    assert (found.username, found.password) == ("me", "pw-arg")
    assert "pw-arg" not in repr(found)
    # a vCenter's own user name in the config replaces the user name found
    found = credentials.resolve("prod", config_username="other@corp", environ=env)
    assert (found.username, found.password) == ("other@corp", "pw-env")


def test_no_credentials_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    with pytest.raises(CredentialsError, match="no credentials for vCenter 'prod'"):
        credentials.resolve("prod", environ={})


def test_cli_stores_per_vcenter_and_default_credentials(tmp_path, keyring_env):
    config = write_json(tmp_path / "config.json",
                        {"vcenters": [{"name": "prod", "host": "h"},
                                      {"name": "lab", "host": "l"}]})
    result = run_cli("--config", str(config), "credentials", "set", "--username",
                     "svc@vsphere.local", "--password-stdin", env=keyring_env,
                     stdin="S3cret-default\n")
    assert result.returncode == 0, result.stderr
    result = run_cli("--config", str(config), "credentials", "set", "--vcenter", "lab",
                     "--username", "root@lab.local", "--password-stdin", env=keyring_env,
                     stdin="S3cret-lab\n")
    assert result.returncode == 0, result.stderr
    shown = run_cli("--config", str(config), "credentials", "show", env=keyring_env)
    assert "prod: svc@vsphere.local (from credential store (default))" in shown.stdout
    assert "lab: root@lab.local (from credential store (vcenter:lab))" in shown.stdout
    assert "S3cret" not in shown.stdout + shown.stderr
    # nothing about the password landed in the config folder (logs included)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "keyring.json":
            assert "S3cret" not in path.read_text(errors="replace"), path
    # an unknown vCenter name is refused
    bad = run_cli("--config", str(config), "credentials", "set", "--vcenter", "nope",
                  "--username", "x", "--password-stdin", env=keyring_env, stdin="y\n")
    assert bad.returncode == 2 and "no vCenter named 'nope'" in bad.stderr
    cleared = run_cli("--config", str(config), "credentials", "clear", "--vcenter", "lab",
                      env=keyring_env)
    assert cleared.returncode == 0
    shown = run_cli("--config", str(config), "credentials", "show", env=keyring_env)
    assert "lab: svc@vsphere.local" in shown.stdout


def test_secrets_are_scrubbed_from_log_records(tmp_path):
    credentials.Credentials("someone", "Very-Secret-42")  # registers the password
    path = setup_logging(tmp_path, "DEBUG")
    log = logging.getLogger("vcompanion.test")
    log.info("oops %s", "Very-Secret-42")
    log.info("Cookie: vmware_soap_session=\"52a1b2c3d4\"; Path=/")
    try:
        raise RuntimeError("failed with Very-Secret-42")
    except RuntimeError:
        log.exception("trace")
    for handler in logging.getLogger("vcompanion").handlers:
        handler.flush()
    text = path.read_text()
    assert "Very-Secret-42" not in text and "52a1b2c3d4" not in text
    assert text.count("***") >= 3
    assert scrub("password=hunter22 x") == "password=*** x"
