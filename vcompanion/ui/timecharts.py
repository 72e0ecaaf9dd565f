"""Bokeh charts over time for the history pages, updated in place.

- ``ChangeCounts``: changes per time bucket, stacked by vCenter or kind, with
  the periods without data shaded (the Changes page);
- ``CapacityTrend``: one datastore's or cluster's daily peaks against its
  capacity, and the forecast range drawn to the "full" date (the Capacity
  page).

Like ``charts.py``: each chart owns its figure and sources; ``update`` swaps
the data.  Times are UTC, as everywhere on the pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from bokeh.models import (ColumnDataSource, DatetimeTickFormatter, HoverTool, Label,
                          NumeralTickFormatter, Range1d, Span)

from .charts import FONT, Chart, _counts, _figure, _legend
from .theme import Palette

def datetimes() -> DatetimeTickFormatter:
    """The time axis' labels.  A new model for every chart: a Bokeh model belongs
    to one document (one browser session), never to two."""
    return DatetimeTickFormatter(hours="%H:%M", days="%b %d", months="%b %Y",
                                 years="%Y", minutes="%H:%M")


def _ms(when) -> float:
    return pd.Timestamp(when).timestamp() * 1000


class ChangeCounts(Chart):
    """Stacked columns: changes per bucket and series (one quad renderer, so the
    series may change with the filters); gaps as hatched bands."""

    def __init__(self, p: Palette, title: str = "Changes over time", height: int = 210):
        self.bars = ColumnDataSource({k: [] for k in ("left", "right", "bottom", "top",
                                                      "color", "label", "count", "when")})
        self.gaps = ColumnDataSource({k: [] for k in ("left", "right", "top", "label")})
        fig = _figure(p, title, height, x_axis_type="datetime",
                      x_range=Range1d(0, 1), y_range=Range1d(0, 1))
        shade = fig.quad(left="left", right="right", bottom=0, top="top", source=self.gaps,
                         fill_color=p.off, fill_alpha=0.16, line_color=None,
                         hatch_pattern="/", hatch_color=p.off, hatch_alpha=0.35,
                         hatch_scale=9)
        bars = fig.quad(left="left", right="right", bottom="bottom", top="top",
                        color="color", source=self.bars, line_color=p.surface,
                        line_width=0.5, legend_field="label")
        fig.add_tools(HoverTool(renderers=[bars], tooltips=[
            ("", "@label"), ("", "@count{0,0} change(s)"), ("", "@when")]))
        fig.add_tools(HoverTool(renderers=[shade], tooltips=[("", "@label")]))
        fig.xaxis.formatter = datetimes()
        fig.yaxis.formatter = NumeralTickFormatter(format="0,0")
        _counts(fig.yaxis)
        fig.yaxis.axis_label = "changes"
        fig.xgrid.grid_line_color = None
        fig.legend.location = "top_left"
        fig.legend.orientation = "horizontal"
        fig.add_layout(fig.legend[0], "above")
        _legend(fig, p)
        self.empty = Label(x=0, y=0, x_units="screen", y_units="screen", text="",
                           text_font=FONT, text_font_size="13px", text_color=p.muted)
        fig.add_layout(self.empty)
        super().__init__(p, fig)

    def update(self, counts: pd.DataFrame, start: datetime, end: datetime,
               bucket: timedelta, colors: dict[str, str],
               gaps: list[tuple[datetime, datetime, str]]) -> None:
        """``counts``: columns bucket (its start), series, count."""
        data = {k: [] for k in self.bars.data}
        width = bucket.total_seconds() * 1000
        top = 0
        for when, group in counts.groupby("bucket", sort=True):
            bottom = 0
            for series, n in zip(group["series"], group["count"]):
                left = _ms(when)
                data["left"].append(left + width * 0.06)
                data["right"].append(left + width * 0.94)
                data["bottom"].append(bottom)
                data["top"].append(bottom + int(n))
                data["color"].append(colors.get(series, self.palette.off))
                data["label"].append(str(series))
                data["count"].append(int(n))
                data["when"].append(f"{pd.Timestamp(when):%Y-%m-%d %H:%M} UTC, "
                                    f"{_span_text(bucket)}")
                bottom += int(n)
            top = max(top, bottom)
        y_max = max(top * 1.15, 1)
        self.figure.x_range.start, self.figure.x_range.end = _ms(start), _ms(end)
        self.figure.y_range.start, self.figure.y_range.end = 0, y_max
        self.gaps.data = {
            "left": [_ms(max(s, start)) for s, _, _ in gaps],
            "right": [_ms(min(e, end)) for _, e, _ in gaps],
            "top": [y_max] * len(gaps), "label": [label for _, _, label in gaps]}
        self.bars.data = data
        self.empty.text = "" if data["top"] else "No changes in this period"
        self.empty.x, self.empty.y = 60, 60


def _span_text(bucket: timedelta) -> str:
    hours = bucket.total_seconds() / 3600
    return f"{hours:g} h" if hours < 24 else f"{hours / 24:g} day{'s' if hours > 24 else ''}"


class CapacityTrend(Chart):
    """Daily peaks of use against capacity, with the forecast range to "full"."""

    def __init__(self, p: Palette, height: int = 280):
        self.history = ColumnDataSource({"x": [], "used": [], "capacity": [], "day": [],
                                         "used_text": [], "capacity_text": []})
        self.band = ColumnDataSource({"xs": [], "ys": []})
        self.lines = ColumnDataSource({"xs": [], "ys": [], "label": []})
        fig = _figure(p, "", height, x_axis_type="datetime", x_range=Range1d(0, 1),
                      y_range=Range1d(0, 1))
        fig.patches(xs="xs", ys="ys", source=self.band, fill_color=p.warning,
                    fill_alpha=0.18, line_color=None)
        fig.multi_line(xs="xs", ys="ys", source=self.lines, line_color=p.warning,
                       line_width=1.6, line_dash="dashed")
        fig.step(x="x", y="capacity", source=self.history, mode="center",
                 line_color=p.muted, line_width=1.5, legend_label="capacity")
        self.ahead = ColumnDataSource({"x": [], "y": []})  # the capacity, ahead
        fig.line(x="x", y="y", source=self.ahead, line_color=p.muted, line_width=1.2,
                 line_dash="dotted")
        used = fig.line(x="x", y="used", source=self.history, line_color=p.accent,
                        line_width=2, legend_label="daily peak use")
        fig.scatter(x="x", y="used", source=self.history, size=4, color=p.accent)
        fig.add_tools(HoverTool(renderers=[used], mode="vline", tooltips=[
            ("", "@day"), ("peak use", "@used_text"), ("capacity", "@capacity_text")]))
        self.today = Span(location=0, dimension="height", line_color=p.muted,
                          line_dash="dotted", line_width=1)
        self.start = Span(location=0, dimension="height", line_color=p.info,
                          line_dash="dashed", line_width=1, visible=False)
        self.start_label = Label(x=0, y=4, y_units="screen", text="", text_font=FONT,
                                 text_font_size="11px", text_color=p.info, x_offset=4)
        fig.add_layout(self.today)
        fig.add_layout(self.start)
        fig.add_layout(self.start_label)
        self.note = Label(x=8, y=8, x_units="screen", y_units="screen", text="",
                          text_font=FONT, text_font_size="12px", text_color=p.muted)
        fig.add_layout(self.note)
        fig.xaxis.formatter = datetimes()
        fig.legend.location = "top_right"
        fig.legend.orientation = "horizontal"
        fig.add_layout(fig.legend[0], "above")
        _legend(fig, p)
        super().__init__(p, fig)

    def update(self, title: str, days: list, used: list[float], capacity: list[float],
               unit: str, scale: float, forecast: dict | None,
               window_start=None, now: datetime | None = None) -> None:
        """``days``: daily times; ``used``/``capacity`` in the series' own unit,
        shown divided by ``scale`` in ``unit``; ``forecast``: used, capacity,
        days_low, days_high (None: none drawn)."""
        fig = self.figure
        fig.title.text = title
        fig.yaxis.axis_label = unit
        now = now or (pd.Timestamp(days[-1]).to_pydatetime() if days else datetime.now())
        shown_used = [u / scale for u in used]
        shown_cap = [c / scale for c in capacity]
        self.history.data = {
            "x": [_ms(d) for d in days], "used": shown_used, "capacity": shown_cap,
            "day": [f"{pd.Timestamp(d):%Y-%m-%d}" for d in days],
            "used_text": [f"{u:,.1f} {unit}" for u in shown_used],
            "capacity_text": [f"{c:,.1f} {unit}" for c in shown_cap]}
        start = pd.Timestamp(days[0]).to_pydatetime() if days else now - timedelta(days=30)
        span = max((now - start).days, 14)
        end = now + timedelta(days=1)
        xs, ys, lines = [], [], {"xs": [], "ys": [], "label": []}
        if forecast and forecast.get("used") is not None and forecast.get("capacity"):
            used0, cap = forecast["used"] / scale, forecast["capacity"] / scale
            horizon = max(60.0, span * 0.6)
            ends = []
            for days_to_full in (forecast.get("days_low"), forecast.get("days_high")):
                if days_to_full is None or pd.isna(days_to_full):
                    ends.append((horizon, used0))  # no growth at the slow end
                    continue
                d = min(float(days_to_full), horizon)
                slope = (cap - used0) / float(days_to_full) if days_to_full else 0.0
                ends.append((d, used0 + slope * d))
            points = [(0.0, used0), *ends]
            xs = [[_ms(now + timedelta(days=d)) for d, _ in points]]
            ys = [[y for _, y in points]]
            for d, y in ends:
                lines["xs"].append([_ms(now), _ms(now + timedelta(days=d))])
                lines["ys"].append([used0, y])
                lines["label"].append("")
            end = now + timedelta(days=max(d for d, _ in ends) + 1)
        self.band.data = {"xs": xs, "ys": ys}
        self.lines.data = lines
        top = max([*shown_cap, *shown_used, *(y for row in ys for y in row)], default=1)
        fig.x_range.start, fig.x_range.end = _ms(start - timedelta(days=1)), _ms(end)
        fig.y_range.start, fig.y_range.end = 0, top * 1.08 or 1
        self.today.location = _ms(now)
        self.start.visible = window_start is not None
        self.start_label.text = ""
        if window_start is not None:
            self.start.location = self.start_label.x = _ms(window_start)
            self.start_label.text = f"trend since {pd.Timestamp(window_start):%b %d}"
        self.ahead.data = {"x": [_ms(now), _ms(end)], "y": [shown_cap[-1]] * 2} \
            if shown_cap and xs else {"x": [], "y": []}
        self.note.text = "" if days else "No capacity samples yet"


__all__ = ["ChangeCounts", "CapacityTrend"]
