"""Rotating file logs, with secrets scrubbed from every record.

``setup_logging(config)`` sends the ``vcompanion`` logger to
``logs_dir/vcompanion.log`` (size-bounded, a few backups).  The library only
logs; it never configures logging on import.  The log holds sign-ins,
vCenter names and errors: ``logs_dir`` is made private (0700) and every log
file, rotated ones included, is created 0600 (``files.py``).

Passwords and session cookies must never reach a log.  The code is written so
they are never logged in the first place; as a second line of defence every
record passes a filter that masks known secrets and anything that looks like
a vSphere session cookie.  Service secrets (the service account's password,
SMTP, webhook URLs) are masked for the life of the process
(``register_secret``); a password typed into the login form only while it is
in use (``secret_held``: one sign-in attempt, or a personal login's life), so
the list of secrets stays short and one user's password never masks words
in other lines.

The same filter keeps one record on one line: control characters in the
values logged (a user name with a line break, from a login request) are
written escaped (``\\n``), so nobody can forge a log line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

from . import files

LOGGER_NAME = "vcompanion"
LOG_FILE = "vcompanion.log"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_secrets: set[str] = set()      # masked for the life of the process
_held: dict[str, int] = {}      # masked while held: value -> holders
_ordered: tuple[str, ...] = ()  # both, longest first (what scrub replaces)
_lock = threading.Lock()
_COOKIE = re.compile(r'(vmware_soap_session|vmware-api-session-id|session[_-]?id|'
                     r'password|passwd)(["\']?\s*[=:]\s*["\']?)[^\s"\';,]+',
                     re.IGNORECASE)
# C0 and C1 controls, line and paragraph separators, and the invisible
# format characters that reorder or hide text (bidi overrides, zero widths).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e"
                      "\u2060-\u2064\u2066-\u2069\ufeff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _reorder() -> None:
    global _ordered
    _ordered = tuple(sorted(_secrets | set(_held), key=len, reverse=True))


def register_secret(value: str | None) -> None:
    """Mask this value wherever it would appear in a log record, from now on.

    A value held by ``secret_held`` at the time is not kept beyond its holding
    (a personal password passes through the same code as service ones).
    """
    if value and len(value) >= 3:
        with _lock:
            if value in _held or value in _secrets:
                return
            _secrets.add(value)
            _reorder()


def hold_secret(value: str | None) -> Callable[[], None]:
    """Mask ``value`` until the returned function is called (once is enough)."""
    if not value or len(value) < 3:
        return lambda: None
    with _lock:
        _held[value] = _held.get(value, 0) + 1
        _reorder()
    released = threading.Event()

    def release() -> None:
        if released.is_set():
            return
        released.set()
        with _lock:
            left = _held.get(value, 0) - 1
            if left > 0:
                _held[value] = left
            else:
                _held.pop(value, None)
            _reorder()
    return release


@contextlib.contextmanager
def secret_held(value: str | None) -> Iterator[None]:
    """Mask ``value`` in the records logged while the block runs."""
    release = hold_secret(value)
    try:
        yield
    finally:
        release()


def secret_count() -> int:
    """How many values are masked now (service secrets and held ones)."""
    return len(_ordered)


def scrub(text: str) -> str:
    """``text`` with known secrets and cookie values replaced by ***."""
    text = _COOKIE.sub(r"\1\2***", text)
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object) -> str:
    """``str(value)`` on one line: control characters escaped (``\\n``, ``\\x1b``)."""
    text = str(value)
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text


def _clean_args(args):
    if isinstance(args, dict):
        return {k: clean(v) if isinstance(v, str) else v for k, v in args.items()}
    return tuple(clean(a) if isinstance(a, str) else a for a in args)


class SecretFilter(logging.Filter):
    """Rewrites each record's message: secrets masked, one line per record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        text = message
        if _CONTROL.search(text):
            if not _CONTROL.search(str(record.msg)):
                text = clean(text)  # a one-line message: whatever broke it was data
            elif record.args:
                # A message written on several lines: escape what was filled in.
                text = str(record.msg) % _clean_args(record.args)
        clean_text = scrub(text)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so it can be scrubbed too.
            formatter = logging.Formatter()
            record.exc_text = scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        if clean_text != message or record.args:
            record.msg, record.args = clean_text, None
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
