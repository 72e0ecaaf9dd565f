"""Search latency over a large inventory (20,000 VMs in three vCenters).

    .venv/bin/python benchmarks/bench_search.py [--vms 20000]

Builds the tables with the real column declarations (tags, custom
attributes, guest OS, networks and datastores included), indexes them once,
and times each query form, free text and field filters (median of repeated
runs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from vcompanion.search import SearchIndex
from vcompanion.tables import TABLES

QUERIES = ["10.20.3.4", "10.20.0.0/16", "10.20.3.", "{name}", "web", "prd-*-01?",
           "*sql*", "2001:db8:20::2c", "{mac}", "nothing-matches-this"]
# Field filters, alone and combined with each other and with free text.
FILTER_QUERIES = ["tag:Backup:Gold", "tag:Gold", "attr:Owner=finance", "power:off",
                  "power:on", "os:windows*", "host:esx1*", "cluster:Prod*", "vcenter:dr",
                  "net:VLAN-120", "ds:SAN-01", "10.20.0.0/16 power:on tag:Env:Prod",
                  "tag:App:Finance vcenter:dr", "web tag:Backup:None os:*linux*",
                  "tag:Backup:* attr:CostCentre=47*"]


def make_tables(n: int):
    rng = random.Random(7)
    roles = ["web", "app", "sql", "dc", "file", "print", "k8s", "citrix", "backup"]
    apps = ["Finance", "HR", "CRM", "Web", "Mail"]
    systems = [("Microsoft Windows Server 2019 (64-bit)", "windows2019srv_64Guest"),
               ("Red Hat Enterprise Linux 9 (64-bit)", "rhel9_64Guest"),
               ("Ubuntu Linux (64-bit)", "ubuntu64Guest")]
    rows = []
    for i in range(n):
        vcenter = ("prod", "dr", "lab")[i % 3]
        role = rng.choice(roles)
        a, b = divmod(i, 250)
        os_name, guest_id = systems[i % 3]
        rows.append({
            "vcenter": vcenter, "name": f"prd-{role}-{i:04d}",
            "power_state": "poweredOff" if i % 10 == 9 else "poweredOn",
            "ip_addresses": [f"10.{20 + a % 50}.{b}.{i % 250 + 1}",
                             f"2001:db8:{20 + a % 50}::{i % 250 + 1:x}"],
            "guest_hostname": f"prd-{role}-{i:04d}.corp.example.com",
            "mac_addresses": [f"00:50:56:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:"
                              f"{i & 255:02x}"],
            "instance_uuid": f"5003{i:028x}", "moid": f"vm-{i}", "host": f"esx{i % 40}.corp",
            "cluster": f"Prod-Cluster-{i % 4}", "guest_os": os_name,
            "configured_os": os_name, "guest_id": guest_id,
            "networks": [f"VLAN-{100 + i % 50}"], "datastores": [f"SAN-{i % 30:02d}"],
            "tags": [f"App:{apps[i % 5]}", f"Backup:{('Gold', 'Silver', 'None')[i % 3]}",
                     f"Env:{('Prod', 'DR', 'Test')[i % 3]}"],
            "attributes": [f"CostCentre={4700 + i % 20}",
                           f"Owner={apps[i % 5].lower()}"]})
    vms = TABLES["vms"].frame(rows)
    hosts = TABLES["hosts"].frame([{"vcenter": "prod", "name": f"esx{i}.corp", "moid": f"host-{i}",
                                    "cluster": f"Prod-Cluster-{i % 4}", "power_state": "poweredOn",
                                    "tags": ["Site:Frankfurt"]} for i in range(40)])
    empty = {
        "datastores": TABLES["datastores"].frame([
            {"vcenter": "prod", "name": f"SAN-{i:02d}", "moid": f"datastore-{i}"}
            for i in range(30)]),
        "clusters": TABLES["clusters"].frame([
            {"vcenter": "prod", "name": f"Prod-Cluster-{i}", "moid": f"domain-c{i}"}
            for i in range(4)]),
        "networks": TABLES["networks"].frame([
            {"vcenter": "prod", "name": f"VLAN-{100 + i}", "moid": f"dvportgroup-{i}"}
            for i in range(50)])}
    return vms, hosts, empty


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    vms, hosts, empty = make_tables(args.vms)
    started = time.perf_counter()
    index = SearchIndex.from_tables(vms, hosts, empty["datastores"], empty["clusters"],
                                    empty["networks"])
    build = time.perf_counter() - started
    print(f"{args.vms:,} VMs: index built in {build * 1000:.0f} ms")
    print(f"{'query':36} {'rows':>6} {'median ms':>10} {'max ms':>8}")
    sample = vms.iloc[123]
    for query in QUERIES + FILTER_QUERIES:
        query = query.format(name=sample["name"], mac=sample["mac_addresses"][0])
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = index.search(query)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{query:36} {len(result):6,} {statistics.median(times):10.2f} "
              f"{max(times):8.2f}")


if __name__ == "__main__":
    main()
