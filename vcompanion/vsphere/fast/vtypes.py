"""Home of the generated data object classes (one per vSphere type name).

``vtypes.VirtualCdrom`` is created on first use from pyvmomi's type
registry (see ``schema.data_class``).  The classes live in this otherwise
empty module so that pickle can name them (``vcompanion.vsphere.fast.vtypes.X``):
decoded objects travel from worker processes as plain tuples.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from .schema import data_class
    try:
        return data_class(name)
    except KeyError:
        raise AttributeError(name) from None
