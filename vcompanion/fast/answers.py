"""Decode whole PropertyCollector answers: RetrievePropertiesEx, WaitForUpdatesEx.

``retrieve_result(data, version)`` returns a RetrieveResult (``.token``,
``.objects``) and ``update_set(data, version)`` an UpdateSet, both as
VObjects (see ``schema.py``).  The repeated elements (``<objects>``,
``<objectSet>``) are decoded in chunks, in worker processes when a pool is
given and the answer is large, else here.  Anything unexpected in the
layout makes the whole answer decode in one piece instead.
"""

from __future__ import annotations

import gc
import logging
import threading
from contextlib import contextmanager
from typing import Any

from pyVmomi import VmomiSupport as V

from . import decode, workers

RETURNVAL = "{%s}returnval" % decode.VIM_NS
OBJECT_CONTENT = "vmodl.query.PropertyCollector.ObjectContent"
OBJECT_UPDATE = "vmodl.query.PropertyCollector.ObjectUpdate"
RETRIEVE_RESULT = "vmodl.query.PropertyCollector.RetrieveResult"
UPDATE_SET = "vmodl.query.PropertyCollector.UpdateSet"

log = logging.getLogger(__name__)
pooled_chunks = 0  # chunks decoded by worker processes so far (for logs and tests)

# Answers smaller than this are decoded here: shipping them costs more.
POOL_MIN_BYTES = 4 << 20
CHUNK_BYTES = 2 << 20

_gc_lock = threading.Lock()
_gc_state = {"pauses": 0, "enable": False}


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while building many objects.

    Decoded objects hold no reference cycles; without the pause CPython's
    collector walks the growing heap again and again (it doubles decode
    time).  Reference counting still frees memory meanwhile.  Counted, so
    threads decoding at the same time do not re-enable it under each other.
    """
    with _gc_lock:
        if _gc_state["pauses"] == 0:
            _gc_state["enable"] = gc.isenabled()
            gc.disable()
        _gc_state["pauses"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["pauses"] -= 1
            if _gc_state["pauses"] == 0 and _gc_state["enable"]:
                gc.enable()


def retrieve_result(data: bytes, version: str | None, pool=None) -> Any:
    """A RetrievePropertiesEx / ContinueRetrievePropertiesEx answer."""
    return _answer(data, version, pool, RETRIEVE_RESULT, b"objects", OBJECT_CONTENT,
                   _with_objects)


def update_set(data: bytes, version: str | None, pool=None) -> Any:
    """A WaitForUpdatesEx answer (None when it timed out without changes)."""
    return _answer(data, version, pool, UPDATE_SET, b"objectSet", OBJECT_UPDATE,
                   _with_object_set)


def _with_objects(result: Any, items: list) -> Any:
    if result is None:
        raise decode.Unsupported("objects without a returnval")
    return result._replace(objects=list(result.objects) + items)


def _with_object_set(result: Any, items: list) -> Any:
    if result is None or len(result.filterSet) != 1:
        raise decode.Unsupported("object updates outside a single filter set")
    first = result.filterSet[0]
    first = first._replace(objectSet=list(first.objectSet) + items)
    return result._replace(filterSet=[first])


def _answer(data: bytes, version: str | None, pool, declared: str, element: bytes,
            item: str, attach) -> Any:
    with gc_paused():
        try:
            doc = decode.split(data, element, CHUNK_BYTES)
            frame = decode.parse(doc.frame)
            result = _returnval(frame, data, version, doc.prefixes, declared)
            if not doc.chunks:
                return result
            items = _decode_chunks(doc, version, pool, item)
            return attach(result, items)
        except decode.Unsupported:
            root = decode.parse(data)
            head = data.find(b"<returnval")
            return _returnval(root, data, version,
                              decode.head_prefixes(data[:head if head > 0 else 65536]),
                              declared)


def _returnval(root, data: bytes, version, prefixes, declared: str) -> Any:
    response = decode.response_element(root, data)
    returnval = response.find(RETURNVAL)
    if returnval is None:
        return None
    return decode.decode_value(returnval, version, prefixes, V.GetVmodlType(declared))


def _decode_chunks(doc: decode.Document, version, pool, item: str) -> list:
    """Decode every chunk, in order; worker processes help with large answers.

    A large answer starts the pool (in the background).  Chunks are decoded
    here from the front until the workers run; then the rest is offered to
    them while this thread takes, from the end, the chunks no worker has
    started yet (work stealing: those need no pickling).
    """
    declared = V.GetVmodlType(item)
    count = len(doc.chunks)
    results: list = [None] * count
    large = pool is not None and len(doc.data) >= POOL_MIN_BYTES and count > 1
    if large:
        pool.start()

    def local(i: int) -> list:
        return decode.decode_chunk(doc.chunk(i), version, doc.prefixes, declared)

    futures: dict = {}
    for i in range(count):
        executor = pool.executor() if large else None
        if executor is not None:
            futures = {j: workers.submit(executor, doc.chunk(j), version,
                                         doc.prefixes, item) for j in range(i, count)}
            break
        results[i] = local(i)
    if futures:
        global pooled_chunks
        try:
            for j in sorted(futures, reverse=True):
                if futures[j].cancel():
                    results[j] = local(j)
            for j, future in futures.items():
                if results[j] is None:
                    results[j] = future.result()
                    pooled_chunks += 1
        except decode.Unsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken pool: decode here instead
            log.warning("decode workers failed (%s: %s); decoding in-process",
                        type(exc).__name__, exc)
            for future in futures.values():
                future.cancel()
            for j in futures:
                if results[j] is None:
                    results[j] = local(j)
    return [obj for chunk in results for obj in chunk]


__all__ = ["gc_paused", "retrieve_result", "update_set"]
