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
import queue
import threading
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

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


def retrieve_result_blocks(blocks: Iterable[bytes], version: str | None,
                           pool=None) -> Any:
    """``retrieve_result`` of an answer arriving in ``blocks``.

    The blocks are read on a thread of their own while this one decodes the
    ``<objects>`` that have arrived (or hands them to the worker processes),
    so decoding overlaps vCenter's work and the transfer.  The result is the
    same as ``retrieve_result(b"".join(blocks))``; anything unexpected in
    the layout decodes the whole answer in one piece, as there.
    """
    return _Stream(version, pool).run(iter(blocks))


class _Stream:
    """Cuts an arriving RetrievePropertiesEx answer into chunks of whole
    ``<objects>`` and decodes them in order (see retrieve_result_blocks)."""

    OPEN, CLOSE = b"<objects>", b"</objects>"
    BOUNDARY = CLOSE + OPEN

    def __init__(self, version: str | None, pool) -> None:
        self.version, self.pool = version, pool
        self.declared = V.GetVmodlType(OBJECT_CONTENT)
        self.data = bytearray()
        self.first = -1          # offset of the first <objects>
        self.start = -1          # offset of the first objects not yet cut
        self.opening = b""
        self.prefixes: dict = {}
        self.parts: list = []    # per chunk: decoded objects, or a Future
        self.offsets: list[tuple[int, int]] = []
        self.whole = False       # odd layout: decode the whole answer at the end

    def run(self, blocks: Iterator[bytes]) -> Any:
        arrived: queue.Queue = queue.Queue(maxsize=64)
        stop = threading.Event()

        def read() -> None:
            try:
                for block in blocks:
                    while not stop.is_set():
                        try:
                            arrived.put(block, timeout=0.5)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        break
                arrived.put(None)
            except BaseException as exc:  # noqa: BLE001 - handed to the decoding side
                arrived.put(exc)

        reader = threading.Thread(target=read, daemon=True, name="vcompanion-answer")
        reader.start()
        try:
            with gc_paused():
                while True:
                    block = arrived.get()
                    if block is None:
                        break
                    if isinstance(block, BaseException):
                        raise block
                    self.data += block
                    if not self.whole:
                        try:
                            self._cut(final=False)
                        except decode.Unsupported:
                            self.whole = True  # read on; decoded whole at the end
                return self._finish()
        finally:
            stop.set()
            for part in self.parts:
                if isinstance(part, Future):
                    part.cancel()
            reader.join(5)
            close = getattr(blocks, "close", None)
            if close is not None and not reader.is_alive():
                close()  # an abandoned answer: its connection is dropped

    def _cut(self, final: bool) -> None:
        data = self.data
        if self.first < 0:
            self.first = data.find(self.OPEN)
            if self.first < 0:
                return
            self.start = self.first
            self.prefixes = decode.head_prefixes(bytes(data[:self.first]))
            declarations = " ".join(
                (f'xmlns:{p}="{u}"' if p else f'xmlns="{u}"')
                for p, u in self.prefixes.items())
            self.opening = f"<chunk {declarations}>".encode()
        if self.pool is not None and len(data) >= POOL_MIN_BYTES:
            self.pool.start()  # once, in the background: a large answer
        while True:
            if final:
                last = data.rfind(self.CLOSE)
                if last < self.start:
                    return
                stop = last + len(self.CLOSE)
            else:
                if len(data) - self.start < CHUNK_BYTES:
                    return
                cut = data.rfind(self.BOUNDARY, self.start + 1)
                if cut < 0:
                    return
                stop = cut + len(self.CLOSE)
            self._submit(self.start, stop)
            self.start = stop
            if final or len(data) - self.start < CHUNK_BYTES:
                return

    def _submit(self, start: int, stop: int) -> None:
        chunk = self.opening + bytes(self.data[start:stop]) + b"</chunk>"
        self.offsets.append((start, stop))
        executor = self.pool.executor() if self.pool is not None else None
        if executor is not None:
            self.parts.append(workers.submit(executor, chunk, self.version,
                                             self.prefixes, OBJECT_CONTENT))
        else:
            self.parts.append(decode.decode_chunk(chunk, self.version, self.prefixes,
                                                  self.declared))

    def _finish(self) -> Any:
        data = bytes(self.data)
        try:
            if self.first < 0 or self.whole:
                return retrieve_result(data, self.version)
            self._cut(final=True)
            if data.find(self.OPEN, self.start) >= 0 or not self.offsets:
                raise decode.Unsupported("unbalanced repeated elements")
            end = self.offsets[-1][1]
            frame = decode.parse(data[:self.first] + data[end:])
            result = _returnval(frame, data, self.version, self.prefixes,
                                RETRIEVE_RESULT)
            items = []
            global pooled_chunks
            for index, part in enumerate(self.parts):
                if isinstance(part, Future):
                    future, part = part, None
                    if not future.cancel():  # started: wait for the worker
                        try:
                            part = future.result()
                            pooled_chunks += 1
                        except decode.Unsupported:
                            raise
                        except Exception as exc:  # noqa: BLE001 - a broken pool
                            log.warning("decode workers failed (%s: %s); decoding "
                                        "in-process", type(exc).__name__, exc)
                    if part is None:  # not started, or the worker failed: here
                        start, stop = self.offsets[index]
                        part = decode.decode_chunk(
                            self.opening + data[start:stop] + b"</chunk>",
                            self.version, self.prefixes, self.declared)
                    self.parts[index] = part
                items.extend(part)
            return _with_objects(result, items)
        except decode.Unsupported:
            return retrieve_result(data, self.version)


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


__all__ = ["gc_paused", "retrieve_result", "retrieve_result_blocks", "update_set"]
