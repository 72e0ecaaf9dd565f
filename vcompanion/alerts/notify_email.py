"""E-mail over SMTP: ``send_mail`` (also used by reports) and the alert e-mail.

Settings: the config's ``alerts.email`` section.  ``security`` is ``starttls``
(port 587 unless set), ``ssl`` (SMTPS, 465) or ``none`` (25).  With a
``username`` the password comes from ``VCOMPANION_SMTP_PASSWORD`` or the OS
credential store (``vcompanion credentials set --smtp``).  Every failure
raises ``NotifyError`` with one line naming host:port and what failed.
"""

from __future__ import annotations

import html as html_lib
import logging
import mimetypes
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .. import credentials
from ..logs import register_secret
from ..errors import NotifyError
from .message import SEVERITY_COLORS, counts, details, headline, sort_items, subject

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
_MIME = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".csv": "text/csv", ".json": "application/json", ".html": "text/html"}


def configured(config) -> bool:
    """True when e-mail alerts are set up (a host and at least one recipient)."""
    settings = config.get("alerts.email")
    return bool(settings["host"]) and bool(settings["to"])


def address(settings: dict) -> str:
    """``host:port`` of the SMTP server, for messages."""
    port = settings["port"] or DEFAULT_PORTS[settings["security"]]
    host = settings["host"] or "?"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def sender(settings: dict) -> str:
    return settings["from"] or f"vcompanion@{socket.getfqdn() or 'localhost'}"


def _tls_context(settings: dict) -> ssl.SSLContext:
    cafile = str(settings["ca_bundle"]) if settings.get("ca_bundle") else None
    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise NotifyError(f"SMTP server {address(settings)}: cannot read "
                          f"alerts.email.ca_bundle {cafile}: {exc}") from None
    if not settings.get("verify_ssl", True):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def build_message(settings: dict, to: list[str], subject_text: str, text: str,
                  html: str | None = None, attachments=()) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject_text
    msg["From"] = sender(settings)
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender(settings).rpartition("@")[2] or None)
    msg["X-Mailer"] = "vCompanion"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for path in attachments:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise NotifyError(f"cannot attach {path}: {exc.strerror or exc}") from None
        ctype = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
            or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def send_mail(config, to: list[str], subject: str, text: str, html: str | None = None,
              attachments: list[Path] = ()) -> None:
    """Send one e-mail with the config's ``alerts.email`` settings.

    ``text`` is the plain-text body, ``html`` an optional HTML alternative,
    ``attachments`` files to attach (Excel workbooks, ...).  Raises
    ``NotifyError`` naming the SMTP server's host:port and what failed.
    """
    settings = config.get("alerts.email")
    if not settings["host"]:
        raise NotifyError(f"e-mail is not set up: set alerts.email.host in {config.where}")
    to = [str(t).strip() for t in to if str(t).strip()]
    if not to:
        raise NotifyError(f"no e-mail recipients: set alerts.email.to in {config.where}")
    bad = [t for t in to if "@" not in t]
    if bad:
        raise NotifyError(f"not an e-mail address in alerts.email.to: {', '.join(bad)}")
    msg = build_message(settings, to, subject, text, html, attachments)
    security = settings["security"]
    where = f"SMTP server {address(settings)}"
    host = settings["host"]
    port = settings["port"] or DEFAULT_PORTS[security]
    timeout = settings["timeout"]
    login = credentials.smtp_credentials(settings["username"])
    if settings["username"] and login is None:
        raise NotifyError(
            f"{where}: no password for SMTP user {settings['username']}: set "
            f"{credentials.ENV_SMTP_PASSWORD} or run `vcompanion credentials set --smtp`")
    if login is not None:
        register_secret(login.password)
    step = "connect"
    try:
        context = _tls_context(settings) if security != "none" else None
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            step = "EHLO"
            smtp.ehlo()
            if security == "starttls":
                step = "STARTTLS"
                smtp.starttls(context=context)
                smtp.ehlo()
            if login is not None:
                step = f"login as {login.username}"
                smtp.login(login.username, login.password)
            step = "send"
            refused = smtp.send_message(msg, from_addr=sender(settings), to_addrs=to)
        if refused:
            log.warning("%s refused recipient(s) %s", where,
                        ", ".join(f"{k} ({v[0]})" for k, v in refused.items()))
    except NotifyError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise NotifyError(f"{where}: login as {login.username if login else '?'} "
                          f"failed: {_smtp_text(exc)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        hint = (" (set alerts.email.security to ssl or none)" if step == "STARTTLS"
                else "")
        raise NotifyError(f"{where}: {step} not supported by the server: {exc}{hint}") \
            from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{k}: {v[0]} {_decode(v[1])}" for k, v in
                            exc.recipients.items())
        raise NotifyError(f"{where}: every recipient was refused ({refused})") from None
    except smtplib.SMTPSenderRefused as exc:
        raise NotifyError(f"{where}: sender {exc.sender} refused: {_smtp_text(exc)}") \
            from None
    except smtplib.SMTPResponseException as exc:
        raise NotifyError(f"{where}: {step} failed: {_smtp_text(exc)}") from None
    except ssl.SSLCertVerificationError as exc:
        raise NotifyError(f"{where}: TLS certificate not trusted "
                          f"({exc.verify_message}); set alerts.email.ca_bundle to the "
                          f"CA's PEM file") from None
    except ssl.SSLError as exc:
        raise NotifyError(f"{where}: TLS failed during {step} ({exc.reason or exc}); "
                          f"check alerts.email.security and port") from None
    except TimeoutError:
        raise NotifyError(f"{where}: no answer within {timeout:g} s during {step}") \
            from None
    except ConnectionRefusedError:
        raise NotifyError(f"{where}: connection refused (is the SMTP server running "
                          f"and the port right?)") from None
    except socket.gaierror as exc:
        raise NotifyError(f"{where}: host name not found ({exc.strerror})") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise NotifyError(f"{where}: server closed the connection during {step}"
                          f"{f' ({exc})' if str(exc) else ''}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(f"{where}: {step} failed: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None
    log.info("e-mail '%s' sent to %s via %s", subject, ", ".join(to), address(settings))


def _decode(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _smtp_text(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_decode(exc.smtp_error)}".strip()


# --- the alert e-mail ---------------------------------------------------------------

def alert_text(items: list[dict]) -> str:
    lines = [f"vCompanion: {len(items)} alert(s): {counts(items)}", ""]
    for item in sort_items(items):
        lines.append(headline(item))
        for label, value in details(item):
            if label != "vCenter":  # in the headline already
                lines.append(f"    {label}: {value}")
        lines.append("")
    lines.append("Sent by vCompanion (`vcompanion alerts history` lists every notice).")
    return "\n".join(lines) + "\n"


def alert_html(items: list[dict]) -> str:
    esc = html_lib.escape
    rows = []
    for item in sort_items(items):
        resolved = item["change"] == "resolved"
        color = SEVERITY_COLORS["resolved" if resolved else item.get("severity", "info")]
        label = "RESOLVED" if resolved else (item.get("severity") or "info").upper()
        change = item["change"]
        if change == "escalated":
            change = f"escalated from {item.get('previous_severity')}"
        facts = "<br>".join(f"<span style='color:#666'>{esc(k)}:</span> {esc(str(v))}"
                            for k, v in details(item) if k not in ("vCenter", "Object"))
        kind = item.get("object_type") or ""
        rows.append(
            "<tr>"
            f"<td style='padding:6px;vertical-align:top'><span style='background:{color};"
            f"color:#fff;padding:2px 6px;border-radius:3px;font-weight:bold;"
            f"white-space:nowrap'>{esc(label)}</span><br><small>{esc(change)}</small></td>"
            f"<td style='padding:6px;vertical-align:top'>{esc(item.get('vcenter') or '')}</td>"
            f"<td style='padding:6px;vertical-align:top'><b>{esc(item.get('object') or '')}"
            f"</b> <small style='color:#666'>{esc(kind)}</small><br>"
            f"{esc(item.get('message') or '')}<br><small>{facts}</small></td>"
            "</tr>")
    return (
        "<!DOCTYPE html><html><body style='font-family:Segoe UI,Arial,sans-serif;"
        "font-size:14px'>"
        f"<h2 style='margin:0 0 8px 0'>vCompanion: {len(items)} alert(s)</h2>"
        f"<p style='margin:0 0 12px 0'>{esc(counts(items))}</p>"
        "<table style='border-collapse:collapse' border='1' cellspacing='0' "
        "bordercolor='#ddd'><tr style='background:#f3f3f3'><th style='padding:6px'>"
        "Severity</th><th style='padding:6px'>vCenter</th><th style='padding:6px'>"
        "Object and problem</th></tr>"
        + "".join(rows) +
        "</table><p style='color:#888;font-size:12px'>Sent by vCompanion. "
        "<code>vcompanion alerts history</code> lists every notice.</p></body></html>")


class EmailNotifier:
    """Sends a batch of alert items as one e-mail (HTML and plain text)."""

    batch = 200

    def __init__(self, config):
        self.config = config
        self.settings = config.get("alerts.email")
        self.id = "email"
        self.recipients = ", ".join(self.settings["to"])

    def __str__(self) -> str:
        return f"e-mail via {address(self.settings)}"

    def send(self, items: list[dict]) -> None:
        send_mail(self.config, list(self.settings["to"]), subject(items),
                  alert_text(items), alert_html(items))
