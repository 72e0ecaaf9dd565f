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
"""

from __future__ import annotations

import gzip
import zlib
from http.client import HTTPException
from typing import Any

from pyVmomi import SoapAdapter


def invoke(stub: Any, mo: Any, method: str, args: list) -> bytes:
    """Call ``mo.method(*args)`` through ``stub``; return the answer's bytes."""
    info = mo._GetMethodInfo(method)
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
    try:
        http.request("POST", stub.path, request, headers)
        response = http.getresponse()
        data = response.read()
    except (OSError, HTTPException):
        http.close()
        stub.DropConnections()  # as pyvmomi does: the server may be sick
        raise
    status = response.status
    if status not in (200, 500):
        http.close()
        raise HTTPException(f"{status} {response.reason}")
    stub.ReturnConnection(http)
    encoding = (response.getheader("Content-Encoding") or "identity").lower()
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "deflate":
        data = zlib.decompress(data)
    if status == 500:
        raise_fault(stub, data, info)
    return data


def raise_fault(stub: Any, data: bytes, info: Any = None) -> None:
    """Raise the pyvmomi fault a SOAP fault answer holds."""
    result_type = info.result if info is not None else object
    fault = SoapAdapter.SoapResponseDeserializer(stub).Deserialize(data, result_type)
    if isinstance(fault, BaseException):
        raise fault
    raise HTTPException("500 SOAP fault without a fault object")


__all__ = ["invoke", "raise_fault"]
