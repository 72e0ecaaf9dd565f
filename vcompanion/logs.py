"""Rotating file logs, with secrets scrubbed from every record.

``setup_logging(config)`` sends the ``vcompanion`` logger to
``logs_dir/vcompanion.log`` (size-bounded, a few backups).  The library only
logs; it never configures logging on import.  The log holds sign-ins,
vCenter names and errors: ``logs_dir`` is made private (0700) and every log
file, rotated ones included, is created 0600 (``files.py``).

Passwords and session cookies must never reach a log.  The code is written so
they are never logged in the first place; as a second line of defence every
record passes a filter that masks registered secrets (``register_secret``) and
anything that looks like a vSphere session cookie.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from . import files

LOGGER_NAME = "vcompanion"
LOG_FILE = "vcompanion.log"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_secrets: set[str] = set()
_lock = threading.Lock()
_COOKIE = re.compile(r'(vmware_soap_session|vmware-api-session-id|session[_-]?id|'
                     r'password|passwd)(["\']?\s*[=:]\s*["\']?)[^\s"\';,]+',
                     re.IGNORECASE)


def register_secret(value: str | None) -> None:
    """Mask this value wherever it would appear in a log record."""
    if value and len(value) >= 3:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """``text`` with registered secrets and cookie values replaced by ***."""
    text = _COOKIE.sub(r"\1\2***", text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class SecretFilter(logging.Filter):
    """Rewrites each record's message with ``scrub``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so it can be scrubbed too.
            formatter = logging.Formatter()
            record.exc_text = scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files (the current one, and so every rotated
    one) are readable by their owner only, whatever the umask."""

    def _open(self):
        fd = files.create_private(self.baseFilename, os.O_WRONLY | os.O_APPEND)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup_logging(logs_dir: Path, level: str = "INFO", max_bytes: int = 5_000_000,
                  backups: int = 5) -> Path:
    """Log to ``logs_dir/vcompanion.log``; returns the file's path.

    Safe to call more than once: an earlier vCompanion handler is replaced.
    """
    logs_dir = files.private_dir(logs_dir)
    path = logs_dir / LOG_FILE
    for old in logs_dir.glob(LOG_FILE + "*"):  # written by an older version
        files.restrict(old)
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if getattr(handler, "_vcompanion", False):
            logger.removeHandler(handler)
            handler.close()
    handler = PrivateRotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                         encoding="utf-8", delay=True)
    handler._vcompanion = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(SecretFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    # pyvmomi logs through its own loggers; keep their warnings in our file.
    for name in ("pyVmomi", "pyVim"):
        other = logging.getLogger(name)
        other.addHandler(handler)
        other.setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return path


def setup_from_config(config) -> Path:
    """``setup_logging`` with the config's logs_dir and logging section."""
    return setup_logging(config.logs_dir, config.get("logging.level"),
                         config.get("logging.max_bytes"), config.get("logging.backups"))
