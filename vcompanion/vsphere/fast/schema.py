"""Lightweight stand-ins for pyvmomi's data objects and references.

The fast decoder does not build pyvmomi objects.  A vSphere data object
becomes an instance of a small generated class: a tuple holding the
properties in pyvmomi's order, with one read-only attribute per property
(``nic.ipAddress``) and the class attribute ``_wsdlName`` (the xsi:type, e.g.
``VirtualCdrom``).  A managed object reference becomes a ``Ref`` (a pair
``(moid, type)`` readable as ``ref._moId`` and ``ref._wsdlName``).

Unset properties read exactly as pyvmomi's do: arrays as ``[]``, optional
values as ``None``, required booleans as ``False``, strings as ``""``,
numbers as ``0``.  Table builders read values only through attributes, so the
same code works on both kinds of object; ``tests/test_fastdecode.py`` checks
that every table comes out identical.

Tuples keep the objects small (a few hundred bytes for a VM's device list
entry instead of several kilobytes) and pickle cheaply between processes.
"""

from __future__ import annotations

import threading
from operator import itemgetter
from typing import Any

from pyVmomi import VmomiSupport

try:  # CPython's C accessor used by namedtuple: faster than property(itemgetter)
    from collections import _tuplegetter  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    def _tuplegetter(index, doc):
        return property(itemgetter(index), doc=doc)

VIM_NS = "urn:vim25"
_lock = threading.RLock()
_classes: dict[str, type] = {}


class VObject(tuple):
    """A decoded vSphere data object (see the module docstring)."""

    __slots__ = ()
    _wsdlName = "DataObject"
    _fields: tuple[str, ...] = ()

    def __bool__(self) -> bool:  # a data object is never "empty", as in pyvmomi
        return True

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self)
                          if v is not None and v != [])
        return f"{self._wsdlName}({parts})"

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self))

    def _replace(self, **changes) -> VObject:
        values = list(self)
        for name, value in changes.items():
            values[self._fields.index(name)] = value
        return type(self)(values)


class EmptyList(list):
    """The value of every unset array property: one shared, read-only ``[]``."""

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("unset vSphere array properties are shared and read-only")

    append = extend = insert = remove = pop = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only

    def __reduce__(self):
        return (_empty, ())


def _empty() -> EmptyList:
    return EMPTY


EMPTY = EmptyList()


class Ref(tuple):
    """A managed object reference ``Ref((moid, type))``, read as pyvmomi's."""

    __slots__ = ()
    _moId = _tuplegetter(0, "managed object id")
    _wsdlName = _tuplegetter(1, "managed object type")
    _serverGuid = None

    def __repr__(self) -> str:
        return f"'vim.{self[1]}:{self[0]}'"


def pyvmomi_type(name: str, ns: str = VIM_NS) -> type:
    """pyvmomi's class for a WSDL type name, looked up as its deserializer does."""
    try:
        return VmomiSupport.GetWsdlType(ns, name)
    except KeyError:
        if name.endswith("ManagedObjectReference"):
            return VmomiSupport.GetWsdlType(VmomiSupport.XMLNS_VMODL_BASE,
                                            name[:-len("Reference")])
        return VmomiSupport.GuessWsdlType(name)


def data_class(name: str) -> type:
    """The generated VObject class for data object type ``name``.

    Raises KeyError when ``name`` is not a pyvmomi data object type.
    """
    cls = _classes.get(name)
    if cls is not None:
        return cls
    with _lock:
        cls = _classes.get(name)
        if cls is None:
            source = pyvmomi_type(name)
            if not (isinstance(source, type)
                    and issubclass(source, VmomiSupport.DataObject)):
                raise KeyError(name)
            cls = _make_class(source._wsdlName, source)
            _classes[source._wsdlName] = cls
            _classes[name] = cls
    return cls


def class_for(source: type) -> type:
    """The VObject class standing in for pyvmomi data object class ``source``."""
    return data_class(source._wsdlName)


def _make_class(name: str, source: type) -> type:
    props = source._GetPropertyList()
    fields = tuple(p.name for p in props)
    namespace: dict[str, Any] = {
        "__slots__": (), "__module__": "vcompanion.vsphere.fast.vtypes",
        "__qualname__": name, "_wsdlName": name, "_fields": fields,
        "_source": source,
    }
    for index, field in enumerate(fields):
        namespace[field] = _tuplegetter(index, field)
    return type(name, (VObject,), namespace)


def defaults(source: type) -> list:
    """pyvmomi's initial property values of a new ``source`` object.

    Arrays are given as None here: the decoder fills them (``EMPTY`` if unset).
    """
    values = []
    for prop in source._GetPropertyList():
        ptype = prop.type
        if issubclass(ptype, list):
            value = None
        elif prop.flags & VmomiSupport.F_OPTIONAL:
            value = None
        elif ptype is bool:
            value = False
        elif issubclass(ptype, VmomiSupport.Enum):
            value = None
        elif issubclass(ptype, str):
            value = ""
        elif ptype is VmomiSupport.long or issubclass(ptype, (int, float)):
            value = ptype(0)
        else:
            value = None
        values.append(value)
    return values


def fault_type(fault: Any) -> type:
    """pyvmomi's class of a fault, decoded by either decoder (NoneType for None)."""
    if isinstance(fault, VObject):
        try:
            return pyvmomi_type(fault._wsdlName)
        except KeyError:
            return VObject
    return type(fault)


def to_pyvmomi_ref(ref: Any, stub: Any = None) -> Any:
    """A pyvmomi managed object for ``ref`` (pyvmomi objects pass through)."""
    if isinstance(ref, Ref):
        return pyvmomi_type(ref[1])(ref[0], stub)
    return ref


__all__ = ["EMPTY", "EmptyList", "Ref", "VObject", "class_for", "data_class", "defaults",
           "fault_type", "pyvmomi_type", "to_pyvmomi_ref"]
