"""Charts of performance statistics: the hosts' heat map and time series.

``HeatMap``: one column per host, two rows (CPU, memory), coloured by use %
(cool to hot, grey without statistics); hovering names the host (Bokeh
escapes ``@field`` values: a hostile host name stays text), a click opens
the host's page.  ``Lines``: time series of a few counters of one object,
updated in place.  ``section_view``: the object page's "performance"
section as charts, one per unit.  Like charts.py, every chart keeps its
figure and swaps its data on update.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import panel as pn
from bokeh.models import (ColorBar, ColumnDataSource, DatetimeTickFormatter, FactorRange,
                          HoverTool, Label, LinearColorMapper, OpenURL, TapTool)

from .charts import Chart, _figure, _legend
from .fragments import html_pane, short_host
from .theme import Palette

HEAT_ROWS = ["Memory", "CPU"]  # bottom to top
# Short names of the counters of vc.performance() (legends); others keep theirs.
COUNTER_LABELS = {
    "cpu.usage.average": "CPU", "cpu.ready.summation": "Ready",
    "cpu.costop.summation": "Co-stop", "mem.usage.average": "Memory",
    "mem.active.average": "Active", "mem.vmmemctl.average": "Balloon",
    "mem.swapped.average": "Swapped", "mem.swapinRate.average": "Swap-in",
    "disk.maxTotalLatency.latest": "Disk latency", "net.usage.average": "Network",
    "datastore.totalReadLatency.average": "Read",
    "datastore.totalWriteLatency.average": "Write"}
_ORDER = list(COUNTER_LABELS)
LABELLED_HOSTS = 48  # more hosts than this: no names under the columns


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def heat_palette(p: Palette, steps: int = 101) -> list[str]:
    """Cool at 0 %, the palette's ok at 50 %, warning at 80 %, critical from 90 %."""
    if p.name == "dark":
        cool, ok, warm, hot = "#1f4b73", p.ok, p.warning, p.critical
    else:  # the light palette's text colours are too dark to fill with
        cool, ok, warm, hot = "#b6d4f2", "#4ac26b", "#eac54f", "#e5534b"
    stops = [(0, cool), (50, ok), (80, warm), (90, hot), (100, hot)]
    out = []
    for i in range(steps):
        pct = 100 * i / (steps - 1)
        for (a, ca), (b, cb) in zip(stops, stops[1:]):
            if a <= pct <= b:
                t = (pct - a) / (b - a) if b > a else 0
                rgb = [round(x + (y - x) * t) for x, y in zip(_rgb(ca), _rgb(cb))]
                out.append("#%02x%02x%02x" % tuple(rgb))
                break
    return out


def unique_labels(labels: list[str], groups: list[str] | None = None) -> list[str]:
    """Bokeh factors must be unique: a label found more than once gets its group
    (the vCenter) added, then (2), (3) ..."""
    if groups is not None:
        counts = {label: labels.count(label) for label in labels}
        labels = [f"{label} ({group})" if counts[label] > 1 else label
                  for label, group in zip(labels, groups)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


class HeatMap(Chart):
    """Hosts x {CPU, memory}, coloured by use % (see the module docstring)."""

    def __init__(self, p: Palette, height: int = 200):
        self.source = ColumnDataSource({k: [] for k in (
            "x", "y", "value", "host", "vcenter", "cluster", "text", "url")})
        mapper = LinearColorMapper(palette=heat_palette(p), low=0, high=100, nan_color=p.off)
        fig = _figure(p, "", height, x_range=FactorRange(), y_range=FactorRange(
            factors=HEAT_ROWS))
        rects = fig.rect(x="x", y="y", width=0.92, height=0.88, source=self.source,
                         fill_color={"field": "value", "transform": mapper},
                         line_color=None, hover_line_color=p.text, hover_line_width=2)
        fig.add_tools(HoverTool(renderers=[rects], tooltips=[
            ("host", "@host"), ("vCenter", "@vcenter"), ("cluster", "@cluster"),
            ("", "@text")], point_policy="follow_mouse"))
        fig.add_tools(TapTool(renderers=[rects], callback=OpenURL(url="@url",
                                                                  same_tab=True)))
        bar = ColorBar(color_mapper=mapper, width=10, padding=4, margin=6,
                       major_label_text_color=p.muted, major_label_text_font_size="10.5px",
                       background_fill_color=p.surface, title="%",
                       title_text_color=p.muted, title_text_font_size="10.5px",
                       title_text_font_style="normal", major_tick_line_color=None,
                       bar_line_color=None)
        fig.add_layout(bar, "right")
        fig.xgrid.grid_line_color = None
        fig.ygrid.grid_line_color = None
        fig.xaxis.major_label_orientation = 0.9
        fig.xaxis.axis_line_color = None
        fig.yaxis.axis_line_color = None
        fig.xaxis.major_tick_line_color = None
        fig.yaxis.major_tick_line_color = None
        super().__init__(p, fig)

    def update(self, rows: list[dict]) -> None:
        """rows: host, vcenter, cluster, cpu, memory (% or None), why (no statistics),
        url."""
        labels = unique_labels([short_host(r["host"]) for r in rows],
                               [str(r["vcenter"]) for r in rows])
        data = {k: [] for k in self.source.data}
        for label, r in zip(labels, rows):
            for row, key in (("CPU", "cpu"), ("Memory", "memory")):
                value = r.get(key)
                known = value is not None and not pd.isna(value)
                data["x"].append(label)
                data["y"].append(row)
                data["value"].append(float(value) if known else float("nan"))
                data["host"].append(str(r["host"]))
                data["vcenter"].append(str(r["vcenter"]))
                data["cluster"].append(str(r.get("cluster") or "standalone"))
                data["text"].append(f"{row} {float(value):.1f} %" if known else
                                    f"{row}: {r.get('why') or 'no statistics'}")
                data["url"].append(r.get("url") or "")
        self.figure.x_range.factors = labels
        self.figure.xaxis.major_label_text_font_size = \
            "10.5px" if len(labels) <= LABELLED_HOSTS else "0px"
        self.figure.height = 190 if len(labels) <= LABELLED_HOSTS else 130
        self.source.data = data


class Lines(Chart):
    """A few time series of one object (``slots`` of them, relabelled per update)."""

    def __init__(self, p: Palette, title: str, slots: int = 2, height: int = 240,
                 unit: str = ""):
        fig = _figure(p, title, height, x_axis_type="datetime")
        self.sources, self.renderers = [], []
        colors = [p.accent, p.series[1], p.series[2], p.series[3], p.series[4],
                  p.series[5]]
        for i in range(slots):
            source = ColumnDataSource({"x": [], "y": [], "label": []})
            line = fig.line("x", "y", source=source, color=colors[i % len(colors)],
                            line_width=1.8, legend_label=f"series {i + 1}")
            self.sources.append(source)
            self.renderers.append(line)
        self.hover = HoverTool(renderers=self.renderers, tooltips=[
            ("", "@label"), ("time", "@x{%Y-%m-%d %H:%M} UTC"),
            ("value", "@y{0,0.[00]}" + (f" {unit}" if unit else ""))],
            formatters={"@x": "datetime"}, mode="vline")
        fig.add_tools(self.hover)
        fig.legend.location = "top_left"
        fig.legend.orientation = "horizontal"
        fig.legend.click_policy = "hide"
        fig.add_layout(fig.legend[0], "above")  # never over the lines
        _legend(fig, p)
        fig.xaxis.formatter = DatetimeTickFormatter(hours="%H:%M", days="%b %d",
                                                    months="%b %d")
        fig.y_range.start = 0
        fig.y_range.range_padding = 0.08  # the highest line clear of the top
        fig.yaxis.axis_label = unit
        fig.yaxis.formatter.use_scientific = False
        self.note = Label(x=10, y=10, x_units="screen", y_units="screen", text="",
                          text_color=p.muted, text_font_size="12px")
        fig.add_layout(self.note)
        super().__init__(p, fig)

    def update(self, series: list[tuple[str, np.ndarray, np.ndarray]], unit: str = "",
               title: str | None = None, empty: str = "No samples") -> None:
        """series: (label, times as datetime64, values) per line, at most ``slots``."""
        if title is not None:
            self.figure.title.text = title
        self.figure.yaxis.axis_label = unit
        self.hover.tooltips = [("", "@label"), ("time", "@x{%Y-%m-%d %H:%M} UTC"),
                               ("value", "@y{0,0.[00]}" + (f" {unit}" if unit else ""))]
        items = self.figure.legend[0].items
        for i, source in enumerate(self.sources):
            shown = i < len(series)
            label, times, values = series[i] if shown else ("", [], [])
            source.data = {"x": list(times), "y": [float(v) for v in values],
                           "label": [label] * len(times)}
            self.renderers[i].visible = shown
            if i < len(items):
                items[i].label = {"value": label}
                items[i].visible = shown
        points = sum(len(s[1]) for s in series)
        self.note.text = "" if points else empty


def series_of(frame: pd.DataFrame, counters: list[tuple[str, str]]):
    """(label, times, values) per counter of a tidy frame of one object (a
    datastore's hosts averaged per time)."""
    out = []
    for counter, label in counters:
        rows = frame[frame["counter"] == counter]
        if rows.empty:
            continue
        values = rows.groupby("time", sort=True)["value"].mean()
        times = values.index.tz_convert(None).to_numpy()
        out.append((label, times, values.to_numpy(dtype=float, na_value=np.nan)))
    return out


def describe_source(frame: pd.DataFrame, vcenter: str) -> str:
    """"5-minute samples from the history", "20-second samples from vCenter" ..."""
    if frame.empty:
        return ""
    seconds = sorted({int(s) for s in frame["interval"].dropna()})
    words = " and ".join(interval_words(s) for s in seconds)
    where = "the history" if vcenter in frame.attrs.get("history", ()) else "vCenter"
    return f"{words} samples from {where}"


def interval_words(seconds: int) -> str:
    return {20: "20-second", 300: "5-minute", 1800: "30-minute", 3600: "hourly",
            7200: "2-hour", 86400: "daily"}.get(seconds, f"{seconds}-second")


def section_view(view, frame: pd.DataFrame, p: Palette):
    """The object page's performance section: one chart per unit."""
    units: dict[str, list[tuple[str, str]]] = {}
    pairs = frame[["counter", "unit"]].drop_duplicates().astype(str)
    pairs = sorted(pairs.itertuples(index=False), key=lambda c: (
        _ORDER.index(c[0]) if c[0] in _ORDER else len(_ORDER), c[0]))
    for counter, unit in pairs:
        units.setdefault(unit, []).append((counter, COUNTER_LABELS.get(counter, counter)))
    charts = []
    for unit, counters in units.items():
        series = series_of(frame, counters)
        chart = Lines(p, "", slots=len(series), height=220, unit=unit)
        chart.update(series, unit, title=" · ".join(label for _, label in counters))
        chart.pane.styles = {"flex": "1 1 420px", "min-width": "0"}
        charts.append(chart.pane)
    caption = html_pane(f'<div class="status-line" data-perf-section="{len(frame)}">'
                        f'{describe_source(frame, view.vcenter)}</div>', margin=(0, 6))
    return pn.Column(caption, pn.FlexBox(*charts, flex_wrap="wrap", gap="8px",
                                         sizing_mode="stretch_width", margin=0),
                     sizing_mode="stretch_width", margin=0)


__all__ = ["COUNTER_LABELS", "HeatMap", "Lines", "describe_source", "heat_palette",
           "interval_words", "section_view", "series_of", "unique_labels"]
