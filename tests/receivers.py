"""Real receivers on loopback for notification tests: SMTP (aiosmtpd) and HTTP.

    smtp = SmtpSink().start()            # smtp.port, smtp.messages (email.message)
    smtp.stop(); smtp.start()            # down and back, same port
    http = HttpSink().start()            # http.url("/teams"), http.posts("/teams")
    http.status["/teams"] = 500          # make one path fail
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_cert(folder: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}-cert.pem", folder / f"{name}-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(msg)
            self.sink.envelopes.append(envelope)
            self.sink.logins.append(session.auth_data if session.authenticated else None)
        return "250 OK"


class SmtpSink:
    """aiosmtpd on 127.0.0.1.  ``mode``: none, starttls or ssl; optional login."""

    def __init__(self, mode: str = "none", cert: tuple[Path, Path] | None = None,
                 users: dict[str, str] | None = None, port: int | None = None):
        self.mode, self.cert, self.users = mode, cert, users
        self.port = port or free_port()
        self.messages: list = []
        self.envelopes: list = []
        self.logins: list = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert[0]), str(self.cert[1]))
        return context

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and self.users and \
            self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=bool(ok), handled=False,
                          auth_data=auth_data.login.decode() if ok else None)

    def start(self) -> SmtpSink:
        kwargs: dict = {}
        if self.mode == "starttls":
            kwargs["tls_context"] = self._server_context()
        elif self.mode == "ssl":
            kwargs["ssl_context"] = self._server_context()
        if self.users:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.mode != "none")
        self.controller = Controller(_Handler(self), hostname="127.0.0.1",
                                     port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        return list(self.messages)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.logins.clear()


class HttpSink:
    """A ThreadingHTTPServer on 127.0.0.1 recording every POST body (JSON)."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.status: dict[str, int] = {}
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = sink.status.get(self.path, 200)
                if status < 300:
                    with sink.lock:
                        sink.received.append((self.path, json.loads(body)))
                answer = b"ok" if status < 300 else b"receiver says no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> HttpSink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def posts(self, path: str) -> list[dict]:
        with self.lock:
            return [body for p, body in self.received if p == path]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
