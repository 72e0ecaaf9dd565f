"""Bokeh charts of the dashboards, updated in place when the data refreshes.

Each chart owns its figure and ColumnDataSource; ``update(...)`` swaps the
data (and categorical factors) without rebuilding the figure, so a refresh
does not flicker on a wall screen.  ``pane`` is the Panel pane to lay out,
themed with ``theme.bokeh_theme``.
"""

from __future__ import annotations

import math

import panel as pn
from bokeh.models import BasicTicker, ColumnDataSource, HoverTool, Label, Range1d
from bokeh.plotting import figure

from .theme import Palette, bokeh_theme

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _figure(p: Palette, title: str, height: int, **kw):
    fig = figure(title=title, height=height, sizing_mode="stretch_width",
                 toolbar_location=None, tools="", **kw)
    fig.title.text_font = FONT
    fig.title.text_font_size = "13.5px"
    fig.title.text_color = p.text
    for axis in (fig.xaxis, fig.yaxis):
        axis.major_label_text_font = FONT
        axis.major_label_text_font_size = "11.5px"
        axis.major_label_text_color = p.muted
        axis.axis_label_text_font = FONT
        axis.axis_label_text_font_size = "11.5px"
        axis.axis_label_text_font_style = "normal"
        axis.axis_label_text_color = p.muted
        axis.axis_line_color = p.border
        axis.major_tick_line_color = p.border
        axis.minor_tick_line_color = None
    fig.background_fill_color = p.surface
    fig.border_fill_color = p.surface
    fig.outline_line_color = None
    return fig


def _legend(fig, p: Palette) -> None:
    for legend in fig.legend:
        legend.background_fill_color = p.surface
        legend.background_fill_alpha = 0.9
        legend.border_line_color = None
        legend.label_text_color = p.muted
        legend.label_text_font = FONT
        legend.label_text_font_size = "11.5px"
        legend.glyph_height = 12
        legend.glyph_width = 12
        legend.spacing = 4
        legend.padding = 4


def _counts(axis) -> None:
    """Whole-number ticks for an axis of counts."""
    axis.ticker = BasicTicker(min_interval=1, desired_num_ticks=6)


class Chart:
    """Base: a themed Bokeh pane."""

    def __init__(self, p: Palette, fig):
        self.palette = p
        self.figure = fig
        self.pane = pn.pane.Bokeh(fig, theme=bokeh_theme(p), sizing_mode="stretch_width",
                                  min_width=0, margin=(4, 4))


class StackedBars(Chart):
    """Horizontal stacked bars: one row per category, one stack per series."""

    def __init__(self, p: Palette, title: str, series: list[tuple[str, str, str]],
                 height: int = 240, x_label: str = "", counts: bool = True):
        # series: (key, legend label, colour)
        self.series = series
        keys = [k for k, _, _ in series]
        self.source = ColumnDataSource({"category": [], **{k: [] for k in keys}})
        fig = _figure(p, title, height, y_range=[], x_range=Range1d(0, 1))
        renderers = fig.hbar_stack(keys, y="category", height=0.62, source=self.source,
                                   color=[c for _, _, c in series],
                                   legend_label=[label for _, label, _ in series],
                                   line_color=p.surface, line_width=1)
        tips = [("", "@category")] + [(label, f"@{{{k}}}{{0,0.[0]}}") for k, label, _ in series]
        fig.add_tools(HoverTool(renderers=[renderers[0]], tooltips=tips,
                                point_policy="follow_mouse"))
        fig.legend.location = "bottom_right"
        fig.legend.orientation = "horizontal"
        fig.add_layout(fig.legend[0], "below")
        _legend(fig, p)
        fig.ygrid.grid_line_color = None
        fig.xaxis.axis_label = x_label
        fig.xaxis.formatter.use_scientific = False
        if counts:
            _counts(fig.xaxis)
        fig.x_range.start = 0
        super().__init__(p, fig)

    def update(self, categories: list[str], values: dict[str, list[float]]) -> None:
        categories = [str(c) for c in categories]
        data = {"category": categories}
        totals = [0.0] * len(categories)
        for key, _, _ in self.series:
            column = [float(v) for v in values.get(key, [0] * len(categories))]
            data[key] = column
            totals = [a + b for a, b in zip(totals, column)]
        top = max(totals, default=0) or 1
        self.figure.y_range.factors = list(reversed(categories))
        self.figure.x_range.end = top * 1.08
        self.source.data = data


class Bars(Chart):
    """Horizontal bars with one colour per bar (e.g. datastores by used %)."""

    def __init__(self, p: Palette, title: str, height: int = 260, x_max: float | None = 100,
                 x_label: str = "", value_format: str = "{0.0}",
                 tooltips: list[tuple[str, str]] | None = None):
        self.x_max = x_max
        self.source = ColumnDataSource({"label": [], "value": [], "color": [],
                                        "text": [], "detail": []})
        fig = _figure(p, title, height, y_range=[], x_range=Range1d(0, x_max or 1))
        bars = fig.hbar(y="label", right="value", height=0.62, color="color",
                        source=self.source, line_color=None)
        fig.add_tools(HoverTool(renderers=[bars], tooltips=tooltips or [
            ("", "@label"), ("", "@text"), ("", "@detail")]))
        fig.ygrid.grid_line_color = None
        fig.xaxis.axis_label = x_label
        fig.xaxis.formatter.use_scientific = False
        super().__init__(p, fig)

    def update(self, rows: list[dict]) -> None:
        """rows: label, value, color, text, detail."""
        labels_ = [str(r["label"]) for r in rows]
        # Bokeh factors must be unique: suffix repeated labels.
        seen: dict[str, int] = {}
        unique = []
        for label in labels_:
            seen[label] = seen.get(label, 0) + 1
            unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
        self.figure.y_range.factors = list(reversed(unique))
        if self.x_max is None:
            self.figure.x_range.end = max([r["value"] for r in rows], default=0) * 1.1 or 1
        self.source.data = {"label": unique, "value": [float(r["value"]) for r in rows],
                            "color": [r["color"] for r in rows],
                            "text": [r.get("text", "") for r in rows],
                            "detail": [r.get("detail", "") for r in rows]}


class Columns(Chart):
    """Vertical bars over ordered categories (e.g. snapshot age bins)."""

    def __init__(self, p: Palette, title: str, height: int = 240, y_label: str = ""):
        self.source = ColumnDataSource({"label": [], "value": [], "color": []})
        fig = _figure(p, title, height, x_range=[], y_range=Range1d(0, 1))
        bars = fig.vbar(x="label", top="value", width=0.7, color="color",
                        source=self.source, line_color=None)
        fig.add_tools(HoverTool(renderers=[bars], tooltips=[("", "@label"),
                                                            (y_label or "count",
                                                             "@value{0,0}")]))
        fig.xgrid.grid_line_color = None
        fig.yaxis.axis_label = y_label
        fig.yaxis.formatter.use_scientific = False
        _counts(fig.yaxis)
        fig.xaxis.major_label_orientation = 0
        super().__init__(p, fig)

    def update(self, rows: list[dict]) -> None:
        self.figure.x_range.factors = [str(r["label"]) for r in rows]
        self.figure.y_range.end = max([r["value"] for r in rows], default=0) * 1.15 or 1
        self.source.data = {"label": [str(r["label"]) for r in rows],
                            "value": [float(r["value"]) for r in rows],
                            "color": [r["color"] for r in rows]}


class Donut(Chart):
    """A donut of shares with the total in the middle."""

    def __init__(self, p: Palette, title: str, height: int = 240):
        self.source = ColumnDataSource({"label": [], "value": [], "start": [], "end": [],
                                        "color": [], "pct": []})
        fig = _figure(p, title, height, x_range=Range1d(-1, 1), y_range=Range1d(-1, 1))
        # Radii in screen pixels keep the donut round at any width.
        radius = max(40, (height - 60) // 2)
        wedges = fig.annular_wedge(x=0, y=0, inner_radius=radius * 0.6,
                                   outer_radius=radius, inner_radius_units="screen",
                                   outer_radius_units="screen",
                                   start_angle="start", end_angle="end",
                                   color="color", line_color=p.surface, line_width=2,
                                   source=self.source, legend_field="label")
        fig.add_tools(HoverTool(renderers=[wedges], tooltips=[
            ("", "@label"), ("", "@value{0,0} (@pct{0.0} %)")]))
        self.total = Label(x=0, y=-0.08, text="", text_align="center",
                           text_baseline="middle", text_font_size="20px",
                           text_font_style="bold", text_color=p.text, text_font=FONT)
        fig.add_layout(self.total)
        fig.axis.visible = False
        fig.grid.visible = False
        fig.legend.location = "center"
        fig.legend.label_text_font = FONT
        fig.add_layout(fig.legend[0], "right")
        _legend(fig, p)
        super().__init__(p, fig)

    def update(self, rows: list[dict]) -> None:
        """rows: label, value, color (zero rows are left out)."""
        rows = [r for r in rows if r["value"]]
        total = sum(r["value"] for r in rows)
        start, data = math.pi / 2, {"label": [], "value": [], "start": [], "end": [],
                                    "color": [], "pct": []}
        for r in rows:
            angle = 2 * math.pi * r["value"] / total if total else 0
            data["label"].append(f'{r["label"]}: {int(r["value"]):,}')
            data["value"].append(r["value"])
            data["start"].append(start - angle)
            data["end"].append(start)
            data["color"].append(r["color"])
            data["pct"].append(100 * r["value"] / total if total else 0)
            start -= angle
        self.total.text = f"{int(total):,}"
        self.source.data = data
