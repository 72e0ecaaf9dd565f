"""The Inventory page's "as of" view: a table as the history says it was then.

``AsOf`` holds the date-and-time picker, the banner ("Showing VMs as of
2025-03-01 06:00 UTC ... Back to now") and the background read of
``HistoryReader.as_of``.  The tables the history tracks are the ones it
offers (VMs, hosts, clusters, datastores, networks); their tracked and
identity columns are shown, in the same words as today's tables.  The
inventory page asks ``active`` and ``frame(name)`` and is told to redraw
(``on_change``) when a read arrives or the view goes back to now.
``?as_of=2025-03-01T06:00`` opens it that way.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import Callable

import pandas as pd
import panel as pn

from ...history.times import parse_when
from ...history.tracked import TRACKED
from ...tables import TABLES
from ..background import Background
from ..fragments import html_pane
from ..labels import display_frame, utc_text
from ..pagedata.history import history_reader

NOUN = {"vms": "VMs", "hosts": "hosts", "clusters": "clusters", "datastores": "datastores",
        "networks": "networks"}


class AsOf:
    """The picker, the banner and the frames read (see the module docstring)."""

    def __init__(self, ctx, on_change: Callable[[], None]):
        self.ctx = ctx
        self.on_change = on_change
        self.when: datetime | None = None
        self.frames: dict[str, pd.DataFrame] = {}  # table -> display frame read
        self.haystacks: dict[str, pd.Series] = {}
        self.error = ""
        self.reader = None
        now = datetime.now(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
        self.picker = pn.widgets.DatetimePicker(
            name="", value=None, end=now, width=170, margin=(4, 8, 4, 2),
            enable_seconds=False, military_time=True,
            description="Show the table as the history says it was at this time (UTC); "
                        "empty: now.")
        self.control = pn.Row(
            html_pane('<div class="status-line">As of (UTC)</div>', sizing_mode="fixed",
                      width=88, margin=(10, 0, 0, 6)), self.picker, margin=0)
        self.back = pn.widgets.Button(name="Back to now", button_type="primary",
                                      button_style="outline", margin=(4, 4), width=120)
        self.banner_text = html_pane("", margin=(6, 12))
        self.spinner = pn.indicators.LoadingSpinner(value=False, size=18, color="primary",
                                                    margin=(8, 4), visible=False)
        self.banner = pn.Row(self.banner_text, self.spinner, self.back, visible=False,
                             sizing_mode="stretch_width", margin=(0, 0, 4, 0),
                             styles={"background": "color-mix(in srgb, var(--vc-info) "
                                                   "14%, var(--vc-surface))",
                                     "border": "1px solid var(--vc-info)",
                                     "border-radius": "8px"})
        self.background = Background(self._busy)
        self.picker.param.watch(self._picked, "value")
        self.back.on_click(lambda event: self.clear())
        wanted = ctx.args.get("as_of", "")
        self._in_url = wanted
        if wanted:
            try:
                self.when = parse_when(wanted, what="as_of")
            except Exception:  # noqa: BLE001 - a bad link opens today's inventory
                self.when = None

    @property
    def active(self) -> bool:
        return self.when is not None

    def offers(self, table: str) -> bool:
        return table in TRACKED

    def update(self, frames) -> None:
        """A new FrameSet: the vCenters the page may show."""
        self.reader = history_reader(self.ctx.data, frames)

    def frame(self, table: str) -> pd.DataFrame | None:
        """The display frame of ``table`` as of ``when`` (None: not read yet)."""
        return self.frames.get(table)

    def haystack(self, table: str) -> pd.Series:
        found = self.haystacks.get(table)
        if found is None:
            frame = self.frames[table]
            text = [frame[c].astype(str) for c in frame.columns if frame[c].dtype.kind == "O"]
            found = text[0].str.cat(text[1:], sep="\u241f").str.lower() if text else \
                pd.Series("", index=frame.index)
            self.haystacks[table] = found
        return found

    # --- reading ---------------------------------------------------------------------

    def load(self, table: str) -> None:
        """Read ``table`` as of ``when`` in the background (then ``on_change``)."""
        if self.when is None or self.reader is None or not self.offers(table):
            return
        when, reader = self.when, self.reader
        self._banner(table, reading=True)

        def read():
            frame = reader.as_of(when, table)
            return display_frame(frame, TABLES[table], table)

        def done(frame):
            if when != self.when:
                return
            self.frames[table] = frame
            self.haystacks.pop(table, None)
            self.error = ""
            self._banner(table)
            self.on_change()

        def failed(exc):
            self.error = str(exc)
            self._banner(table)

        self.background.run(read, done, failed, name="as-of")

    def _picked(self, event) -> None:
        value = event.new
        if value is None:
            if self.when is not None:
                self.clear()
            return
        when = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
        if when == self.when:
            return
        self.when = when
        self.frames, self.haystacks = {}, {}
        self.on_change()

    def clear(self) -> None:
        self.when = None
        self.frames, self.haystacks, self.error = {}, {}, ""
        self.banner.visible = False
        if self.picker.value is not None:
            self.picker.value = None
        self._location()
        self.on_change()

    def sync(self, table: str) -> None:
        """The picker, the banner and the URL for ``table``."""
        self.picker.disabled = not self.offers(table)
        if self.when is not None and self.picker.value is None:
            self.picker.value = self.when.replace(tzinfo=None)
        self._banner(table)
        self._location()

    def _banner(self, table: str, reading: bool = False) -> None:
        if self.when is None:
            self.banner.visible = False
            return
        if not self.offers(table):
            text = (f"The history keeps no {escape(table)}: they show as they are now. "
                    f"As of {escape(utc_text(self.when))} it shows "
                    f"{', '.join(NOUN.values())}.")
        elif self.error:
            text = f"<b>The history could not be read:</b> {escape(self.error)}"
        else:
            count = self.frames.get(table)
            rows = f"{len(count):,} " if count is not None else ""
            text = (f'<b data-as-of="{escape(self.when.isoformat())}">Showing {rows}'
                    f'{NOUN.get(table, table)} as of {escape(utc_text(self.when))}</b>, from '
                    f'the history: the columns it tracks. Names link to today\'s pages '
                    f'(or say when the object was removed).')
        if reading:
            text = f"Reading {NOUN.get(table, table)} as of {escape(utc_text(self.when))}…"
        self.banner_text.object = f'<div class="status-line" style="color:var(--vc-text)">' \
                                  f'{text}</div>'
        self.banner.visible = True

    def _busy(self, busy: bool) -> None:
        self.spinner.value = busy
        self.spinner.visible = busy

    _in_url = None  # what ?as_of= says now

    def _location(self) -> None:
        value = f"{self.when:%Y-%m-%dT%H:%M}" if self.when is not None else ""
        if pn.state.location is not None and value != (self._in_url or ""):
            pn.state.location.update_query(as_of=value)
        self._in_url = value


__all__ = ["AsOf"]
