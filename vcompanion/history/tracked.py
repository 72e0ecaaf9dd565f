"""What the history keeps of each table, read from the column declarations.

A table whose ``Table.history`` names a kind (``vm``, ``host`` ...) is
recorded; its columns marked ``TRACKED`` (and ``IDENTITY``) are kept per
object, those marked ``CAPACITY`` are sampled (``capacity.py``).  Nothing
here names a column: a new marked column is remembered as it is declared.

A kept object is its *state*: a dict of the tracked and identity values
(normalised so that equal means unchanged: lists sorted, decimals rounded),
stored as JSON.  Its *fingerprint*, a 64-bit hash of the same values, is
what a recording compares: an unchanged object costs one hash compare.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..tables import TABLES
from ..tables.schema import BOOL, FLOAT, INT, LIST, TIME, Column, Table

DECIMALS = 3  # decimals kept of FLOAT columns (GiB to the MiB)
_SEP = "\x1f"


@dataclass(frozen=True)
class Tracked:
    """One recorded table: its kind and the columns kept per object."""

    table: Table
    kind: str
    columns: tuple[Column, ...]  # kept per object, without vcenter and moid

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def shown(self) -> Table:
        """The table ``as_of`` returns: vcenter, the kept columns and moid, in the
        declared order, types and sort order."""
        cols = tuple(c for c in self.table.columns
                     if c.name in ("vcenter", "moid") or c in self.columns)
        return Table(self.table.name, self.table.row, cols, sort=self.table.sort)

    def fingerprints(self, frame: pd.DataFrame) -> dict[str, int]:
        """moid -> hash of the kept values of each row of ``frame`` (a repeated
        moid counts once; rows without one are left out).

        Python's hash of a tuple: fast for small tables, as fast as pandas'
        vectorised hashing for large ones, and only ever compared within one
        process (fingerprints are never stored: ``frame_of_states`` rebuilds
        them from the stored states).
        """
        columns = []
        for c in self.columns:
            values = frame[c.name].tolist()
            if c.dtype == LIST:
                values = [tuple(sorted(map(str, v))) if _is_list(v) else () for v in values]
            elif c.dtype == FLOAT:
                values = [None if v is None or v is pd.NA or v != v else round(v, DECIMALS)
                          for v in values]
            columns.append(values)
        out: dict[str, int] = {}
        for moid, value in zip(frame["moid"].tolist(), map(hash, zip(*columns))):
            if isinstance(moid, str) and moid not in out:
                out[moid] = value
        return out

    def states(self, frame: pd.DataFrame, moids) -> dict[str, dict]:
        """moid -> state (the normalised kept values) of the rows ``moids``."""
        if len(moids) == 0:
            return {}
        position: dict[str, int] = {}
        for i, moid in enumerate(frame["moid"].tolist()):
            position.setdefault(moid, i)
        rows = frame.iloc[[position[m] for m in moids]][self.names].astype(object)
        types = [(c.name, c.dtype) for c in self.columns]
        return {moid: {name: normalise(v, dtype) for (name, dtype), v in zip(types, values)}
                for moid, values in zip(moids, rows.itertuples(index=False, name=None))}

    def frame_of_states(self, states: dict[str, dict]) -> pd.DataFrame:
        """The kept columns and moid of ``states`` as a frame with the declared
        dtypes (what ``fingerprints`` reads)."""
        rows = [{**state, "moid": moid} for moid, state in states.items()]
        return Table(self.table.name, self.table.row,
                     (*self.columns, self.table.column("moid")), sort=()).frame(rows)


def normalise(value: Any, dtype: str) -> Any:
    """A kept value as plain JSON-able Python, the same for equal values."""
    if dtype == LIST:
        return sorted(map(str, value)) if _is_list(value) else []
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if dtype == FLOAT:
        return round(float(value), DECIMALS)
    if dtype == INT:
        return int(value)
    if dtype == BOOL:
        return bool(value)
    if dtype == TIME:
        return pd.Timestamp(value).isoformat()
    return str(value)


def _is_list(value) -> bool:
    return isinstance(value, (list, tuple, set, np.ndarray))


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


TRACKED: dict[str, Tracked] = {
    t.name: Tracked(t, t.history, tuple(c for c in t.kept
                                        if c.name not in ("vcenter", "moid")))
    for t in TABLES.values() if t.history}
KINDS: dict[str, Tracked] = {t.kind: t for t in TRACKED.values()}


def tracked(name: str) -> Tracked:
    """The recorded table called ``name`` (``vms``) or of kind ``name`` (``vm``)."""
    from ..errors import ConfigError
    found = TRACKED.get(name) or KINDS.get(name)
    if found is None:
        raise ConfigError(f"the history keeps no table '{name}' (it keeps "
                          f"{', '.join(TRACKED)})")
    return found


__all__ = ["KINDS", "TRACKED", "Tracked", "dumps", "normalise", "tracked"]
