"""A decode worker process: ``python -m vcompanion.vsphere.fast.worker`` (see workers.py).

Reads length-prefixed pickled requests on stdin, writes pickled answers on
stdout: ``("ping",)`` -> ``("ok", pid)``; ``("decode", chunk, version,
prefixes, declared)`` -> ``("ok", [objects])`` or ``("error", exception)``.
Ends when stdin closes.  Only its parent talks to it, over its own pipes.
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import sys

_HEADER = struct.Struct("<Q")


def main() -> int:
    from pyVmomi import VmomiSupport

    from .decode import decode_chunk
    gc.disable()  # decoded objects hold no cycles; the parent keeps them
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        request = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
        try:
            if request[0] == "ping":
                answer = ("ok", os.getpid())
            else:
                _, chunk, version, prefixes, declared = request
                answer = ("ok", decode_chunk(chunk, version, prefixes,
                                             VmomiSupport.GetVmodlType(declared)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            answer = ("error", exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable exception
            data = pickle.dumps(("error", RuntimeError(repr(exc))))
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
