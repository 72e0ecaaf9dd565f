"""What tags, custom attributes and snapshot sizes cost a collection.

    .venv/bin/python benchmarks/bench_tags.py [--vms 6000] [--tags 60]

Starts one simulated vCenter of the "large" model (tests/vcsim), plants a
catalog of ``--tags`` tags in five categories through its REST API and
attaches three tags to every VM, host, datastore, cluster and network (the
simulator's vAPI answers like vCenter's /rest paths), then measures:

- the inventory answer with and without the paths this issue added
  (``customValue`` on five types, ``guest.toolsRunningStatus``): bytes and
  decode time of one RetrievePropertiesEx;
- ``read_tags``: the REST calls and seconds for the catalog and the bulk
  association call over every object;
- the snapshot layouts read (``collect_layouts``) for the VMs with snapshots.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
USERNAME = "vcadmin@vsphere.local"
PASSWORD = "Sim-Passw0rd!"


def plant(sim, session, objects, n_tags: int) -> None:
    """Categories and tags, and three tags on every object, through /rest."""
    import ssl
    context = ssl.create_default_context(cafile=sim.cert_path)

    def call(method, path, body=None):
        request = urllib.request.Request(
            f"https://{sim.host}:{sim.port}/rest/com/vmware/cis/{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"vmware-api-session-id": session})
        with urllib.request.urlopen(request, context=context, timeout=120) as answer:
            data = answer.read()
            return json.loads(data).get("value") if data else None

    tags = []
    for c in range(5):
        category = call("POST", "tagging/category", {"create_spec": {
            "name": f"Category-{c}", "description": "", "cardinality": "SINGLE",
            "associable_types": []}})
        for t in range(n_tags // 5):
            tags.append(call("POST", "tagging/tag", {"create_spec": {
                "name": f"Tag-{c}-{t}", "category_id": category, "description": ""}}))
    ids = [{"type": kind, "id": moid} for kind, moid in objects]
    for i, tag in enumerate(tags):
        # every object gets three tags: tag i takes objects with index = i (mod n/3)
        mine = [o for j, o in enumerate(ids) if j % (len(tags) // 3) == i % (len(tags) // 3)]
        call("POST", f"tagging/tag-association/id:{tag}?~action=attach-tag-to-multiple-objects",
             {"object_ids": mine})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=6000)
    parser.add_argument("--tags", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import simulators
    from vcompanion import tables
    from vcompanion.config import VCenterConfig
    from vcompanion.credentials import Credentials
    from vcompanion.vsphere import collection, rest
    from vcompanion.vsphere.connection import VCenterConnection
    from vcompanion.vsphere.fast import answers

    with tempfile.TemporaryDirectory() as tmp:
        sim = simulators.Simulator("large", "large", vms=args.vms, workdir=tmp)
        sim.start(timeout=900)
        try:
            config = VCenterConfig("large", sim.host, sim.port, True, Path(sim.cert_path))
            credentials = Credentials(USERNAME, PASSWORD)
            conn = VCenterConnection(config, credentials).connect()
            inventory, _ = tables.collect(conn)
            objects = [(kind, oid) for kind in rest.OBJECT_TYPES for oid in inventory.of(kind)]

            added = {"customValue", "guest.toolsRunningStatus"}
            specs = tables.inventory_specs()
            before = {k: [p for p in v if p not in added] for k, v in specs.items()}
            print(f"{args.vms:,} VMs, {len(objects):,} taggable objects")
            for label, which in (("inventory answer before", before),
                                 ("inventory answer now", specs)):
                data = collection.raw_answer(conn, which)
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    answers.retrieve_result(data, conn.si._stub.version)
                    times.append(time.perf_counter() - started)
                print(f"{label:28} {len(data) / 1e6:7.2f} MB, decoded in "
                      f"{statistics.median(times):.2f} s")

            session = rest.RestSession(config, credentials, 10, 300, conn.ssl_context())
            session.login()
            plant(sim, session._session_id, objects, args.tags)
            for run in range(args.repeat):
                data = rest.read_tags(session, objects)
                print(f"read_tags run {run + 1}: {len(data.tags)} tags, "
                      f"{sum(len(v) for v in data.attached.values()):,} associations on "
                      f"{len(data.attached):,} objects, {data.calls} REST calls, "
                      f"{data.seconds:.2f} s")
            session.close()

            with_snapshots = sum(1 for p in inventory.of("VirtualMachine").values()
                                 if p.get("snapshot") is not None)
            started = time.perf_counter()
            layouts = tables.collect_layouts(conn, inventory)
            print(f"collect_layouts: {len(layouts)} VMs with snapshots (of "
                  f"{with_snapshots}), {time.perf_counter() - started:.2f} s, one call")
            conn.close()
        finally:
            sim.stop()


if __name__ == "__main__":
    main()
