"""The search index: every object of every vCenter, built once per collection.

Free-text forms (case-insensitive; see the package docstring for filters):

- names of VMs, hosts, datastores, clusters and networks, and guest host
  names: exact, substring, or ``*``/``?`` wildcards (``web-*``, ``db-0?``);
- IP addresses: exact IPv4/IPv6 (``10.1.2.3``, ``2001:db8::5``), CIDR
  (``10.1.0.0/16``, ``2001:db8::/32``), or a dotted prefix (``10.1.2.`` is
  the /24; ``10.1.2`` also matches 10.1.20.x as you type);
- MAC addresses (``00:50:56:aa:bb:cc`` or with dashes), instance and BIOS
  UUIDs, managed object ids (``vm-42``).

Nothing is scanned per query: names are found through a trigram index and a
sorted list (prefixes), IPs through hash maps and sorted integer arrays
(CIDR ranges), filter values (``tag:``, ``power:``, ...) through one map per
field from the value to the objects that have it; a wildcard filter looks at
the distinct values only.  Only free text shorter than three characters
falls back to a scan, where nearly everything matches anyway.  Results are
taken from one DataFrame of every object, made once, in a precomputed order.
"""

from __future__ import annotations

import bisect
import fnmatch
import ipaddress
import re
import socket
from collections import defaultdict
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..frames import records
from ..tables import enums
from ..tables.schema import LIST, STRING, Column, Table
from .query import FIELDS, Filter, parse

RESULT = Table("search", "object that matched", (
    Column("vcenter", STRING, "Configured name of the vCenter."),
    Column("kind", STRING, "vm, host, datastore, cluster or network."),
    Column("name", STRING, "Object name."),
    Column("matched", STRING, "Which field matched: name, ip, guest_hostname, mac, "
           "instance_uuid, bios_uuid or moid for free text; the filter (tag, attr, "
           "power, ...) for a query of filters only."),
    Column("value", STRING, "The value that matched."),
    Column("power_state", STRING, "VM or host power state.",
           values=tuple(dict.fromkeys(enums.VM_POWER + enums.HOST_POWER))),
    Column("ip_addresses", LIST, "The VM's IP addresses."),
    Column("guest_hostname", STRING, "The VM's guest host name."),
    Column("host", STRING, "ESXi host of a VM."),
    Column("cluster", STRING, "Cluster."),
    Column("datacenter", STRING, "Datacenter."),
    Column("moid", STRING, "Managed object id."),
), sort=())

_MAC = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_PARTIAL_V4 = re.compile(r"^\d{1,3}(\.\d{0,3}){0,3}$")
_MOID = re.compile(r"^(vm|host|datastore|domain-c|network|dvportgroup|group-[a-z]|"
                   r"resgroup|datacenter)-?\d+$")

# Ranking: exact matches first, then prefixes, then the rest.
EXACT, PREFIX, CONTAINS = 0, 1, 2


def _trigrams(text: str) -> set[str]:
    return {text[i:i + 3] for i in range(len(text) - 2)}


class SearchIndex:
    """An index over the objects of all vCenters."""

    def __init__(self) -> None:
        self._records: list[dict[str, Any]] = []
        # text fields: lowercased value, record id, field name
        self._texts: list[tuple[str, int, str, str]] = []  # + the original value
        self._exact: dict[str, list[int]] = defaultdict(list)  # value -> text ids
        self._grams: dict[str, set[int]] = defaultdict(set)  # trigram -> text ids
        self._sorted: list[tuple[str, int]] = []  # (value, text id) for prefixes
        self._ips: dict[str, list[int]] = defaultdict(list)  # normalized ip -> records
        self._ip_ints: dict[int, list[tuple[int, str, int]]] = {4: [], 6: []}
        self._ip_strings: list[tuple[str, str, int]] = []  # (ip text, ip, record)
        self._keys: dict[str, list[tuple[int, str]]] = defaultdict(list)  # mac/uuid/moid
        self._vm_ids: dict[tuple[str, str], int] = {}  # (vcenter, moid) -> VM record
        # filter field -> lowercased value -> records (ascending; arrays once
        # built); and each value as first seen
        self._values: dict[str, dict[str, Any]] = {f: defaultdict(list) for f in FIELDS}
        self._shown: dict[str, dict[str, str]] = {f: {} for f in FIELDS}
        self._frame: pd.DataFrame | None = None  # every record, made on first use
        self._position: np.ndarray | None = None  # record -> place in result order
        self.has_adapters = False  # the nics table's MACs are indexed

    # --- building ------------------------------------------------------------------

    @classmethod
    def from_tables(cls, vms: pd.DataFrame, hosts: pd.DataFrame,
                    datastores: pd.DataFrame, clusters: pd.DataFrame,
                    networks: pd.DataFrame, nics: pd.DataFrame | None = None
                    ) -> SearchIndex:
        """``nics``: adapters whose MACs find their VM (powered off ones too);
        they may also come later, see ``add_adapters``."""
        index = cls()
        for row in records(vms, _INDEXED, json_ready=False):
            rid = index._add_record("vm", row)
            index._vm_ids[(row["vcenter"], row["moid"])] = rid
            index._add_text(rid, "name", row["name"])
            index._add_text(rid, "guest_hostname", row.get("guest_hostname"))
            for ip in row.get("ip_addresses") or ():
                index._add_ip(rid, ip)
            for mac in row.get("mac_addresses") or ():
                index._keys[_norm_mac(mac)].append((rid, "mac"))
            for field in ("instance_uuid", "bios_uuid"):
                if row.get(field):
                    index._keys[_norm_uuid(row[field])].append((rid, field))
            index._keys[str(row["moid"]).lower()].append((rid, "moid"))
            index._add_filters(rid, "vm", row)
        if nics is not None:
            index.add_adapters(nics)
        for kind, frame in (("host", hosts), ("datastore", datastores),
                            ("cluster", clusters), ("network", networks)):
            for row in records(frame, _INDEXED, json_ready=False):
                rid = index._add_record(kind, row)
                index._add_text(rid, "name", row["name"])
                index._keys[str(row["moid"]).lower()].append((rid, "moid"))
                index._add_filters(rid, kind, row)
        index._sorted.sort()
        for values in index._ip_ints.values():
            values.sort()
        index._ip_strings.sort()
        index._values = {field: {key: np.array(ids, dtype=np.int64)
                                 for key, ids in table.items()}
                         for field, table in index._values.items()}
        return index

    def add_adapters(self, nics: pd.DataFrame) -> None:
        """Index the MAC of every adapter in ``nics`` (the nics table) under its VM.

        The adapters come from the VMs' device lists, a read of its own: an
        owner may add them only when a query needs them (``needs_adapters``).
        """
        for row in records(nics, _INDEXED, json_ready=False):
            rid = self._vm_ids.get((row["vcenter"], row["vm_moid"]))
            mac = row.get("mac_address")
            if rid is None or not mac:
                continue
            keys = self._keys[_norm_mac(mac)]
            if (rid, "mac") not in keys:
                keys.append((rid, "mac"))
        self.has_adapters = True

    def needs_adapters(self, query: str) -> bool:
        """True if ``query`` has a MAC address and the adapters are not indexed yet
        (raises ConfigError for a query with an unknown field)."""
        terms = parse(query).terms
        return not self.has_adapters and any(_MAC.match(t.lower()) for t in terms)

    def _add_record(self, kind: str, row: dict) -> int:
        vm = kind == "vm"
        self._records.append({
            "vcenter": row["vcenter"], "kind": kind, "name": row["name"],
            "power_state": row.get("power_state"),
            "ip_addresses": list(row.get("ip_addresses") or []) if vm else [],
            "guest_hostname": row.get("guest_hostname") if vm else None,
            "host": row.get("host") if vm else None,
            "cluster": row.get("cluster") if kind in ("vm", "host") else (
                row["name"] if kind == "cluster" else None),
            "datacenter": row.get("datacenter"),
            "moid": row.get("moid"),
        })
        return len(self._records) - 1

    def _add_filters(self, rid: int, kind: str, row: dict) -> None:
        """File the record under the values the filter fields look at."""
        put, name = self._put, row["name"]
        put("vcenter", rid, row["vcenter"])
        put("kind", rid, kind)
        put("power", rid, row.get("power_state"))
        for label in row.get("tags") or ():
            put("tag", rid, label)
            put("tag", rid, label.partition(":")[2])
        for item in row.get("attributes") or ():
            put("attr", rid, item)
            put("attr", rid, item.partition("=")[0])
        if kind == "vm":
            for value in (row.get("guest_os"), row.get("configured_os"), row.get("guest_id")):
                put("os", rid, value)
            put("host", rid, row.get("host"))
            put("cluster", rid, row.get("cluster"))
            for network in row.get("networks") or ():
                put("net", rid, network)
            for datastore in row.get("datastores") or ():
                put("ds", rid, datastore)
        else:
            put({"host": "host", "cluster": "cluster", "network": "net",
                 "datastore": "ds"}[kind], rid, name)
            if kind == "host":
                put("cluster", rid, row.get("cluster"))

    def _put(self, field: str, rid: int, value: Any) -> None:
        if not isinstance(value, str) or not value:
            return
        key = value.lower()
        ids = self._values[field][key]
        if not ids or ids[-1] != rid:
            ids.append(rid)
            self._shown[field].setdefault(key, value)

    def _add_text(self, rid: int, field: str, value: Any) -> None:
        if not isinstance(value, str) or not value:
            return
        text = value.lower()
        tid = len(self._texts)
        self._texts.append((text, rid, field, value))
        self._exact[text].append(tid)
        self._sorted.append((text, tid))
        for gram in _trigrams(text):
            self._grams[gram].add(tid)

    def _add_ip(self, rid: int, text: str) -> None:
        parsed = _parse_ip(text)
        if parsed is None:
            return
        version, value, norm = parsed
        if rid in self._ips[norm]:
            return
        self._ips[norm].append(rid)
        self._ip_ints[version].append((value, norm, rid))
        self._ip_strings.append((norm, norm, rid))

    def __len__(self) -> int:
        return len(self._records)

    # --- querying ------------------------------------------------------------------

    def search(self, query: str, limit: int | None = None) -> pd.DataFrame:
        """Rows of RESULT for ``query``, best matches first.

        ``query``: free text and ``field:value`` filters (``search.query``);
        everything given must match.  Raises ConfigError for an unknown field.
        """
        parsed = parse(query)
        rids = shown = None  # records the filters allow; the value the first one saw
        for condition in parsed.filters:
            ids, values = self._filter(condition)
            if rids is None:
                rids, shown = ids, values
            else:
                keep = np.isin(rids, ids, assume_unique=True)
                rids, shown = rids[keep], shown[keep]
        if parsed.terms:
            allowed = None
            if rids is not None:
                allowed = np.zeros(len(self._records), dtype=bool)
                allowed[rids] = True
            best: dict[int, tuple[int, str, str]] = {}
            for i, term in enumerate(parsed.terms):
                found: dict[int, tuple[int, str, str]] = {}
                for rid, field, value, rank in self._hits(term):
                    if allowed is not None and not allowed[rid]:
                        continue
                    if rid not in found or rank < found[rid][0]:
                        found[rid] = (rank, field, value)
                best = found if i == 0 else {rid: hit for rid, hit in best.items()
                                             if rid in found}
            if not best:
                return RESULT.empty()
            hits = list(best.values())
            rids = np.fromiter(best, dtype=np.int64, count=len(best))
            ranks = np.fromiter((h[0] for h in hits), dtype=np.int64, count=len(hits))
            matched = np.array([h[1] for h in hits], dtype=object)
            shown = np.array([h[2] for h in hits], dtype=object)
        elif rids is not None and len(rids):
            ranks = np.full(len(rids), EXACT, dtype=np.int64)
            matched = np.full(len(rids), parsed.filters[0].field, dtype=object)
        else:
            return RESULT.empty()
        return self._result(rids, ranks, matched, shown, limit)

    def _filter(self, condition: Filter) -> tuple[np.ndarray, np.ndarray]:
        """(sorted record ids that satisfy ``condition``, the value each has)."""
        table, shown = self._values[condition.field], self._shown[condition.field]
        keys = [condition.value] if condition.pattern is None else \
            [key for key in table if condition.pattern.match(key)]
        parts = [table[key] for key in keys if key in table]
        if not parts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
        keys = [key for key in keys if key in table]
        if len(parts) == 1:
            return parts[0], np.full(len(parts[0]), shown[keys[0]], dtype=object)
        labels = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        ids, first = np.unique(np.concatenate(parts), return_index=True)
        return ids, np.array([shown[key] for key in keys], dtype=object)[labels[first]]

    def _result(self, rids: np.ndarray, ranks: np.ndarray, matched: np.ndarray,
                values: np.ndarray, limit: int | None) -> pd.DataFrame:
        """RESULT rows of the records ``rids``: by rank, then vCenter, kind, name."""
        frame, position = self._all()
        order = np.lexsort((position[rids], ranks))
        if limit is not None:
            order = order[:limit]
        result = frame.take(rids[order]).reset_index(drop=True)
        result.insert(3, "matched", pd.array(matched[order], dtype=STRING))
        result.insert(4, "value", pd.array(values[order], dtype=STRING))
        return result

    def _all(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Every record as RESULT columns (less matched and value), and each
        record's place in the order of (vCenter, kind, name)."""
        if self._frame is None or self._position is None:
            frame = RESULT.frame(self._records).drop(columns=["matched", "value"])
            keys = sorted(range(len(self._records)), key=lambda rid: (
                self._records[rid]["vcenter"].lower(), self._records[rid]["kind"],
                self._records[rid]["name"].lower()))
            position = np.empty(len(keys), dtype=np.int64)
            position[keys] = np.arange(len(keys))
            self._frame, self._position = frame, position
        return self._frame, self._position

    def _hits(self, q: str) -> Iterable[tuple[int, str, str, int]]:
        if not q:
            return []
        low = q.lower()
        if "/" in low:
            return self._cidr(low) or []
        try:
            ip = ipaddress.ip_address(low.split("%")[0])
            return [(rid, "ip", str(ip), EXACT) for rid in self._ips.get(str(ip), ())]
        except ValueError:
            pass
        if _MAC.match(low):
            return self._key(_norm_mac(low))
        if _UUID.match(low):
            return self._key(_norm_uuid(low))
        hits: list = []
        if _PARTIAL_V4.match(low) and "." in low:
            hits += self._ip_prefix(low)
        if _MOID.match(low):
            hits += self._key(low)
        if "*" in low or "?" in low:
            hits += self._wildcard(low)
        else:
            hits += self._text(low)
        return hits

    def _key(self, key: str):
        return [(rid, field, key, EXACT) for rid, field in self._keys.get(key, ())]

    def _cidr(self, q: str):
        try:
            net = ipaddress.ip_network(q, strict=False)
        except ValueError:
            return None
        values = self._ip_ints[net.version]
        lo = bisect.bisect_left(values, (int(net.network_address), "", -1))
        hi = bisect.bisect_right(values, (int(net.broadcast_address), "\uffff", 1 << 62))
        return [(rid, "ip", norm, EXACT) for _, norm, rid in values[lo:hi]]

    def _ip_prefix(self, q: str):
        lo = bisect.bisect_left(self._ip_strings, (q, "", -1))
        hits = []
        for text, norm, rid in self._ip_strings[lo:]:
            if not text.startswith(q):
                break
            hits.append((rid, "ip", norm, EXACT if text == q else PREFIX))
        return hits

    def _text(self, q: str):
        if len(q) < 3:
            candidates: Iterable[int] = range(len(self._texts))
        else:
            candidates = self._candidates(q)
        hits = []
        for tid in candidates:
            text, rid, field, original = self._texts[tid]
            pos = text.find(q)
            if pos < 0:
                continue
            rank = EXACT if text == q else PREFIX if pos == 0 else CONTAINS
            hits.append((rid, field, original, rank))
        return hits

    def _candidates(self, literal: str) -> set[int]:
        grams = sorted(_trigrams(literal), key=lambda g: len(self._grams.get(g, ())))
        if not grams:
            return set(range(len(self._texts)))
        result = set(self._grams.get(grams[0], ()))
        for gram in grams[1:]:
            if not result:
                break
            result &= self._grams.get(gram, set())
        return result

    def _wildcard(self, q: str):
        pattern = re.compile(fnmatch.translate(q))
        literals = [part for part in re.split(r"[*?]+", q) if part]
        long_literals = [part for part in literals if len(part) >= 3]
        if long_literals:
            candidates = self._candidates(long_literals[0])
            for part in long_literals[1:]:
                candidates &= self._candidates(part)
        elif not q.startswith(("*", "?")) and literals:
            prefix = literals[0]
            lo = bisect.bisect_left(self._sorted, (prefix, -1))
            candidates = []
            for text, tid in self._sorted[lo:]:
                if not text.startswith(prefix):
                    break
                candidates.append(tid)
        else:
            candidates = range(len(self._texts))
        hits = []
        for tid in candidates:
            text, rid, field, original = self._texts[tid]
            if pattern.match(text):
                hits.append((rid, field, original, PREFIX))
        return hits


# The columns the index reads (as dicts, missing values as None).
_INDEXED = ("vcenter", "name", "power_state", "ip_addresses", "guest_hostname", "host",
            "cluster", "datacenter", "mac_addresses", "instance_uuid", "bios_uuid", "moid",
            "vm_moid", "mac_address", "tags", "attributes", "guest_os", "configured_os",
            "guest_id", "networks", "datastores")


def _parse_ip(text: str) -> tuple[int, int, str] | None:
    """(version, integer value, normalized text) of an IP address, or None.

    socket.inet_pton is an order of magnitude faster than ipaddress for the
    common IPv4 case; both are strict and available on Windows too.
    """
    text = text.split("%")[0]
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big"), text
    except OSError:
        pass
    try:
        ip = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return 6, int(ip), str(ip)


def _norm_mac(mac: str) -> str:
    return mac.lower().replace("-", ":")


def _norm_uuid(value: str) -> str:
    text = value.lower().replace("-", "")
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return value.lower()
