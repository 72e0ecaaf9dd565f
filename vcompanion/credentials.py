"""Where the service account's user name and password come from.

Never from the config file.  For each vCenter, in this order:

1. arguments given to ``Companion.from_config(username=..., password=...)``;
2. the OS credential store entry for that vCenter
   (``vcompanion credentials set --vcenter NAME``), for vCenters whose SSO
   domain has an account of its own;
3. the environment variables ``VCOMPANION_USERNAME`` / ``VCOMPANION_PASSWORD``;
4. the OS credential store's default entry (``vcompanion credentials set``):
   Windows Credential Manager, macOS Keychain or the Secret Service on Linux.

A vCenter's ``username`` in the config replaces the user name found above.

The SMTP password for e-mail alerts (``smtp_credentials``) comes from the
environment variable ``VCOMPANION_SMTP_PASSWORD``, else from the OS credential
store entry ``vcompanion:smtp`` (``vcompanion credentials set --smtp``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from .errors import CredentialsError
from .logs import register_secret

log = logging.getLogger(__name__)

ENV_USERNAME = "VCOMPANION_USERNAME"
ENV_PASSWORD = "VCOMPANION_PASSWORD"
SERVICE = "vcompanion"
DEFAULT_SCOPE = "default"
ENV_SMTP_PASSWORD = "VCOMPANION_SMTP_PASSWORD"
SMTP_SCOPE = "smtp"


@dataclass(frozen=True)
class Credentials:
    """A user name and password; the password never shows in repr or str."""

    username: str
    password: str = field(repr=False)
    source: str = "arguments"

    def __post_init__(self):
        register_secret(self.password)


def scope_for(vcenter: str | None, scope: str | None = None) -> str:
    if scope:
        return scope
    return f"vcenter:{vcenter}" if vcenter else DEFAULT_SCOPE


def _keyring():
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None, Exception
    return keyring, KeyringError


def from_store(vcenter: str | None = None,
               scope: str | None = None) -> Credentials | None:
    """The stored credentials for a vCenter (or the default, or ``scope``), or None."""
    keyring, keyring_error = _keyring()
    if keyring is None:
        return None
    service = f"{SERVICE}:{scope_for(vcenter, scope)}"
    try:
        username = keyring.get_password(service, "username")
        password = keyring.get_password(service, "password") if username else None
    except keyring_error as exc:
        log.debug("OS credential store not usable: %s", exc)
        return None
    except Exception as exc:  # noqa: BLE001 - a broken store must not break reads
        log.warning("OS credential store failed: %s", type(exc).__name__)
        return None
    if username and password is not None:
        return Credentials(username, password,
                           f"credential store ({scope_for(vcenter, scope)})")
    return None


def save_to_store(username: str, password: str, vcenter: str | None = None,
                  scope: str | None = None) -> str:
    """Store credentials in the OS credential store; returns its name."""
    keyring, keyring_error = _keyring()
    service = f"{SERVICE}:{scope_for(vcenter, scope)}"
    try:
        backend = keyring.get_keyring()
        keyring.set_password(service, "username", username)
        keyring.set_password(service, "password", password)
    except keyring_error as exc:
        raise CredentialsError(
            f"no OS credential store is available on this machine ({exc}); set the "
            f"environment variables {ENV_USERNAME} and {ENV_PASSWORD} instead") from None
    return type(backend).__name__


def clear_store(vcenter: str | None = None, scope: str | None = None) -> bool:
    """Remove stored credentials; True if something was removed."""
    keyring, keyring_error = _keyring()
    service = f"{SERVICE}:{scope_for(vcenter, scope)}"
    removed = False
    for key in ("password", "username"):
        try:
            keyring.delete_password(service, key)
            removed = True
        except keyring_error:
            pass
    return removed


def from_environment(environ) -> Credentials | None:
    username, password = environ.get(ENV_USERNAME), environ.get(ENV_PASSWORD)
    if username and password is not None:
        return Credentials(username, password, "environment")
    return None


def resolve(vcenter: str, username: str | None = None, password: str | None = None,
            config_username: str | None = None, environ=None) -> Credentials:
    """The credentials to use for one vCenter; raises CredentialsError if none."""
    environ = os.environ if environ is None else environ
    found: Credentials | None = None
    if username and password is not None:
        found = Credentials(username, password, "arguments")
    else:
        found = (from_store(vcenter) or from_environment(environ)
                 or from_store(None))
    if found is None:
        raise CredentialsError(
            f"no credentials for vCenter '{vcenter}': run `vcompanion credentials set` "
            f"or set {ENV_USERNAME} and {ENV_PASSWORD}")
    if config_username and config_username != found.username:
        found = Credentials(config_username, found.password, found.source)
    return found


def smtp_credentials(username: str | None, environ=None) -> Credentials | None:
    """User and password for the SMTP login of e-mail alerts, or None.

    The password comes from ``VCOMPANION_SMTP_PASSWORD``, else from the OS
    credential store (scope ``smtp``).  ``username`` (from the config) wins over a
    stored user name; with neither, there is no login.
    """
    environ = os.environ if environ is None else environ
    password = environ.get(ENV_SMTP_PASSWORD)
    if password:
        return Credentials(username, password, "environment") if username else None
    stored = from_store(scope=SMTP_SCOPE)
    if stored is None:
        return None
    return Credentials(username or stored.username, stored.password, stored.source)
