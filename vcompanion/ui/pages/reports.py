"""/reports: generate and download Excel workbooks.

The inventory workbook (RVTools-style sheets over every vCenter), the
critical-events workbook or the changes workbook (the history's change log
of the last hours), written by ``Companion.report``.  With a service
account the workbooks are kept in data_dir/reports next to the scheduled
exports and listed here; with personal logins they go to the browser only.
"""

from __future__ import annotations

import asyncio
import io
import logging
from functools import partial
from html import escape

import panel as pn

from ...reports import list_reports
from .. import audit, labels
from ..fragments import empty, html_pane
from .base import Page, card, section

log = logging.getLogger(__name__)

KINDS = {"Inventory workbook (RVTools-style, every vCenter shown here)": "inventory",
         "Critical events and problems": "events",
         "Changes: who changed what, old and new values (from the history)": "changes"}
PERIOD = ("events", "changes")  # the kinds covering the last hours


class ReportsPage(Page):
    slug = "reports"
    title = "Reports"
    icon = "file"

    def __init__(self, ctx):
        super().__init__(ctx)
        # Kept and listed only with the shared data of every vCenter: scheduled
        # exports hold every vCenter; a personal or restricted view's workbook
        # goes to the browser only.
        self.keep = bool(getattr(ctx.data, "keeps_reports", False))
        self.kind = pn.widgets.RadioBoxGroup(options=KINDS, value="inventory",
                                             margin=(4, 8))
        self.hours = pn.widgets.IntInput(name="The last (hours)", value=24,
                                         start=1, end=24 * 366, width=200, margin=(4, 8),
                                         visible=False)
        self.generate = pn.widgets.Button(name="Generate workbook", button_type="primary",
                                          width=200, margin=(8, 8))
        self.result = html_pane("")
        self.download = pn.widgets.FileDownload(label="Download workbook",
                                                button_type="success", visible=False,
                                                embed=False, width=180, margin=(8, 8),
                                                auto=True)
        self.files = pn.Column(sizing_mode="stretch_width", margin=0)
        self.kind.param.watch(lambda e: setattr(self.hours, "visible",
                                                e.new in PERIOD), "value")
        self.generate.on_click(self._generate)
        intro = html_pane(
            '<div class="status-line">Workbooks have bold frozen headers, AutoFilter, '
            'real Excel dates and the RVTools column names (VI SDK Server names the '
            'vCenter of every row).'
            + ("" if self.keep else " It holds the vCenters your account can read and "
               "goes to your browser only: it is not kept on the server.") + "</div>")
        self.layout.objects = [
            card(intro, self.kind, self.hours, pn.Row(self.generate, self.download,
                                                      margin=0), self.result,
                 title="New workbook"),
            section("Recent workbooks") if self.keep else pn.Spacer(height=0),
            self.files]

    def update(self, frames) -> None:
        if self.keep:
            self._list_files()

    async def _generate(self, event) -> None:
        kind = self.kind.value
        hours = self.hours.value if kind in PERIOD else None
        self.generate.loading = True
        self.generate.disabled = True
        self.result.object = ('<div class="status-line">Writing the workbook… this '
                              'takes a few seconds for large inventories.</div>')
        try:
            name, data = await asyncio.to_thread(self.ctx.data.report, kind, hours,
                                                 self.keep)
        except Exception as exc:  # noqa: BLE001 - show it, keep the page alive
            log.exception("report %s failed", kind)
            audit.generated(kind, None, ok=False, detail=type(exc).__name__,
                            login=self.ctx.login)
            self.result.object = (f'<div class="banner">The workbook could not be '
                                  f'written: {escape(str(exc))}</div>')
        else:
            audit.generated(kind, name, login=self.ctx.login)
            self.download.param.update(callback=partial(self._send, name, data),
                                       filename=name, visible=True,
                                       label="Download workbook")
            self.result.object = (f'<div class="status-line" data-report="{escape(name)}">'
                                  f'Ready: {escape(name)} ({labels.size(len(data))}).'
                                  f'</div>')
            if self.keep:
                self._list_files()
        finally:
            self.generate.loading = False
            self.generate.disabled = False

    def _list_files(self) -> None:
        files = list_reports(self.ctx.data.config)
        if not files:
            self.files.objects = [html_pane(empty(
                "No workbooks yet", "Generate one above, or schedule exports with "
                "`vcompanion scheduler` (see docs/reports.md)."))]
            return
        rows = []
        for f in files:
            button = pn.widgets.FileDownload(
                callback=partial(self._send, f["name"], f["path"]),
                filename=f["name"], embed=False,
                label="Download", button_type="default", button_style="outline",
                width=110, margin=(2, 4))
            rows.append(pn.Row(
                html_pane(f'<div style="display:flex;gap:14px;flex-wrap:wrap;'
                          f'align-items:center"><b>{escape(f["name"])}</b>'
                          f'<span class="muted">{labels.size(f["size"])} · '
                          f'{labels.utc_text(f["modified"])}</span></div>',
                          margin=(6, 4)),
                button, sizing_mode="stretch_width", margin=0,
                styles={"border-bottom": "1px solid var(--vc-border)"}))
        self.files.objects = rows

    def _send(self, name: str, contents):
        """A download's file (bytes, or a kept file's path), recorded in the audit."""
        audit.downloaded(name, login=self.ctx.login)
        return io.BytesIO(contents) if isinstance(contents, bytes) else str(contents)
