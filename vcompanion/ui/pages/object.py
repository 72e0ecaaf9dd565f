"""/object?vcenter=NAME&moid=ID: one VM, host, datastore, cluster or network.

Its head (kind, name, state), its facts (its row of its table, in friendly
words, naming its host, cluster, datastores and networks as links), then
its sections in the order ``vcompanion.objects.SECTIONS`` declares them:
tags, custom attributes, triggered alarms, problems, recent events, a VM's
network adapters, CD/DVD drives, virtual disks and snapshots (with their
size), and the related VMs, hosts, datastores and networks (linked to their
own pages).  A section without rows is one short "none" line.

Where the data comes from (see ``pagedata/objects.py``): the facts and
every section the FrameSet holds are read from the FrameSet this page is
handed -- the collection every other page shows, and the same per-user view
-- and drawn at once.  The events (and any section registered later, such as
the history's or the metrics') are read from the login's Companion in a
background thread while a spinner shows; only for a vCenter the FrameSet
has, so never for one the user cannot see.  They are read once per page
view; the FrameSet sections follow every refresh.

An object the FrameSet no longer has says so ("no longer exists in vCenter
NAME"), with when it was last seen; ``GONE_OBJECT_HOOKS`` lets the history
name it, date it and link its history.  An unknown vCenter, or one this
login cannot see, is "not available" (the same words for both).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from html import escape
from typing import Any, Callable

import pandas as pd
import panel as pn

from ...objects import RELATED, SECTIONS, TABLE_OF, section_table, shown_columns
from ...tables import TABLES
from .. import objectparts as parts
from ..background import in_session
from ..fragments import html_pane
from ..labels import display_frame
from ..links import LINK_CSS, link_formatter
from ..objectparts import GoneObject
from ..pagedata.objects import FAST, find, resolve
from ..perfcharts import section_view
from .base import TABLE_CSS, Page, card, column_setup, table

log = logging.getLogger(__name__)

# The history's hook: functions (ctx, vcenter, moid) -> GoneObject | None, asked in
# order when an object is gone (the first answer wins).  The history adds one to
# name the object, date when it was last seen and link its history page.
GONE_OBJECT_HOOKS: list[Callable[[Any, str, str], GoneObject | None]] = []


@dataclass(frozen=True)
class SectionLook:
    """How a section registered later shows itself: ``rows(frame)`` turns its
    rows into the rows shown (words, values as text); ``link(view)`` gives a
    (url, text) shown in its head (e.g. the history's "all its changes")."""

    rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    link: Callable[[Any], tuple[str, str]] | None = None


SECTION_LOOKS: dict[str, SectionLook] = {}

# Sections drawn as chips, side by side, rather than as tables.
CHIPS = {"tags": ("category", "tag", ": "), "attributes": ("attribute", "value", " = ")}
# Sections drawn by a function (view, rows, palette) -> a Panel object (charts).
SECTION_VIEWS: dict[str, Callable[[Any, pd.DataFrame, Any], Any]] = {
    "performance": section_view}
ROWS_PER_PAGE = 10


class ObjectPage(Page):
    slug = "object"
    title = "Object"
    icon = "search"
    in_nav = False  # reached through links, not the navigation
    query = {"vcenter": None, "moid": None}  # (the URL parameters it reads)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.vcenter = ctx.args.get("vcenter", "")
        self.moid = ctx.args.get("moid", "")
        self.view = None
        self.frames = None
        self.last_seen = None  # the collection this page last found the object in
        self.head = html_pane("", stylesheets=[parts.OBJECT_CSS])
        self.facts = html_pane("", stylesheets=[parts.OBJECT_CSS, LINK_CSS])
        self.sections: dict[str, pn.Column] = {}
        self.slow_started = False
        self.slow: dict[str, tuple[pd.DataFrame, str | None]] = {}  # name -> rows, error
        self.message = html_pane("", visible=False, stylesheets=[parts.OBJECT_CSS])
        self.body = pn.FlexBox(flex_wrap="wrap", gap="12px", sizing_mode="stretch_width",
                               margin=(4, 0))
        self.layout.objects = [self.message, self.head, card(self.facts, title="Facts"),
                               self.body]

    # --- data -----------------------------------------------------------------------

    def update(self, frames) -> None:
        self.frames = frames
        status = frames.status
        known = set(status["vcenter"]) if len(status) else set()
        if not self.vcenter or not self.moid:
            return self._show_message(parts.which())
        if self.vcenter not in known:
            return self._show_message(parts.not_available(self.vcenter))
        view = find(frames, self.ctx.data.companion, self.vcenter, self.moid)
        if view is None:
            row = status[status["vcenter"] == self.vcenter].iloc[0]
            if row["status"] != "ok":
                why = row["message"] if isinstance(row["message"], str) and row["message"] \
                    else row["status"]
                return self._show_message(parts.not_available(
                    self.vcenter, f"It could not be read at the last refresh ({why}); this "
                    f"page shows the object again when it answers."))
            return self._show_message(parts.gone(self.vcenter, self.moid,
                                                 frames.refreshed_at, self._gone_info()))
        self.view, self.last_seen = view, frames.refreshed_at
        self._show(view, frames)

    def _show_message(self, html: str) -> None:
        self.message.object = html
        self.message.visible = True
        for part in self.layout.objects[1:]:
            part.visible = False

    def _gone_info(self) -> GoneObject | None:
        for hook in GONE_OBJECT_HOOKS:
            try:
                info = hook(self.ctx, self.vcenter, self.moid)
            except Exception:  # noqa: BLE001 - the page must still say it is gone
                log.exception("gone-object hook %r failed", hook)
                continue
            if info is not None:
                return info
        if self.view is not None:  # seen by this page, gone since
            return GoneObject(self.last_seen, self.view.name, self.view.kind)
        return None

    # --- drawing --------------------------------------------------------------------

    def _show(self, view, frames) -> None:
        self.message.visible = False
        for part in self.layout.objects[1:]:
            part.visible = True
        self.head.object = parts.head(view, frames, self.palette)
        decl = TABLES.get(TABLE_OF[view.kind])
        self.facts.object = parts.facts_html(
            view, frames, decl, lambda vc, kind, name: resolve(frames, vc, kind, name))
        cards = []
        for name in view.sections:
            if name not in self.sections:
                self.sections[name] = pn.Column(sizing_mode="stretch_width", margin=0)
            box = self.sections[name]
            if name in self.slow:  # read in the background before this refresh
                view._frames[name], error = self.slow[name]
                if error:
                    view.errors[name] = error
            if name in FAST or name in self.slow:
                self._fill(box, view, name)
            elif not self.slow_started:
                box.objects = [html_pane(parts.section_head(name, None, _desc(name))),
                               _spinner(name, view.vcenter)]
                box.styles = _card_styles("100%")
            cards.append(box)
        self.body.objects = cards
        if not self.slow_started and any(n not in FAST for n in view.sections):
            self.slow_started = True
            threading.Thread(target=self._load_slow, args=(view, pn.state.curdoc),
                             name="vcompanion-object", daemon=True).start()

    def _fill(self, box: pn.Column, view, name: str) -> None:
        """Draw section ``name`` of ``view`` into ``box``."""
        try:
            frame = view[name]
        except Exception as exc:  # noqa: BLE001 - one section must not break the page
            log.exception("object page: section %s failed", name)
            view.errors[name] = f"{type(exc).__name__}: {exc}"
            frame = pd.DataFrame()
        error = view.errors.get(name)
        look = SECTION_LOOKS.get(name, SectionLook())
        link = look.link(view) if look.link is not None else None
        head = html_pane(parts.section_head(name, None if error else len(frame),
                                            _desc(name), link),
                         stylesheets=[parts.OBJECT_CSS, LINK_CSS], margin=(4, 4, 0, 4))
        if look.rows is not None and not error and len(frame):
            frame = look.rows(frame)
        box.css_classes = [f"section-{name}"]
        if error:
            body = html_pane(f'<div class="none" data-error>Could not be read: '
                             f'{escape(str(error))}</div>', stylesheets=[parts.OBJECT_CSS])
            basis = "100%"
        elif name in CHIPS:
            body = html_pane(parts.chips(frame, *CHIPS[name]),
                             stylesheets=[parts.OBJECT_CSS])
            basis = "360px"
        elif not len(frame):
            body = html_pane('<div class="none">none</div>',
                             stylesheets=[parts.OBJECT_CSS])
            basis = "260px"
        elif name in SECTION_VIEWS:
            body = SECTION_VIEWS[name](view, frame, self.palette)
            basis = "100%"
        else:
            body = self._table(view, name, frame)
            basis = "100%"
        box.objects = [head, body]
        box.styles = _card_styles(basis)
        box.tags = [f"rows={len(frame)}"]

    def _table(self, view, name: str, frame: pd.DataFrame) -> pn.widgets.Tabulator:
        decl = section_table(name)
        shown = shown_columns(view, name, frame)
        links = {}
        if name in RELATED and "moid" in frame.columns:
            links["name"] = link_formatter("moid")
        keep = list(dict.fromkeys([*shown, *(["moid"] if links else []), "vcenter"]))
        keep = [c for c in keep if c in frame.columns]
        display = display_frame(frame[keep], decl, name)
        for column in display.columns:  # unknown numbers blank, not "NaN"
            if display[column].dtype.kind == "f" and display[column].isna().any():
                display[column] = display[column].astype(object).where(
                    display[column].notna(), None)
        setup = column_setup(display, decl)
        for column in decl.columns if decl is not None else ():
            if column.unit == "bytes" and column.name in display.columns:  # 0.5 GiB
                setup["formatters"][column.name] = {"type": "money", "precision": 1,
                                                    "thousand": ",", "symbol": ""}
        setup["formatters"].update(links)
        many = len(display) > ROWS_PER_PAGE
        widget = table(display, pagination="local" if many else None,
                       page_size=ROWS_PER_PAGE, min_height=0,
                       hidden_columns=[c for c in keep if c not in shown],
                       layout="fit_data_stretch", header_filters=False,
                       stylesheets=[TABLE_CSS, LINK_CSS], **setup)
        return widget

    def _load_slow(self, view, doc) -> None:
        """Read the sections that are not in the FrameSet (in a thread of its own),
        and draw each in the page's session as it arrives."""
        for name in [n for n in view.sections if n not in FAST]:
            try:
                frame = view[name]
            except Exception as exc:  # noqa: BLE001 - show it, keep the page alive
                log.exception("object page: section %s failed", name)
                frame = pd.DataFrame()
                view.errors[name] = f"{type(exc).__name__}: {exc}"
            self.slow[name] = (frame, view.errors.get(name))
            in_session(doc, lambda name=name: self._slow_done(name))

    def _slow_done(self, name: str) -> None:
        current = self.view  # (a refresh may have made a new view since)
        if current is None or name not in self.sections:
            return
        current._frames[name], error = self.slow[name]
        if error:
            current.errors[name] = error
        self._fill(self.sections[name], current, name)


def _desc(name: str) -> str:
    section = SECTIONS.get(name)
    return section.description if section is not None else ""


def _spinner(name: str, vcenter: str) -> pn.Row:
    return pn.Row(
        pn.indicators.LoadingSpinner(value=True, size=18, color="primary", margin=(6, 8)),
        html_pane(f'<div class="status-line" data-loading-section="{escape(name)}">'
                  f'Reading from vCenter {escape(vcenter)}…</div>', margin=(6, 0)),
        margin=0)


def _card_styles(basis: str) -> dict:
    return {"background": "var(--vc-surface)", "border": "1px solid var(--vc-border)",
            "border-radius": "10px", "padding": "4px 6px 8px 6px",
            "flex": f"1 1 {basis}", "min-width": "0"}


__all__ = ["GONE_OBJECT_HOOKS", "ObjectPage", "SECTION_LOOKS", "SECTION_VIEWS", "SectionLook"]
