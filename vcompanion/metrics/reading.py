"""Reading statistics from every vCenter of a fleet, through the answer cache."""

from __future__ import annotations

import pandas as pd

from .cache import AnswerCache
from .frames import Results
from .request import Request, targets


def read(request: Request, frames: dict[str, pd.DataFrame], fleet, answers: AnswerCache,
         cache_seconds: float, quiet: bool) -> Results:
    """The statistics ``request`` asks for, of the objects in ``frames``, read from
    each vCenter of ``fleet`` in parallel (``Fleet.each``); a vCenter whose read
    fails is recorded as failed unless ``quiet``."""
    wanted = targets(request, frames)
    found: dict = {}
    keep = request.cache_seconds(cache_seconds)

    def read_one(state) -> None:
        query = wanted[state.name].query
        found[state.name] = answers.get(state.name, query, keep,
                                        lambda: state.source.read_perf(query))

    states = [s for s in fleet if s.name in wanted and wanted[s.name].query]
    failures = fleet.each(read_one, states, record=not quiet)
    ordered = {name: wanted[name] for name in fleet.states if name in wanted}
    return Results(request, ordered, found,
                   {name: str(e) for name, e in failures.items()})


__all__ = ["read"]
