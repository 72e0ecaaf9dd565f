"""How a setting is declared: Field, Section and the checks they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

REQUIRED = object()  # marker: the setting has no default and must be given

# Every setting is checked by config.py against its declaration: the type,
# the choices, the range (numbers are finite and within minimum..maximum),
# list items (``items``), and text never holds control characters (a CR/LF
# in a host name or an address would end up in logs, mail headers, URLs).


@dataclass(frozen=True)
class Field:
    """One setting: a JSON key with a type, a default and a help text."""

    name: str
    type: type | tuple[type, ...]
    help: str
    default: Any = REQUIRED
    example: Any = None  # value shown in config.example.json (default: the default)
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    items: type | None = None  # lists: the type of every item
    is_path: bool = False  # resolved relative to the config file's folder
    in_example: bool = True  # show in config.example.json
    # Extra check of a given value: returns what is wrong with it, or None.
    check: Callable[[Any], str | None] | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def host_problem(value: str) -> str | None:
    """What is wrong with a host name or IP address, or None."""
    if value.startswith("[") and value.endswith("]"):
        return f"must be a host name or IP address without brackets, not {value!r}"
    if len(value) > 253 or not all(c.isalnum() or c in ".-_:%" for c in value):
        return ("must be a host name or IP address (letters, digits, '.', '-', "
                f"'_', ':'), not {value[:80]!r}")
    return None


def url_problem(value: str) -> str | None:
    """What is wrong with a webhook URL, or None."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or any(c.isspace() for c in value):
        return "must be an http:// or https:// URL with a host name"
    return None


@dataclass(frozen=True)
class Section:
    """A JSON object of settings; ``many=True`` makes it a list of such objects."""

    name: str
    help: str
    fields: tuple[Field | Section, ...]
    many: bool = False
    unique: str | None = None  # for lists: the key whose values must be unique
    required: bool = False  # for lists: must be present and non-empty
    example: tuple[dict, ...] = field(default=())  # for lists: example items
