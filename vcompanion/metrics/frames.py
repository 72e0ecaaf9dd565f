"""Answers into frames: the tidy samples and the per-object figures.

``tidy(results)`` is ``vc.metrics()``: one row per sample, columns declared in
``tables.performance.METRICS``; ``summary(results)`` is ``vc.performance()``:
one row per object with each figure's window average and maximum
(``PERFORMANCE[kind]``).  Both work on whole arrays: a realtime read of
6,000 VMs is millions of samples, so nothing here loops over samples, only
over series.

Datastores are measured by their hosts: a host's series for instance
``<uuid>`` (the last part of the datastore's URL) belongs to that datastore,
and its ``instance`` column names the host.  A figure without samples is
NA with the reason in ``missing``, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..sources import PerfAnswer
from ..tables.performance import METRICS, PERFORMANCE
from .request import Request, Target
from .units import NO_SAMPLE, scale


@dataclass
class Results:
    """What every vCenter answered to one request."""

    request: Request
    targets: dict[str, Target]              # vCenter name -> target, in vCenter order
    answers: dict[str, PerfAnswer]          # those that answered
    failures: dict[str, str] = field(default_factory=dict)  # vCenter -> message


@dataclass
class _Part:
    """One vCenter's kept series, in row order, with their samples."""

    target: Target
    answer: PerfAnswer
    objects: list[str]       # object moid per series
    counters: list[str]
    instances: list[str]     # as shown (datastores: the host's name)
    units: list[str]
    lengths: np.ndarray
    values: np.ndarray       # float, NaN for no sample
    raw: np.ndarray
    times: np.ndarray        # epoch seconds


def _part(request: Request, target: Target, answer: PerfAnswer) -> _Part:
    data = answer.data
    lengths = np.asarray(data.lengths, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    kind = request.kind
    keys, factors, objects, counters, instances, units = [], [], [], [], [], []
    scales: dict[tuple, tuple[float, str]] = {}
    for i, (moid, counter, instance) in enumerate(zip(data.moids, data.counters,
                                                      data.instances)):
        if kind.read_from:  # measured by another object (datastores: hosts)
            oid, shown = target.instances.get(instance), target.hosts.get(moid, moid)
        else:
            oid, shown = moid, instance
        name = target.names.get(oid) if oid is not None else None
        info = answer.counters.get(counter)
        if name is None or info is None:
            continue
        vcpus = (target.context.get(oid) or {}).get("num_cpu")
        how = scales.get((counter, vcpus, instance))
        if how is None:
            how = scales[(counter, vcpus, instance)] = scale(
                info, answer.interval.seconds, vcpus, instance, kind.query_type)
        factor, unit = how
        keys.append(((name.lower(), name, counter, shown), i))
        factors.append(factor)
        objects.append(oid)
        counters.append(counter)
        instances.append(shown)
        units.append(unit)
    order = [i for i, _ in sorted(enumerate(keys), key=lambda item: item[1][0])]
    picked = np.asarray([keys[i][1] for i in order], dtype=np.int64)
    out_lengths = lengths[picked] if len(picked) else np.zeros(0, dtype=np.int64)
    total = int(out_lengths.sum())
    starts = np.cumsum(out_lengths) - out_lengths
    index = (np.arange(total, dtype=np.int64) - np.repeat(starts, out_lengths)
             + np.repeat(offsets[picked] if len(picked) else starts, out_lengths))
    raw = np.frombuffer(data.values, dtype=np.int64)[index] if total else np.zeros(
        0, dtype=np.int64)
    times = np.frombuffer(data.times, dtype=np.int64)[index] if total else raw
    values = raw * np.repeat(np.asarray([factors[i] for i in order], dtype=float),
                             out_lengths)
    values[raw <= NO_SAMPLE] = np.nan
    return _Part(target, answer, [objects[i] for i in order], [counters[i] for i in order],
                 [instances[i] for i in order], [units[i] for i in order], out_lengths,
                 values, raw, times)


def _parts(results: Results) -> list[_Part]:
    return [_part(results.request, target, results.answers[name])
            for name, target in results.targets.items() if name in results.answers]


def _codes(labels: list[str], lengths: np.ndarray) -> pd.Categorical:
    categories = list(dict.fromkeys(labels))
    lookup = {c: i for i, c in enumerate(categories)}
    codes = np.repeat(np.asarray([lookup[label] for label in labels], dtype=np.int32),
                      lengths)
    return pd.Categorical.from_codes(codes, categories=categories)


def tidy(results: Results) -> pd.DataFrame:
    """``vc.metrics()``: every sample, one row each (see the module docstring)."""
    parts = _parts(results)
    lengths = np.concatenate([p.lengths for p in parts]) if parts else np.zeros(
        0, dtype=np.int64)
    total = int(lengths.sum())

    def labels(of) -> pd.Categorical:
        return _codes([value for p in parts for value in of(p)], lengths)

    interval = np.concatenate([np.full(int(p.lengths.sum()), p.answer.interval.seconds)
                               for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    times = np.concatenate([p.times for p in parts]) if parts else np.zeros(
        0, dtype=np.int64)
    columns = {
        "vcenter": labels(lambda p: [p.target.vcenter] * len(p.objects)),
        "kind": labels(lambda p: [results.request.kind.name] * len(p.objects)),
        "name": labels(lambda p: [p.target.names[o] for o in p.objects]),
        "moid": labels(lambda p: p.objects),
        "counter": labels(lambda p: p.counters),
        "instance": labels(lambda p: p.instances),
        "time": pd.Series(pd.DatetimeIndex(times.astype("datetime64[s]").astype(
            "datetime64[ns]")).tz_localize("UTC")),
        "value": pd.array(np.concatenate([p.values for p in parts]) if parts
                          else np.zeros(0), dtype="Float64"),
        "unit": labels(lambda p: p.units),
        "interval": pd.array(interval, dtype="Int64"),
        "raw": pd.array(np.concatenate([p.raw for p in parts]) if parts
                        else np.zeros(0, dtype=np.int64), dtype="Int64"),
    }
    frame = METRICS.columns_frame(columns, total)
    frame.attrs["failures"] = dict(results.failures)
    frame.attrs["missing"] = _missing_notes(results)
    frame.attrs["cost"] = _cost(results)
    frame.attrs["history"] = []  # vCenters answered from the history (combine)
    return frame


def combine(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    """Tidy frames of different vCenters as one, in ``order`` of vCenters (the label
    columns stay categories); attrs of the first, plus each one's ``history``."""
    frames = [f for f in frames if f is not None]
    data = {}
    for column in METRICS.columns:
        values = [f[column.name] for f in frames]
        if column.dtype == "category":
            values = [v.astype(str) for v in values]
        data[column.name] = pd.concat(values, ignore_index=True)
    frame = METRICS.columns_frame(data, sum(len(f) for f in frames))
    rank = {name: i for i, name in enumerate(order)}
    position = frame["vcenter"].astype(str).map(rank).fillna(len(order)).to_numpy()
    frame = frame.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
    frame.attrs.update(frames[0].attrs)
    frame.attrs["history"] = [n for f in frames for n in f.attrs.get("history", ())]
    return frame


def _cost(results: Results) -> dict[str, dict]:
    """What each vCenter's read cost (``frame.attrs["cost"]``): queries, faults,
    samples, the largest answer, metrics per query, seconds."""
    return {name: dict(vars(answer.stats)) for name, answer in results.answers.items()}


def _missing_notes(results: Results) -> list[str]:
    """Short notes on what has no rows, and why (``frame.attrs["missing"]``)."""
    notes = []
    for name, target in results.targets.items():
        answer = results.answers.get(name)
        skipped: dict[str, int] = {}
        for reason in target.skipped.values():
            skipped[reason] = skipped.get(reason, 0) + 1
        notes += [f"{name}: {n} {results.request.kind.name} not read ({reason})"
                  for reason, n in skipped.items()]
        if answer is None:
            continue
        per_counter: dict[tuple[str, str], int] = {}
        for m in answer.missing:
            if m.moid is None:
                notes.append(f"{name}: {m.counter}: {m.reason}")
            else:
                key = (m.counter, m.reason)
                per_counter[key] = per_counter.get(key, 0) + 1
        notes += [f"{name}: {counter}: {reason} ({n} objects)"
                  for (counter, reason), n in per_counter.items()]
    return notes


def summary(results: Results) -> pd.DataFrame:
    """``vc.performance()``: one row per object (see the module docstring)."""
    kind = results.request.kind
    table = PERFORMANCE[kind.name]
    rows = []
    for part in _parts(results):
        rows.extend(_summary_rows(results, part))
    for name, target in results.targets.items():  # nothing asked: only skipped objects
        if name not in results.answers and name not in results.failures:
            rows.extend(_summary_rows(results, None, target))
    frame = table.frame(rows)
    frame.attrs["failures"] = dict(results.failures)
    frame.attrs["cost"] = _cost(results)
    return frame


def _summary_rows(results: Results, part: _Part | None,
                  target: Target | None = None) -> list[dict]:
    kind = results.request.kind
    target = part.target if part is not None else target
    answer = part.answer if part is not None else None
    figures: dict[tuple[str, str], tuple] = {}  # (object, counter) -> (sum, count, max)
    reporters: dict[str, set] = {}
    if part is not None and int(part.lengths.sum()):
        figures, reporters = _figures(part)
    globally = {m.counter: m.reason for m in answer.missing if m.moid is None} \
        if answer else {}
    per_object = {(m.moid, m.counter): m.reason for m in answer.missing
                  if m.moid is not None} if answer else {}
    rows = []
    for oid, name in target.names.items():
        row = {"vcenter": target.vcenter, "name": name, "moid": oid,
               **(target.context.get(oid) or {})}
        if answer is not None:
            row.update(interval=answer.interval.seconds, start=answer.start,
                       end=answer.end)
        missing: dict[str, list[str]] = {}
        samples = 0
        for figure in kind.figures:
            acc = figures.get((oid, figure.counter))
            if acc and acc[1]:
                row[figure.column] = acc[0] / acc[1]
                row[figure.column + "_max"] = float(acc[2])
                samples = max(samples, acc[1])
                continue
            reason = (target.skipped.get(oid) or globally.get(figure.counter)
                      or per_object.get((oid, figure.counter))
                      or ("no host reported it" if kind.read_from
                          else "no samples in the window"))
            missing.setdefault(reason, []).append(figure.column)
        if kind.name == "datastores":
            row["hosts"] = len(reporters.get(oid, ()))
        row["samples"] = samples
        row["missing"] = _missing_text(missing, len(kind.figures)) or None
        rows.append(row)
    return rows


def _figures(part: _Part) -> tuple[dict, dict]:
    """(object, counter) -> (sum, count, max) of its samples, over every instance;
    object -> the instances that reported (datastores: the hosts)."""
    keep = np.flatnonzero(part.lengths > 0)
    starts = (np.cumsum(part.lengths) - part.lengths)[keep]
    valid = ~np.isnan(part.values)
    sums = np.add.reduceat(np.where(valid, part.values, 0.0), starts)
    counts = np.add.reduceat(valid.astype(np.int64), starts)
    maxes = np.maximum.reduceat(np.where(valid, part.values, -np.inf), starts)
    codes: dict[tuple[str, str], int] = {}
    group = np.asarray([codes.setdefault((part.objects[i], part.counters[i]), len(codes))
                        for i in keep], dtype=np.int64)
    total_sums = np.bincount(group, weights=sums, minlength=len(codes))
    total_counts = np.bincount(group, weights=counts, minlength=len(codes))
    total_maxes = np.full(len(codes), -np.inf)
    np.maximum.at(total_maxes, group, maxes)
    figures = {key: (total_sums[c], int(total_counts[c]), total_maxes[c])
               for key, c in codes.items()}
    reporters: dict[str, set] = {}
    if len(part.instances) and any(part.instances):
        for j, i in enumerate(keep):
            if counts[j]:
                reporters.setdefault(part.objects[i], set()).add(part.instances[i])
    return figures, reporters


def _missing_text(missing: dict[str, list[str]], figures: int) -> str:
    parts = []
    for reason, columns in missing.items():
        if len(columns) == figures:
            return reason  # one reason for everything: say it once
        parts.append(f"{', '.join(columns)}: {reason}")
    return "; ".join(parts)


__all__ = ["Results", "combine", "summary", "tidy"]
