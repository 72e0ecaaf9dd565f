"""The one way vCompanion reads vCenter inventory: bulk property retrieval.

``retrieve(conn, {vim.VirtualMachine: [...paths], vim.HostSystem: [...]})``
creates one ContainerView over the root folder for all the requested types,
asks the connection's own PropertyCollector for exactly those property paths
with RetrievePropertiesEx, follows ContinueRetrievePropertiesEx while a token
comes back, and destroys the view in ``finally``.  No table ever reads an
attribute of a managed object one at a time.

The result maps each type name to ``{moid: {path: value}}``.  Values are
data objects and managed object references read with plain attribute access
(see ``inventory.py``).  Two decoders produce them: ``decoder="fast"``
(the default, ``vsphere/fast/``) sends the same request over the pyvmomi
session and decodes the answer's bytes into light tuple-based objects;
``decoder="pyvmomi"`` lets pyvmomi build its own objects.  Both give identical
tables (``tests/test_fastdecode.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from pyVmomi import vim, vmodl

from .connection import VCenterConnection
from ..errors import CollectionError
from .fast import answers as fast_answers
from .fast import paging as fast_paging
from .fast import soap as fast_soap
from .fast.schema import fault_type, to_pyvmomi_ref
from .inventory import CustomField, Stats

DECODERS = ("fast", "pyvmomi")

log = logging.getLogger(__name__)

# Faults in a missingSet that mean "this object is gone or hidden from us":
# skip the property (or object) and keep going.
_SKIPPABLE = (vmodl.fault.ManagedObjectNotFound, vim.fault.NoPermission,
              vmodl.query.InvalidProperty, vmodl.fault.SecurityError)

# Properties asked for whole when many of their leaves are wanted.  A VM's
# ``summary.config`` and ``summary.guest`` hold most of what the vms table
# shows: one element with its fields is fewer bytes, and far fewer elements
# to decode, than one propSet per leaf path (on govmomi-based servers, which
# declare a namespace on every value, a third of the bytes).  Not the whole
# ``summary``: its ``runtime`` carries per-device states and CPU feature
# requirements that real vCenters fill with dozens of entries per VM.
# Tables still name leaf paths ("summary.config.numCpu"); the whole value is
# read and split back into exactly those leaves (``Leaves``), so nothing else
# sees the difference.
COARSE = {"VirtualMachine": ("summary.config", "summary.guest")}
COARSE_MIN_LEAVES = 6


class Leaves:
    """Which leaf paths of which coarse properties were asked for, per type."""

    def __init__(self, plan: dict[str, dict[str, tuple[str, ...]]] | None = None):
        self.plan = plan or {}  # type name -> coarse path -> leaf paths
        # type name -> coarse path -> [(first step, [(rest of path, leaf)])]:
        # a whole value is split with one getattr per step, most of them shared
        self._steps: dict[str, dict[str, list]] = {}
        for kind, coarse in self.plan.items():
            for top, leaves in coarse.items():
                groups: dict[str, list] = {}
                for leaf in leaves:
                    first, _, rest = leaf[len(top) + 1:].partition(".")
                    groups.setdefault(first, []).append((rest, leaf))
                self._steps.setdefault(kind, {})[top] = list(groups.items())
        self._prefixes = {kind: tuple(top + "." for top in coarse)
                          for kind, coarse in self.plan.items()}

    def wanted(self, kind: str) -> dict[str, tuple[str, ...]] | None:
        return self.plan.get(kind)

    def assign(self, kind: str, props: dict[str, Any], name: str, value: Any) -> None:
        """Store property ``name`` = ``value`` (None: unset) into ``props``.

        ``name`` may be a coarse property ("summary.config"), a part of one
        (as vCenter reports a change inside a property asked for whole) or a
        leaf; it is split into the leaves asked for.
        """
        coarse = self.plan.get(kind)
        if coarse:
            if name in coarse:
                self._split(props, self._steps[kind][name], value)
                return
            if name.startswith(self._prefixes[kind]):
                top = next(t for t in coarse if name.startswith(t + "."))
                prefix = name + "."
                for leaf in coarse[top]:
                    if leaf == name:
                        sub = value
                    elif leaf.startswith(prefix):
                        sub = _leaf_value(value, leaf[len(prefix):])
                    else:
                        continue
                    if sub is None:
                        props.pop(leaf, None)
                    else:
                        props[leaf] = sub
                return
        if value is None:
            props.pop(name, None)
        else:
            props[name] = value

    @staticmethod
    def _split(props: dict[str, Any], steps: list, value: Any) -> None:
        for first, rests in steps:
            part = getattr(value, first, None) if value is not None else None
            for rest, leaf in rests:
                if not rest:
                    sub = part
                elif part is None:
                    sub = None
                elif "." in rest:
                    sub = _leaf_value(part, rest)
                else:
                    sub = getattr(part, rest, None)
                if sub is None:
                    props.pop(leaf, None)
                else:
                    props[leaf] = sub


def _leaf_value(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def wire_specs(specs: dict[type, Iterable[str]]) -> tuple[dict[type, list[str]], Leaves]:
    """The paths to ask vCenter for ``specs``, and how to split them back."""
    wire: dict[type, list[str]] = {}
    plan: dict[str, dict[str, tuple[str, ...]]] = {}
    for kind, paths in specs.items():
        paths = sorted(set(paths))
        for top in COARSE.get(kind._wsdlName, ()):
            leaves = tuple(p for p in paths if p.startswith(top + "."))
            if len(leaves) >= COARSE_MIN_LEAVES:
                plan.setdefault(kind._wsdlName, {})[top] = leaves
                paths = [p for p in paths if not p.startswith(top + ".")] + [top]
        wire[kind] = sorted(paths)
    return wire, Leaves(plan)


@dataclass
class Retrieved:
    """Properties by type name and moid, plus what it cost."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)
    leaves: Leaves = field(default_factory=Leaves)

    def of(self, kind: type | str) -> dict[str, dict[str, Any]]:
        name = kind if isinstance(kind, str) else kind._wsdlName
        return self.objects.get(name, {})


def _restart_on_new_session(fn):
    """Run a read again, once, if the session was renewed while it ran.

    ``conn.call`` logs in again when vCenter has dropped the session, but
    objects created in the old session (our PropertyCollector, the view, an
    event collector) are gone with it: the whole read must start over.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(conn, *args, **kwargs):
        generation = conn.session_generation
        try:
            return fn(conn, *args, **kwargs)
        except CollectionError:
            if conn.session_generation == generation:
                raise
            log.info("vCenter '%s': session renewed during a read; reading again",
                     conn.name)
            return fn(conn, *args, **kwargs)
    return wrapper


def property_collector(conn: VCenterConnection, stats: Stats):
    """The connection's own PropertyCollector (created once per session).

    Using our own collector keeps our paging tokens and filters apart from
    anything else using the session's default collector.
    """
    cached = getattr(conn, "_pc", None)
    if cached is not None and cached[0] == conn.session_generation:
        return cached[1]
    default = conn.content.propertyCollector
    stats.round_trips += 1
    try:
        pc = conn.call(default.CreatePropertyCollector)
    except vmodl.fault.NotSupported:
        pc = default
    conn._pc = (conn.session_generation, pc)
    return pc


@_restart_on_new_session
def retrieve(conn: VCenterConnection, specs: dict[type, Iterable[str]],
             page_size: int = 1000, root: Any = None, decoder: str = "fast",
             pool: Any = None) -> Retrieved:
    """Read ``specs`` (type -> property paths) for every object of those types.

    ``decoder``: "fast" or "pyvmomi" (see the module docstring); ``pool``: worker
    processes for the fast decoder (``fast.workers.acquire()``), or None.
    """
    started = time.perf_counter()
    wire, leaves = wire_specs(specs)
    result = Retrieved(objects={t._wsdlName: {} for t in specs}, leaves=leaves)
    stats = result.stats
    pc = property_collector(conn, stats)
    view_manager = conn.content.viewManager
    types = list(specs)
    stats.round_trips += 1
    view = conn.call(lambda: view_manager.CreateContainerView(
        root or conn.content.rootFolder, types, True))
    try:
        spec = filter_spec(view, wire)
        options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
        for page in _pages(conn, pc, spec, options, stats, decoder, pool):
            absorb(conn, page.objects, result)
    finally:
        stats.round_trips += 1
        conn.cleanup(view.DestroyView, "DestroyView")
    stats.seconds = time.perf_counter() - started
    return result


def raw_answer(conn: VCenterConnection, specs: dict[type, Iterable[str]],
               page_size: int = 1000) -> bytes:
    """The undecoded first RetrievePropertiesEx answer for ``specs``.

    For diagnostics, the benchmark and the differential tests: the same
    request ``retrieve`` sends, the bytes as vCenter sent them.
    """
    stats = Stats()
    pc = property_collector(conn, stats)
    view = conn.call(lambda: conn.content.viewManager.CreateContainerView(
        conn.content.rootFolder, list(specs), True))
    try:
        options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
        spec = filter_spec(view, wire_specs(specs)[0])
        return conn.call(lambda: fast_soap.invoke(
            conn.si._stub, pc, "RetrievePropertiesEx", [[spec], options],
            timeout=conn.timeouts.read))
    finally:
        conn.cleanup(view.DestroyView, "DestroyView")


def filter_spec(view: Any, specs: dict[type, Iterable[str]]) -> Any:
    """The FilterSpec reading ``specs`` (type -> paths, as sent) of everything in ``view``."""
    traversal = vmodl.query.PropertyCollector.TraversalSpec(
        name="view", type=vim.view.ContainerView, path="view", skip=False)
    return vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
            obj=view, skip=True, selectSet=[traversal])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(
            type=t, pathSet=sorted(set(paths)), all=False)
            for t, paths in specs.items()],
        reportMissingObjectsInResults=False)


def _pages(conn: VCenterConnection, pc, spec, options, stats: Stats,
           decoder: str, pool: Any = None):
    """Every RetrieveResult page of one request, through the chosen decoder."""
    if decoder not in DECODERS:
        raise ValueError(f"unknown decoder {decoder!r} (one of {', '.join(DECODERS)})")
    if decoder == "pyvmomi":
        stats.round_trips += 1
        page = conn.call(lambda: pc.RetrievePropertiesEx([spec], options))
        while page is not None:
            yield page
            token = page.token
            if not token:
                break
            stats.round_trips += 1
            page = conn.call(lambda t=token: pc.ContinueRetrievePropertiesEx(t))
        return

    timeout = conn.timeouts.read  # for the whole answer, however long

    def following(token: str) -> bytes:
        stats.round_trips += 1
        return conn.call(lambda: fast_soap.invoke(
            conn.si._stub, pc, "ContinueRetrievePropertiesEx", [token], timeout=timeout))

    version = conn.si._stub.version

    def streamed():
        # The first page is decoded while it arrives: most of a vCenter's
        # answer time is the server's, and the decoding overlaps it.
        stats.round_trips += 1
        return conn.call(lambda: fast_answers.retrieve_result_blocks(
            fast_soap.invoke_blocks(conn.si._stub, pc, "RetrievePropertiesEx",
                                    [[spec], options], timeout=timeout), version, pool))

    with fast_answers.gc_paused():
        page = streamed()
        if page is None:
            return
        yield page
        token = page.token
        if token:
            yield from fast_paging.pages(
                lambda: following(token), following,
                lambda data: fast_answers.retrieve_result(data, version, pool))


@_restart_on_new_session
def retrieve_objects(conn: VCenterConnection, objects: list, kind: type,
                     paths: Iterable[str], stats: Stats) -> dict[str, dict[str, Any]]:
    """Read ``paths`` of the given managed objects in one call (e.g. alarm names)."""
    if not objects:
        return {}
    pc = property_collector(conn, stats)
    stub = conn.si._stub
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
            obj=to_pyvmomi_ref(o, stub), skip=False) for o in objects],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(
            type=kind, pathSet=list(paths), all=False)],
        reportMissingObjectsInResults=False)
    result = Retrieved(objects={kind._wsdlName: {}}, stats=stats)
    stats.round_trips += 1
    page = conn.call(lambda: pc.RetrievePropertiesEx([spec],
                                                     vmodl.query.PropertyCollector
                                                     .RetrieveOptions()))
    while page is not None:
        absorb(conn, page.objects, result)
        if not page.token:
            break
        stats.round_trips += 1
        token = page.token
        page = conn.call(lambda t=token: pc.ContinueRetrievePropertiesEx(t))
    return result.objects[kind._wsdlName]


def absorb(conn: VCenterConnection, contents, result: Retrieved) -> None:
    """File ObjectContents (from either decoder) into ``result``, skipping the gone."""
    for content in contents or ():
        obj = content.obj
        kind = obj._wsdlName
        if result.leaves.wanted(kind):
            props = {}
            for prop in content.propSet or ():
                result.leaves.assign(kind, props, prop.name, prop.val)
        else:
            props = {p.name: p.val for p in content.propSet or ()}
        for missing in content.missingSet or ():
            fault = fault_type(missing.fault)  # pyvmomi's class, for both decoders
            if issubclass(fault, vmodl.fault.ManagedObjectNotFound):
                log.info("vCenter '%s': %s %s vanished during the read; skipped",
                         conn.name, kind, obj._moId)
                props = None
                break
            if issubclass(fault, _SKIPPABLE):
                log.debug("vCenter '%s': %s %s: property %s unavailable (%s)",
                          conn.name, kind, obj._moId, missing.path, fault.__name__)
                continue
            log.warning("vCenter '%s': %s %s: property %s failed (%s)", conn.name,
                        kind, obj._moId, missing.path, fault.__name__)
        if props is None:
            result.stats.skipped += 1
            continue
        # The ContainerView matches subtypes too (e.g. ClusterComputeResource
        # is a ComputeResource); file each object under its own type.
        bucket = result.objects.setdefault(kind, {})
        bucket.setdefault(obj._moId, {}).update(props)
        bucket[obj._moId]["_ref"] = obj
        result.stats.objects += 1


@_restart_on_new_session
def read_events(conn: VCenterConnection, since, stats: Stats, page: int = 1000,
                limit: int = 50_000) -> list:
    """Events created since ``since`` (aware datetime), oldest first.

    Pages through an EventHistoryCollector of our own and destroys it.
    """
    manager = conn.content.eventManager
    spec = vim.event.EventFilterSpec(
        time=vim.event.EventFilterSpec.ByTime(beginTime=since))
    stats.round_trips += 1
    collector = conn.call(lambda: manager.CreateCollectorForEvents(spec))
    events: list = []
    try:
        # vcsim's ReadNextEvents only walks the collector's latest page (10
        # events by default); a full page costs a real vCenter nothing.
        stats.round_trips += 2
        conn.call(lambda: collector.SetCollectorPageSize(min(page, 1000)))
        conn.call(collector.RewindCollector)
        while len(events) < limit:
            stats.round_trips += 1
            batch = conn.call(lambda: collector.ReadNextEvents(page))
            if not batch:
                break
            events.extend(batch)
    finally:
        stats.round_trips += 1
        conn.cleanup(collector.DestroyCollector, "DestroyCollector")
    return events


def event_categories(conn: VCenterConnection, stats: Stats) -> dict[str, str]:
    """Event class name -> category (info, warning, error, user), once per session."""
    cached = getattr(conn, "_event_categories", None)
    if cached is not None and cached[0] == conn.session_generation:
        return cached[1]
    manager = conn.content.eventManager
    stats.round_trips += 1
    try:
        description = conn.call(lambda: manager.description)
        categories = {info.key: info.category for info in description.eventInfo or ()}
    except Exception as exc:  # noqa: BLE001 - severity then falls back to "info"
        log.info("vCenter '%s': event descriptions unavailable (%s)", conn.name,
                 type(exc).__name__)
        categories = {}
    conn._event_categories = (conn.session_generation, categories)
    return categories


def read_custom_fields(conn: VCenterConnection, stats: Stats) -> dict[int, CustomField]:
    """Custom attribute definitions (``CustomFieldsManager.field``), in one call.

    Empty where the server has no CustomFieldsManager (a host on its own).
    """
    manager = getattr(conn.content, "customFieldsManager", None)
    if manager is None:
        return {}
    found = retrieve_objects(conn, [manager], vim.CustomFieldsManager, ["field"], stats)
    fields = {}
    for props in found.values():
        for definition in props.get("field") or ():
            managed = getattr(definition, "managedObjectType", None)  # a pyvmomi type
            if managed is not None and not isinstance(managed, str):
                managed = getattr(managed, "_wsdlName", None)
            fields[definition.key] = CustomField(definition.key, definition.name,
                                                 managed or None)
    return fields


def read_layouts(conn: VCenterConnection, vms: list, paths: list[str],
                 stats: Stats) -> dict[str, dict]:
    """``paths`` (parts of ``layoutEx``) of the given VMs, in one call.

    The file list is a few kilobytes per VM: read only for the VMs that
    need it (those with snapshots), never with the whole inventory.
    """
    found = retrieve_objects(conn, vms, vim.VirtualMachine, paths, stats)
    return {oid: {k: v for k, v in props.items() if k != "_ref"}
            for oid, props in found.items()}
