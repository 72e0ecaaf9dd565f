"""One authenticated API session with one vCenter.

``VCenterConnection`` opens the session (API version negotiation, TLS
verification, login), answers "how is this vCenter?" with a status and a
message that names the vCenter, its host:port and the user, keeps the session
alive, logs in again when vCenter has dropped it, and logs out on close.

Every failure is raised as a ``VCenterError`` subclass (see ``errors.py``);
nothing here prints or exits.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from pyVmomi import SoapStubAdapter, VmomiSupport, vim, vmodl

from ..config import VCenterConfig
from ..credentials import Credentials
from .inventory import About
from ..errors import (AuthenticationError, CollectionError, ConnectError,
                     NoPermissionError, TLSError, VCenterError)

log = logging.getLogger(__name__)
T = TypeVar("T")

SDK_PATH = "/sdk"

# What OpenSSL says when the other end does not speak TLS at all (a plain HTTP
# server, SSH, ...): the port answers, but it is not a vCenter's HTTPS port.
NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "HTTP_REQUEST",
                     "HTTPS_PROXY_REQUEST", "RECORD_LAYER_FAILURE",
                     "PACKET_LENGTH_TOO_LONG", "RECORD_TOO_LARGE",
                     "UNEXPECTED_RECORD", "BAD_RECORD_TYPE"})


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0    # opening the TCP/TLS connection, first request
    read: float = 120.0      # one API call
    keepalive: float = 600.0  # seconds between keep-alive calls when idle


class VCenterConnection:
    """A logged-in API session with one vCenter.

    Thread-safe: pyvmomi's stub keeps a connection pool, and re-login is
    serialized by a lock.  Use ``call`` for API calls so that a session dropped
    by vCenter is re-established once and the call repeated.
    """

    def __init__(self, vcenter: VCenterConfig, credentials: Credentials,
                 timeouts: Timeouts = Timeouts()):
        self.vcenter = vcenter
        self.credentials = credentials
        self.timeouts = timeouts
        self.si: Any = None
        self.content: Any = None
        self.about: About | None = None
        self.round_trip_ms: float | None = None
        self.session_generation = 0  # +1 at each login: server-side objects are gone
        self.last_used = 0.0
        # Set when a call ran out of time (the vCenter stopped answering),
        # cleared by the next call that succeeds.  Meanwhile calls that only
        # tidy up (``cleanup``: DestroyView, Logout ...) are skipped: each
        # would wait the read timeout again, and what they would remove goes
        # with the session anyway.
        self.unresponsive = False
        self._lock = threading.RLock()
        self._stub: Any = None
        self._version: str | None = None

    # --- identity for messages -------------------------------------------------

    @property
    def name(self) -> str:
        return self.vcenter.name

    @property
    def user(self) -> str:
        return self.credentials.username

    def error(self, cls: type[VCenterError], detail: str) -> VCenterError:
        return cls(self.vcenter.name, self.vcenter.address, self.user, detail)

    # --- opening ---------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        if not self.vcenter.verify_ssl:
            log.warning("vCenter '%s' (%s): TLS certificate verification is OFF "
                        "(verify_ssl false)", self.name, self.vcenter.address)
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        cafile = str(self.vcenter.ca_bundle) if self.vcenter.ca_bundle else None
        if cafile and not self.vcenter.ca_bundle.is_file():
            raise self.error(TLSError, f"ca_bundle file not found: {cafile}")
        try:
            return ssl.create_default_context(cafile=cafile)
        except ssl.SSLError as exc:
            raise self.error(TLSError, f"cannot load ca_bundle {cafile}: "
                                       f"{exc.reason or exc}") from None

    def connect(self) -> VCenterConnection:
        """Negotiate the API version and log in; raises a VCenterError."""
        with self._lock:
            self.unresponsive = False
            context = self.ssl_context()
            started = time.perf_counter()
            self._version = self._negotiate_version(context)
            self.round_trip_ms = (time.perf_counter() - started) * 1000
            self._stub = SoapStubAdapter(
                host=self.vcenter.host, port=self.vcenter.port, path=SDK_PATH,
                version=self._version, sslContext=context,
                httpConnectionTimeout=self.timeouts.read, connectionPoolTimeout=-1)
            self.si = vim.ServiceInstance("ServiceInstance", self._stub)
            self.content = self._guard(self.si.RetrieveContent)
            about = self.content.about
            self.about = About(about.fullName, about.version, about.build,
                               about.apiVersion, about.instanceUuid or "")
            self._login()
            return self

    def _negotiate_version(self, context: ssl.SSLContext) -> str:
        """Pick the newest API version both pyvmomi and the vCenter speak.

        One GET of /sdk/vimServiceVersions.xml, bounded by the connect
        timeout (pyvmomi's SmartConnect has no timeout for this request).
        """
        conn = http.client.HTTPSConnection(self.vcenter.host, self.vcenter.port,
                                           timeout=self.timeouts.connect,
                                           context=context)
        try:
            body = self._guard(lambda: _get(conn, SDK_PATH + "/vimServiceVersions.xml"))
        finally:
            conn.close()
        try:
            tree = ET.fromstring(body)
        except ET.ParseError:
            raise self.error(ConnectError, "does not look like a vSphere API "
                             "endpoint (vimServiceVersions.xml unreadable)") from None
        server = set()
        for ns in tree.iter("namespace"):
            if (ns.findtext("name") or "") == "urn:vim25":
                server.add((ns.findtext("version") or "").strip())
                server.update((v.text or "").strip()
                              for v in ns.iterfind("priorVersions/version"))
        for version in VmomiSupport.GetServiceVersions("vim25"):
            if VmomiSupport.versionIdMap.get(version) in server:
                return version
        raise self.error(ConnectError, f"no API version in common (vCenter offers "
                                       f"{', '.join(sorted(server)) or 'none'})")

    def _login(self) -> None:
        manager = self.content.sessionManager
        try:
            self._guard(lambda: manager.Login(self.credentials.username,
                                              self.credentials.password))
        except AuthenticationError:
            log.warning("vCenter '%s' (%s): login refused for user %s", self.name,
                        self.vcenter.address, self.user)
            raise
        self.session_generation += 1
        self.last_used = time.monotonic()
        log.info("vCenter '%s' (%s): logged in as %s (%s, API %s)", self.name,
                 self.vcenter.address, self.user,
                 self.about.product if self.about else "?", self._version)

    def has_privilege(self, privilege: str = "System.View") -> bool:
        """Does the logged-in user hold ``privilege`` on the root folder?"""
        session = self.content.sessionManager.currentSession
        manager = self.content.authorizationManager
        try:
            result = self.call(lambda: manager.HasPrivilegeOnEntity(
                self.content.rootFolder, session.key, [privilege]))
        except vmodl.fault.MethodNotFound:  # older servers
            return True
        return bool(result and result[0])

    # --- using -------------------------------------------------------------------

    def call(self, fn: Callable[[], T]) -> T:
        """Run one API call; re-login once if vCenter dropped the session."""
        generation = self.session_generation
        try:
            return self._guard(fn)
        except vim.fault.NotAuthenticated:
            with self._lock:
                if generation == self.session_generation:  # nobody re-logged yet
                    log.info("vCenter '%s': session expired, logging in again", self.name)
                    self._login()
            return self._guard(fn)

    def cleanup(self, fn: Callable[[], Any], what: str = "cleanup") -> None:
        """A call that only tidies up (destroying a view or a collector): never
        raises, and is skipped while the vCenter does not answer (it would
        wait the read timeout again; the objects go with the session)."""
        if self.unresponsive:
            log.debug("vCenter '%s': %s skipped: it stopped answering", self.name, what)
            return
        try:
            self.call(fn)
        except Exception as exc:  # noqa: BLE001 - cleanup must not hide the real error
            log.debug("vCenter '%s': %s failed: %s", self.name, what, type(exc).__name__)

    def keepalive(self) -> None:
        """Touch the session if it has been idle long enough."""
        if self.si is None or time.monotonic() - self.last_used < self.timeouts.keepalive:
            return
        self.call(self.si.CurrentTime)

    def close(self) -> None:
        """Log out (vCenter limits concurrent sessions) and drop the stub."""
        with self._lock:
            if self.unresponsive:
                log.info("vCenter '%s': stopped answering; not logging out (the "
                         "session expires on the vCenter)", self.name)
            elif self.content is not None and self.session_generation:
                try:
                    self.content.sessionManager.Logout()
                    log.info("vCenter '%s': logged out", self.name)
                except Exception as exc:  # noqa: BLE001 - closing must not fail
                    log.debug("vCenter '%s': logout failed: %s", self.name,
                              type(exc).__name__)
            if self._stub is not None:
                try:
                    self._stub.DropConnections()
                except Exception:  # noqa: BLE001
                    pass
            self.si = self.content = self._stub = None
            self.session_generation = 0

    # --- error translation -----------------------------------------------------

    def _guard(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` and turn low-level failures into VCenterErrors."""
        try:
            result = fn()
            self.last_used = time.monotonic()
            self.unresponsive = False
            return result
        except vim.fault.NotAuthenticated:
            raise  # handled by call()
        except vim.fault.InvalidLogin:
            raise self.error(AuthenticationError,
                             "user name or password rejected") from None
        except vim.fault.NoPermission as exc:
            raise self.error(NoPermissionError, "permission denied"
                             + (f" (needs {exc.privilegeId})"
                                if getattr(exc, "privilegeId", None) else "")) from None
        except ssl.SSLCertVerificationError as exc:
            raise self.error(TLSError, f"certificate not trusted ({exc.verify_message}); "
                             "set ca_bundle to the vCenter's CA certificate, or "
                             "verify_ssl to false as a last resort") from None
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
            # the peer went away mid-conversation: that is an outage, not TLS
            raise self.error(ConnectError, "connection closed by the vCenter") from None
        except ssl.SSLError as exc:
            if exc.reason in NOT_TLS:
                raise self.error(TLSError, f"TLS failed ({exc.reason}): the server does "
                                 "not answer in TLS; is this a vCenter on "
                                 f"{self.vcenter.address}?") from None
            raise self.error(TLSError, f"TLS failed: {exc.reason or exc}") from None
        except socket.gaierror:
            raise self.error(ConnectError, "host name not found (DNS)") from None
        except ConnectionRefusedError:
            raise self.error(ConnectError, "connection refused (is the port right? "
                                           "is a firewall blocking it?)") from None
        except (TimeoutError, socket.timeout):
            self.unresponsive = self.si is not None  # connected: it stopped answering
            raise self.error(ConnectError, "no answer in time (connect "
                             f"{self.timeouts.connect:g} s, read "
                             f"{self.timeouts.read:g} s)") from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise self.error(ConnectError, f"connection failed: "
                             f"{type(exc).__name__}: {exc}") from None
        except _HTTPStatus as exc:
            raise self.error(ConnectError, str(exc)) from None
        except vmodl.MethodFault as exc:
            raise self.error(CollectionError, f"{type(exc).__name__}: "
                             f"{getattr(exc, 'msg', '') or ''}".rstrip(": ")) from None


class _HTTPStatus(Exception):
    pass


def _get(conn: http.client.HTTPSConnection, path: str) -> bytes:
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise _HTTPStatus(f"not a vSphere API endpoint (HTTP {response.status} for "
                          f"{path})")
    return body
