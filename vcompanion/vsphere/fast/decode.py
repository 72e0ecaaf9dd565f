"""Decode vSphere SOAP responses from bytes into VObjects, without pyvmomi objects.

The bytes are parsed by ElementTree's C parser; a converter built once per
vSphere type (from pyvmomi's type registry, for the session's API version)
turns each element into a value exactly as pyvmomi's deserializer would:

====================  =============================================
XML                   value
====================  =============================================
xsd:string, enums     ``str`` (enum values shared, not copied)
xsd:int/long/short    ``int``
xsd:boolean           ``bool``
xsd:double/float      ``float``
xsd:dateTime          aware ``datetime`` (fraction cut to microseconds)
ManagedObjectRef.     ``schema.Ref`` (``_moId``, ``_wsdlName``)
data object           ``schema.VObject`` subclass named after its type;
                      ``xsi:type`` picks the subclass (polymorphism),
                      types newer than the session's API version are
                      widened to their base, as pyvmomi does
ArrayOf...            ``list``
LocalizedMethodFault  the fault inside it, ``msg`` set, as pyvmomi does
====================  =============================================

Large RetrievePropertiesEx / WaitForUpdatesEx answers are cut into chunks of
whole ``<objects>`` (or ``<objectSet>``) elements between siblings, so each
chunk parses on its own: peak memory stays small and chunks can be decoded
in other processes (``workers.py``).  A cut in a wrong place cannot go
unnoticed: the chunk would not be well-formed XML, and decoding falls back to
the whole document.

Namespace prefixes used inside ``xsi:type`` values (``xsd:int``) are resolved
with the declarations made before the first object (the envelope and the
response element), which is where vCenter makes them.
"""

from __future__ import annotations

import base64
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from pyVmomi import Iso8601, VmomiSupport as V

from .schema import EMPTY, VIM_NS, Ref, class_for, defaults, pyvmomi_type

XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_BODY = "{%s}Body" % SOAP_ENV
_FAULT = "{%s}Fault" % SOAP_ENV
_DYNAMIC = (V.ManagedMethod, V.PropertyPath, type)
_LMF = V.GetVmodlType("vmodl.LocalizedMethodFault")
_METHOD_FAULT = V.GetVmodlType("vmodl.MethodFault")
_BOOLS = {"true": True, "false": False, "1": True, "0": False}
_NS_DECL = re.compile(rb'xmlns(?::([A-Za-z_][\w.\-]*))?\s*=\s*"([^"]*)"')

Converter = Callable[[ET.Element], Any]


class SoapFault(Exception):
    """The server answered with a SOAP fault; ``body`` holds the raw answer."""

    def __init__(self, body: bytes):
        super().__init__("SOAP fault")
        self.body = body


class Unsupported(Exception):
    """The answer uses XML this decoder does not handle (use pyvmomi's)."""


def parse_datetime(text: str) -> datetime:
    """An xsd:dateTime as pyvmomi reads it (fraction truncated to 6 digits)."""
    try:
        dot = text.find(".")
        if dot > 0:
            end = dot + 1
            while end < len(text) and text[end].isdigit():
                end += 1
            if end - dot > 7:
                text = text[:dot + 7] + text[end:]
        return datetime.fromisoformat(text)
    except ValueError:
        value = Iso8601.ParseISO8601(text)
        if value is None:
            raise TypeError(text) from None
        return value


# --- converters -------------------------------------------------------------------


class Converters:
    """Element -> value functions for one API version and one prefix binding.

    Built lazily, one per type, and shared by every thread; construction is
    serialized and published only when complete (types can be recursive,
    e.g. snapshot trees).
    """

    def __init__(self, version: str | None, prefixes: dict[str | None, str]):
        self.version = version
        self.prefixes = dict(prefixes)
        self._lock = threading.RLock()
        self._by_class: dict[type, Converter] = {}
        self._pending: dict[type, Converter] | None = None
        self.xsi: dict[str, Converter] = {}  # xsi:type value -> converter
        self._strings: dict[str, str] = {}  # enum values and type names, shared
        self._kinds: dict[str | None, str | None] = {}

    # --- type lookups (pyvmomi's rules) ---------------------------------------

    def compatible(self, cls: type) -> type:
        return V.GetCompatibleType(cls, self.version) if self.version else cls

    def resolve_qname(self, qname: str) -> type:
        prefix, _, name = qname.rpartition(":")
        ns = self.prefixes.get(prefix or None, "")
        if ns == XSD_NS or (not ns and name in _XSD_NAMES):
            try:
                return V.GetWsdlType(XSD_NS, name)
            except KeyError:
                pass
        return pyvmomi_type(name, ns or VIM_NS)

    # --- converter construction ------------------------------------------------

    def _get(self, key: Any, build: Callable[[], Converter]) -> Converter:
        conv = self._by_class.get(key)
        if conv is not None:
            return conv
        with self._lock:
            outer = self._pending is None
            if outer:
                self._pending = {}
            try:
                conv = self._by_class.get(key) or self._pending.get(key)
                if conv is None:
                    conv = build()
                    self._pending[key] = conv
                if outer:
                    self._by_class.update(self._pending)
            finally:
                if outer:
                    self._pending = None
        return conv

    def for_class(self, cls: type) -> Converter:
        """Converter of an element whose (widened) type is ``cls``."""
        return self._get(cls, lambda: self._build(cls))

    def raw_fault(self, cls: type) -> Converter:
        """Converter of the fault inside a LocalizedMethodFault."""
        return self._get(("raw", cls), lambda: self._struct(cls, ("raw", cls)))

    def field(self, declared: type) -> Converter:
        """Converter of a field declared as ``declared``: honours xsi:type."""
        if issubclass(declared, list):
            declared = declared.Item
        base = self.for_class(self.compatible(declared))
        if declared in _DYNAMIC:
            return base
        return self._xsi_aware(base)

    def _xsi_aware(self, base: Converter) -> Converter:
        xsi, resolve = self.xsi, self.for_xsi

        def conv(el):
            qname = el.get(XSI_TYPE)
            if qname is None:
                return base(el)
            found = xsi.get(qname)
            if found is None:
                found = resolve(qname)
            return found(el)
        return conv

    def for_xsi(self, qname: str) -> Converter:
        conv = self.for_class(self.compatible(self.resolve_qname(qname)))
        self.xsi[qname] = conv
        return conv

    def _build(self, cls: type) -> Converter:
        if not isinstance(cls, type):
            return _text
        if issubclass(cls, list):
            items = self._xsi_aware(self.for_class(self.compatible(cls.Item)))

            def conv(el):
                return [items(child) for child in el] or EMPTY
            return conv
        if cls is bool:
            return _bool
        if cls is V.binary:
            return _binary
        if cls is datetime:
            return _datetime
        if cls in _DYNAMIC or cls is object or issubclass(cls, str):
            return self._shared_text
        if issubclass(cls, int):
            return self._shared_int
        if issubclass(cls, float):
            return _float
        if issubclass(cls, V.ManagedObject):
            return self._ref
        if cls is _LMF:
            return self._localized_fault()
        if issubclass(cls, V.DataObject):
            if issubclass(cls, Exception):
                # pyvmomi reads a fault outside LocalizedMethodFault as one.
                return self._localized_fault()
            return self._struct(cls, cls)
        return _text

    def _struct(self, source: type, key: Any) -> Converter:
        """Converter of a data object; called by _get with the lock held."""
        pending = self._pending
        make = class_for(source)
        template = defaults(source)
        props = source._GetPropertyList()
        arrays = tuple(i for i, p in enumerate(props) if issubclass(p.type, list))
        # tag -> (index, converter of the declared type, honours xsi:type, is array)
        fields: dict[str, tuple[int, Converter, bool, bool]] = {}
        local: dict[str, tuple[int, Converter, bool, bool]] = {}
        fields_get, xsi_get, resolve = fields.get, self.xsi.get, self.for_xsi

        def conv(el):
            values = template[:]
            for child in el:
                spec = fields_get(child.tag)
                if spec is None:
                    spec = local.get(child.tag.rpartition("}")[2])
                    if spec is None:
                        continue  # a property this API version does not know
                index, convert, dynamic, is_array = spec
                if dynamic:
                    qname = child.get(XSI_TYPE)
                    if qname is not None:
                        convert = xsi_get(qname) or resolve(qname)
                value = convert(child)
                if is_array:
                    current = values[index]
                    if type(value) is list:
                        values[index] = value
                    elif current is None:
                        values[index] = [value]
                    else:
                        current.append(value)
                else:
                    values[index] = value
            for index in arrays:
                if values[index] is None:
                    values[index] = EMPTY
            return make(values)

        pending[key] = conv
        # Fill the field table after registering: types may contain themselves.
        for index, prop in enumerate(props):
            declared = prop.type.Item if issubclass(prop.type, list) else prop.type
            spec = (index, self.for_class(self.compatible(declared)),
                    _polymorphic(declared), issubclass(prop.type, list))
            fields["{%s}%s" % (VIM_NS, prop.name)] = spec
            local[prop.name] = spec
        return conv

    def _localized_fault(self) -> Converter:
        """LocalizedMethodFault -> its fault, with ``msg`` = localizedMessage."""
        base = self.raw_fault(self.compatible(_METHOD_FAULT))
        xsi_raw: dict[str, Converter] = {}
        fault_tag = "fault"

        def inner(el):
            qname = el.get(XSI_TYPE)
            if qname is None:
                return base(el)
            found = xsi_raw.get(qname)
            if found is None:
                cls = self.compatible(self.resolve_qname(qname))
                found = (self.raw_fault(cls) if issubclass(cls, V.DataObject)
                         else self.for_class(cls))
                xsi_raw[qname] = found
            return found(el)

        def conv(el):
            fault = message = None
            for child in el:
                name = child.tag.rpartition("}")[2]
                if name == fault_tag:
                    fault = inner(child)
                elif name == "localizedMessage":
                    message = child.text or ""
            if fault is None or isinstance(fault, str):
                return fault
            if "msg" in fault._fields:
                fault = fault._replace(msg=message)
            return fault
        return conv

    # --- leaf converters that need shared state ------------------------------

    def new_strings(self) -> None:
        """Start sharing equal strings afresh (once per document or chunk).

        Equal strings within a document (enum values, device labels, folder
        references...) become one object: less memory, smaller pickles.  The
        table is replaced, not grown forever, so unique strings do not pile up.
        """
        self._strings = {}

    def _shared_text(self, el) -> str:
        text = el.text
        if text is None:
            return ""
        strings = self._strings
        shared = strings.get(text)
        if shared is None:
            strings[text] = shared = text
        return shared

    def _shared_int(self, el) -> int:
        text = el.text
        strings = self._strings
        value = strings.get(text)
        if value is None:
            strings[text] = value = int(text)
        return value

    def _ref(self, el) -> Ref:
        kind = el.get("type")
        shared = self._kinds.get(kind)
        if shared is None:
            shared = kind.rpartition(":")[2] if kind else kind
            self._kinds[kind] = shared
        text = el.text
        strings = self._strings
        moid = strings.get(text)
        if moid is None:
            strings[text] = moid = text
        return Ref((moid, shared))


def _polymorphic(declared: type) -> bool:
    """Can xsi:type change what a field declared as ``declared`` decodes to?

    Not for simple values: an xsi:type there can only name another width of
    number or a string type, which decode to the same Python value.
    """
    if declared in _DYNAMIC:
        return False
    return not (declared in (bool, datetime, V.binary)
                or issubclass(declared, (str, int, float)))


_XSD_NAMES = {"string", "int", "long", "short", "byte", "boolean", "float", "double",
              "dateTime", "base64Binary", "anyType", "anyURI"}


def _text(el) -> str:
    text = el.text
    return text if text is not None else ""


def _int(el) -> int:
    return int(el.text)


def _float(el) -> float:
    return float(el.text)


def _bool(el) -> bool:
    text = el.text or ""
    value = _BOOLS.get(text)
    if value is None:
        value = _BOOLS.get(text.strip().lower())
        if value is None:
            raise TypeError(text)
    return value


def _binary(el) -> bytes:
    return base64.b64decode(el.text or "")


def _datetime(el) -> datetime:
    return parse_datetime(el.text or "")


_converters: dict[tuple, Converters] = {}
_converters_lock = threading.Lock()


def converters(version: str | None, prefixes: dict[str | None, str]) -> Converters:
    """The shared Converters for an API version and a prefix binding."""
    key = (version, tuple(sorted(prefixes.items(), key=lambda kv: kv[0] or "")))
    found = _converters.get(key)
    if found is None:
        with _converters_lock:
            found = _converters.setdefault(key, Converters(version, prefixes))
    return found


# --- documents ----------------------------------------------------------------------


def head_prefixes(head: bytes) -> dict[str | None, str]:
    """Namespace prefixes declared in ``head`` (None: the default namespace)."""
    prefixes: dict[str | None, str] = {}
    for prefix, uri in _NS_DECL.findall(head):
        prefixes[prefix.decode() or None] = uri.decode()
    return prefixes


@dataclass
class Document:
    """A SOAP answer cut into its frame and chunks of repeated elements."""

    data: bytes
    frame: bytes                 # the answer with the repeated elements left out
    chunks: list[tuple[int, int]]  # byte ranges of whole repeated elements
    opening: bytes               # root start tag that declares the head's namespaces
    prefixes: dict[str | None, str]

    def chunk(self, index: int) -> bytes:
        start, end = self.chunks[index]
        return self.opening + self.data[start:end] + b"</chunk>"


def split(data: bytes, element: bytes = b"objects",
          chunk_bytes: int = 4 << 20) -> Document:
    """Cut ``data`` between sibling ``<element>``s into chunks of ~``chunk_bytes``."""
    open_tag, close_tag = b"<" + element + b">", b"</" + element + b">"
    first = data.find(open_tag)
    if first < 0:
        return Document(data, data, [], b"", head_prefixes(data[:65536]))
    last = data.rfind(close_tag)
    if last < first:
        raise Unsupported("unbalanced repeated elements")
    end = last + len(close_tag)
    head = data[:first]
    prefixes = head_prefixes(head)
    declarations = " ".join(
        (f'xmlns:{p}="{u}"' if p else f'xmlns="{u}"') for p, u in prefixes.items())
    opening = f"<chunk {declarations}>".encode()
    boundary = close_tag + open_tag
    chunks = []
    start = first
    while start < end:
        cut = data.find(boundary, start + chunk_bytes, end) if end - start > chunk_bytes \
            else -1
        stop = cut + len(close_tag) if cut >= 0 else end
        chunks.append((start, stop))
        start = stop
    return Document(data, head + data[end:], chunks, opening, prefixes)


def parse(data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise Unsupported(f"XML not well-formed: {exc}") from None


def response_element(root: ET.Element, data: bytes) -> ET.Element:
    """The ``<XxxResponse>`` element of a SOAP envelope; raises SoapFault."""
    body = root.find(_BODY)
    if body is None or len(body) == 0:
        raise Unsupported("no SOAP body")
    first = body[0]
    if first.tag == _FAULT:
        raise SoapFault(data)
    return first


def decode_chunk(chunk: bytes, version: str | None, prefixes: dict[str | None, str],
                 declared: type) -> list:
    """Decode every element of a chunk as ``declared`` (e.g. ObjectContent)."""
    found = converters(version, prefixes)
    conv = found.field(declared)
    root = parse(chunk)
    found.new_strings()
    return [conv(el) for el in root]


def decode_value(element: ET.Element, version: str | None,
                 prefixes: dict[str | None, str], declared: type) -> Any:
    """Decode one element (e.g. a ``returnval``) as ``declared``."""
    found = converters(version, prefixes)
    conv = found.field(declared)
    found.new_strings()
    return conv(element)


__all__ = ["Converters", "Document", "SoapFault", "Unsupported", "converters",
           "decode_chunk", "decode_value", "head_prefixes", "parse", "parse_datetime",
           "response_element", "split"]
