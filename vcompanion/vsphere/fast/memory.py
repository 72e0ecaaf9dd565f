"""Give the memory a big collection freed back to the operating system.

Decoding a large answer allocates and frees hundreds of megabytes (the
answer's bytes, parse trees, per-thread heaps).  glibc keeps freed memory
in its heaps, so a process that holds 300 MB of inventory can stay at 550 MB
resident.  ``trim_memory()`` asks glibc to return what is free
(``malloc_trim``); elsewhere (Windows, macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_trim = None
if sys.platform.startswith("linux"):
    try:
        _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        _trim.argtypes = [ctypes.c_size_t]
        _trim.restype = ctypes.c_int
    except (OSError, AttributeError):  # not glibc
        _trim = None


def trim_memory() -> bool:
    """Return freed heap memory to the OS where the C library can; True if done."""
    if _trim is None:
        return False
    _trim(0)
    return True


__all__ = ["trim_memory"]
