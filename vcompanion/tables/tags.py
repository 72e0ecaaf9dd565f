"""tags: one row per tag on an object (RVTools-style vTags), tidy.

Tags are not in the SOAP API: they come from the vSphere Automation REST API
(``vsphere/rest.py``), read once per collection apart from the inventory
(``Inventory.tags``, ``PARTS``).  A vCenter whose tagging service fails has
no rows here and says why in ``status()``.
"""

from __future__ import annotations

from .context import Inventory, labelled_objects
from .schema import STRING, Column, Table

PARTS = ("tags",)
PATHS: dict = {}  # names and kinds come with the other tables' paths

TABLE = Table("tags", "tag on a VM, host, datastore, cluster or network", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("kind", STRING, "vm, host, datastore, cluster or network."),
    Column("name", STRING, "Name of the tagged object.", rvtools="Object"),
    Column("moid", STRING, "Managed object id of the tagged object."),
    Column("category", STRING, "Tag category.", rvtools="Category"),
    Column("tag", STRING, "Tag name.", rvtools="Tag"),
), sort=("vcenter", "kind", "name", "category", "tag"))


def build(inv: Inventory) -> list[dict]:
    if inv.tags is None or not inv.tags.attached:
        return []
    rows = []
    for kind_name, oid, name, _ in labelled_objects(inv):
        for category, tag in inv.tags.labels(oid):
            rows.append({"vcenter": inv.vcenter, "kind": kind_name, "name": name,
                         "moid": oid, "category": category, "tag": tag})
    return rows
