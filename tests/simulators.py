"""Build and run the seeded govmomi vCenter simulators (tests/vcsim).

Used by tests/conftest.py and by scripts/simulators.py:

    sims = start_simulators(tmp_dir)            # prod, dr and lab, in parallel
    write_config(sims, tmp_dir / "config.json")
    ...
    for sim in sims:
        sim.stop()

A simulator is a child process that serves the vSphere API over TLS on
127.0.0.1 with one login (seed.USERNAME / seed.PASSWORD) and a small control
API (see tests/vcsim/control.go). It dies when its stdin closes, so
simulators never outlive the process that started them.
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import hashlib
import json
import os
import pathlib
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "tests" / "vcsim"
CACHE_DIR = REPO / ".cache"
BINARY = CACHE_DIR / "vcsim" / "vcsim"
GOPATH = pathlib.Path("/usr/share/gocode")
GOVMOMI_DIR = GOPATH / "src" / "github.com" / "vmware" / "govmomi"

DEFAULT_USERNAME = "vcadmin@vsphere.local"
DEFAULT_PASSWORD = "Sim-Passw0rd!"
DEFAULT_SPECS = (("prod", "prod"), ("dr", "dr"), ("lab", "lab"))

_INSTALL_HINT = "apt-get install golang-go golang-github-vmware-govmomi-dev"


def _source_digest() -> str:
    """Hash of the simulator sources and of the Go toolchain that builds them."""
    h = hashlib.sha256()
    for path in sorted(SOURCE_DIR.glob("*.go")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(str(os.path.realpath(shutil.which("go") or "")).encode())
    return h.hexdigest()


def load_seed():
    """The ground truth of the seeded topologies: tests/vcsim/seed.py as a module."""
    import importlib.util
    import sys

    module = sys.modules.get("vcsim_seed")
    if module is None:
        spec = importlib.util.spec_from_file_location("vcsim_seed", SOURCE_DIR / "seed.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["vcsim_seed"] = module
        spec.loader.exec_module(module)
    return module


def build_environment() -> dict[str, str]:
    """Environment for `go build` of the simulator: GOPATH mode against Debian's govmomi."""
    env = dict(os.environ)
    env.update({
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(CACHE_DIR / "go-build"),
        "GOFLAGS": "",
    })
    return env


def build_simulator(force: bool = False) -> pathlib.Path:
    """Build <repo>/.cache/vcsim/vcsim unless it is up to date; return its path.

    The binary is rebuilt when it is missing or when the sources (or the go
    binary) changed since the last build (content hash, not mtimes). A file
    lock serializes concurrent builds (e.g. pytest-xdist workers).
    """
    go = shutil.which("go")
    if go is None:
        raise RuntimeError(f"the Go compiler ('go') is not installed; run: {_INSTALL_HINT}")
    if not (GOVMOMI_DIR / "simulator").is_dir():
        raise RuntimeError(f"govmomi sources are missing ({GOVMOMI_DIR}); run: {_INSTALL_HINT}")

    BINARY.parent.mkdir(parents=True, exist_ok=True)
    stamp = BINARY.with_name("vcsim.sha256")
    with open(BINARY.with_name("build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = _source_digest()
        if not force and BINARY.exists() and stamp.exists() and stamp.read_text().strip() == digest:
            return BINARY
        tmp = BINARY.with_name(f"vcsim.tmp.{os.getpid()}")
        cmd = [go, "build", "-o", str(tmp), "./tests/vcsim"]
        proc = subprocess.run(cmd, cwd=REPO, env=build_environment(), capture_output=True, text=True)
        if proc.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise RuntimeError(f"building the vCenter simulator failed ({' '.join(cmd)}):\n{proc.stderr}")
        os.replace(tmp, BINARY)
        stamp.write_text(digest + "\n")
    return BINARY


class Simulator:
    """One simulated vCenter Server process.

    Attributes (set by start()): host, port, url, control_url, cert_path.
    """

    def __init__(self, name: str, topology: str = "prod", *, workdir: str | os.PathLike | None = None,
                 vms: int | None = None, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD,
                 binary: str | os.PathLike | None = None, extra_args: tuple[str, ...] = ()):
        self.name = name
        self.topology = topology
        self.vms = vms
        self.username = username
        self.password = password
        self.workdir = pathlib.Path(workdir) if workdir is not None else None
        self.binary = pathlib.Path(binary) if binary is not None else None
        self.extra_args = tuple(extra_args)
        self.host: str | None = None
        self.port: int | None = None
        self.url: str | None = None
        self.control_url: str | None = None
        self.cert_path: str | None = None
        self.log_path: pathlib.Path | None = None
        self.ready: dict | None = None
        self.startup_seconds: float | None = None
        self.process: subprocess.Popen | None = None
        self._log_file = None
        self._own_workdir = False  # created by start(), removed by stop()

    def __repr__(self) -> str:
        return f"Simulator({self.name!r}, topology={self.topology!r}, url={self.url!r})"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 120) -> "Simulator":
        """Start the process and wait for its ready line (raises RuntimeError on failure)."""
        if self.running:
            return self
        binary = self.binary or build_simulator()
        if self.workdir is None:
            self.workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"vcsim-{self.name}-"))
            self._own_workdir = True
        self.workdir.mkdir(parents=True, exist_ok=True)
        cert = self.workdir / f"{self.name}-cert.pem"
        self.log_path = self.workdir / f"{self.name}.log"
        cmd = [str(binary), "-topology", self.topology, "-listen", "127.0.0.1:0", "-control", "127.0.0.1:0",
               "-username", self.username, "-password", self.password, "-cert-out", str(cert)]
        if self.vms is not None:
            cmd += ["-vms", str(self.vms)]
        cmd += list(self.extra_args)

        started = time.monotonic()
        # stderr goes to a file: a pipe nobody reads could fill up and block the simulator.
        self._log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._log_file, cwd=self.workdir)
        try:
            line = self._read_ready_line(timeout)
            self.ready = json.loads(line)
        except Exception:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        self.host = self.ready["host"]
        self.port = int(self.ready["port"])
        self.url = self.ready["url"]
        self.control_url = self.ready["control"]
        self.cert_path = self.ready["cert"] or None
        return self

    def _read_ready_line(self, timeout: float) -> str:
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self.process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"simulator {self.name!r} not ready after {timeout:g} s\n{self.log_tail()}") from None
        if not line.strip():
            self.process.wait(timeout=5)
            raise RuntimeError(f"simulator {self.name!r} exited with status {self.process.returncode} "
                               f"before it was ready\n{self.log_tail()}")
        return line.decode()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the simulator's log (its stderr)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10) -> None:
        """Stop the process: close its stdin, then SIGTERM, then SIGKILL.

        A working directory that start() created (no workdir given) is removed.
        """
        proc = self.process
        if proc is not None:
            if proc.poll() is None:
                try:
                    proc.stdin.close()
                    proc.wait(timeout=timeout / 2)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout / 2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir, self._own_workdir = None, False

    def control(self, path: str, method: str = "POST", **params) -> dict:
        """Call the control API, e.g. control("/host/connection", name=..., state="disconnected").

        Booleans are sent as true/false. Returns the JSON answer; raises
        RuntimeError with the simulator's message on an HTTP error.
        """
        if not self.control_url:
            raise RuntimeError(f"simulator {self.name!r} is not running")
        query = urllib.parse.urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()})
        url = self.control_url + path + ("?" + query if query else "")
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            try:
                message = json.load(e).get("error", "")
            except ValueError:
                message = e.reason
            raise RuntimeError(f"{self.name}: {method} {path} failed with HTTP {e.code}: {message}") from None

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_simulators(workdir: str | os.PathLike, specs=DEFAULT_SPECS, timeout: float = 120,
                     **kwargs) -> list[Simulator]:
    """Start one simulator per spec, in parallel, and return them in spec order.

    specs: (name, topology) or (name, topology, vms) tuples. kwargs go to
    Simulator (username, password, ...). If one fails, the others are stopped.
    """
    workdir = pathlib.Path(workdir)
    binary = build_simulator()
    sims = []
    for spec in specs:
        name, topology, *rest = spec
        sims.append(Simulator(name, topology, workdir=workdir, vms=rest[0] if rest else None,
                              binary=binary, **kwargs))
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(sims) or 1) as pool:
        futures = [pool.submit(sim.start, timeout) for sim in sims]
        errors = [f.exception() for f in futures]
    if any(errors):
        for sim in sims:
            sim.stop()
        raise next(e for e in errors if e)
    return sims


def write_config(sims, path: str | os.PathLike, verify_ssl: bool = True) -> pathlib.Path:
    """Write a vCompanion configuration file listing the simulators."""
    config = {"vcenters": [
        {"name": sim.name, "host": sim.host, "port": sim.port, "verify_ssl": verify_ssl, "ca_bundle": sim.cert_path}
        for sim in sims
    ]}
    path = pathlib.Path(path)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path
