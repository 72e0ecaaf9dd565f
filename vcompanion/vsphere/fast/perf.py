"""QueryPerf on the fast path: the request written, the answer read, as bytes.

A realtime answer for a few hundred VMs holds about 100,000 ``<value>``
elements.  pyvmomi builds an object per sample (about 5 µs each: 14 s for
6,000 VMs x 10 counters x 15 minutes); here the answer is cut at its
``<returnval>`` elements and each series' numbers are found with compiled
regular expressions (about 0.2 µs per sample).  An answer that does not have
the expected shape is decoded again with ElementTree, the slower but general
path (``decode_tree``; the differential tests compare both with pyvmomi).

The request is pyvmomi's own envelope (serialized once per session) with the
query specs written in between: building thousands of pyvmomi ``QuerySpec``
objects per read costs more than the answer's decoding.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any, Iterator
from xml.sax.saxutils import escape

# (moid, counter key, instance, times (epoch s, oldest first), raw values)
Series = tuple[str, int, str, list[int], list[int]]

_ENTITY = re.compile(rb"<entity\b[^>]*>([^<]*)</entity>")
_STAMP = re.compile(rb"<timestamp>([^<]+)</timestamp>")
_COUNTER = re.compile(rb"<counterId>(-?\d+)</counterId>")
_INSTANCE = re.compile(rb"<instance>([^<]*)</instance>|<instance\s*/>")
_VALUE = re.compile(rb"<value>(-?\d+)</value>")
_INT_SERIES = re.compile(rb"^[^>]*type=\"(?:\w+:)?PerfMetricIntSeries\"")


class Shape(ValueError):
    """The answer does not look as expected: decode it the general way."""


def template(stub: Any, manager: Any, entity: Any) -> tuple[bytes, bytes]:
    """pyvmomi's QueryPerf envelope around the query specs: (head, tail).

    ``entity``: any managed object of the session (only the envelope is kept).
    """
    from pyVmomi import vim

    spec = vim.PerformanceManager.QuerySpec(entity=entity, maxSample=1)
    info = manager._GetMethodInfo("QueryStats")
    request = stub.SerializeRequest(manager, info, [[spec]])
    if isinstance(request, str):
        request = request.encode("utf-8")
    start, end = request.find(b"<querySpec>"), request.rfind(b"</querySpec>")
    if start < 0 or end < 0:
        raise RuntimeError("unexpected QueryPerf request layout from pyvmomi")
    return request[:start], request[end + len(b"</querySpec>"):]


def request(envelope: tuple[bytes, bytes], entity_type: str,
            specs: list[tuple[str, list[tuple[int, str]]]], start: datetime,
            end: datetime, samples: int, interval: int) -> bytes:
    """The QueryPerf request for ``specs``: [(moid, [(counter key, instance)])]."""
    begin, finish = _time(start), _time(end)
    common_head = f'<querySpec><entity type="{entity_type}">'
    common_mid = (f"</entity><startTime>{begin}</startTime><endTime>{finish}</endTime>"
                  f"<maxSample>{samples}</maxSample>")
    tail = f"<intervalId>{interval}</intervalId></querySpec>"
    parts = []
    for moid, metrics in specs:
        parts.append(common_head + escape(moid) + common_mid)
        parts.extend(f"<metricId><counterId>{key}</counterId><instance>{escape(inst)}"
                     f"</instance></metricId>" for key, inst in metrics)
        parts.append(tail)
    return envelope[0] + "".join(parts).encode("utf-8") + envelope[1]


def _time(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class Stamps(dict):
    """Sample time text -> UTC epoch seconds (most answers repeat a few dozen)."""

    def __missing__(self, text: bytes) -> int:
        seconds = int(datetime.fromisoformat(text.decode("ascii")).timestamp())
        self[text] = seconds
        return seconds


def decode(data: bytes, stamps: Stamps | None = None) -> list[Series]:
    """Every integer series of a QueryPerf answer (see the module docstring)."""
    stamps = Stamps() if stamps is None else stamps
    try:
        return list(_decode_fast(data, stamps))
    except Shape:
        return list(decode_tree(data, stamps))


def _decode_fast(data: bytes, stamps: Stamps) -> Iterator[Series]:
    chunks = data.split(b"<returnval")
    # every returnval opened and closed without a prefix, in a QueryPerf answer
    if b"QueryPerfResponse" not in chunks[0] or data.count(b"returnval") != 2 * (
            len(chunks) - 1) or data.count(b"</returnval>") != len(chunks) - 1:
        raise Shape("not a QueryPerf answer as expected")
    for chunk in chunks[1:]:
        entity = _ENTITY.search(chunk)
        if entity is None:
            raise Shape("returnval without entity")
        moid = _text(entity.group(1))
        parts = chunk.split(b"<value ")
        times = [stamps[s] for s in _STAMP.findall(parts[0])]
        descending = len(times) > 1 and times[0] > times[-1]
        if descending:
            times.reverse()
        for part in parts[1:]:
            if not _INT_SERIES.match(part):
                continue  # e.g. a CSV series: never asked for
            head, sep, body = part.partition(b"</id>")
            counter = _COUNTER.search(head)
            if not sep or counter is None:
                raise Shape("series without id")
            instance = _INSTANCE.search(head)
            values = [int(v) for v in _VALUE.findall(body)]
            if descending:
                values.reverse()
            yield (moid, int(counter.group(1)),
                   _text(instance.group(1) or b"") if instance else "",
                   *_aligned(times, values))


def _aligned(times: list[int], values: list[int]) -> tuple[list[int], list[int]]:
    """Equal lengths (vCenter has been seen sending fewer values than times)."""
    if len(times) == len(values):
        return times, values
    n = min(len(times), len(values))
    return times[:n], values[:n]


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def decode_tree(data: bytes, stamps: Stamps | None = None) -> Iterator[Series]:
    """The general decoder (ElementTree), for answers of an unexpected shape."""
    stamps = Stamps() if stamps is None else stamps
    root = ET.fromstring(data)
    for element in root.iter():
        if _local(element.tag) != "returnval":
            continue
        moid, times, series = "", [], []
        for child in element:
            name = _local(child.tag)
            if name == "entity":
                moid = child.text or ""
            elif name == "sampleInfo":
                for item in child:
                    if _local(item.tag) == "timestamp":
                        times.append(stamps[(item.text or "").encode("ascii")])
            elif name == "value":
                kind = next((v for k, v in child.attrib.items() if _local(k) == "type"), "")
                if _local(kind.rpartition(":")[2]) != "PerfMetricIntSeries":
                    continue
                counter, instance, values = None, "", []
                for item in child:
                    local = _local(item.tag)
                    if local == "id":
                        for part in item:
                            if _local(part.tag) == "counterId":
                                counter = int(part.text)
                            elif _local(part.tag) == "instance":
                                instance = part.text or ""
                    elif local == "value":
                        values.append(int(item.text))
                series.append((counter, instance, values))
        descending = len(times) > 1 and times[0] > times[-1]
        ordered = list(reversed(times)) if descending else times
        for counter, instance, values in series:
            if descending:
                values = list(reversed(values))
            yield (moid, counter, instance, *_aligned(ordered, values))


__all__ = ["Series", "Stamps", "decode", "decode_tree", "request", "template"]
