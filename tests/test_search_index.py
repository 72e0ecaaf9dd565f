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


# --- field filters ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tagged():
    """Objects with tags, custom attributes, OSes, networks and datastores."""
    def vm(vcenter, name, ips=(), power="poweredOn", tags=(), attrs=(), os="Ubuntu Linux (64-bit)",
           guest_id="ubuntu64Guest", host="esx-01.corp", cluster="Prod-A", nets=("VLAN-120",),
           stores=("SAN-01",), moid="vm-1"):
        return {**_vm(vcenter, name, ips, host=host, moid=moid, power=power),
                "cluster": cluster, "tags": list(tags), "attributes": list(attrs),
                "guest_os": os, "configured_os": os, "guest_id": guest_id,
                "networks": list(nets), "datastores": list(stores)}

    win = {"os": "Microsoft Windows Server 2019 (64-bit)", "guest_id": "windows2019srv_64Guest"}
    vms = TABLES["vms"].frame([
        vm("prod", "fin-app-01", ["10.20.1.10"], tags=["App:Finance", "Backup:Gold", "Env:Prod"],
           attrs=["Owner=finance", "Cost Centre=4711"], moid="vm-1", **win),
        vm("prod", "fin-app-02", ["10.20.1.11"], power="poweredOff",
           tags=["App:Finance", "Backup:Silver", "Env:Prod"], attrs=["Owner=Finance"], moid="vm-2",
           **win),
        vm("prod", "web-01", ["10.30.1.10"], tags=["App:Web", "Backup:None", "Env:Prod"],
           host="esx-02.corp", nets=("VLAN-130",), stores=("SAN-02",), moid="vm-3"),
        vm("dr", "fin-app-01", ["10.20.1.10"], tags=["App:Finance", "Backup:Gold", "Env:DR"],
           attrs=["Owner=finance"], cluster="DR-A", host="esx-dr-01.corp", moid="vm-1", **win),
        vm("dr", "test-01", [], power="poweredOff", tags=["Backup:None", "Env:Test"],
           cluster="DR-A", host="esx-dr-01.corp", moid="vm-9"),
        vm("lab", "old-01", [], power="suspended", tags=["Tier:Gold"], moid="vm-5"),
    ])
    hosts = TABLES["hosts"].frame([
        {"vcenter": "prod", "name": "esx-01.corp", "moid": "host-1", "cluster": "Prod-A",
         "power_state": "poweredOn", "tags": ["Site:Frankfurt"], "attributes": ["Rack=R12"]},
        {"vcenter": "dr", "name": "esx-dr-01.corp", "moid": "host-2", "cluster": "DR-A",
         "power_state": "standBy", "tags": [], "attributes": []}])
    datastores = TABLES["datastores"].frame([
        {"vcenter": "prod", "name": "SAN-01", "moid": "datastore-1", "tags": ["Tier:Tier1"]}])
    clusters = TABLES["clusters"].frame([
        {"vcenter": "prod", "name": "Prod-A", "moid": "domain-c1", "tags": ["Env:Prod"]},
        {"vcenter": "dr", "name": "DR-A", "moid": "domain-c2"}])
    networks = TABLES["networks"].frame([
        {"vcenter": "prod", "name": "VLAN-120", "moid": "dvportgroup-1", "tags": ["Zone:DMZ"]}])
    return SearchIndex.from_tables(vms, hosts, datastores, clusters, networks)


def kinds(frame):
    return sorted(zip(frame["vcenter"], frame["kind"], frame["name"]))


def test_tag_filter_with_or_without_category(tagged):
    assert kinds(tagged.search("tag:Backup:Gold")) == [("dr", "vm", "fin-app-01"),
                                                      ("prod", "vm", "fin-app-01")]
    # a tag name alone matches in any category (Backup:Gold and Tier:Gold)
    assert ("lab", "vm", "old-01") in kinds(tagged.search("tag:gold"))
    assert len(tagged.search("tag:Gold")) == 3
    result = tagged.search("TAG:backup:none")
    assert kinds(result) == [("dr", "vm", "test-01"), ("prod", "vm", "web-01")]
    assert set(result["matched"]) == {"tag"} and set(result["value"]) == {"Backup:None"}
    assert {k for _, k, _ in kinds(tagged.search("tag:Env:*"))} == {"vm", "cluster"}
    assert kinds(tagged.search("tag:Zone:DMZ")) == [("prod", "network", "VLAN-120")]
    assert kinds(tagged.search("tag:Site:Frankfurt")) == [("prod", "host", "esx-01.corp")]


def test_attribute_filter_value_presence_wildcards_and_quotes(tagged):
    assert kinds(tagged.search("attr:Owner=finance")) == [
        ("dr", "vm", "fin-app-01"), ("prod", "vm", "fin-app-01"), ("prod", "vm", "fin-app-02")]
    assert kinds(tagged.search('attr:"Cost Centre=4711"')) == [("prod", "vm", "fin-app-01")]
    assert kinds(tagged.search('attr:"cost centre"')) == [("prod", "vm", "fin-app-01")]
    assert kinds(tagged.search("attr:Rack")) == [("prod", "host", "esx-01.corp")]
    assert kinds(tagged.search("attr:Owner=fin*")) == kinds(tagged.search("attr:owner"))
    assert tagged.search("attr:Owner=fin").empty  # values are whole


def test_power_os_host_cluster_vcenter_net_ds_kind(tagged):
    assert kinds(tagged.search("power:off")) == [("dr", "vm", "test-01"),
                                                 ("prod", "vm", "fin-app-02")]
    assert kinds(tagged.search("power:poweredOff")) == kinds(tagged.search("power:off"))
    assert kinds(tagged.search("power:suspended")) == [("lab", "vm", "old-01")]
    assert kinds(tagged.search("power:standby")) == [("dr", "host", "esx-dr-01.corp")]
    assert len(tagged.search("power:on")) == 4  # three VMs and a host
    assert {n for _, _, n in kinds(tagged.search("os:windows*"))} == {"fin-app-01", "fin-app-02"}
    assert kinds(tagged.search("os:*2019*")) == kinds(tagged.search("os:windows*"))
    assert tagged.search("os:windows").empty
    assert kinds(tagged.search("host:esx-dr*")) == [
        ("dr", "host", "esx-dr-01.corp"), ("dr", "vm", "fin-app-01"), ("dr", "vm", "test-01")]
    assert ("prod", "cluster", "Prod-A") in kinds(tagged.search("cluster:prod*"))
    assert ("prod", "host", "esx-01.corp") in kinds(tagged.search("cluster:prod*"))
    assert {v for v, _, _ in kinds(tagged.search("vcenter:DR"))} == {"dr"}
    assert kinds(tagged.search("net:vlan-130")) == [("prod", "vm", "web-01")]
    assert kinds(tagged.search("ds:SAN-01 kind:datastore")) == [("prod", "datastore", "SAN-01")]
    assert len(tagged.search("kind:vm")) == 6


def test_filters_combine_with_each_other_and_with_free_text(tagged):
    # "which VMs of the Finance application run in DR?"
    assert kinds(tagged.search("tag:App:Finance vcenter:dr")) == [("dr", "vm", "fin-app-01")]
    result = tagged.search("10.20.0.0/16 power:on tag:Env:Prod")
    assert kinds(result) == [("prod", "vm", "fin-app-01")]
    assert list(result["matched"]) == ["ip"] and list(result["value"]) == ["10.20.1.10"]
    assert kinds(tagged.search("fin-app power:off")) == [("prod", "vm", "fin-app-02")]
    # two free-text words: both must match the same object
    assert kinds(tagged.search("fin 10.20.1.11")) == [("prod", "vm", "fin-app-02")]
    assert tagged.search("web-01 tag:Backup:Gold").empty
    assert tagged.search("tag:App:Finance tag:App:Web").empty
    assert list(tagged.search("tag:App:Finance", limit=2)["name"]) == ["fin-app-01", "fin-app-01"]


def test_words_with_colons_that_are_no_fields(tagged):
    assert kinds(tagged.search("10.20.1.10")) == [("dr", "vm", "fin-app-01"),
                                                  ("prod", "vm", "fin-app-01")]
    assert tagged.search("dead:beef::1").empty  # an IPv6 address, not the field "dead"
    assert tagged.search('"web:01"').empty  # quoted: free text


def test_unknown_or_empty_field_is_a_clear_config_error(tagged):
    from vcompanion.errors import ConfigError
    with pytest.raises(ConfigError) as error:
        tagged.search("colour:red web")
    message = str(error.value)
    assert "unknown search field 'colour'" in message
    for field in ("tag", "attr", "power", "os", "host", "cluster", "vcenter", "net", "ds"):
        assert field in message
    with pytest.raises(ConfigError, match="needs a value"):
        tagged.search("tag:")
    with pytest.raises(ConfigError):
        tagged.needs_adapters("colour:red")
