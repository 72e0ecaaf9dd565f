"""Webhooks: POST a batch of alert items as JSON (generic, Teams or Slack).

* ``generic``: vCompanion's own document, ``{"source", "version", "sent_at",
  "summary", "alerts": [item, ...]}`` (item fields: see ``message.py``).
* ``teams``: a message with one Adaptive Card, the format both Teams Workflows
  ("When a Teams webhook request is received") and the older incoming
  webhooks accept.
* ``slack``: Block Kit with a plain ``text`` fallback, for Slack incoming webhooks.

Any answer other than 2xx raises ``NotifyError``.  Webhook URLs usually hold
a secret token, so messages show only the scheme and host.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from ..version import __version__
from ..logs import register_secret
from . import NotifyError
from .message import CHANGE_LABELS, counts, details, headline, sort_items, subject

log = logging.getLogger(__name__)

BATCH = {"generic": 100, "teams": 25, "slack": 40}
_TEAMS_COLORS = {"critical": "attention", "warning": "warning", "info": "accent"}


def safe_url(url: str) -> str:
    """``https://host/…``: the URL without its (secret) path and query."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def post_json(url: str, payload: dict, timeout: float, name: str) -> bytes:
    """POST ``payload``; the body of a 2xx answer, else NotifyError."""
    register_secret(url)
    where = f"webhook '{name}' ({safe_url(url)})"
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise NotifyError(f"{where}: the URL must start with https:// or http://")
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "User-Agent": f"vCompanion/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(4096)
    except urllib.error.HTTPError as exc:
        body = exc.read(300).decode("utf-8", "replace").strip().replace("\n", " ")
        raise NotifyError(f"{where}: HTTP {exc.code} {exc.reason}"
                          f"{f': {body}' if body else ''}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            text = f"no answer within {timeout:g} s"
        elif isinstance(reason, ConnectionRefusedError):
            text = "connection refused"
        elif isinstance(reason, socket.gaierror):
            text = f"host name not found ({reason.strerror})"
        else:
            text = str(getattr(reason, "strerror", None) or reason)
        raise NotifyError(f"{where}: {text}") from None
    except TimeoutError:
        raise NotifyError(f"{where}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise NotifyError(f"{where}: {exc.strerror or exc}") from None


# --- payloads ------------------------------------------------------------------------

def generic_payload(items: list[dict]) -> dict:
    return {"source": "vcompanion", "version": __version__,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": subject(items).removeprefix("[vCompanion] "),
            "counts": counts(items), "alerts": sort_items(items)}


def teams_payload(items: list[dict]) -> dict:
    body: list[dict] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True,
         "text": f"vCompanion: {len(items)} alert(s)"},
        {"type": "TextBlock", "wrap": True, "isSubtle": True, "spacing": "None",
         "text": counts(items)},
    ]
    for item in sort_items(items):
        resolved = item["change"] == "resolved"
        color = "good" if resolved else _TEAMS_COLORS.get(item.get("severity"), "default")
        body.append({
            "type": "Container", "separator": True, "spacing": "Medium", "items": [
                {"type": "TextBlock", "wrap": True, "weight": "Bolder", "color": color,
                 "text": headline(item)},
                {"type": "FactSet", "spacing": "Small",
                 "facts": [{"title": k, "value": str(v)} for k, v in details(item)]},
            ]})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4", "msteams": {"width": "Full"},
            "body": body}
    return {"type": "message", "summary": subject(items),
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                             "contentUrl": None, "content": card}]}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(items: list[dict]) -> dict:
    icons = {"critical": ":red_circle:", "warning": ":large_orange_circle:",
             "info": ":large_blue_circle:"}
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": f"vCompanion: {len(items)} alert(s)"[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn",
                                          "text": _slack_escape(counts(items))}]},
    ]
    for item in sort_items(items):
        icon = (":large_green_circle:" if item["change"] == "resolved"
                else icons.get(item.get("severity"), ""))
        facts = " · ".join(f"{k}: {v}" for k, v in details(item) if k != "vCenter")
        text = (f"{icon} *{_slack_escape(headline(item))}*\n"
                f"_{CHANGE_LABELS.get(item['change'], item['change'])}_ · "
                f"{_slack_escape(facts)}")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    return {"text": subject(items), "blocks": blocks}


PAYLOADS = {"generic": generic_payload, "teams": teams_payload, "slack": slack_payload}


class WebhookNotifier:
    """One configured webhook (``alerts.webhooks[]``)."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.name = settings["name"]
        self.format = settings["format"]
        self.id = f"webhook:{self.name}"
        self.recipients = f"{self.name} ({self.format}, {safe_url(settings['url'])})"
        self.batch = BATCH[self.format]
        register_secret(settings["url"])

    def __str__(self) -> str:
        return f"webhook '{self.name}'"

    def send(self, items: list[dict]) -> None:
        body = post_json(self.settings["url"], PAYLOADS[self.format](items),
                         self.settings["timeout"], self.name)
        # Old Teams connectors answer 200 with an error text instead of "1".
        if self.format == "teams" and b"fail" in body.lower():
            raise NotifyError(f"webhook '{self.name}' ({safe_url(self.settings['url'])}): "
                              f"Teams refused the card: "
                              f"{body[:200].decode('utf-8', 'replace')}")
        log.info("webhook '%s': %d alert(s) delivered", self.name, len(items))
