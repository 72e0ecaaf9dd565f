"""vCenters that do not behave: a port that answers but is no vCenter, a
vCenter that stops answering half-way through an answer (frozen, or sending a
little now and then).  One such vCenter costs at most its timeouts and never
holds up the others."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from conftest import PASSWORD, USERNAME


class FreezingProxy:
    """Forwards 127.0.0.1:``port`` to ``target`` (a TLS server), TLS record by
    TLS record.

    Once ``freeze_after`` bytes in all have come back from the target, the
    vCenter "freezes": nothing more is forwarded, either way, on any
    connection, old or new, and the connections stay open.  With ``trickle``
    (seconds) it sends one TLS record every ``trickle`` seconds instead: never
    silent long enough for a timeout on each read, yet the answer crawls.
    ``received`` counts the bytes forwarded back; ``frozen_at`` is when it
    froze (time.monotonic()).
    """

    def __init__(self, target: tuple[str, int], freeze_after: int | None = None,
                 trickle: float | None = None):
        self.target, self.freeze_after, self.trickle = target, freeze_after, trickle
        self.received = 0
        self.frozen = threading.Event()
        self.frozen_at: float | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._forward, args=(client, upstream),
                             daemon=True).start()
            threading.Thread(target=self._back, args=(upstream, client),
                             daemon=True).start()

    def _forward(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self._closed.is_set():
                data = src.recv(16384)
                if not data:
                    break
                if not self.frozen.is_set():
                    dst.sendall(data)
        except OSError:
            pass
        self._closed.wait()

    def _back(self, src: socket.socket, dst: socket.socket) -> None:
        buffer = b""
        try:
            while not self._closed.is_set():
                data = src.recv(65536)
                if not data:
                    break
                buffer += data
                while len(buffer) >= 5:  # type, version (2), length (2)
                    size = 5 + int.from_bytes(buffer[3:5], "big")
                    if len(buffer) < size:
                        break
                    record, buffer = buffer[:size], buffer[size:]
                    with self._lock:
                        if self.freeze_after is not None and not self.frozen.is_set() \
                                and self.received + size > self.freeze_after:
                            self.frozen_at = time.monotonic()
                            self.frozen.set()
                    if self.frozen.is_set():
                        if self.trickle is None or self._closed.wait(self.trickle):
                            self._closed.wait()
                            return
                    dst.sendall(record)
                    with self._lock:
                        self.received += size
        except OSError:
            pass
        self._closed.wait()  # hold the connection open, silent

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.close()
                except OSError:
                    pass


# --- a port that is not HTTPS ---------------------------------------------------------------

def test_a_port_that_is_not_https_asks_whether_it_is_a_vcenter():
    from vcompanion.config import VCenterConfig
    from vcompanion.credentials import Credentials
    from vcompanion.errors import TLSError
    from vcompanion.vsphere.connection import Timeouts, VCenterConnection

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        conn = VCenterConnection(VCenterConfig("web", "127.0.0.1", port),
                                 Credentials("u", "p", "test"), Timeouts(3, 3))
        with pytest.raises(TLSError) as info:
            conn.connect()
    finally:
        server.shutdown()
    message = str(info.value)
    assert "WRONG_VERSION_NUMBER" in message or "TLS failed (" in message
    assert f"is this a vCenter on 127.0.0.1:{port}?" in message


# --- a vCenter that stops answering -----------------------------------------------------------

READ_TIMEOUT = 3
MARGIN = 1.5  # after the freeze: the rest of the read and closing


@pytest.mark.simulator
@pytest.mark.parametrize("trickle", [None, 1.0], ids=["frozen", "trickling"])
def test_a_vcenter_stopping_mid_answer_costs_at_most_its_read_timeout(
        vcsims, companion, tmp_path, trickle):
    from vcompanion import Companion, Config
    prod, dr = vcsims["prod"], vcsims["dr"]

    def fleet(proxy):
        return Companion(Config.from_dict({
            "vcenters": [
                {"name": "prod", "host": "127.0.0.1", "port": proxy.port,
                 "ca_bundle": prod.cert_path},
                {"name": "dr", "host": dr.host, "port": dr.port, "ca_bundle": dr.cert_path}],
            "collection": {"read_timeout_seconds": READ_TIMEOUT,
                           "connect_timeout_seconds": READ_TIMEOUT,
                           "decode_processes": 0}}, base_dir=tmp_path),
            username=USERNAME, password=PASSWORD)

    # How many bytes a whole read of prod takes, to stop it half-way.
    proxy = FreezingProxy((prod.host, prod.port))
    with fleet(proxy) as vc:
        vc.refresh()
        assert not vc.failures
    whole = proxy.received
    proxy.close()

    proxy = FreezingProxy((prod.host, prod.port), freeze_after=whole * 2 // 5,
                          trickle=trickle)
    try:
        vc = fleet(proxy)
        vc.refresh()
        took = time.monotonic() - proxy.frozen_at
        assert proxy.frozen.is_set() and proxy.received < whole
        assert took < READ_TIMEOUT + MARGIN, f"{took:.1f} s after the freeze"
        error = vc.failures["prod"]
        assert "no answer in time" in str(error) and "dr" not in vc.failures
        # The other vCenter is complete.
        vms = vc.vms()
        expected = companion.vms()
        assert sorted(vms["name"]) == sorted(expected[expected["vcenter"] == "dr"]["name"])
        started = time.monotonic()
        vc.close()  # no Logout to wait for
        assert time.monotonic() - started < 1
    finally:
        proxy.close()


def test_cleanup_is_skipped_only_while_the_vcenter_does_not_answer():
    """After a timeout, tidying-up calls are skipped (each would wait again);
    the next call that succeeds (live updates keep trying) ends that."""
    from vcompanion.config import VCenterConfig
    from vcompanion.credentials import Credentials
    from vcompanion.errors import ConnectError
    from vcompanion.vsphere.connection import Timeouts, VCenterConnection
    conn = VCenterConnection(VCenterConfig("slow", "127.0.0.1"),
                             Credentials("u", "p", "test"), Timeouts(1, 1))
    conn.si = object()  # as if connected
    tidied = []

    def timeout():
        raise TimeoutError("timed out")

    with pytest.raises(ConnectError, match="no answer in time"):
        conn.call(timeout)
    assert conn.unresponsive
    conn.cleanup(lambda: tidied.append("view"), "DestroyView")
    assert tidied == []
    assert conn.call(lambda: "answer") == "answer"
    assert not conn.unresponsive
    conn.cleanup(lambda: tidied.append("view"), "DestroyView")
    assert tidied == ["view"]
