"""A private PostgreSQL server for the history tests (Debian's binaries).

    server = PostgresServer.start()        # initdb + pg_ctl start, loopback port
    url = server.create_database()         # a fresh database for one test
    server.stop()

The server runs from a temporary data directory on a free 127.0.0.1 port
with password (SCRAM) authentication for TCP, so the tests can also check a
refused password.  initdb refuses to run as root: as root, the server runs as
the ``postgres`` system user (created by Debian's postgresql package).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

USER = "vcompanion"
PASSWORD = "Hist-Passw0rd!"


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb (None: not installed)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir: Path, root: Path, port: int, as_user: str | None):
        self.bindir, self.root, self.port, self.as_user = bindir, root, port, as_user
        self.data = root / "data"
        self.log = root / "server.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check,
                              cwd=self.root)

    @classmethod
    def start(cls) -> PostgresServer:
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
        root = Path(tempfile.mkdtemp(prefix="vcompanion-pg-"))
        os.chmod(root, 0o755)
        as_user = None
        if os.geteuid() == 0:
            as_user = "postgres"
            entry = pwd.getpwnam(as_user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(bindir, root, _free_port(), as_user)
        pwfile = root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if as_user:
            entry = pwd.getpwnam(as_user)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        try:
            server._run(bindir / "initdb", "-D", server.data, "-U", USER, "--pwfile", pwfile,
                        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                        "--no-sync")
            server._run(bindir / "pg_ctl", "-D", server.data, "-l", server.log, "-w",
                        "-t", "60", "-o",
                        f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c max_connections=60", "start")
        except subprocess.CalledProcessError as exc:
            log = server.log.read_text() if server.log.exists() else ""
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from None
        return server

    def url(self, database: str = "postgres", password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql+psycopg://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def _admin(self):
        import psycopg
        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER,
                               password=PASSWORD, dbname="postgres", autocommit=True)

    def create_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop",
                  check=False)
        shutil.rmtree(self.root, ignore_errors=True)
