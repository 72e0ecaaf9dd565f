"""The exceptions vCompanion raises.

The library raises; it never exits or prints. The CLI turns each of these into
one line on stderr and the exit code shown on the right::

    VCompanionError                     base class
    ├── ConfigError                     bad config file or setting          -> 2
    ├── CredentialsError                no credentials / credential store   -> 2
    ├── HistoryError                    the history database (names it)    -> 2
    ├── NotifyError                     an alert notifier could not deliver -> 4
    ├── StoreBusyError                  another alert run holds the store   -> 4
    ├── NotFoundError                   no such object in the inventory     -> 1
    └── VCenterError                    about one vCenter (names it)
        ├── ConnectError                DNS, refused, timeout               -> 4
        ├── TLSError                    certificate verification failed     -> 4
        ├── AuthenticationError         vCenter rejected the user/password  -> 3
        ├── NoPermissionError           logged in but lacks a privilege     -> 3
        └── CollectionError             a read failed after login           -> 4

Every ``VCenterError`` message names the vCenter, its host:port and the user,
because with several vCenters a message without them is useless.  Messages
never contain passwords or session cookies.
"""

from __future__ import annotations


class VCompanionError(Exception):
    """Base class of every error vCompanion raises on purpose."""

    exit_code = 1


class ConfigError(VCompanionError):
    """The configuration file or a setting in it is wrong.

    ``where`` is the file (and line/column or key path) the problem is in.
    """

    exit_code = 2

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class CredentialsError(VCompanionError):
    """No credentials were found, or the credential store failed."""

    exit_code = 2


class HistoryError(VCompanionError):
    """The history database cannot be opened, read or written: locked,
    read-only, corrupt, full, unreachable, refusing the login, or holding a
    schema newer than this vCompanion.  The message names the SQLite file, or
    the PostgreSQL host:port, database and user (never the password)."""

    exit_code = 2


class NotifyError(VCompanionError):
    """A notifier (SMTP server, webhook) could not deliver; the message names
    its host:port or webhook."""

    exit_code = 4


class StoreBusyError(VCompanionError):
    """Another alert run holds the alert store (one run delivers at a time)."""

    exit_code = 4


class NotFoundError(VCompanionError):
    """The object asked for (by vCenter and managed object id) is not in the
    inventory: never there, or gone since (``Companion.object``)."""

    exit_code = 1


class VCenterError(VCompanionError):
    """Something went wrong with one vCenter.

    ``status`` is the short machine-readable status shown in ``check`` and
    ``status()`` (``unreachable``, ``tls error``, ``authentication failed`` ...).
    """

    exit_code = 4
    status = "error"

    def __init__(self, vcenter: str, address: str, user: str | None, detail: str):
        self.vcenter = vcenter
        self.address = address
        self.user = user
        self.detail = detail
        who = f" as {user}" if user else ""
        super().__init__(f"vCenter '{vcenter}' ({address}{who}): {detail}")


class ConnectError(VCenterError):
    """The vCenter could not be reached (DNS, refused, timeout, reset)."""

    status = "unreachable"


class TLSError(VCenterError):
    """The vCenter's certificate could not be verified."""

    status = "tls error"


class AuthenticationError(VCenterError):
    """The vCenter rejected the user name or password."""

    exit_code = 3
    status = "authentication failed"


class NoPermissionError(VCenterError):
    """Logged in, but the account lacks a privilege vCompanion needs."""

    exit_code = 3
    status = "no permission"


class CollectionError(VCenterError):
    """Reading from a vCenter failed after a successful login."""

    status = "collection failed"


__all__ = ["AuthenticationError", "CollectionError", "ConfigError", "ConnectError",
           "CredentialsError", "HistoryError", "NoPermissionError", "NotFoundError",
           "NotifyError", "StoreBusyError", "TLSError", "VCenterError", "VCompanionError"]
