"""What every page has in common: the Page base class and the table helpers.

Downloads hold what a vCenter sent, and a vCenter is not trusted: Excel
downloads are written by the reports' writer (``frame_workbook``: text is
always text), CSV downloads by ``frames.csv_text`` (no cell starts a formula).
"""

from __future__ import annotations

import io
import json

import pandas as pd
import panel as pn
from bokeh.models.widgets.tables import HTMLTemplateFormatter

from ...frames import csv_text
from ...reports.framebook import frame_workbook
from .. import audit, labels
from ..pagedata.history import HistoryReader, history_reader
from ..theme import Palette


# Quiet rows in the page's own colours (both themes), readable header tooltips.
TABLE_CSS = """
.tabulator { background: var(--vc-surface) !important; border: 1px solid var(--vc-border);
             border-radius: 8px; font-size: 13.5px; }
.tabulator .tabulator-header, .tabulator .tabulator-header .tabulator-col {
  background: var(--vc-surface) !important; color: var(--vc-text) !important; }
.tabulator .tabulator-header { border-bottom: 2px solid var(--vc-border) !important; }
.tabulator .tabulator-header .tabulator-col { border-right: 1px solid var(--vc-border); }
.tabulator .tabulator-tableholder, .tabulator .tabulator-tableholder .tabulator-table {
  background: var(--vc-surface) !important; color: var(--vc-text) !important; }
.tabulator-row, .tabulator-row.tabulator-row-odd {
  background: var(--vc-surface) !important; color: var(--vc-text) !important;
  border-bottom: 1px solid var(--vc-border) !important; }
.tabulator-row.tabulator-row-even { background: var(--vc-surface-alt) !important; }
.tabulator-row:hover, .tabulator-row.tabulator-row-even:hover {
  background: color-mix(in srgb, var(--vc-accent) 14%, var(--vc-surface)) !important; }
.tabulator-row .tabulator-cell { border-right: 1px solid transparent !important; }
.tabulator .tabulator-footer { background: var(--vc-surface) !important;
  color: var(--vc-muted) !important; border-top: 1px solid var(--vc-border) !important; }
.tabulator .tabulator-footer .tabulator-page { background: var(--vc-surface-alt);
  color: var(--vc-text); border: 1px solid var(--vc-border); border-radius: 5px; }
.tabulator .tabulator-footer .tabulator-page.active {
  background: var(--vc-accent) !important; color: #fff !important; }
.tabulator .tabulator-header-filter input { background: var(--vc-bg) !important;
  color: var(--vc-text) !important; border: 1px solid var(--vc-border) !important;
  border-radius: 4px; padding: 2px 5px; }
.tabulator-tooltip, .tabulator-popup-container.tabulator-tooltip {
  background: var(--vc-surface-alt) !important; color: var(--vc-text) !important;
  border: 1px solid var(--vc-border) !important; border-radius: 6px; padding: 6px 9px;
  font-size: 12.5px; max-width: 360px; box-shadow: 0 4px 16px rgba(0,0,0,.35); }
"""


class Page(pn.viewable.Viewer):
    """A page: built once per browser session, ``update``d with each new FrameSet.

    ``slug`` is its URL (``/slug``), ``title`` its name in the navigation and
    the browser tab, ``icon`` the name of its navigation icon (shell.ICONS);
    ``needs_tables``: it shows Tabulators (their JavaScript is loaded).
    ``query``: the URL query parameters the page reads (``/slug?name=value``),
    each with its choices (None: free text); every page also takes
    ``theme`` (shell.py).  tests/test_links.py opens each page with each.
    """

    in_nav = True  # listed in the navigation (False: reached through links only)
    slug = ""
    title = ""
    icon = ""
    needs_tables = True
    query: dict[str, tuple[str, ...] | None] = {}

    def __init__(self, ctx, **params):
        super().__init__(**params)
        self.ctx = ctx
        self.palette: Palette = ctx.palette
        self.layout = pn.Column(sizing_mode="stretch_width", margin=0)

    def __panel__(self):
        return self.layout

    def update(self, frames) -> None:  # pragma: no cover - every page overrides
        raise NotImplementedError


class HistoryPage(Page):
    """A page read from the history database (/changes, /capacity).

    Its vCenter choices follow each FrameSet; it reads (``_load``) when first
    updated, and after a refresh again only when a recording has arrived since
    (``loaded_mark``: the newest recording its last read saw).  A subclass has
    ``vcenters`` (a MultiChoice), ``background``, ``rows`` (None before the first
    read), ``_load()`` and ``_say(title, text)``; ``history_off`` ends the message
    shown with the history turned off.
    """

    history_off = ""

    def __init__(self, ctx, **params):
        super().__init__(ctx, **params)
        self.reader: HistoryReader | None = None  # of the latest FrameSet
        self.rows: pd.DataFrame | None = None
        self.loaded_mark = object()

    def update(self, frames) -> None:
        names = [str(v) for v in frames.status["vcenter"]] if len(frames.status) else []
        self.vcenters.options = names
        self.vcenters.value = [v for v in self.vcenters.value if v in names]
        self.reader = history_reader(self.ctx.data, frames)
        if not self.reader.available:
            self._say("The history is turned off", "Set history.enabled to true in the "
                      f"configuration{self.history_off}")
            return
        if self.rows is None:
            self._load()
        else:  # a new collection: read again only when a recording arrived
            self.background.run(self.reader.newest, self._maybe_reload,
                                name="history-mark")

    def _maybe_reload(self, newest) -> None:
        if newest != self.loaded_mark:
            self._load()


def section(text: str) -> pn.pane.HTML:
    from ..fragments import html_pane
    return html_pane(f'<div class="section-title">{text}</div>', margin=(12, 4, 0, 4))


def flex(*objects, basis: str = "420px") -> pn.FlexBox:
    """Objects side by side, wrapping under each other on narrow screens."""
    for obj in objects:
        obj.styles = {**(obj.styles or {}), "flex": f"1 1 {basis}", "min-width": "0"}
    return pn.FlexBox(*objects, flex_wrap="wrap", gap="12px", sizing_mode="stretch_width",
                      margin=(4, 0))


def card(*objects, title: str = "") -> pn.Column:
    head = [section(title)] if title else []
    return pn.Column(*head, *objects, sizing_mode="stretch_width",
                     styles={"background": "var(--vc-surface)",
                             "border": "1px solid var(--vc-border)",
                             "border-radius": "10px", "padding": "4px 6px 8px 6px"},
                     margin=(4, 0))


def table(frame: pd.DataFrame | None = None, **params) -> pn.widgets.Tabulator:
    """A read-only Tabulator with vCompanion's defaults."""
    params.setdefault("pagination", "remote")
    params.setdefault("page_size", 25)
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("show_index", False)
    params.setdefault("disabled", True)
    params.setdefault("selectable", False)
    params.setdefault("layout", "fit_data_table")
    params.setdefault("theme", "fast")
    params.setdefault("stylesheets", [TABLE_CSS])
    params.setdefault("min_height", 120)
    return pn.widgets.Tabulator(frame if frame is not None else pd.DataFrame(), **params)


def spinner_box(margin=(8, 4), size: int = 20) -> pn.Row:
    """A spinner for a page's background reads: show it with ``box.visible = busy``.

    The box's visibility changes, never the spinner's: a page's first read can
    end before the browser has drawn the page, and Panel's HTML view (1.10)
    throws on a change of its visibility before it is drawn.  (Hide text the
    same way, or by emptying it.)
    """
    return pn.Row(pn.indicators.LoadingSpinner(value=True, size=size, color="primary",
                                               margin=margin), visible=False, margin=0)


def fill(widget: pn.widgets.Tabulator, frame: pd.DataFrame, **setup) -> None:
    """Show ``frame`` in a table; of its column setup (titles, formatters, widths,
    hidden columns ...), send only what changed.

    A table filled after its page is shown (a background read) is made with its
    columns and setup (``table(pd.DataFrame(columns=...), **setup)``) and then
    changes only its rows: the browser may not have drawn it yet, and Panel's
    Tabulator (1.10) throws on a change of its columns before it is drawn,
    which loses the rest of that update (tests/test_links.py).
    """
    changed = {name: value for name, value in setup.items()
               if not _same(getattr(widget, name), value)}
    widget.param.update(value=frame, **changed)


def _same(a, b) -> bool:
    """Equal setup values; Bokeh formatters are equal when their properties are."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "properties_with_values") and hasattr(b, "properties_with_values"):
        return type(a) is type(b) and (a.properties_with_values(include_defaults=False)
                                       == b.properties_with_values(include_defaults=False))
    return a == b


def column_setup(frame: pd.DataFrame, table_decl=None, extra_titles: dict | None = None
                 ) -> dict:
    """Tabulator titles, header tooltips and number formats for a display frame."""
    titles, tips, formatters = {}, {}, {}
    decl = {c.name: c for c in table_decl.columns} if table_decl is not None else {}
    for name in frame.columns:
        titles[name] = (extra_titles or {}).get(name) or labels.title(
            name, table_decl.name if table_decl is not None else "")
        column = decl.get(name)
        if column is not None:
            unit = f" ({column.unit})" if column.unit and column.unit != "bytes" else ""
            if column.unit == "bytes":
                unit = " (shown in GiB)"
            tips[name] = column.description + unit
        if str(frame[name].dtype) == "float64":
            if name.endswith("_pct"):
                formatters[name] = {"type": "money", "precision": 1, "symbol": ""}
            elif column is not None and column.dtype == "Int64":
                formatters[name] = {"type": "money", "precision": 0, "thousand": ",",
                                    "symbol": ""}
            else:
                formatters[name] = {"type": "money", "precision": 1, "thousand": ",",
                                    "symbol": ""}
    return {"titles": titles, "header_tooltips": tips, "formatters": formatters}


def status_formatter(p: Palette, colors: dict[str, str]) -> HTMLTemplateFormatter:
    """A cell with a coloured dot before friendly words (e.g. severity).

    The value is text from a vCenter (a hostile one can send any text where an
    enumeration belongs): it is only compared with the known words, which pick
    the colour, and written escaped (``<%- %>``), never as markup.
    """
    cases = " ".join(f"value == {json.dumps(label)} ? {json.dumps(color)} :"
                     for label, color in colors.items())
    template = (f'<span style="display:inline-block;width:8px;height:8px;'
                f'border-radius:50%;margin-right:6px;background:<%= {cases} '
                f'{json.dumps(p.off)} %>"></span><%- value %>')
    return HTMLTemplateFormatter(template=template)


def percent_bar(p: Palette, warn: float = 80, crit: float = 90) -> dict:
    """Tabulator 'progress' formatter for 0-100 % values, coloured by thresholds."""
    return {"type": "progress", "min": 0, "max": 100, "legend": True,
            "legendColor": p.text, "legendAlign": "center",
            "color": [p.ok] * 8 + [p.warning] + [p.critical] if (warn, crit) == (80, 90)
            else [p.ok, p.warning, p.critical]}


def to_csv(frame: pd.DataFrame) -> io.BytesIO:
    """A download for people: opened in a spreadsheet, so no cell is a formula
    (``frames.csv_text``, safe); UTF-8 with a BOM, which Excel recognises."""
    return io.BytesIO(csv_text(frame, safe=True, list_separator=", ")
                      .encode("utf-8-sig"))


class DownloadButtons:
    """CSV and Excel downloads of a Tabulator's filtered rows and shown columns
    (but for columns that are only links, such as the Hosts and Datastores
    pages' History)."""

    LINKS_ONLY = ("history",)

    def __init__(self, tabulator: pn.widgets.Tabulator, stem: str):
        self.tabulator, self.stem = tabulator, stem
        common = dict(button_type="default", button_style="outline", width=80,
                      margin=(4, 4), embed=False)
        self.csv = pn.widgets.FileDownload(callback=self._csv, filename=f"{stem}.csv",
                                           label="CSV", **common)
        self.xlsx = pn.widgets.FileDownload(callback=self._xlsx, filename=f"{stem}.xlsx",
                                            label="Excel", **common)
        self.row = pn.Row(self.csv, self.xlsx, margin=0)

    def view(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """The rows the filters leave, the columns shown, and their titles."""
        view = self.tabulator.current_view
        columns = [c for c in view.columns if c not in self.tabulator.hidden_columns
                   and c not in self.LINKS_ONLY]
        return view[columns], {c: self.tabulator.titles.get(c, c) for c in columns}

    def frame(self) -> pd.DataFrame:
        """What the downloads hold: the view under the columns' titles."""
        view, titles = self.view()
        out = view.copy()
        out.columns = [titles[c] for c in view.columns]
        return out

    def _stamp(self) -> str:
        from datetime import datetime, timezone
        return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")

    def _csv(self):
        self.csv.filename = f"vcompanion-{self.stem}-{self._stamp()}.csv"
        frame = self.frame()
        audit.downloaded(self.csv.filename, len(frame))
        return to_csv(frame)

    def _xlsx(self):
        self.xlsx.filename = f"vcompanion-{self.stem}-{self._stamp()}.xlsx"
        view, titles = self.view()
        audit.downloaded(self.xlsx.filename, len(view))
        return io.BytesIO(frame_workbook(view, sheet=self.stem, titles=titles))
