"""Tags through the vSphere Automation REST API (vcompanion/vsphere/rest.py).

The govmomi 0.24 simulators serve only the older /rest/com/vmware/cis paths:
the client must fall back to them.  The newer /api paths (vCenter 7.0 U2 and
later) are served here by a small fake vCenter in a thread.  A simulator of
our own has its tagging service fail: the vCenter keeps its inventory and
says why its tags are missing.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

import simulators
from conftest import PASSWORD, USERNAME
from vcompanion import Companion
from vcompanion.config import VCenterConfig
from vcompanion.credentials import Credentials
from vcompanion.errors import AuthenticationError, CollectionError
from vcompanion.vsphere import rest

seed = simulators.load_seed()


def labels(data) -> dict[str, list[str]]:
    """moid -> sorted "Category:Tag" of a TagData."""
    return {moid: [f"{c}:{t}" for c, t in data.labels(moid)] for moid in data.attached}


# --- the older paths, on the simulators ----------------------------------------------------

@pytest.mark.simulator
def test_simulator_has_no_api_so_the_client_uses_rest(vcsims, companion, caplog):
    sim = vcsims["prod"]
    config = VCenterConfig("prod", sim.host, sim.port, True, Path(sim.cert_path))
    conn = companion.sources["prod"].connection
    session = rest.RestSession(config, Credentials(USERNAME, PASSWORD), 10, 60,
                               conn.ssl_context())
    inventory = next(i for i in companion.inventories() if i.vcenter == "prod")
    objects = [(kind, oid) for kind in rest.OBJECT_TYPES for oid in inventory.of(kind)]
    with caplog.at_level(logging.DEBUG, logger="vcompanion"):
        data = rest.read_tags(session, objects)
    try:
        assert session.api == data.api == "rest"
        assert {c.name: (c.cardinality, list(c.types), c.description)
                for c in data.categories.values()} == {
            name: (spec["cardinality"], spec["types"], spec["description"])
            for name, spec in seed.TAG_CATEGORIES.items()}
        assert sorted(t.name for t in data.tags.values()) == sorted(
            t for spec in seed.TAG_CATEGORIES.values() for t in spec["tags"])
        names = {oid: p.get("name") for kind in rest.OBJECT_TYPES
                 for oid, p in inventory.of(kind).items()}
        assert {names[moid]: tags for moid, tags in labels(data).items()} == {
            name: sorted(tags, key=str.lower) for (_, name), tags in seed.PROD["tags"].items()}
        # A fixed number of calls whatever the number of objects: /api/session (404),
        # /rest session, the two lists, one GET per category and per tag, one bulk call.
        assert data.calls == 2 + 2 + len(data.categories) + len(data.tags) + 1
        assert len(objects) < rest.BATCH
        secret = session._session_id
        assert secret and secret not in caplog.text and PASSWORD not in caplog.text
    finally:
        session.close()
    assert session._session_id is None


# --- the newer /api paths, on a fake vCenter ------------------------------------------------

class FakeVCenter(BaseHTTPRequestHandler):
    """/api/session, the tag catalog and the bulk association call of vCenter 7.0 U3+."""

    categories = {"cat-1": {"id": "cat-1", "name": "Backup", "description": "Backup policy",
                            "cardinality": "SINGLE", "associable_types": ["VirtualMachine"],
                            "used_by": []},
                  "cat-2": {"id": "cat-2", "name": "App", "description": "",
                            "cardinality": "MULTIPLE", "associable_types": [],
                            "used_by": []}}
    tags = {"urn:vmomi:InventoryServiceTag:1:GLOBAL": {
                "id": "urn:vmomi:InventoryServiceTag:1:GLOBAL", "name": "Gold",
                "category_id": "cat-1", "description": "", "used_by": []},
            "tag-2": {"id": "tag-2", "name": "Finance", "category_id": "cat-2",
                      "description": "", "used_by": []}}
    attached = {"vm-1": ["urn:vmomi:InventoryServiceTag:1:GLOBAL", "tag-2"], "host-9": ["tag-2"]}
    log: list = []
    sessions: set = set()
    expire_once = False

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, body=None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        session = self.headers.get(rest.SESSION_HEADER)
        if FakeVCenter.expire_once and session in self.sessions:
            FakeVCenter.expire_once = False
            self.sessions.discard(session)  # vCenter dropped it
        if session not in self.sessions:
            self._answer(401, {"error_type": "UNAUTHENTICATED", "messages": []})
            return False
        return True

    def do_POST(self):  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        self.log.append(("POST", self.path, dict(self.headers), body))
        if url.path == "/api/session":
            auth = self.headers.get("Authorization", "")
            user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode() \
                .partition(":")
            if (user, password) != (USERNAME, PASSWORD):
                return self._answer(401, {"error_type": "UNAUTHENTICATED", "messages": [
                    {"id": "x", "default_message": "Authentication required."}]})
            token = f"token-{len(self.sessions) + len(self.log)}"
            self.sessions.add(token)
            return self._answer(201, token)
        if not self._authorized():
            return None
        if url.path == "/api/cis/tagging/tag-association" and \
                parse_qs(url.query) == {"action": ["list-attached-tags-on-objects"]}:
            return self._answer(200, [{"object_id": o, "tag_ids": self.attached.get(o["id"], [])}
                                      for o in body["object_ids"]])
        return self._answer(404)

    def do_GET(self):  # noqa: N802
        self.log.append(("GET", self.path, dict(self.headers), None))
        if not self._authorized():
            return None
        path = urlparse(self.path).path
        if path == "/api/cis/tagging/category":
            return self._answer(200, list(self.categories))
        if path == "/api/cis/tagging/tag":
            return self._answer(200, list(self.tags))
        kind, _, item = path.removeprefix("/api/cis/tagging/").partition("/")
        found = {"category": self.categories, "tag": self.tags}.get(kind, {}).get(item)
        if item == "cat-broken":
            return self._answer(500, {"error_type": "ERROR", "messages": [
                {"id": "x", "default_message": "tagging database unreachable"}]})
        return self._answer(200, found) if found else self._answer(404)

    def do_DELETE(self):  # noqa: N802
        self.log.append(("DELETE", self.path, dict(self.headers), None))
        self.sessions.discard(self.headers.get(rest.SESSION_HEADER))
        self._answer(204)


@pytest.fixture()
def fake_vcenter():
    FakeVCenter.log, FakeVCenter.sessions, FakeVCenter.expire_once = [], set(), False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeVCenter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield VCenterConfig("fake", "127.0.0.1", server.server_address[1])
    server.shutdown()
    server.server_close()


def session_for(config, password=PASSWORD) -> rest.RestSession:
    return rest.RestSession(config, Credentials(USERNAME, password), 5, 10, None)


def test_api_paths_of_newer_vcenters(fake_vcenter):
    session = session_for(fake_vcenter)
    data = rest.read_tags(session, [("VirtualMachine", "vm-1"), ("HostSystem", "host-9"),
                                    ("Datastore", "datastore-3")])
    assert session.api == data.api == "api"
    assert labels(data) == {"vm-1": ["App:Finance", "Backup:Gold"], "host-9": ["App:Finance"]}
    assert data.categories["cat-1"].types == ("VirtualMachine",)
    log = FakeVCenter.log
    login = log[0]
    assert login[:2] == ("POST", "/api/session") and login[2]["Authorization"].startswith("Basic ")
    token = next(iter(FakeVCenter.sessions))
    for _method, path, headers, _ in log[1:]:
        assert headers[rest.SESSION_HEADER] == token and "Authorization" not in headers, path
    # one GET per catalog entry, ids in the path as they are (colons and all)
    assert ("GET", "/api/cis/tagging/tag/urn:vmomi:InventoryServiceTag:1:GLOBAL") in \
        {(m, p) for m, p, _, _ in log}
    bulk = [body for m, p, _, body in log if m == "POST" and "tag-association" in p]
    assert bulk == [{"object_ids": [{"type": "VirtualMachine", "id": "vm-1"},
                                    {"type": "HostSystem", "id": "host-9"},
                                    {"type": "Datastore", "id": "datastore-3"}]}]
    session.close()
    assert log[-1][:2] == ("DELETE", "/api/session") and not FakeVCenter.sessions


def test_api_session_dropped_by_vcenter_is_opened_again(fake_vcenter):
    session = session_for(fake_vcenter)
    session.login()
    FakeVCenter.expire_once = True
    data = rest.read_tags(session, [("VirtualMachine", "vm-1")])
    assert labels(data) == {"vm-1": ["App:Finance", "Backup:Gold"]}
    assert [p for m, p, _, _ in FakeVCenter.log if p == "/api/session"] == ["/api/session"] * 2
    session.close()


def test_api_errors_name_the_vcenter_and_say_why(fake_vcenter):
    with pytest.raises(AuthenticationError, match=r"vCenter 'fake' \(127.0.0.1:\d+ as "
                                                  r"vcadmin@vsphere.local\): .*refused"):
        session_for(fake_vcenter, password="wrong").login()
    FakeVCenter.categories = {**FakeVCenter.categories, "cat-broken": {}}
    try:
        with pytest.raises(CollectionError, match="HTTP 500 from GET /api/cis/tagging/"
                                                  "category/cat-broken: tagging database"):
            rest.read_tags(session_for(fake_vcenter), [])
    finally:
        del FakeVCenter.categories["cat-broken"]


# --- a vCenter whose tagging service fails ----------------------------------------------------

@pytest.fixture(scope="module")
def tag_sim(tmp_path_factory):
    sim = simulators.Simulator("lab", "lab", workdir=tmp_path_factory.mktemp("tags"))
    sim.start()
    yield sim
    sim.stop()


@pytest.mark.simulator
@pytest.mark.parametrize("status, session, why", [
    (503, False, "HTTP 503 from GET /rest/com/vmware/cis/tagging/category: tagging is down"),
    (403, False, "HTTP 403 from GET /rest/com/vmware/cis/tagging/category: tagging is down"),
    (401, True, "the REST API refused the login (tagging is down)"),
])
def test_failing_tagging_service_keeps_the_inventory(tag_sim, tmp_path, status, session, why):
    config = simulators.write_config([tag_sim], tmp_path / "config.json")
    tag_sim.control("/tagging", status=status, session=session, message="tagging is down")
    try:
        with Companion.from_config(config, USERNAME, PASSWORD) as vc:
            vms = vc.vms()
            assert len(vms) == len(seed.LAB["vms"]) and not vc.failures
            assert all(tags == [] for tags in vms["tags"])
            assert vc.tags().empty
            assert len(vc.attributes())  # custom attributes are SOAP: still there
            row = vc.status().iloc[0]
            assert row["status"] == "ok"
            assert row["message"] == f"connected; tags unavailable: {why}"
            # heal the service: the next collection reads them
            tag_sim.control("/tagging", status=0)
            vc.refresh()
            assert len(vc.tags()) == sum(len(t) for t in seed.LAB["tags"].values())
            assert vc.status().iloc[0]["message"] == "connected"
    finally:
        tag_sim.control("/tagging", status=0)
