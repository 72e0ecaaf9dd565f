"""Worker processes that decode large answers off the main process's GIL.

A 6,000-VM answer is tens of megabytes of XML; parsing it holds the GIL for
seconds.  The chunks of an answer (see ``decode.split``) are offered to a
few worker processes: bytes go in, decoded objects (tuples, cheap to
unpickle) come out, while the asking thread decodes the chunks no worker has
taken yet (``answers._decode_chunks``).

Workers are plain child processes running ``vcompanion.vsphere.fast.worker`` and
talking over their stdin/stdout, not ``multiprocessing``: the user's
main script is never imported again (no ``if __name__ == "__main__"`` needed)
and nothing forks a threaded process.  The pool starts in the background on
``acquire()`` (while the caller logs in and vCenter prepares its answer) and
stops at the last ``release()``, so idle workers hold no memory.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<Q")
# The worker needs only vcompanion.vsphere.fast and pyVmomi: empty stand-ins for
# the vcompanion and vcompanion.vsphere packages skip their __init__ (pandas and
# all), so a worker is up in a fraction of a second instead of one or two.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_BOOT = ("import os, sys, types\n"
         "for name, path in (('vcompanion', sys.argv[1]),\n"
         "                   ('vcompanion.vsphere', os.path.join(sys.argv[1], 'vsphere'))):\n"
         "    package = types.ModuleType(name); package.__path__ = [path]\n"
         "    sys.modules[name] = package\n"
         "from vcompanion.vsphere.fast.worker import main; sys.exit(main())")
_lock = threading.Lock()
_pool: Pool | None = None
_users = 0


def default_size() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Pool:
    """A few decode worker processes fed from one queue.

    Nothing runs until ``start()``.  ``executor()`` is None until the workers
    run, so a caller never waits for their start-up.  ``submit`` returns a
    Future that can be cancelled until a worker takes it.
    """

    def __init__(self, size: int):
        self.size = size
        self._tasks: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._closed = False
        self._processes: list[subprocess.Popen] = []
        self._threads: list[threading.Thread] = []
        self._started = 0
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Start the workers in the background (once); small answers never do."""
        with self._start_lock:
            if self._threads or self._closed:
                return
            self._threads = [threading.Thread(target=self._serve, daemon=True,
                                              name=f"vcompanion-decode-{i}")
                             for i in range(self.size)]
        for thread in self._threads:
            thread.start()

    def executor(self, wait: float = 0.0) -> Pool | None:
        if self._closed or not self._ready.wait(wait):
            return None
        return self

    def submit(self, *job) -> Future:
        future: Future = Future()
        self._tasks.put((future, job))
        return future

    def shutdown(self) -> None:
        with self._start_lock:
            self._closed = True
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join(10)
        for process in self._processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    # --- one thread per worker process ---------------------------------------

    def _spawn(self) -> subprocess.Popen:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        return subprocess.Popen([sys.executable, "-c", _BOOT, _PACKAGE_DIR],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, creationflags=flags)

    def _serve(self) -> None:
        try:
            process = self._spawn()
        except OSError as exc:
            log.warning("decode worker could not start: %s", exc)
            return
        self._processes.append(process)
        try:
            _call(process, ("ping",))  # answers once its imports are done
        except Exception as exc:  # noqa: BLE001 - then decode in-process
            log.warning("decode worker did not start: %s", exc)
            return
        with self._start_lock:
            self._started += 1
            if self._started == 1:
                self._ready.set()
        while True:
            task = self._tasks.get()
            if task is None:
                break
            future, job = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                status, value = _call(process, ("decode", *job))
            except Exception as exc:  # noqa: BLE001 - a dead worker
                future.set_exception(exc)
                break
            if status == "ok":
                future.set_result(value)
            else:
                future.set_exception(value)
        try:
            process.stdin.close()
            process.wait(5)
        except Exception:  # noqa: BLE001
            process.kill()


def _call(process: subprocess.Popen, message: tuple):
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    process.stdin.write(_HEADER.pack(len(data)) + data)
    process.stdin.flush()
    return pickle.loads(_read(process.stdout))


def _read(stream) -> bytes:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("decode worker ended")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("decode worker ended")
    return data


def acquire(size: int | None = None) -> Pool | None:
    """The shared pool (started by the first large answer); pair with ``release()``.

    ``size`` 0 means "no worker processes": returns None.
    """
    global _pool, _users
    size = default_size() if size is None else size
    if size <= 0:
        return None
    with _lock:
        _users += 1
        if _pool is None:
            _pool = Pool(size)
        return _pool


def release() -> None:
    """Done with the pool; the last user stops it."""
    global _pool, _users
    with _lock:
        _users = max(0, _users - 1)
        if _users or _pool is None:
            return
        pool, _pool = _pool, None
    pool.shutdown()


def shutdown() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


def submit(executor: Pool, chunk: bytes, version: str | None, prefixes: dict,
           declared: str) -> Future:
    return executor.submit(chunk, version, prefixes, declared)


atexit.register(shutdown)

__all__ = ["Pool", "acquire", "default_size", "release", "shutdown", "submit"]
