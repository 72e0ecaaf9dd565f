"""Search queries: free text and ``field:value`` filters, parsed once.

A query is words separated by spaces.  A word ``field:value`` whose field is
one of ``FIELDS`` is a filter; every other word is free text (a name, an
IP, a CIDR, a MAC, a UUID, ... see ``index.py``).  Everything given must
match: ``10.20.0.0/16 power:on tag:Env:Prod`` is the powered-on objects with
an address in 10.20.0.0/16 and the tag Env:Prod.  Values are
case-insensitive and whole (``os:windows`` is not ``os:windows*``); ``*``
and ``?`` are wildcards.  Double quotes keep spaces in a word
(``attr:"Cost Centre=4711"``) and make a word with a colon free text
(``"web:01"``).  An unknown field is a ``ConfigError`` listing the known ones.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ..errors import ConfigError

# field -> what it matches (for errors, docs and the Search page)
FIELDS = {
    "tag": "a tag, as Category:Tag or just Tag (tag:Backup:Gold, tag:Gold, tag:Backup:*)",
    "attr": "a custom attribute, as Name=value or just Name (attr:Owner=finance, "
            "attr:Owner)",
    "power": "power state: on, off, suspended, standby (or poweredOn, ...)",
    "os": "guest OS, as configured or reported, or its guest id (os:windows*, "
          "os:*2019*)",
    "host": "the ESXi host of a VM, or a host's own name (host:esx-01*)",
    "cluster": "the cluster of a VM or host, or a cluster's own name (cluster:Prod*)",
    "vcenter": "the configured vCenter name (vcenter:dr)",
    "net": "a network of a VM, or a network's own name (net:VLAN-120)",
    "ds": "a datastore of a VM, or a datastore's own name (ds:SAN-01)",
    "kind": "vm, host, datastore, cluster or network",
}
_POWER = {"on": "poweredon", "off": "poweredoff", "standby": "standby",
          "suspended": "suspended"}
_FIELD_WORD = re.compile(r"^([A-Za-z][A-Za-z_]*):(.*)$", re.DOTALL)
_MAC = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$", re.IGNORECASE)


@dataclass(frozen=True)
class Filter:
    """``field:value``, lowercased; ``pattern`` when the value has wildcards."""

    field: str
    value: str
    pattern: re.Pattern | None = None

    def matches(self, key: str) -> bool:
        return self.pattern.match(key) is not None if self.pattern else key == self.value


@dataclass(frozen=True)
class Query:
    """Free-text terms (as typed) and filters; all must match."""

    terms: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms and not self.filters


def words(text: str) -> list[tuple[str, bool]]:
    """The words of ``text`` split at spaces outside double quotes, quotes
    removed; each with True when it began with a quote."""
    found: list[tuple[str, bool]] = []
    current: list[str] = []
    quoted = started_quoted = in_word = False
    for char in text:
        if char == '"':
            if not in_word:
                in_word, started_quoted = True, True
            quoted = not quoted
        elif char.isspace() and not quoted:
            if in_word:
                found.append(("".join(current), started_quoted))
            current, in_word, started_quoted = [], False, False
        else:
            current.append(char)
            in_word = True
    if in_word:
        found.append(("".join(current), started_quoted))
    return found


def _is_address(word: str) -> bool:
    """IPv6 addresses, networks and MACs have colons too."""
    if _MAC.match(word):
        return True
    try:
        ipaddress.ip_network(word.split("%")[0], strict=False)
        return True
    except ValueError:
        return False


def parse(text: str) -> Query:
    """The Query of ``text`` (raises ConfigError for an unknown or empty field)."""
    terms: list[str] = []
    filters: list[Filter] = []
    for word, quoted in words(text.strip()):
        match = None if quoted else _FIELD_WORD.match(word)
        if match is None or _is_address(word):
            if word:
                terms.append(word)
            continue
        field, value = match.group(1).lower(), match.group(2).strip().lower()
        if field not in FIELDS:
            raise ConfigError(f"unknown search field '{match.group(1)}' in '{word}' "
                              f"(known: {', '.join(sorted(FIELDS))}; quote a word with "
                              f"a colon to search it as text)")
        if not value:
            raise ConfigError(f"search field '{field}:' needs a value ({FIELDS[field]})")
        if field == "power":
            value = _POWER.get(value, value)
        filters.append(Filter(field, value, glob(value)))
    return Query(tuple(terms), tuple(filters))


def glob(value: str) -> re.Pattern | None:
    """The regular expression of a value with ``*``/``?`` wildcards (None
    without): the whole value must match; every other character is itself."""
    if "*" not in value and "?" not in value:
        return None
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in value) + r"\Z", re.DOTALL)


def describe_fields() -> str:
    """One line per field, for help texts."""
    return "\n".join(f"{name}:  {text}" for name, text in FIELDS.items())


__all__ = ["FIELDS", "Filter", "Query", "describe_fields", "glob", "parse", "words"]
