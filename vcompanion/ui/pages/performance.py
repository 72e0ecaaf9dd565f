"""/performance: who waits, who swaps, which host runs hot, across every vCenter.

- KPIs: VMs above the CPU-ready warning, VMs ballooning or swapping, hosts
  above the usage threshold, datastores above the latency warning (the
  ``problems`` thresholds), over the health rules' window
  (``problems.performance_minutes``, realtime samples);
- the top VMs by CPU ready, co-stop, ballooned and swapped memory and disk
  latency, linked to their pages; a vCenter without a figure says why (a
  counter it lacks, a level it does not collect, statistics that failed),
  never as zeros;
- the hosts as a heat map of CPU and memory use (a click opens the host);
- charts of one host, cluster or datastore over 1 h, 24 h, 7 d or 30 d
  (the history's finer samples where it has them: ``vc.metrics``).

Statistics are not in the FrameSet: they are read from the login's Companion
(``pagedata/performance.py``) in a thread of the page's own while a spinner
shows, after every dashboard refresh (the Companion keeps answers for
``metrics.cache_seconds``; the problems read the same ones) and when a chart
changes, and drawn on the session's next tick.  Only vCenters of the
FrameSet are read.
"""

from __future__ import annotations

import logging
import threading
from html import escape

import pandas as pd
import panel as pn

from ..background import in_session
from ..fragments import html_pane, kpi, kpi_grid, num
from ..links import LINK_CSS, object_link
from ..pagedata import performance as data
from ..perfcharts import HeatMap, Lines, describe_source, series_of
from .base import Page, card, flex, section, spinner_box

log = logging.getLogger(__name__)

TOP = 6
PERF_CSS = """
table.top { table-layout: fixed; }
table.top td, table.top th { padding: 4px 6px; white-space: nowrap; overflow: hidden;
                             text-overflow: ellipsis; }
table.top th.num, table.top td.num { width: 76px; }
table.top td .vc { display: block; font-size: 11.5px; color: var(--vc-muted);
                   overflow: hidden; text-overflow: ellipsis; }
.none, .note { font-size: 12.5px; color: var(--vc-muted); padding: 6px 4px; }
.note b { color: var(--vc-text); font-weight: 600; }
"""


class PerformancePage(Page):
    slug = "performance"
    title = "Performance"
    icon = "activity"
    needs_tables = False  # HTML lists and Bokeh charts only

    def __init__(self, ctx):
        super().__init__(ctx)
        p = self.palette
        self.frames = None
        self.figures: data.Figures | None = None
        self.vcenters: list[str] = []
        problems = ctx.data.config.get("problems")
        self.limits = problems
        self.minutes = float(problems["performance_minutes"])
        self._lock = threading.Lock()
        self._figures_busy = self._figures_again = False
        self._series_token = 0
        self._quiet = False  # widgets being set by the page, not the user
        self.spinner = spinner_box(margin=(4, 6), size=18)
        self.status = html_pane("", margin=(4, 0))
        self.notes = html_pane("")  # (emptied to hide it: see spinner_box)
        self.kpis = html_pane("")
        self.tops = {key: html_pane(_reading(), stylesheets=[LINK_CSS, PERF_CSS],
                                    margin=(0, 2)) for key, *_ in data.TOPS}
        self.heat = HeatMap(p)
        self.heat_note = html_pane("", margin=(0, 6))
        self.kind = pn.widgets.RadioButtonGroup(
            options={"Hosts": "hosts", "Clusters": "clusters", "Datastores": "datastores"},
            value="hosts", button_style="outline", button_type="primary", margin=(4, 6))
        # at most 380 px, narrower on a phone (never past its card)
        self.object = pn.widgets.Select(options={}, sizing_mode="stretch_width",
                                        max_width=380, margin=(4, 6),
                                        styles={"flex": "1 1 240px"})
        self.window = pn.widgets.RadioButtonGroup(options=list(data.WINDOWS), value="24h",
                                                  button_style="outline",
                                                  button_type="primary", margin=(4, 6))
        self.chart_spinner = spinner_box(margin=(8, 6), size=18)
        self.chart_note = html_pane("", margin=(0, 6))
        self.charts = {"usage": Lines(p, "CPU and memory", unit="%"),
                       "latency": Lines(p, "Latency", unit="ms")}
        # (visibility is toggled on a box: toggling a Bokeh pane's trips Panel 1.10)
        self.boxes = {key: pn.Column(chart.pane, margin=0, sizing_mode="stretch_width",
                                     styles={"flex": "1 1 420px", "min-width": "0"})
                      for key, chart in self.charts.items()}
        for widget in (self.kind, self.object, self.window):
            widget.param.watch(self._on_chart_change, "value")
        window = f"last {self.minutes:g} minutes"
        self.layout.objects = [
            pn.Row(self.spinner, self.status, margin=0, sizing_mode="stretch_width"),
            self.notes, self.kpis,
            section(f"Top VMs · {window}"),
            flex(*(card(self.tops[key], title=title) for key, title, *_ in data.TOPS),
                 basis="200px"),
            card(self.heat_note, self.heat.pane,
                 title=f"Hosts · CPU and memory use, {window}"),
            card(pn.FlexBox(self.kind, self.object, self.window, self.chart_spinner,
                            flex_wrap="wrap", align_items="center", margin=0,
                            sizing_mode="stretch_width"),
                 self.chart_note,
                 pn.FlexBox(*self.boxes.values(), flex_wrap="wrap",
                            gap="8px", sizing_mode="stretch_width", margin=0),
                 title="Charts · one host, cluster or datastore")]

    # --- refresh ----------------------------------------------------------------------

    def update(self, frames) -> None:
        self.frames = frames
        self.vcenters = data.visible_vcenters(frames)
        self._quiet = True
        try:
            self._fill_objects()
        finally:
            self._quiet = False
        self._read_figures()
        self._read_series()

    def _in_thread(self, work, done) -> None:
        """``work()`` in a thread; ``done(result)`` in this session on its next tick."""
        doc = pn.state.curdoc

        def run():
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - shown, the page stays alive
                log.exception("performance page: a read failed")
                result = exc
            in_session(doc, lambda: done(result))

        threading.Thread(target=run, name="vcompanion-performance", daemon=True).start()

    # --- figures: KPIs, top VMs, heat map ---------------------------------------------

    def _read_figures(self) -> None:
        with self._lock:
            if self._figures_busy:
                self._figures_again = True
                return
            self._figures_busy = True
        self.spinner.visible = True
        self.status.object = (f'<div class="status-line" data-perf-loading="1">Reading '
                              f'statistics from {len(self.vcenters)} vCenter'
                              f'{"s" if len(self.vcenters) != 1 else ""}…</div>')
        companion, vcenters = self.ctx.data.companion, list(self.vcenters)
        self._in_thread(lambda: data.read_figures(companion, vcenters, self.minutes),
                        self._figures_done)

    def _figures_done(self, result) -> None:
        with self._lock:
            self._figures_busy = False
            again, self._figures_again = self._figures_again, False
        if isinstance(result, Exception):
            self.spinner.visible = False
            self.status.object = (f'<div class="status-line" data-perf-error="1">Statistics '
                                  f'could not be read: {escape(str(result))}</div>')
        else:
            self.figures = result
            self._draw_figures()
        if again:
            self._read_figures()

    def _draw_figures(self) -> None:
        figures = self.figures
        self.spinner.visible = False
        read = figures.read_at.strftime("%H:%M:%S") if figures.read_at else ""
        self.status.object = (f'<div class="status-line" data-perf-read="{escape(read)}">'
                              f'Figures of the last {self.minutes:g} minutes (realtime '
                              f'samples), read {escape(read)} UTC</div>')
        failed = {v: m for v, m in figures.failures.items() if v in self.vcenters}
        self.notes.object = "".join(
            f'<div class="banner warning" data-perf-failed="{escape(v)}"><b>Statistics of '
            f'vCenter {escape(v)} are unavailable</b> ({escape(_short(m))}); its VMs and '
            f'hosts are left out below, not shown as zeros.</div>' for v, m in failed.items())
        vms = figures.frames.get("vms", pd.DataFrame())
        for key, _, column, unit, positive in data.TOPS:
            self.tops[key].object = self._top_html(key, vms, column, unit, positive,
                                                   figures.failures)
        self.kpis.object = self._kpis(figures)
        rows = data.heat_rows(figures.frames.get("hosts", pd.DataFrame()),
                              self.frames.tables["hosts"], self.vcenters)
        for row in rows:
            if row["vcenter"] in failed:
                row["why"] = "statistics could not be read"
        self.heat.update(rows)
        measured = sum(1 for r in rows if r["cpu"] is not None and not pd.isna(r["cpu"]))
        self.heat_note.object = (
            f'<div class="status-line" data-heatmap="{len(rows)}">{measured} of {len(rows)} '
            f'hosts measured · colour: use % (grey: no statistics) · a click opens the '
            f'host</div>')

    def _top_html(self, key: str, vms: pd.DataFrame, column: str, unit: str,
                  positive: bool, failures: dict) -> str:
        rows = data.top(vms, column, TOP, positive)
        body = "".join(
            f'<tr><td>{object_link(r["name"], r["vcenter"], r["moid"])}<span class="vc">'
            f'{escape(str(r["vcenter"]))}</span></td><td class="num" title="average '
            f'{_fmt(r[column])} {escape(unit)}, highest {_fmt(r.get(column + "_max"))} '
            f'{escape(unit)}">{_fmt(r[column])}</td></tr>'
            for r in rows.to_dict("records"))
        table = (f'<table class="list top" data-top="{key}" data-rows="{len(rows)}"><tr>'
                 f'<th>VM</th><th class="num">avg {escape(unit)}</th></tr>{body}</table>'
                 ) if len(rows) else (
            f'<div class="none" data-top="{key}" data-rows="0">No VM above 0</div>')
        notes = data.unavailable(vms, column, failures, self.vcenters)
        return table + "".join(
            f'<div class="note" data-unavailable="{escape(v)}"><b>{escape(v)}</b>: '
            f'{escape(_short(why))}</div>' for v, why in notes.items())

    def _kpis(self, figures) -> str:
        limits = self.limits
        vms = figures.frames.get("vms", pd.DataFrame())
        hosts = figures.frames.get("hosts", pd.DataFrame())
        stores = figures.frames.get("datastores", pd.DataFrame())

        def values(frame, column):
            return pd.to_numeric(frame[column], errors="coerce") if column in frame \
                else pd.Series(dtype=float)

        ready = values(vms, "cpu_ready_pct")
        waiting = int((ready > limits["cpu_ready_warning_pct"]).sum())
        worst = int((ready > limits["cpu_ready_critical_pct"]).sum())
        balloon = int((values(vms, "mem_balloon_mb") > 0).sum())
        swap = int(((values(vms, "mem_swapped_mb") > 0)
                    | (values(vms, "mem_swapin_kbps") > 0)).sum())
        pressed = int(((values(vms, "mem_balloon_mb") > 0) | (values(vms, "mem_swapped_mb") > 0)
                       | (values(vms, "mem_swapin_kbps") > 0)).sum())
        limit = limits["host_usage_pct"]
        hot = int(((values(hosts, "cpu_usage_pct") > limit)
                   | (values(hosts, "mem_usage_pct") > limit)).sum())
        hosts_measured = int(values(hosts, "cpu_usage_pct").notna().sum())
        lat = limits["disk_latency_warning_ms"]
        slow = int(((values(stores, "read_latency_ms") > lat)
                    | (values(stores, "write_latency_ms") > lat)).sum())
        stores_measured = int(values(stores, "read_latency_ms").notna().sum())
        return kpi_grid([
            kpi("Waiting for CPU", num(waiting, "perf-ready"),
                f'VMs above {limits["cpu_ready_warning_pct"]:g} % ready per vCPU · '
                f'{worst} above {limits["cpu_ready_critical_pct"]:g} %',
                "critical" if worst else "warning" if waiting else "ok"),
            kpi("Memory pressure", num(pressed, "perf-memory"),
                f"VMs: {balloon} ballooning · {swap} swapping",
                "warning" if pressed else "ok"),
            kpi("Busy hosts", num(hot, "perf-hosts"),
                f"CPU or memory above {limit:g} % · of {hosts_measured} measured",
                "warning" if hot else "ok"),
            kpi("Slow datastores", num(slow, "perf-datastores"),
                f"read or write above {lat:g} ms · of {stores_measured} measured",
                "warning" if slow else "ok")])

    # --- charts -----------------------------------------------------------------------

    def _fill_objects(self) -> None:
        """The chart's choice of objects of the kind, from the FrameSet."""
        kind = self.kind.value
        table = self.frames.tables[kind]
        table = table[table["vcenter"].isin(self.vcenters)]
        if kind == "hosts":
            table = table.assign(_u=pd.to_numeric(table["cpu_usage_pct"], errors="coerce"))
            table = table.sort_values("_u", ascending=False, na_position="last")
        else:  # in the vCenters' order, then by name
            rank = {v: i for i, v in enumerate(self.vcenters)}
            table = table.assign(_r=table["vcenter"].map(rank)).sort_values(["_r", "name"])
        options = {}
        for r in table[["vcenter", "name", "moid"]].itertuples(index=False):
            label = f"{r.name} · {r.vcenter}"
            options[label if label not in options else f"{label} ({r.moid})"] = (
                str(r.vcenter), str(r.moid))
        current = self.object.value
        self.object.options = options
        values = list(options.values())
        self.object.value = current if current in values else (values[0] if values else None)

    def _on_chart_change(self, event) -> None:
        if self._quiet:
            return
        if event.obj is self.kind:
            self._quiet = True
            try:
                self.object.value = None
                self._fill_objects()
            finally:
                self._quiet = False
        self._read_series()

    def _read_series(self) -> None:
        kind, chosen, window = self.kind.value, self.object.value, self.window.value
        self._series_token += 1
        token = self._series_token
        if not chosen:
            self._draw_series(kind, None, window, pd.DataFrame(), token)
            return
        vcenter, moid = chosen
        self.chart_spinner.visible = True
        companion = self.ctx.data.companion
        self._in_thread(lambda: data.read_series(companion, kind, vcenter, moid, window),
                        lambda result: self._draw_series(kind, chosen, window, result,
                                                         token))

    def _draw_series(self, kind, chosen, window, result, token: int) -> None:
        if token != self._series_token:
            return  # a newer choice is being read
        self.chart_spinner.visible = False
        frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame()
        vcenter = chosen[0] if chosen else ""
        label = next((k for k, v in self.object.options.items() if v == chosen), "")
        failure = (str(result) if isinstance(result, Exception)
                   else frame.attrs.get("failures", {}).get(vcenter))
        charts = {key: (title, unit, counters) for key, title, unit, counters
                  in data.CHARTS[kind]}
        points = 0
        for key, chart in self.charts.items():
            self.boxes[key].visible = key in charts
            if key in charts:
                title, unit, counters = charts[key]
                series = series_of(frame, counters) if not frame.empty else []
                points += sum(len(s[1]) for s in series)
                chart.update(series, unit, title=title,
                             empty="Statistics unavailable" if failure else "No samples")
        intervals = ",".join(str(int(s)) for s in sorted(set(frame["interval"].dropna()))) \
            if not frame.empty else ""
        where = "history" if vcenter in frame.attrs.get("history", ()) else "vCenter"
        text = (f"Could not be read: {_short(failure)}" if failure else
                describe_source(frame, vcenter) or "No samples in this window")
        self.chart_note.object = (
            f'<div class="status-line" data-chart-window="{escape(window)}" '
            f'data-chart-interval="{intervals}" data-chart-source="{where}" '
            f'data-chart-points="{points}"><b>{escape(label)}</b> · last '
            f'{escape(window)} · {escape(text)}</div>')


def _fmt(value) -> str:
    """1 decimal below 100, none above (2,904 MiB)."""
    if value is None or pd.isna(value):
        return ""
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _short(text, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _reading() -> str:
    return '<div class="none" data-loading-top="1">Reading…</div>'


__all__ = ["PerformancePage"]
