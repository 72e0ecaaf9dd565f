"""The vSphere Automation REST API, for what SOAP does not offer: tags.

``RestSession`` is one logged-in REST session with one vCenter, with the
same credentials, TLS settings and timeouts as its SOAP connection (plain
HTTP through ``httpx``; no vAPI SDK).  Two generations of paths exist:

==============================  ============================================
``/api/...``                    vCenter 7.0 U2 and later.  ``POST /api/session``
                                (basic auth) answers the session id as a JSON
                                string; answers are plain JSON; actions are
                                ``?action=``; ids go into paths as they are.
``/rest/com/vmware/cis/...``    older vCenters (deprecated, still served) and
                                govmomi's simulator: answers wrapped in
                                ``{"value": ...}``, ``?~action=``, ``id:<id>``.
==============================  ============================================

The session tries ``/api`` first and keeps to ``/rest`` when ``/api/session``
answers 404.  Requests carry the session id in the ``vmware-api-session-id``
header (registered as a secret: it never reaches a log); a session vCenter
has dropped is opened again once; ``close()`` logs out.

``read_tags(session, objects)`` reads one vCenter's tags in a fixed number of
calls, whatever the number of objects: the catalog (the category and tag
lists, then one GET per category and per tag, eight at a time: the API has
no bulk read for them) and the bulk association call
``list-attached-tags-on-objects`` for the given objects, in batches.
Failures raise ``VCenterError`` subclasses naming the vCenter, its host:port
and the user.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable
from urllib.parse import quote

import httpx

from ..config import VCenterConfig
from ..credentials import Credentials
from ..errors import (AuthenticationError, CollectionError, ConnectError,
                      NoPermissionError, TLSError, VCenterError)
from ..logs import register_secret
from .inventory import Tag, TagCategory, TagData

log = logging.getLogger(__name__)

SESSION_HEADER = "vmware-api-session-id"
# The object types whose tags vCompanion shows (the kinds of the search).
OBJECT_TYPES = ("VirtualMachine", "HostSystem", "Datastore", "ClusterComputeResource",
                "Network", "DistributedVirtualPortgroup", "OpaqueNetwork")
BATCH = 1000  # objects per list-attached-tags-on-objects call
PARALLEL = 8  # catalog GETs at a time

# (new, old) path of each call; {id} is filled in.
_PATHS = {
    "session": ("/api/session", "/rest/com/vmware/cis/session"),
    "categories": ("/api/cis/tagging/category", "/rest/com/vmware/cis/tagging/category"),
    "category": ("/api/cis/tagging/category/{id}",
                 "/rest/com/vmware/cis/tagging/category/id:{id}"),
    "tags": ("/api/cis/tagging/tag", "/rest/com/vmware/cis/tagging/tag"),
    "tag": ("/api/cis/tagging/tag/{id}", "/rest/com/vmware/cis/tagging/tag/id:{id}"),
    "attached": ("/api/cis/tagging/tag-association?action=list-attached-tags-on-objects",
                 "/rest/com/vmware/cis/tagging/tag-association"
                 "?~action=list-attached-tags-on-objects"),
}
API, REST = "api", "rest"


class RestSession:
    """A vSphere Automation API session with one vCenter (see the module docstring)."""

    def __init__(self, vcenter: VCenterConfig, credentials: Credentials,
                 connect_timeout: float, read_timeout: float,
                 ssl_context: ssl.SSLContext | None = None):
        self.vcenter = vcenter
        self.credentials = credentials
        self.api: str | None = None  # API or REST, once logged in
        self.calls = 0  # requests sent, for the log
        self._count = threading.Lock()
        self._session_id: str | None = None
        self._lock = threading.Lock()
        scheme = "https" if ssl_context is not None else "http"
        self._client = httpx.Client(
            base_url=httpx.URL(scheme=scheme, host=vcenter.host, port=vcenter.port),
            verify=ssl_context if ssl_context is not None else False,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=PARALLEL,
                                max_keepalive_connections=PARALLEL),
            headers={"Accept": "application/json"}, follow_redirects=False)

    def error(self, cls: type[VCenterError], detail: str) -> VCenterError:
        return cls(self.vcenter.name, self.vcenter.address, self.credentials.username,
                   detail)

    # --- the session -----------------------------------------------------------------

    def login(self) -> None:
        """Open a session: ``/api`` if the vCenter has it, else ``/rest``."""
        with self._lock:
            self._login()

    def _login(self) -> None:
        auth = (self.credentials.username, self.credentials.password)
        for api in (API, REST) if self.api is None else (self.api,):
            path = _PATHS["session"][api == REST]
            response = self._send("POST", path, auth=auth)
            if response.status_code in (404, 405) and api == API:
                continue  # no /api before vCenter 7.0 U2
            if response.status_code in (401, 403):
                raise self.error(AuthenticationError if response.status_code == 401
                                 else NoPermissionError,
                                 f"the REST API refused the login ({_reason(response)})")
            self._check(response, "POST", path)
            value = response.json()
            session = value["value"] if api == REST and isinstance(value, dict) else value
            if not isinstance(session, str) or not session:
                raise self.error(CollectionError, f"no session id from POST {path}")
            register_secret(session)
            self._session_id, self.api = session, api
            log.info("vCenter '%s': REST session opened (%s)", self.vcenter.name,
                     "/api" if api == API else "/rest")
            return
        raise self.error(CollectionError, "no vSphere Automation API (/api/session and "
                                          "/rest/com/vmware/cis/session not found)")

    def close(self) -> None:
        """Log out (vCenter limits sessions) and close the connections."""
        with self._lock:
            session, self._session_id = self._session_id, None
            if session is not None and self.api is not None:
                try:
                    self._client.delete(_PATHS["session"][self.api == REST],
                                        headers={SESSION_HEADER: session})
                    log.info("vCenter '%s': REST session closed", self.vcenter.name)
                except httpx.HTTPError as exc:  # closing must not fail
                    log.debug("vCenter '%s': REST logout failed: %s", self.vcenter.name,
                              type(exc).__name__)
            self._client.close()

    # --- calls -----------------------------------------------------------------------

    def call(self, method: str, name: str, item: str | None = None,
             body: Any = None) -> Any:
        """Call ``name`` (a key of ``_PATHS``; ``item``: the id in its path);
        returns the answer, unwrapped from ``{"value": ...}`` on /rest."""
        with self._lock:
            if self._session_id is None:
                self._login()
            session, api = self._session_id, self.api
        path = _PATHS[name][api == REST]
        if item is not None:
            path = path.format(id=quote(item, safe=":"))
        response = self._send(method, path, json=body, headers={SESSION_HEADER: session})
        if response.status_code == 401:  # the session expired: once more, anew
            with self._lock:
                if self._session_id == session:
                    self._session_id = None
                    self._login()
                session = self._session_id
            response = self._send(method, path, json=body,
                                  headers={SESSION_HEADER: session})
        self._check(response, method, path)
        if not response.content:
            return None
        value = response.json()
        if api == REST and isinstance(value, dict) and set(value) <= {"value"}:
            return value.get("value")
        return value

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        with self._count:
            self.calls += 1
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise self.error(ConnectError, f"the REST API did not answer in time "
                                           f"({method} {_plain(path)})") from None
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None

    def _transport_error(self, exc: httpx.HTTPError) -> VCenterError:
        cause = exc.__cause__ or exc.__context__
        while cause is not None and not isinstance(cause, ssl.SSLError) \
                and (cause.__cause__ or cause.__context__) is not None:
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, ssl.SSLCertVerificationError):
            return self.error(TLSError, f"REST API certificate not trusted "
                                        f"({cause.verify_message})")
        if isinstance(cause, ssl.SSLError):
            return self.error(TLSError, f"REST API TLS failed: {cause.reason or cause}")
        return self.error(ConnectError, f"REST API connection failed: "
                                        f"{type(exc).__name__}: {exc}")

    def _check(self, response: httpx.Response, method: str, path: str) -> None:
        if response.status_code < 300:
            return
        cls = NoPermissionError if response.status_code == 403 else CollectionError
        raise self.error(cls, f"HTTP {response.status_code} from {method} "
                              f"{_plain(path)}: {_reason(response)}")


def _plain(path: str) -> str:
    """A path without its query (for messages)."""
    return path.split("?", 1)[0]


def _reason(response: httpx.Response) -> str:
    """The message of a vAPI error answer, else the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        # /rest: {"type": ..., "value": {"messages": [...]}}; /api: {"messages": [...]}
        value = body.get("value") if isinstance(body.get("value"), dict) else body
        for message in value.get("messages") or ():
            if isinstance(message, dict) and message.get("default_message"):
                return str(message["default_message"])
        kind = body.get("type") or body.get("error_type")
        if kind:
            return str(kind).rsplit(".", 1)[-1].replace("_", " ")
    return response.reason_phrase or f"HTTP {response.status_code}"


def read_tags(session: RestSession, objects: Iterable[tuple[str, str]]) -> TagData:
    """The tag catalog and the tags of ``objects`` ((type, moid) pairs)."""
    started = time.perf_counter()
    calls_before = session.calls

    def each(name: str, ids: list[str]) -> list[dict]:
        if not ids:
            return []
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(ids)),
                                thread_name_prefix="vcompanion-rest") as pool:
            return [item for item in pool.map(lambda i: session.call("GET", name, i), ids)
                    if isinstance(item, dict)]

    categories = {}
    for item in each("category", list(session.call("GET", "categories") or ())):
        categories[item["id"]] = TagCategory(
            item["id"], item.get("name") or item["id"], item.get("description") or "",
            item.get("cardinality") or "", tuple(item.get("associable_types") or ()))
    tags = {}
    for item in each("tag", list(session.call("GET", "tags") or ())):
        tags[item["id"]] = Tag(item["id"], item.get("name") or item["id"],
                               item.get("category_id") or "", item.get("description") or "")
    attached: dict[str, list[str]] = {}
    objects = [{"type": kind, "id": moid} for kind, moid in objects]
    for start in range(0, len(objects), BATCH):
        if not tags:
            break  # nothing can be attached
        answer = session.call("POST", "attached",
                              body={"object_ids": objects[start:start + BATCH]})
        for item in answer or ():
            ids = item.get("tag_ids") or []
            moid = (item.get("object_id") or {}).get("id")
            if moid and ids:
                attached.setdefault(moid, []).extend(ids)
    data = TagData(categories=categories, tags=tags, attached=attached, api=session.api,
                   calls=session.calls - calls_before,
                   seconds=time.perf_counter() - started)
    log.info("vCenter '%s': %d tags in %d categories on %d objects, %d REST calls in "
             "%.2f s", session.vcenter.name, len(tags), len(categories), len(attached),
             data.calls, data.seconds)
    return data


__all__ = ["OBJECT_TYPES", "RestSession", "SESSION_HEADER", "read_tags"]
