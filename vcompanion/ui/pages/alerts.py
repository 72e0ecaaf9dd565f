"""/alerts: what the alerting has sent -- active alerts and the delivery history --
and the audit trail (sign-ins, sign-outs, workbooks, alert tests).

Alerts are evaluated by ``vcompanion alerts run`` or ``vcompanion scheduler``
(see docs/alerts.md); this page reads their database in data_dir.  The audit
rows come from the history database (``vcompanion/audit.py``), the newest
``AUDIT_ROWS``, read with every refresh; every value is shown as text.
"""

from __future__ import annotations

import pandas as pd
import panel as pn

from .. import labels
from ..pagedata.alerts import AUDIT_ROWS
from ..fragments import kpi_grid, empty, html_pane, kpi, num
from ..theme import severity_color
from .base import DownloadButtons, Page, section, status_formatter, table
from .problems import CATEGORY, OBJECT_TYPE

HISTORY_TITLES = {"time": "Time (UTC)", "notifier": "Notifier", "recipients": "Recipients",
                  "change": "Change", "severity": "Severity", "vcenter": "vCenter",
                  "object": "Object", "message": "Message", "outcome": "Outcome",
                  "error": "Error", "attempt": "Attempt"}
ACTIVE_COLUMNS = ["severity", "vcenter", "category", "object", "object_type", "message",
                  "first_seen", "last_seen", "notified_severity"]
CHANGE = {"new": "New", "escalated": "Escalated", "resolved": "Resolved",
          "event": "Event", "test": "Test"}
OUTCOME = {"sent": "Sent", "failed": "Failed", "dropped": "Dropped"}
AUDIT_TITLES = {"time": "Time (UTC)", "event": "Event", "user": "User",
                "client": "Client", "outcome": "Outcome", "vcenters": "vCenters",
                "detail": "Detail", "machine": "Machine", "process": "Process"}


class AlertsPage(Page):
    slug = "alerts"
    title = "Alerts"
    icon = "bell"

    def __init__(self, ctx):
        super().__init__(ctx)
        p = self.palette
        self.cards = html_pane("")
        self.note = html_pane("")
        sev = status_formatter(p, {labels.SEVERITY[s]: severity_color(p, s)
                                   for s in ("critical", "warning", "info")})
        self.active = table(page_size=10, formatters={"severity": sev})
        self.history = table(page_size=25, header_filters={
            c: {"type": "input", "func": "like", "placeholder": "filter"}
            for c in ("notifier", "object", "message", "vcenter")})
        self.history.formatters = {
            "severity": sev,
            "outcome": status_formatter(p, {"Sent": p.ok, "Failed": p.critical,
                                            "Dropped": p.warning})}
        self.downloads = DownloadButtons(self.history, "alert-history")
        self.active_title = section("Active alerts")
        self.history_title = section("Delivery history (newest first)")
        self.audit_note = html_pane("")
        self.audit = table(page_size=25, header_filters={
            c: {"type": "input", "func": "like", "placeholder": "filter"}
            for c in ("event", "user", "client", "outcome")})
        self.layout.objects = [self.cards, self.note, self.active_title, self.active,
                               pn.Row(self.history_title, pn.layout.HSpacer(),
                                      self.downloads.row, sizing_mode="stretch_width"),
                               self.history,
                               section(f"Audit trail (the newest {AUDIT_ROWS} events)"),
                               self.audit_note, self.audit]

    def _update_audit(self, rows) -> None:
        keep = self.ctx.runtime.audit.keep
        if rows is None or not keep or not len(rows):
            self.audit_note.object = (
                empty("The audit trail cannot be read", "The reason is in the log file.")
                if rows is None else
                empty("The audit trail is not kept here", "It is kept in the history "
                      "database: history.enabled is false, or this is the demo.")
                if not keep else
                empty("Nothing audited yet", "Sign-ins, sign-outs, workbooks and alert "
                      "tests show here (and in `vcompanion audit`)."))
            self.audit.visible = False
            return
        self.audit_note.object = ""
        frame = rows.copy()
        frame["time"] = frame["time"].dt.tz_localize(None)
        frame["vcenters"] = frame["vcenters"].map(lambda v: ", ".join(v or ()))
        frame = frame.astype({c: object for c in frame.columns if c != "time"}).fillna("")
        self.audit.param.update(value=frame, titles=AUDIT_TITLES, visible=True)

    def update(self, frames) -> None:
        self._update_audit(frames.audit)
        found = frames.alerts
        config = self.ctx.runtime.config
        config_ok = bool(config.get("alerts.email") or config.get("alerts.webhooks"))
        if found is None or (not len(found.history) and not len(found.active)):
            why = ("Alerting is not available in this installation." if found is None
                   else "Nothing has been alerted yet.")
            how = ("Alerts are sent by `vcompanion alerts run` or `vcompanion scheduler` "
                   "(e-mail and webhooks, see docs/alerts.md). Their history shows here." +
                   ("" if config_ok else " Configure the \"alerts\" section of "
                    "config.json first."))
            self.note.object = empty(why, how)
            for obj in (self.cards, self.active_title, self.active, self.history_title,
                        self.history, self.downloads.row):
                obj.visible = False
            return
        for obj in (self.cards, self.history_title, self.history, self.downloads.row):
            obj.visible = True
        self.note.object = ""
        history, active = found.history, found.active
        sent = int((history["outcome"] == "sent").sum())
        failed = int((history["outcome"] == "failed").sum())
        last = history["time"].max() if len(history) else None
        self.cards.object = kpi_grid([
            kpi("Active alerts", num(len(active), "alerts-active"),
                "problems being alerted", "warning" if len(active) else "ok"),
            kpi("Deliveries sent", num(sent, "alerts-sent"), "e-mails and webhooks"),
            kpi("Failed deliveries", num(failed, "alerts-failed"),
                "retried by the next run", "critical" if failed else "ok"),
            kpi("Last delivery", labels.ago(last) if last is not None and not pd.isna(last)
                else "never", labels.utc_text(last) if last is not None else ""),
        ])
        self.active_title.visible = self.active.visible = bool(len(active))
        if len(active):
            frame = active[[c for c in ACTIVE_COLUMNS if c in active.columns]].copy()
            frame["severity"] = frame["severity"].map(lambda v: labels.SEVERITY.get(v, v))
            if "category" in frame:
                frame["category"] = frame["category"].map(
                    lambda c: CATEGORY.get(c, str(c).capitalize()) if c else "")
            if "object_type" in frame:
                frame["object_type"] = frame["object_type"].map(
                    lambda t: OBJECT_TYPE.get(t, t) if t else "")
            self.active.param.update(value=frame, titles={
                c: labels.title(c) for c in frame.columns})
        frame = history.drop(columns=["key"], errors="ignore").copy()
        frame["time"] = frame["time"].dt.tz_localize(None)
        frame["severity"] = frame["severity"].map(lambda v: labels.SEVERITY.get(v, v or ""))
        frame["change"] = frame["change"].map(lambda v: CHANGE.get(v, v or ""))
        frame["outcome"] = frame["outcome"].map(lambda v: OUTCOME.get(v, v or ""))
        frame = frame.astype({c: object for c in frame.columns if c != "time"}).fillna("")
        self.history.param.update(value=frame, titles=HISTORY_TITLES)

