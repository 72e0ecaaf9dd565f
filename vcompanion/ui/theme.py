"""Colours, CSS and the Bokeh theme of the dashboards: dark by default, light on demand.

One ``Palette`` per mode; the page CSS, the status colours of badges and
cards, and the Bokeh theme of every chart all come from it, so charts match
the page in both modes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bokeh.themes import Theme
from panel.theme.fast import Fast

from .panel_compat import offline_design

THEME_COOKIE = "vcompanion_theme"


@dataclass(frozen=True)
class Palette:
    name: str           # "dark" or "light"
    background: str
    surface: str        # cards, table
    surface_alt: str    # hover, stripes
    border: str
    text: str
    muted: str
    accent: str
    ok: str
    warning: str
    critical: str
    info: str
    off: str            # powered off, unknown
    grid: str
    series: tuple[str, ...]  # categorical chart colours

    @property
    def panel_theme(self) -> str:
        """Panel's name for the mode."""
        return "dark" if self.name == "dark" else "default"


DARK = Palette(
    name="dark", background="#0d1117", surface="#161b22", surface_alt="#1c2330",
    border="#2b3440", text="#e6edf3", muted="#8d99a8", accent="#3fa9f5",
    ok="#3fb950", warning="#e3b341", critical="#f85149", info="#58a6ff", off="#6e7681",
    grid="#242c37",
    series=("#3fa9f5", "#a371f7", "#3fb950", "#e3b341", "#f778ba", "#56d4dd",
            "#ff9b50", "#8d99a8"))

LIGHT = Palette(
    name="light", background="#f4f6f9", surface="#ffffff", surface_alt="#eef1f5",
    border="#d0d7de", text="#1f2328", muted="#57606a", accent="#0969da",
    ok="#1a7f37", warning="#9a6700", critical="#cf222e", info="#0969da", off="#8c959f",
    grid="#e4e8ee",
    series=("#0969da", "#8250df", "#1a7f37", "#bf8700", "#bf3989", "#1b7c83",
            "#bc4c00", "#57606a"))

PALETTES = {"dark": DARK, "light": LIGHT}


# Panel's Fast design without its web font from Google: the dashboards must load
# completely from the vCompanion server (air-gapped management networks).
OfflineFast = offline_design(Fast, __name__)


def palette(mode: str | None) -> Palette:
    """The palette for 'dark' or 'light' (Panel's 'default' means light)."""
    if mode in ("default", "light"):
        return LIGHT
    return DARK


def severity_color(p: Palette, severity: str) -> str:
    return {"critical": p.critical, "warning": p.warning, "info": p.info,
            "ok": p.ok}.get(severity, p.off)


def status_color(p: Palette, status: str) -> str:
    """Colour of a vCenter status ('ok', 'unreachable', ...)."""
    if status == "ok":
        return p.ok
    if status in ("not connected",):
        return p.off
    return p.critical


def bokeh_theme(p: Palette) -> Theme:
    """A Bokeh theme matching the page: transparent backgrounds, palette text."""
    return Theme(json={"attrs": {
        "Plot": {"background_fill_color": p.surface, "border_fill_color": p.surface,
                 "outline_line_color": None, "min_border_left": 8,
                 "min_border_right": 12, "min_border_top": 8, "min_border_bottom": 8},
        "Axis": {"axis_line_color": p.border, "major_tick_line_color": p.border,
                 "minor_tick_line_color": None, "major_label_text_color": p.muted,
                 "axis_label_text_color": p.muted, "major_label_text_font_size": "11px",
                 "axis_label_text_font_size": "11px",
                 "axis_label_text_font_style": "normal"},
        "Grid": {"grid_line_color": p.grid, "grid_line_alpha": 1.0},
        "Title": {"text_color": p.text, "text_font_size": "13px",
                  "text_font_style": "bold"},
        "Legend": {"background_fill_color": p.surface, "background_fill_alpha": 0.9,
                   "border_line_color": None, "label_text_color": p.muted,
                   "label_text_font_size": "11px", "glyph_height": 12,
                   "glyph_width": 12, "spacing": 2, "padding": 4},
        "Text": {"text_color": p.text},
        "LabelSet": {"text_color": p.text},
        "Label": {"text_color": p.text},
    }})


def page_css(p: Palette) -> str:
    """Global CSS of every page (cards, badges, banners, tables)."""
    return f"""
:root {{
  --vc-bg: {p.background}; --vc-surface: {p.surface}; --vc-surface-alt: {p.surface_alt};
  --vc-border: {p.border}; --vc-text: {p.text}; --vc-muted: {p.muted};
  --vc-accent: {p.accent}; --vc-ok: {p.ok}; --vc-warning: {p.warning};
  --vc-critical: {p.critical}; --vc-info: {p.info}; --vc-off: {p.off};
}}
html, body {{ background: var(--vc-bg) !important; color: var(--vc-text); }}
html, body {{ overflow-x: hidden; }}
@media (max-width: 800px) {{
  #sidebar {{ display: none; }}
  #sidebar.vc-shown {{ display: block; position: fixed; left: 0; bottom: 0; z-index: 1000;
                       height: auto !important; min-width: 250px; max-width: 85vw;
                       background: var(--vc-surface) !important;
                       box-shadow: 8px 0 24px rgba(0,0,0,.45); }}
  #main {{ padding-left: 6px !important; padding-right: 6px !important; }}
}}
#header {{ box-shadow: 0 1px 0 var(--vc-border); }}
.main .card-margin, .main .card {{ max-width: 100%; }}
"""


# CSS shared by the HTML fragments the pages render (loaded into each pane's
# shadow root through ``stylesheets``).
FRAGMENT_CSS = """
:host { width: 100%; }
* { box-sizing: border-box; }
a { color: var(--vc-accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--vc-muted); }
.kpis { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 12px; width: 100%; }
@media (min-width: 900px) { .kpis { grid-template-columns: repeat(4, minmax(0, 1fr)); } }
@media (min-width: 1900px) { .kpis { grid-template-columns: repeat(8, minmax(0, 1fr)); } }
@media (min-width: 900px) { .kpis.six { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
@media (min-width: 1900px) { .kpis.six { grid-template-columns: repeat(6, minmax(0, 1fr)); } }
@media (min-width: 1900px) { .kpis.four { grid-template-columns: repeat(4, minmax(0, 1fr)); } }
.kpi { display: block; background: var(--vc-surface); border: 1px solid var(--vc-border);
       border-radius: 10px; padding: 12px 14px; color: var(--vc-text); min-width: 0;
       border-left: 4px solid var(--vc-accent); transition: background .15s; }
a.kpi:hover { background: var(--vc-surface-alt); text-decoration: none; }
.kpi .label { font-size: 12px; text-transform: uppercase; letter-spacing: .05em;
              color: var(--vc-muted); white-space: nowrap; overflow: hidden;
              text-overflow: ellipsis; }
.kpi .value { font-size: 28px; font-weight: 650; line-height: 1.25; margin: 2px 0;
              white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
              font-variant-numeric: tabular-nums; }
.kpi .value small { font-size: 15px; font-weight: 500; color: var(--vc-muted); }
.kpi .sub { font-size: 12.5px; color: var(--vc-muted); line-height: 1.45;
            display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
            overflow: hidden; min-height: 2.9em; }
.kpi.ok { border-left-color: var(--vc-ok); }
.kpi.warning { border-left-color: var(--vc-warning); }
.kpi.critical { border-left-color: var(--vc-critical); }
.kpi.off { border-left-color: var(--vc-off); }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%;
       margin-right: 5px; vertical-align: middle; }
.sev { white-space: nowrap; margin-right: 10px; }
.badges { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
          gap: 10px; width: 100%; }
.badge { background: var(--vc-surface); border: 1px solid var(--vc-border);
         border-radius: 10px; padding: 10px 12px; min-width: 0; }
.badge .top { display: flex; align-items: center; justify-content: space-between;
              gap: 8px; }
.badge .name { font-weight: 650; font-size: 15px; overflow: hidden;
               text-overflow: ellipsis; white-space: nowrap; }
.pill { font-size: 11.5px; font-weight: 600; padding: 2px 9px; border-radius: 999px;
        white-space: nowrap; color: #fff; }
.badge .meta { font-size: 12.5px; color: var(--vc-muted); margin-top: 4px;
               overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.banner { border-radius: 8px; padding: 10px 14px; margin: 0 0 4px 0;
          border: 1px solid var(--vc-critical); color: var(--vc-text);
          background: color-mix(in srgb, var(--vc-critical) 16%, var(--vc-surface)); }
.banner.info { border-color: var(--vc-info);
               background: color-mix(in srgb, var(--vc-info) 12%, var(--vc-surface)); }
.banner.warning { border-color: var(--vc-warning);
                  background: color-mix(in srgb, var(--vc-warning) 14%, var(--vc-surface)); }
.banner b { font-weight: 650; }
.bars { width: 100%; display: flex; flex-direction: column; gap: 6px; }
.bar-row { display: grid; grid-template-columns: minmax(90px, 34%) 1fr 64px; gap: 10px;
           align-items: center; font-size: 13px; }
.bar-row .lbl { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar { height: 10px; background: var(--vc-surface-alt); border-radius: 5px;
       overflow: hidden; border: 1px solid var(--vc-border); }
.bar > span { display: block; height: 100%; border-radius: 5px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { padding: 28px 16px; text-align: center; color: var(--vc-muted);
         border: 1px dashed var(--vc-border); border-radius: 10px; width: 100%; }
.empty h3 { color: var(--vc-text); margin: 0 0 6px 0; font-size: 16px; }
.section-title { font-size: 13px; text-transform: uppercase; letter-spacing: .06em;
                 color: var(--vc-muted); margin: 6px 0 2px 0; font-weight: 600; }
.status-line { font-size: 12.5px; color: var(--vc-muted); }
table.list { width: 100%; border-collapse: collapse; font-size: 13px; }
table.list th { text-align: left; color: var(--vc-muted); font-weight: 600;
                border-bottom: 1px solid var(--vc-border); padding: 6px 8px; }
table.list td { border-bottom: 1px solid var(--vc-border); padding: 6px 8px;
                overflow: hidden; text-overflow: ellipsis; }
@media (max-width: 600px) {
  .kpis { gap: 8px; }
  .kpi .value { font-size: 22px; }
  .kpi { padding: 10px; }
  .bar-row { grid-template-columns: minmax(70px, 38%) 1fr 52px; }
}
"""
