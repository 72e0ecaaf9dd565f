"""The overview's figures: KPIs and chart data from one set of tables."""

from __future__ import annotations

import pandas as pd

from ...problems import SEVERITIES

# Snapshot age bins of the overview and the snapshots page (days).
AGE_BINS = ((0, 1, "<1d"), (1, 7, "1–7d"), (7, 14, "7–14d"), (14, 30, "14–30d"),
            (30, 90, "30–90d"), (90, float("inf"), ">90d"))


def summarize(frames: dict[str, pd.DataFrame]) -> dict:
    """KPIs and chart data for the overview, from one set of tables."""
    vms, hosts = frames["vms"], frames["hosts"]
    datastores, snaps = frames["datastores"], frames["snapshots"]
    status, problems = frames["status"], frames["problems"]

    templates = vms["is_template"].fillna(False).astype(bool) if len(vms) else \
        pd.Series([], dtype=bool)
    real = vms[~templates] if len(vms) else vms
    power = real["power_state"].fillna("unknown") if len(real) else pd.Series([], dtype=object)

    per_vcenter = []
    # vCenters that could not be read have no data: the charts leave them out
    # (their badge and the banner say why).
    names = list(status.loc[status["status"] == "ok", "vcenter"]) if len(status) else []
    for name in names:
        mine = real[real["vcenter"] == name] if len(real) else real
        p = mine["power_state"] if len(mine) else pd.Series([], dtype=object)
        per_vcenter.append({"vcenter": name, "on": int((p == "poweredOn").sum()),
                            "off": int((p == "poweredOff").sum()),
                            "suspended": int((p == "suspended").sum()),
                            "total": int(len(mine))})

    used = pd.to_numeric(datastores["used_bytes"], errors="coerce") if len(datastores) \
        else pd.Series([], dtype=float)
    free = pd.to_numeric(datastores["free_bytes"], errors="coerce") if len(datastores) \
        else pd.Series([], dtype=float)
    capacity = pd.to_numeric(datastores["capacity_bytes"], errors="coerce") \
        if len(datastores) else pd.Series([], dtype=float)
    top = []
    if len(datastores):
        ds = datastores.assign(used_pct=100 - pd.to_numeric(datastores["free_pct"],
                                                             errors="coerce"))
        ds = ds.dropna(subset=["used_pct"]).sort_values("used_pct", ascending=False)
        for row in ds.head(10).itertuples():
            top.append({"name": row.name, "vcenter": row.vcenter, "moid": row.moid,
                        "used_pct": float(row.used_pct),
                        "free_bytes": _num(row.free_bytes),
                        "capacity_bytes": _num(row.capacity_bytes)})

    capacity_per_vcenter = []
    for name in names:
        mine = datastores[datastores["vcenter"] == name] if len(datastores) else datastores
        capacity_per_vcenter.append({
            "vcenter": name,
            "used_bytes": float(pd.to_numeric(mine["used_bytes"], errors="coerce").sum())
            if len(mine) else 0.0,
            "free_bytes": float(pd.to_numeric(mine["free_bytes"], errors="coerce").sum())
            if len(mine) else 0.0})

    oldest = None
    oldest_list = []  # the oldest few, for the overview's list
    ages = pd.to_numeric(snaps["age_days"], errors="coerce") if len(snaps) else \
        pd.Series([], dtype=float)
    if len(snaps) and snaps["age_days"].notna().any():
        for index in ages.dropna().sort_values(ascending=False, kind="stable").index[:6]:
            row = snaps.loc[index]
            oldest_list.append({"vm": row["vm"], "vm_moid": row["vm_moid"],
                                "name": row["name"], "vcenter": row["vcenter"],
                                "age_days": float(row["age_days"])})
        oldest = oldest_list[0]
    age_bins = [{"label": label, "low": low,
                 "count": int(((ages >= low) & (ages < high)).sum())}
                for low, high, label in AGE_BINS]

    severities = {s: int((problems["severity"] == s).sum()) if len(problems) else 0
                  for s in SEVERITIES}
    categories = []
    if len(problems):
        grouped = problems.groupby(["category", "severity"]).size()
        for category in sorted({c for c, _ in grouped.index}):
            item = {"category": str(category)}
            item.update({s: int(grouped.get((category, s), 0)) for s in SEVERITIES})
            categories.append(item)
        categories.sort(key=lambda c: -sum(c[s] for s in SEVERITIES))

    alarms = frames["alarms"]
    alarm_status = alarms["status"] if len(alarms) else pd.Series([], dtype=object)
    ok = int((status["status"] == "ok").sum()) if len(status) else 0
    conn = hosts["connection_state"] if len(hosts) else pd.Series([], dtype=object)
    maint = hosts["in_maintenance"].fillna(False).astype(bool) if len(hosts) else \
        pd.Series([], dtype=bool)
    return {
        "vcenters": {"ok": ok, "total": int(len(status))},
        "vms": {"total": int(len(real)), "on": int((power == "poweredOn").sum()),
                "off": int((power == "poweredOff").sum()),
                "suspended": int((power == "suspended").sum()),
                "templates": int(templates.sum())},
        "hosts": {"total": int(len(hosts)),
                  "connected": int((conn == "connected").sum()),
                  "maintenance": int(maint.sum()),
                  "not_connected": int(((conn != "connected") & conn.notna()).sum())},
        "clusters": {"total": int(len(frames["clusters"]))},
        "datastores": {"total": int(len(datastores)), "used_bytes": float(used.sum()),
                       "free_bytes": float(free.sum()),
                       "capacity_bytes": float(capacity.sum())},
        "snapshots": {"total": int(len(snaps)), "oldest": oldest,
                      "oldest_list": oldest_list, "ages": age_bins},
        "problems": {**severities, "total": int(len(problems)),
                     "categories": categories},
        "alarms": {"total": int(len(alarms)), "red": int((alarm_status == "red").sum()),
                   "yellow": int((alarm_status == "yellow").sum())},
        "per_vcenter": per_vcenter,
        "capacity_per_vcenter": capacity_per_vcenter,
        "top_datastores": top,
    }


def _num(value) -> float | None:
    try:
        return None if pd.isna(value) else float(value)
    except TypeError:
        return None
