"""Small HTML fragments the pages are made of: KPI cards, status badges,
banners, usage bars and empty states.  Pure functions of data -> HTML text;
every value is escaped here.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import panel as pn

from . import labels
from .theme import FRAGMENT_CSS, Palette, status_color


def html_pane(text: str = "", **params) -> pn.pane.HTML:
    """An HTML pane that stretches and carries the fragment CSS."""
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("margin", (4, 4))
    params["stylesheets"] = [FRAGMENT_CSS, *params.get("stylesheets", [])]
    return pn.pane.HTML(text, **params)


def kpi(label: str, value: str, sub: str = "", kind: str = "", href: str = "",
        tooltip: str = "", test_id: str = "") -> str:
    """One KPI card; ``value`` and ``sub`` may hold trusted markup made here."""
    tag = "a" if href else "div"
    attrs = f' href="{escape(href)}"' if href else ""
    attrs += f' title="{escape(tooltip)}"' if tooltip else ""
    attrs += f' data-kpi="{escape(test_id)}"' if test_id else ""
    return (f'<{tag} class="kpi {escape(kind)}"{attrs}><div class="label">'
            f'{escape(label)}</div><div class="value">{value}</div>'
            f'<div class="sub">{sub}</div></{tag}>')


def kpi_grid(cards: list[str]) -> str:
    """KPI cards in rows that fill evenly (4 or 6 or 8 cards)."""
    size = {4: " four", 6: " six"}.get(len(cards), "")
    return f'<div class="kpis{size}">{"".join(cards)}</div>'


def short_host(name: str) -> str:
    """esx-01.corp.example.com -> esx-01 (IP addresses stay whole)."""
    text = str(name)
    if text.replace(".", "").isdigit() or ":" in text:
        return text
    return text.split(".", 1)[0]


def num(value, test_id: str = "") -> str:
    """A number, tagged so tests can read it back."""
    text = labels.count(value)
    return f'<span data-num="{escape(test_id)}">{text}</span>' if test_id else text


def sev_dot(color: str) -> str:
    return f'<span class="dot" style="background:{color}"></span>'


def pill(text: str, color: str) -> str:
    return f'<span class="pill" style="background:{color}">{escape(text)}</span>'


def vcenter_badges(status: pd.DataFrame, per_vcenter: dict[str, int],
                   p: Palette) -> str:
    """One badge per vCenter: name, status, version, VMs, last collection."""
    if status is None or not len(status):
        return empty("No vCenter configured", "Add vCenters to the config file.")
    items = []
    for row in status.itertuples():
        state = str(row.status)
        color = status_color(p, state)
        last = row.last_collection if not pd.isna(row.last_collection) else None
        version = f"vCenter {row.version}" if isinstance(row.version, str) and \
            row.version else ""
        vms = per_vcenter.get(row.vcenter)
        line1 = " · ".join(x for x in (
            version, f"{vms:,} VMs" if vms is not None and state == "ok" else "") if x)
        line2 = (f"read {labels.ago(last)} · {row.address}" if state == "ok" and last
                 else _detail(row.message) if state != "ok" else str(row.address))
        tip = str(row.message or "") if state != "ok" else str(row.address)
        if last:
            tip += f" · last collection {labels.utc_text(last)}"
        items.append(
            f'<div class="badge" data-vcenter="{escape(str(row.vcenter))}" '
            f'data-status="{escape(state)}" title="{escape(tip)}">'
            f'<div class="top"><span class="name">{escape(str(row.vcenter))}</span>'
            f'{pill(labels.friendly("status", state, "status"), color)}</div>'
            f'<div class="meta">{escape(line1 or str(row.address))}</div>'
            f'<div class="meta">{escape(line2)}</div></div>')
    return f'<div class="badges">{"".join(items)}</div>'


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def down_banner(status: pd.DataFrame) -> str:
    """The banner naming every vCenter that could not be read ('' when all are ok)."""
    if status is None or not len(status):
        return ""
    bad = status[~status["status"].isin(["ok", "not connected"])]
    if not len(bad):
        return ""
    good = int((status["status"] == "ok").sum())
    names = "; ".join(f"<b>{escape(str(r.vcenter))}</b> ({escape(str(r.address))}): "
                      f"{escape(labels.friendly('status', r.status, 'status'))} – "
                      f"{escape(_detail(r.message))}" for r in bad.itertuples())
    rest = (("Showing the other vCenter; " if good == 1 else
             f"Showing the other {good} vCenters; ") +
            ("it is" if len(bad) == 1 else "they are") + " read again at every refresh."
            if good else
            "No vCenter could be read; retrying at every refresh.")
    return (f'<div class="banner" role="alert" data-banner="down">'
            f'{"vCenter" if len(bad) == 1 else "vCenters"} not available: {names}. '
            f'{rest}</div>')


def _detail(message) -> str:
    text = str(message or "")
    # Messages name the vCenter and address already shown: keep what follows.
    if "): " in text:
        text = text.split("): ", 1)[1]
    return _short(text, 160)


def info_banner(text: str, kind: str = "info") -> str:
    return f'<div class="banner {escape(kind)}">{text}</div>'


def empty(title: str, text: str = "") -> str:
    return (f'<div class="empty"><h3>{escape(title)}</h3>'
            f'<div>{escape(text)}</div></div>')


def usage_bars(rows: list[tuple], p: Palette,
               warn: float = 80, crit: float = 90, title: str = "") -> str:
    """Horizontal usage bars: (label, percent, right-hand text[, href]); with an
    href (made by ``links.object_url``) the label links there."""
    if not rows:
        return empty("Nothing to show")
    items = []
    for label, pct, right, *href in rows:
        pct_v = 0.0 if pct is None or pd.isna(pct) else max(0.0, min(100.0, float(pct)))
        color = p.critical if pct_v >= crit else p.warning if pct_v >= warn else p.ok
        text = (f'<a class="obj" href="{escape(href[0])}">{escape(label)}</a>'
                if href and href[0] else escape(label))
        items.append(f'<div class="bar-row" title="{escape(label)}: {pct_v:.1f} %">'
                     f'<span class="lbl">{text}</span>'
                     f'<span class="bar"><span style="width:{pct_v:.1f}%;'
                     f'background:{color}"></span></span>'
                     f'<span class="num">{escape(right)}</span></div>')
    head = f'<div class="section-title">{escape(title)}</div>' if title else ""
    return f'{head}<div class="bars">{"".join(items)}</div>'
