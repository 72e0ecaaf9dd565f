"""Tags and custom attributes of a generated vCenter.

Applied to a finished ``VCenterBuilder`` (``label(builder)``): every demo
vCenter gets the same tag catalog and custom attribute definitions, as an
organisation with one naming scheme would have, and its VMs, hosts,
datastores, clusters and networks get tags and values that follow from
what they are (role, site, storage kind).  Tags are a ``TagData`` as the
vSphere Automation API would give it (``DemoSource.read_tags``); custom
attributes are ``customValue`` properties, typed as pyvmomi reads them.

Uses a random generator of its own, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import timedelta

from pyVmomi import VmomiSupport, vim

from ..sources import CustomField, Tag, TagCategory, TagData

# category -> (description, cardinality, associable types, tags)
CATEGORIES = {
    "Env": ("Environment", "SINGLE", ("VirtualMachine", "ClusterComputeResource"),
            ("Prod", "DR", "Test", "Dev", "Lab")),
    "App": ("Application", "MULTIPLE", ("VirtualMachine",),
            ("Web", "Finance", "HR", "CRM", "ERP", "Shop", "Payroll", "Database", "Mail",
             "Infra", "K8s", "Citrix", "Middleware", "Backup", "Security", "Monitoring")),
    "Backup": ("Backup policy", "SINGLE", ("VirtualMachine",), ("Gold", "Silver", "None")),
    "Site": ("Data centre site", "SINGLE", ("HostSystem", "ClusterComputeResource"),
             ("Frankfurt", "Hamburg", "Lab")),
    "Tier": ("Storage tier", "SINGLE", ("Datastore",), ("Tier1", "Tier2", "Tier3")),
    "Zone": ("Network zone", "SINGLE", ("Network", "DistributedVirtualPortgroup"),
             ("DMZ", "Internal", "Isolated")),
}
# Custom attribute definitions, as in CustomFieldsManager.field.
FIELDS = (CustomField(101, "Owner"), CustomField(102, "CostCentre", "VirtualMachine"),
          CustomField(103, "LastBackup", "VirtualMachine"),
          CustomField(104, "Rack", "HostSystem"))
_KEYS = {f.name: f.key for f in FIELDS}
_VALUES = VmomiSupport.GetVmodlType("vim.CustomFieldsManager.Value[]")

# VM name prefix -> applications (first match wins)
_APPS = (("sql-fin", ("Finance", "Database")), ("sql-hr", ("HR", "Database")),
         ("sql-crm", ("CRM", "Database")), ("sql-erp", ("ERP", "Database")),
         ("sql-shop", ("Shop", "Database")), ("sql-", ("Database",)),
         ("ora-erp", ("ERP", "Database")), ("pg-", ("Database",)),
         ("prd-app-crm", ("CRM",)), ("prd-app-erp", ("ERP",)), ("prd-app-hr", ("HR",)),
         ("prd-app-pay", ("Payroll", "Finance")), ("prd-app-shop", ("Shop",)),
         ("prd-app-report", ("Finance",)), ("prd-app-bi", ("Finance",)),
         ("prd-web", ("Web",)), ("dr-web", ("Web",)), ("dmz-web", ("Web",)),
         ("clone-prd-web", ("Web",)), ("dmz-mail", ("Mail",)), ("prd-exch", ("Mail",)),
         ("prd-k8s", ("K8s",)), ("lab-k8s", ("K8s",)), ("prd-ctx", ("Citrix",)),
         ("prd-kafka", ("Middleware",)), ("prd-redis", ("Middleware",)),
         ("prd-vbr", ("Backup",)), ("dr-vbr", ("Backup",)), ("prd-log", ("Security",)),
         ("lab-malware", ("Security",)), ("dmz-proxy", ("Security",)),
         ("prd-mon", ("Monitoring",)), ("dr-mon", ("Monitoring",)),
         ("dr-sql", ("Database",)), ("dr-app", ("Finance",)))
_INFRA = re.compile(r"-(dc|fs|jump|nsx-mgr|srm|vr)-")
_GOLD = ("sql-", "ora-", "pg-", "prd-exch", "prd-fs", "prd-dc", "dr-sql", "dr-dc")
_COST = {"Web": "4100", "Finance": "4711", "HR": "4300", "CRM": "4400", "ERP": "4500",
         "Shop": "4600", "Payroll": "4711", "Database": "4800", "Mail": "4200",
         "Infra": "4000", "K8s": "4900", "Citrix": "4250", "Middleware": "4850",
         "Backup": "4050", "Security": "4070", "Monitoring": "4060"}
_SITES = {"prod": ("Prod", "Frankfurt", "FRA"), "dr": ("DR", "Hamburg", "HAM"),
          "lab": ("Lab", "Lab", "LAB")}
_OWNER = re.compile(r"Owner: ([^<]+?) <")


def catalog(rng: random.Random) -> tuple[dict[str, TagCategory], dict[str, Tag],
                                         dict[str, str]]:
    """The categories and tags, with ids as vCenter makes them; "Cat:Tag" -> id."""
    def urn(kind: str) -> str:
        return f"urn:vmomi:InventoryService{kind}:{uuid.UUID(int=rng.getrandbits(128))}:GLOBAL"

    categories, tags, ids = {}, {}, {}
    for name, (description, cardinality, types, names) in CATEGORIES.items():
        category = TagCategory(urn("Category"), name, description, cardinality, types)
        categories[category.id] = category
        for tag_name in names:
            tag = Tag(urn("Tag"), tag_name, category.id, f"{description}: {tag_name}")
            tags[tag.id] = tag
            ids[f"{name}:{tag_name}"] = tag.id
    return categories, tags, ids


def vm_labels(site: str, vm, folder: str) -> tuple[list[str], dict[str, str]]:
    """The tags ("Cat:Tag") and custom attribute values of one generated VM
    (``folder``: its VM folder path, e.g. "Production/Databases")."""
    env = _SITES[site][0]
    if site == "lab":
        env = "Test" if folder.startswith("Test") else "Dev" if folder.startswith(
            ("Dev", "Sandbox")) else "Lab"
    apps = next((a for prefix, a in _APPS if vm.name.startswith(prefix)), ())
    if not apps and _INFRA.search(f"-{vm.name}"):
        apps = ("Infra",)
    if vm.template:
        return [f"Env:{env}"], {"Owner": "Infrastructure"}
    if vm.placeholder or site == "lab" or "k8s-wrk" in vm.name:
        backup = "None"
    elif vm.name.startswith(_GOLD):
        backup = "Gold"
    else:
        backup = "Silver"
    tags = [f"Env:{env}", *(f"App:{a}" for a in apps), f"Backup:{backup}"]
    attrs = {}
    owner = _OWNER.search(vm.role.owner or "") if vm.role is not None else None
    if owner:
        attrs["Owner"] = owner.group(1).strip()
    if apps:
        attrs["CostCentre"] = _COST[apps[0]]
    return tags, attrs


def label(builder) -> None:
    """Give a finished builder's objects tags (``builder.tags``) and custom
    attributes (``customValue``; ``builder.custom_fields``)."""
    site = builder.name
    rng = random.Random(f"labels-{site}")
    categories, tag_list, ids = catalog(rng)
    attached: dict[str, list[str]] = {}
    env, city, rack = _SITES[site]

    def tag(ref, *names: str) -> None:
        attached.setdefault(ref._moId, []).extend(ids[n] for n in names)

    def attribute(ref, **values: str) -> None:
        props = builder.props[ref._moId]
        current = list(props.get("customValue") or ())
        current += [vim.CustomFieldsManager.StringValue(key=_KEYS[name], value=value)
                    for name, value in values.items()]
        props["customValue"] = _VALUES(current)

    for vm in builder.vms:
        if vm.ref._moId not in builder.objects.get("VirtualMachine", {}):
            continue
        names, values = vm_labels(site, vm, _folder(builder, vm))
        tag(vm.ref, *names)
        if "Backup:None" not in names and not vm.template and vm.on:
            # most backups ran last night; a few have not for days
            days = rng.choice((0, 0, 0, 0, 0, 1, 1, 9))
            when = builder.now - timedelta(days=days, hours=rng.uniform(2, 8))
            values["LastBackup"] = f"{when:%Y-%m-%d %H:%M}"
        if values:
            attribute(vm.ref, **values)
    for cluster, hosts in builder.hosts.items():
        ref = builder.clusters[cluster]
        if isinstance(ref, vim.ClusterComputeResource):
            tag(ref, f"Env:{env}", f"Site:{city}")
            attribute(ref, Owner="Infrastructure")
        for i, host in enumerate(hosts):
            tag(host, f"Site:{city}")
            attribute(host, Rack=f"{rack}-R{10 + len(cluster) % 7}-U{4 + 2 * i:02d}")
    for name, ref in builder.datastores.items():
        kind = builder.props[ref._moId]["summary.type"]
        tier = "Tier1" if "SQL" in name or kind == "vsan" else (
            "Tier3" if kind.startswith("NFS") else "Tier2")
        tag(ref, f"Tier:{tier}")
        attribute(ref, Owner="Storage Team")
    for ref in builder.net_refs.values():
        name = builder.names[ref._moId]
        zone = "DMZ" if "DMZ" in name else "Isolated" if any(
            w in name for w in ("Isolated", "Bubble")) else "Internal"
        tag(ref, f"Zone:{zone}")
    builder.tags = TagData(categories=categories, tags=tag_list, attached=attached,
                           api="api", read_at=builder.now)
    builder.custom_fields = {f.key: f for f in FIELDS}


def _folder(builder, vm) -> str:
    names, oid = [], vm.folder._moId
    while oid is not None and oid != builder.folders["vm"]._moId:
        names.append(builder.names[oid])
        oid = builder.parents.get(oid)
    return "/".join(reversed(names))


__all__ = ["CATEGORIES", "FIELDS", "catalog", "label", "vm_labels"]
