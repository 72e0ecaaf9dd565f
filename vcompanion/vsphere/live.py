"""Keep one vCenter's inventory current with PropertyCollector.WaitForUpdatesEx.

``LiveInventory(conn)`` runs a background thread that, per session:

1. creates a PropertyCollector of its own, a ContainerView over the root
   folder and one filter with the same property paths as the bulk read
   (the ``specs`` given: ``tables.inventory_specs()``);
2. calls ``WaitForUpdatesEx("")``: the first answer holds every object (the
   full sync); a truncated answer is followed at once by the next one, and
   the inventory is published only when the sync is complete;
3. then loops on ``WaitForUpdatesEx(version)`` (``max_wait`` seconds per
   call) and applies each ObjectUpdate (enter / modify / leave) and each
   PropertyChange (assign / remove / indirectRemove) to its own copy of the
   raw properties, publishing a new ``Inventory`` after every batch;
4. re-reads now and then (``reread_seconds``) the properties vCenter does
   not report through the property collector (overall status, quick stats);
5. starts over from version "" when the session was renewed (filters die
   with their session) or the loop failed; errors are logged and retried
   with a growing pause.

Answers go through the fast decoder (``vsphere/fast``).  Published
inventories are never modified afterwards (changes copy the touched
objects), so readers need no lock.  ``on_change(live, kinds)`` tells the
owner which object types changed (``{"*"}`` when names or the tree changed),
so that only the tables reading them are rebuilt.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from pyVmomi import vim, vmodl

from . import collection
from .connection import VCenterConnection
from .fast import answers, soap
from .fast.schema import fault_type
from .inventory import EVERYTHING, CustomField, Inventory, alarm_refs, custom_value_keys

log = logging.getLogger(__name__)

# Properties whose changes move or rename objects: every table shows names.
_STRUCTURE_PATHS = {"name", "parent", "owner"}
# Properties vCenter may not report through WaitForUpdatesEx: re-read them.
_UNNOTIFIED = ("overallStatus", "configStatus", "summary.overallStatus",
               "summary.quickStats.")
_PC = vmodl.query.PropertyCollector


class LiveInventory:
    """One vCenter's inventory, kept current by a background thread.

    ``start()`` returns at once; ``wait_ready(timeout)`` waits for the first
    full sync and returns the Inventory (or raises the error that stopped
    it).  ``inventory`` is always the latest published one.  ``stop()`` ends
    the thread and removes the server-side collector.
    """

    def __init__(self, conn: VCenterConnection, specs: dict[type, list[str]],
                 on_change: Callable[[LiveInventory, set[str]], None] | None = None,
                 max_wait: int = 30, reread_seconds: float = 300.0, pool: Any = None):
        self.conn = conn
        self.on_change = on_change
        self.max_wait = max_wait
        self.reread_seconds = reread_seconds
        self.specs = specs
        self.wire, self.leaves = collection.wire_specs(self.specs)
        self.pool = pool
        self.inventory: Inventory | None = None
        self.version: str | None = None
        self.updates = 0          # batches applied since start
        self.syncs = 0            # full syncs (1 + one per new session or failure)
        self.rereads = 0          # re-reads of the properties vCenter does not notify
        self.last_change: float | None = None  # time.monotonic() of the last change
        self.last_answer: float | None = None  # time.perf_counter() it arrived
        self.error: Exception | None = None
        self._alarm_names: dict[str, str] = {}
        self._custom_fields: dict[int, CustomField] = {}
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._pc: Any = None
        self._applier: Applier | None = None
        self._thread: threading.Thread | None = None
        self._resync_requested = False

    @property
    def name(self) -> str:
        return self.conn.name

    # --- lifecycle -----------------------------------------------------------------

    def start(self) -> LiveInventory:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name=f"vcompanion-live-{self.name}")
            self._thread.start()
        return self

    def wait_ready(self, timeout: float | None = None) -> Inventory:
        """The first complete inventory; raises the error if the sync failed."""
        if not self._ready.wait(timeout):
            raise TimeoutError(f"vCenter '{self.name}': no full sync after {timeout} s")
        if self.inventory is None:
            raise self.error or RuntimeError("live updates stopped")
        return self.inventory

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread: cancel the pending wait and destroy the collector."""
        self._stop.set()
        thread = self._thread
        deadline = time.monotonic() + timeout
        while True:
            self._cancel_wait()
            if thread is None or thread is threading.current_thread():
                break
            # Again until it ends: a wait sent just after a cancel must go too.
            thread.join(0.5)
            if not thread.is_alive() or time.monotonic() > deadline:
                break
        self._ready.set()

    def _cancel_wait(self) -> None:
        pc = self._pc
        if pc is not None:  # (the session may be gone: never raises)
            self.conn.cleanup(pc.CancelWaitForUpdates, "CancelWaitForUpdates")

    def resync(self) -> None:
        """Start over from version "" (a full sync) at the next opportunity."""
        self._resync_requested = True
        self._cancel_wait()

    # --- the loop ------------------------------------------------------------------

    def _run(self) -> None:
        pause = 1.0
        while not self._stop.is_set():
            try:
                self._session()
                pause = 1.0
            except Exception as exc:  # noqa: BLE001 - keep trying, log, report
                if self._stop.is_set():
                    break
                if self._resync_requested:
                    continue  # the wait was cancelled on purpose
                self.error = exc
                log.warning("vCenter '%s': live updates failed (%s: %s); starting "
                            "over in %.0f s", self.name, type(exc).__name__, exc, pause)
                if not self._ready.is_set() and self.inventory is None \
                        and self.syncs == 0:
                    self._ready.set()  # let wait_ready() report the failure
                self._stop.wait(pause)
                pause = min(pause * 2, 60.0)
        self._ready.set()

    def _session(self) -> None:
        """One session's worth of updates: from a full sync until it ends."""
        conn = self.conn
        if conn.si is None:  # the owner closed the connection: we are done
            self._stop.set()
            return
        generation = conn.session_generation
        content = conn.content
        pc = conn.call(content.propertyCollector.CreatePropertyCollector)
        view = None
        try:
            view = conn.call(lambda: content.viewManager.CreateContainerView(
                content.rootFolder, list(self.specs), True))
            conn.call(lambda: pc.CreateFilter(self._filter_spec(view), False))
            self._pc = pc
            self._resync_requested = False
            version = ""
            applier = self._applier = Applier(self.name, self.leaves)
            next_reread = time.monotonic() + self.reread_seconds
            options = _PC.WaitOptions(maxWaitSeconds=self.max_wait)
            while not self._stop.is_set():
                if conn.session_generation != generation or self._resync_requested:
                    log.info("vCenter '%s': new session or resync: full sync again",
                             self.name)
                    return
                if not applier.syncing and time.monotonic() >= next_reread:
                    self._reread(applier)
                    next_reread = time.monotonic() + self.reread_seconds
                data = conn.call(lambda v=version: soap.invoke(
                    conn.si._stub, pc, "WaitForUpdatesEx", [v, options],
                    timeout=conn.timeouts.read + self.max_wait))
                arrived = time.perf_counter()
                update = answers.update_set(data, conn.si._stub.version, self.pool)
                if update is None:
                    continue  # no change within max_wait
                self.last_answer = arrived
                version = update.version
                full = applier.syncing
                kinds = applier.feed(update)
                if kinds:
                    self._publish(applier.objects, kinds, full=full)
                self.version = version
        except vmodl.fault.RequestCanceled:
            return
        finally:
            self._pc = None
            for cleanup in (getattr(pc, "DestroyPropertyCollector", None),
                            getattr(view, "DestroyView", None)):
                if cleanup is None or conn.session_generation != generation:
                    continue
                conn.cleanup(cleanup)

    def _filter_spec(self, view: Any) -> Any:
        return collection.filter_spec(view, self.wire)

    # --- publishing ----------------------------------------------------------------

    def _publish(self, objects: dict, kinds: set[str], full: bool = False) -> None:
        inventory = Inventory(self.name, objects,
                              collected_at=datetime.now(timezone.utc),
                              alarm_names=dict(self._alarm_names),
                              custom_fields=self._custom_fields)
        self._name_alarms(inventory)
        self._name_fields(inventory, full)
        self.inventory = inventory
        if full:
            self.syncs += 1
        else:
            self.updates += 1
        self.last_change = time.monotonic()
        self.error = None
        self._ready.set()
        if self.on_change is not None:
            try:
                self.on_change(self, kinds)
            except Exception:  # noqa: BLE001 - the owner's problem, not ours
                log.exception("vCenter '%s': change callback failed", self.name)

    def _name_alarms(self, inventory: Inventory) -> None:
        """Resolve the names of alarms not seen before, in one call."""
        unknown = [r for r in alarm_refs(inventory)
                   if getattr(r, "_moId", None) not in self._alarm_names]
        if not unknown:
            return
        try:
            named = collection.retrieve_objects(self.conn, unknown, vim.alarm.Alarm,
                                                ["info.name"], collection.Stats())
        except Exception as exc:  # noqa: BLE001 - names are cosmetic
            log.info("vCenter '%s': alarm names unavailable (%s)", self.name,
                     type(exc).__name__)
            return
        self._alarm_names.update({oid: p["info.name"] for oid, p in named.items()
                                  if p.get("info.name")})
        inventory.alarm_names.update(self._alarm_names)

    def _name_fields(self, inventory: Inventory, full: bool) -> None:
        """Read the custom attribute definitions at each full sync and when a
        value of an unknown field shows up (one call).  customValue changes
        come through the filter like any other property."""
        keys = custom_value_keys(inventory)
        if not keys or (not full and keys <= set(self._custom_fields)):
            return
        try:
            fields = collection.read_custom_fields(self.conn, collection.Stats())
        except Exception as exc:  # noqa: BLE001 - names fall back to the keys
            log.info("vCenter '%s': custom attribute names unavailable (%s)", self.name,
                     type(exc).__name__)
            return
        self._custom_fields = fields
        inventory.custom_fields = fields

    def _reread(self, applier: Applier) -> None:
        """Read again the properties vCenter does not report as they change."""
        specs = {t: [p for p in paths if p.startswith(_UNNOTIFIED)]
                 for t, paths in self.specs.items()}
        specs = {t: p for t, p in specs.items() if p}
        if not specs:
            return
        result = collection.retrieve(self.conn, specs, pool=self.pool)
        self.rereads += 1
        target = dict(applier.objects)
        kinds: set[str] = set()
        for kind, objs in result.objects.items():
            current = target.get(kind)
            if not current:
                continue
            copied = None
            for oid, props in objs.items():
                old = current.get(oid)
                if old is None:
                    continue
                changed = {k: v for k, v in props.items()
                           if k != "_ref" and old.get(k) != v}
                if not changed:
                    continue
                if copied is None:
                    copied = target[kind] = dict(current)
                copied[oid] = {**old, **changed}
                kinds.add(kind)
        if kinds:
            applier.objects = target
            self._publish(target, kinds)


class Applier:
    """Applies a stream of UpdateSets to raw properties (kind -> moid -> path -> value).

    ``feed(update)`` returns the kinds to publish, or None while nothing is
    complete: during the first full sync, and while vCenter sends a batch in
    truncated parts (a truncated set is half a change: wait for the rest).
    """

    def __init__(self, vcenter: str, leaves: collection.Leaves | None = None):
        self.vcenter = vcenter
        self.leaves = leaves or collection.Leaves()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.syncing = True
        self._pending: set[str] = set()

    def feed(self, update: Any) -> set[str] | None:
        target = dict(self.objects)
        self._pending |= _apply(update, target, self.vcenter, self.leaves)
        self.objects = target
        if update.truncated:
            return None
        kinds, self._pending = self._pending, set()
        if self.syncing:
            self.syncing = False
            return {EVERYTHING}
        return kinds or None


def _apply(update: Any, objects: dict[str, dict[str, dict[str, Any]]],
           vcenter: str, leaves: collection.Leaves) -> set[str]:
    """Apply an UpdateSet to ``objects`` (copying what it touches); changed kinds.

    The per-kind maps and per-object dicts of ``objects`` may be shared with
    a published Inventory: they are replaced, never modified.
    """
    kinds: set[str] = set()
    copied: set[str] = set()
    for filter_update in update.filterSet or ():
        for change in filter_update.objectSet or ():
            obj = change.obj
            kind, oid = obj._wsdlName, obj._moId
            if kind not in copied:
                objects[kind] = dict(objects.get(kind, {}))
                copied.add(kind)
            bucket = objects[kind]
            if change.kind == "leave":
                if bucket.pop(oid, None) is not None:
                    kinds.add(EVERYTHING)
                continue
            props = dict(bucket.get(oid) or {})
            if change.kind == "enter":
                kinds.add(EVERYTHING)
            for prop in change.changeSet or ():
                # remove, indirectRemove, or assign of an unset value: unset
                leaves.assign(kind, props, prop.name,
                              prop.val if prop.op == "assign" else None)
                if prop.name in _STRUCTURE_PATHS:
                    kinds.add(EVERYTHING)
            gone = False
            for missing in change.missingSet or ():
                fault = fault_type(missing.fault)
                if issubclass(fault, vmodl.fault.ManagedObjectNotFound):
                    gone = True
                    break
                leaves.assign(kind, props, missing.path, None)
            if gone:
                bucket.pop(oid, None)
                kinds.add(EVERYTHING)
                log.info("vCenter '%s': %s %s vanished", vcenter, kind, oid)
                continue
            props["_ref"] = obj
            bucket[oid] = props
            kinds.add(kind)
    return kinds


__all__ = ["EVERYTHING", "Applier", "LiveInventory"]
