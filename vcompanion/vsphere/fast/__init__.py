"""The fast path for bulk reads: PropertyCollector answers decoded from bytes.

pyvmomi turns a 6,000-VM RetrievePropertiesEx answer (tens of megabytes of
XML) into objects in tens of seconds, holding the GIL.  This package sends
the same request over pyvmomi's session (``soap.py``), cuts the answer into
chunks (``decode.split``), and decodes them with ElementTree's C parser and
per-type converters into small tuple-based objects (``schema.py``) that read
exactly like pyvmomi's; large answers are decoded in worker processes
(``workers.py``).  ``answers.py`` puts whole answers together.

``collection.retrieve`` uses it when the setting ``collection.decoder`` is
``fast`` (the default); ``tests/test_fastdecode.py`` proves on the
simulators, table by table, that both decoders give identical results.
"""

from .answers import gc_paused, retrieve_result, update_set
from .schema import EMPTY, Ref, VObject, to_pyvmomi_ref

__all__ = ["EMPTY", "Ref", "VObject", "gc_paused", "retrieve_result", "to_pyvmomi_ref",
           "update_set"]
