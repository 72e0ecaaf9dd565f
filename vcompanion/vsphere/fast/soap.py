"""Send one vSphere API request over a pyvmomi session and get the raw answer.

pyvmomi keeps doing what it does well (login, version negotiation, TLS, its
connection pool, the session cookie); this module only replaces the reading
of the answer: ``invoke`` serializes the request with the stub's own
serializer, POSTs it on one of the stub's pooled connections with the
session cookie, and returns the answer's bytes for the fast decoder.

SOAP faults are read by pyvmomi's deserializer and raised as the pyvmomi
fault (``vim.fault.NotAuthenticated`` ...), exactly as a pyvmomi call would,
so ``VCenterConnection.call`` logs in again and translates errors as usual.
The cookie is sent, never logged.

``timeout`` bounds the whole answer, not only each read from the socket: a
vCenter that stops sending half-way, or sends a byte now and then, costs at
most that long (``TimeoutError``), however large the answer.
"""

from __future__ import annotations

import time
import zlib
from http.client import HTTPException
from typing import Any, Iterator

from pyVmomi import SoapAdapter


def invoke(stub: Any, mo: Any, method: str, args: list,
           request: bytes | None = None, timeout: float | None = None) -> bytes:
    """Call ``mo.method(*args)`` through ``stub``; return the answer's bytes.

    ``request``: the request already serialized (``args`` is then ignored).
    """
    return b"".join(invoke_blocks(stub, mo, method, args, request=request,
                                  timeout=timeout))


class _Deadline:
    """The socket of ``http`` times out at ``timeout`` seconds from now, in all:
    each read gets what is left (and the socket its own timeout back after)."""

    def __init__(self, http: Any, timeout: float | None):
        self.http = http
        self.end = None if timeout is None else time.monotonic() + timeout
        self.original: Any = ()

    def arm(self) -> None:
        """Before a read: the socket may wait only as long as is left."""
        sock = getattr(self.http, "sock", None)
        if self.end is None or sock is None:
            return
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer took longer than the read timeout")
        if self.original == ():
            self.original = sock.gettimeout()
        if self.original is not None:
            left = min(left, self.original)
        sock.settimeout(left)

    def disarm(self) -> None:
        sock = getattr(self.http, "sock", None)
        if sock is not None and self.original != ():
            sock.settimeout(self.original)


def _read(response: Any, size: int, deadline: _Deadline) -> bytes:
    """Up to ``size`` bytes of ``response`` (fewer only at its end), each
    socket read bounded by what is left of the deadline."""
    parts, got = [], 0
    while got < size:
        deadline.arm()
        data = response.read1(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def invoke_blocks(stub: Any, mo: Any, method: str, args: list,
                  block: int = 1 << 20, request: bytes | None = None,
                  timeout: float | None = None) -> Iterator[bytes]:
    """``invoke``, the answer yielded in blocks as it arrives (decompressed).

    Lets the caller decode the first objects while vCenter still sends the
    rest.  The request is sent at the first ``next()``; a SOAP fault is read
    whole and raised; the connection goes back to the pool only once the
    answer was read to its end.  ``timeout``: seconds for the whole answer,
    from the first ``next()`` (``TimeoutError`` after).
    """
    info = mo._GetMethodInfo(method)
    if request is None:
        request = stub.SerializeRequest(mo, info, args)
    headers = {
        "Cookie": stub.cookie,
        "SOAPAction": stub.versionId,
        "Content-Type": "text/xml; charset=UTF-8",
        "Accept-Encoding": "gzip, deflate",
        "User-Agent": "vcompanion (pyvmomi session)",
    }
    custom = getattr(stub, "_customHeaders", None)
    if custom:
        headers.update(custom)
    http = stub.GetConnection()
    deadline = _Deadline(http, timeout)
    done = False
    try:
        try:
            http.request("POST", stub.path, request, headers)
            deadline.arm()
            response = http.getresponse()
        except (OSError, HTTPException):
            stub.DropConnections()  # as pyvmomi does: the server may be sick
            raise
        status = response.status
        if status not in (200, 500):
            raise HTTPException(f"{status} {response.reason}")
        encoding = (response.getheader("Content-Encoding") or "identity").lower()
        inflate = (zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip"
                   else zlib.decompressobj() if encoding == "deflate" else None)
        fault = [] if status == 500 else None
        while True:
            try:
                data = _read(response, block, deadline)
            except (OSError, HTTPException):
                stub.DropConnections()
                raise
            if not data:
                break
            if inflate is not None:
                data = inflate.decompress(data)
            if fault is not None:
                fault.append(data)
            elif data:
                yield data
        if inflate is not None:
            tail = inflate.flush()
            if fault is not None:
                fault.append(tail)
            elif tail:
                yield tail
        done = True
        deadline.disarm()
        stub.ReturnConnection(http)
        if fault is not None:
            raise_fault(stub, b"".join(fault), info)
    finally:
        if not done:  # failed or abandoned half-way: the connection is unusable
            http.close()


def raise_fault(stub: Any, data: bytes, info: Any = None) -> None:
    """Raise the pyvmomi fault a SOAP fault answer holds."""
    result_type = info.result if info is not None else object
    fault = SoapAdapter.SoapResponseDeserializer(stub).Deserialize(data, result_type)
    if isinstance(fault, BaseException):
        raise fault
    raise HTTPException("500 SOAP fault without a fault object")


__all__ = ["invoke", "invoke_blocks", "raise_fault"]
