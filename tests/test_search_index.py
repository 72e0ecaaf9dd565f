"""The search index on its own: every query form, on tables built by the real
column declarations (the simulator-backed search tests are in test_inventory.py)."""

from __future__ import annotations

import pytest

from vcompanion.search import SearchIndex
from vcompanion.tables import TABLES


def _vm(vcenter, name, ips=(), host="esx1", hostname=None, mac=None, uuid=None,
        moid="vm-1", power="poweredOn"):
    return {"vcenter": vcenter, "name": name, "power_state": power,
            "ip_addresses": list(ips), "guest_hostname": hostname, "host": host,
            "cluster": "c1", "datacenter": "dc", "mac_addresses": [mac] if mac else [],
            "instance_uuid": uuid, "bios_uuid": None, "moid": moid}


@pytest.fixture(scope="module")
def index():
    vms = TABLES["vms"].frame([
        _vm("prod", "web-01", ["10.1.2.3", "2001:db8::10"], hostname="web-01.corp.example.com",
            mac="00:50:56:aa:bb:01", uuid="5003a1b2-c3d4-e5f6-0718-293a4b5c6d7e", moid="vm-10"),
        _vm("prod", "web-02", ["10.1.2.4"], moid="vm-11"),
        _vm("prod", "db-01", ["10.1.20.5"], moid="vm-12", power="poweredOff"),
        _vm("dr", "web-01-dr", ["10.1.2.3"], moid="vm-10"),
        _vm("dr", "Ünïcode-VM", [], moid="vm-13"),
    ])
    hosts = TABLES["hosts"].frame([{"vcenter": "prod", "name": "esx1.corp.example.com",
                                    "moid": "host-1"}])
    datastores = TABLES["datastores"].frame([{"vcenter": "prod", "name": "prod-ds-web",
                                              "moid": "datastore-1"}])
    clusters = TABLES["clusters"].frame([{"vcenter": "dr", "name": "DR-Cluster",
                                          "moid": "domain-c1"}])
    networks = TABLES["networks"].frame([{"vcenter": "prod", "name": "VLAN-100-Web",
                                          "moid": "network-1"}])
    # The adapters of a powered-off VM: its guest reports no MAC, its devices do.
    nics = TABLES["nics"].frame([
        {"vcenter": "prod", "vm": "db-01", "mac_address": "00:50:56:aa:bb:12",
         "vm_moid": "vm-12"},
        {"vcenter": "prod", "vm": "web-01", "mac_address": "00:50:56:aa:bb:01",
         "vm_moid": "vm-10"},
        {"vcenter": "gone", "vm": "x", "mac_address": "00:50:56:aa:bb:99", "vm_moid": "vm-1"},
    ])
    return SearchIndex.from_tables(vms, hosts, datastores, clusters, networks, nics)


def names(frame):
    return sorted(zip(frame["vcenter"], frame["name"]))


def test_exact_ip_in_two_vcenters(index):
    result = index.search("10.1.2.3")
    assert names(result) == [("dr", "web-01-dr"), ("prod", "web-01")]
    assert set(result["matched"]) == {"ip"}


def test_ipv6_is_normalized(index):
    assert names(index.search("2001:DB8:0:0::10")) == [("prod", "web-01")]


def test_cidr(index):
    assert names(index.search("10.1.2.0/24")) == [("dr", "web-01-dr"), ("prod", "web-01"),
                                                  ("prod", "web-02")]
    assert len(index.search("10.1.0.0/16")) == 4
    assert names(index.search("2001:db8::/32")) == [("prod", "web-01")]


def test_trailing_dot_prefix_is_the_subnet(index):
    assert ("prod", "db-01") not in names(index.search("10.1.2."))
    assert len(index.search("10.1.2.")) == 3
    # without the dot it is a prefix as you type: 10.1.20.x matches too
    assert ("prod", "db-01") in names(index.search("10.1.2"))


def test_names_exact_substring_wildcards_case_insensitive(index):
    exact = index.search("WEB-01")
    assert exact.iloc[0]["name"] == "web-01"  # the exact match comes first
    assert names(index.search("web-0")) == [("dr", "web-01-dr"), ("prod", "web-01"),
                                            ("prod", "web-02")]
    assert names(index.search("web-0?")) == [("prod", "web-01"), ("prod", "web-02")]
    assert names(index.search("*-dr")) == [("dr", "web-01-dr")]
    assert names(index.search("*eb*")) == [("dr", "web-01-dr"), ("prod", "VLAN-100-Web"),
                                           ("prod", "prod-ds-web"), ("prod", "web-01"),
                                           ("prod", "web-02")]
    assert names(index.search("ünï")) == [("dr", "Ünïcode-VM")]


def test_other_kinds_and_fields(index):
    assert index.search("esx1.corp").iloc[0]["kind"] == "host"
    assert index.search("dr-cluster").iloc[0]["kind"] == "cluster"
    assert index.search("vlan-100").iloc[0]["kind"] == "network"
    row = index.search("web-01.corp.example.com").iloc[0]
    assert (row["name"], row["matched"]) == ("web-01", "guest_hostname")
    assert index.search("00-50-56-AA-BB-01").iloc[0]["matched"] == "mac"
    assert index.search("5003A1B2C3D4E5F60718293A4B5C6D7E").iloc[0]["name"] == "web-01"
    assert names(index.search("vm-10")) == [("dr", "web-01-dr"), ("prod", "web-01")]


def test_nothing_found_is_an_empty_table_with_the_columns(index):
    result = index.search("no-such-thing")
    assert result.empty
    assert "vcenter" in result.columns and "matched" in result.columns
    assert index.search("   ").empty
    assert index.search("10.9.9.9").empty
    assert index.search("10.0.0.0/33").empty  # not a network: no crash, no match


def test_mac_of_a_powered_off_vm_comes_from_its_adapters(index):
    result = index.search("00-50-56-AA-BB-12")
    assert names(result) == [("prod", "db-01")] and list(result["matched"]) == ["mac"]
    # A MAC both the guest and the devices know is one hit, not two.
    assert names(index.search("00:50:56:aa:bb:01")) == [("prod", "web-01")]
    assert index.search("00:50:56:aa:bb:99").empty  # no such VM: no hit


def test_adapters_may_come_later_for_a_mac_query():
    vms = TABLES["vms"].frame([_vm("prod", "db-01", moid="vm-12", power="poweredOff")])
    empty = {n: TABLES[n].empty() for n in ("hosts", "datastores", "clusters", "networks")}
    index = SearchIndex.from_tables(vms, **empty)
    assert index.needs_adapters(" 00-50-56-AA-BB-12 ") and not index.needs_adapters("db-01")
    assert index.search("00:50:56:aa:bb:12").empty
    index.add_adapters(TABLES["nics"].frame([{"vcenter": "prod", "vm": "db-01",
                                              "mac_address": "00:50:56:aa:bb:12",
                                              "vm_moid": "vm-12"}]))
    assert not index.needs_adapters("00:50:56:aa:bb:12")
    assert names(index.search("00:50:56:aa:bb:12")) == [("prod", "db-01")]
