"""attributes: one row per custom attribute value of an object, tidy.

Custom attributes come with the inventory (every entity's ``customValue``);
their names from ``CustomFieldsManager.field``, read once per collection
(``Inventory.custom_fields``).  The workbook turns them into one column per
attribute, after Annotation, as RVTools does.
"""

from __future__ import annotations

from .context import Inventory, labelled_objects
from .schema import STRING, Column, Table

PATHS: dict = {}  # customValue is read with each kind's own table (vms, hosts, ...)

TABLE = Table("attributes", "custom attribute value of a VM, host, datastore, cluster "
              "or network", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("kind", STRING, "vm, host, datastore, cluster or network."),
    Column("name", STRING, "Name of the object."),
    Column("moid", STRING, "Managed object id of the object."),
    Column("attribute", STRING, "Custom attribute name."),
    Column("value", STRING, "Its value."),
), sort=("vcenter", "kind", "name", "attribute"))


def build(inv: Inventory) -> list[dict]:
    rows = []
    for kind_name, oid, name, p in labelled_objects(inv):
        if not p.get("customValue"):
            continue
        for attribute, value in inv.custom_values(p):
            rows.append({"vcenter": inv.vcenter, "kind": kind_name, "name": name,
                         "moid": oid, "attribute": attribute, "value": value})
    return rows
