"""Loading and validating the JSON configuration file.

The settings themselves are declared in the ``settings`` package; this module only
applies that declaration: it finds the file, parses it (syntax errors with
line and column), rejects unknown keys, checks types and fills in defaults.
It also renders the declaration as ``config.example.json`` and as Markdown.
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings import ROOT, Field, Section

ENV_CONFIG = "VCOMPANION_CONFIG"
DEFAULT_FILE = "config.json"


@dataclass(frozen=True)
class VCenterConfig:
    """One configured vCenter (validated)."""

    name: str
    host: str
    port: int = 443
    verify_ssl: bool = True
    ca_bundle: Path | None = None
    username: str | None = None

    @property
    def address(self) -> str:
        """``host:port`` as shown in messages (IPv6 literals in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Config:
    """A validated configuration: typed vCenters plus every other setting."""

    path: Path | None
    vcenters: tuple[VCenterConfig, ...]
    data_dir: Path
    logs_dir: Path
    settings: dict  # the whole validated tree, defaults filled in

    def get(self, dotted: str) -> Any:
        """A setting by dotted path, e.g. ``config.get("logging.level")``."""
        node: Any = self.settings
        for part in dotted.split("."):
            node = node[part]
        return node

    def vcenter(self, name: str) -> VCenterConfig:
        for vc in self.vcenters:
            if vc.name == name:
                return vc
        raise ConfigError(f"no vCenter named '{name}' (configured: "
                          f"{', '.join(v.name for v in self.vcenters)})", self.where)

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "configuration"

    @classmethod
    def from_dict(cls, data: dict, base_dir: Path | None = None,
                  path: Path | None = None) -> Config:
        """Validate an already parsed configuration (used by tests and the demo)."""
        where = str(path) if path else "configuration"
        base = base_dir or (path.parent if path else Path.cwd())
        tree = _validate_section(ROOT, data, "", where, base)
        vcenters = tuple(VCenterConfig(**item) for item in tree["vcenters"])
        return cls(path=path, vcenters=vcenters, data_dir=tree["data_dir"],
                   logs_dir=tree["logs_dir"], settings=tree)


def find_config(explicit: str | os.PathLike | None = None) -> Path:
    """The config file to use: the argument, else $VCOMPANION_CONFIG, else ./config.json."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    return Path.cwd() / DEFAULT_FILE


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read and validate the configuration file; raises ConfigError."""
    file = find_config(path).expanduser()
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        hint = ""
        if (file.parent / "config.example.json").exists():
            hint = " (copy config.example.json to config.json and edit it)"
        raise ConfigError(f"configuration file not found{hint}", str(file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file: "
                          f"{exc.strerror or exc}", str(file)) from None
    data = parse_json(raw, str(file))
    return Config.from_dict(data, base_dir=file.resolve().parent, path=file)


MAX_DEPTH = 64  # the configuration nests 4 levels; deeper is a broken file


def parse_json(raw: bytes, where: str) -> Any:
    """The JSON document in ``raw``, or a one-line ConfigError: not UTF-8, bad
    JSON (with line and column), a key twice, nested absurdly deep."""
    try:
        text = raw.decode("utf-8-sig")  # tolerate Notepad's BOM
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line "
                          f"{line}); save the file as UTF-8", where) from None
    depth = _nesting(text)
    if depth > MAX_DEPTH:
        raise ConfigError(f"invalid JSON: nested {depth} levels deep (at most "
                          f"{MAX_DEPTH})", where)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}",
                          f"{where}, line {exc.lineno}, column {exc.colno}") from None
    except _DuplicateKey as exc:
        raise ConfigError(f"key '{exc.args[0]}' appears twice", where) from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit number
        raise ConfigError(f"invalid JSON: {str(exc)[:120]}", where) from None


def _nesting(text: str) -> int:
    """How deep [ and { nest in ``text`` (outside strings), without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


# --- validation --------------------------------------------------------------

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               type(None): "null", list: "a list", dict: "an object"}


def _type_text(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    if int in types and float in types:
        types = tuple(t for t in types if t is not int)
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def _is_instance(value: Any, types) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool):  # JSON true is not a number here
        return bool in types
    if float in types and isinstance(value, int):
        return True
    return isinstance(value, types)


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "?")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _validate_section(section: Section, data: Any, path: str, where: str,
                      base: Path) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(f"'{path or 'the top level'}' must be an object, "
                          f"not {_json_type(data)}", where)
    known = {f.name: f for f in section.fields}
    for key in data:
        if key not in known:
            close = _closest(key, known)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise ConfigError(f"unknown setting '{_join(path, key)}'{hint}", where)
    result: dict[str, Any] = {}
    for item in section.fields:
        key_path = _join(path, item.name)
        if isinstance(item, Section) and item.many:
            result[item.name] = _validate_list(item, data.get(item.name), key_path,
                                               where, base)
        elif isinstance(item, Section):
            result[item.name] = _validate_section(item, data.get(item.name, {}),
                                                  key_path, where, base)
        else:
            result[item.name] = _validate_field(item, data, key_path, where, base)
    return result


def _validate_list(section: Section, items: Any, path: str, where: str,
                   base: Path) -> list[dict]:
    if items is None:
        if section.required:
            raise ConfigError(f"missing required setting '{path}'", where)
        return []
    if not isinstance(items, list):
        raise ConfigError(f"'{path}' must be a list, not {_json_type(items)}", where)
    if section.required and not items:
        raise ConfigError(f"'{path}' must list at least one entry", where)
    result = [_validate_section(section, item, f"{path}[{i}]", where, base)
              for i, item in enumerate(items)]
    if section.unique:
        seen: dict[Any, int] = {}
        for i, item in enumerate(result):
            value = item[section.unique]
            if value in seen:
                raise ConfigError(f"'{path}[{i}].{section.unique}' repeats '{value}' from "
                                  f"'{path}[{seen[value]}]': names must be unique", where)
            seen[value] = i
    return result


def _shown(value: Any, limit: int = 60) -> str:
    """A value as JSON for a message, cut short."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# Bidirectional overrides and isolates: they make text read differently from
# what it holds (in logs, mails, pages).
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _control_character(text: str) -> str | None:
    """The first control character (C0, DEL, C1, line/paragraph separator,
    bidi override) in ``text`` as U+XXXX, or None."""
    for char in text:
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return f"U+{ord(char):04X}"
    return None


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _range_text(item: Field) -> str:
    if item.maximum is None:
        return f"at least {_number(item.minimum)}"
    if item.minimum is None:
        return f"at most {_number(item.maximum)}"
    return f"from {_number(item.minimum)} to {_number(item.maximum)}"


def _validate_field(item: Field, data: dict, path: str, where: str, base: Path) -> Any:
    if item.name not in data:
        if item.required:
            raise ConfigError(f"missing required setting '{path}'", where)
        value = item.default
    else:
        value = data[item.name]
        if not _is_instance(value, item.type):
            raise ConfigError(f"'{path}' must be {_type_text(item.type)}, "
                              f"not {_json_type(value)} ({_shown(value)})", where)
        if isinstance(value, str) and not value.strip() and item.required:
            raise ConfigError(f"'{path}' must not be empty", where)
        _check_form(item, value, path, where)
    if item.choices and value not in item.choices:
        raise ConfigError(f"'{path}' must be one of {', '.join(map(str, item.choices))}, "
                          f"not {_shown(value)}", where)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (
            (item.minimum is not None and value < item.minimum)
            or (item.maximum is not None and value > item.maximum)):
        raise ConfigError(f"'{path}' must be {_range_text(item)}, not {_shown(value)}",
                          where)
    if item.check is not None and item.name in data and value is not None:
        problem = item.check(value)
        if problem:
            raise ConfigError(f"'{path}' {problem}", where)
    if item.is_path and isinstance(value, str):
        value = (base / Path(value).expanduser()).resolve()
    return value


def _check_form(item: Field, value: Any, path: str, where: str) -> None:
    """Numbers finite; text (and list items) without control characters."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"'{path}' must be a finite number, not {_shown(value)}", where)
    values = value if isinstance(value, list) else [value]
    for i, one in enumerate(values):
        at = f"{path}[{i}]" if isinstance(value, list) else path
        if isinstance(value, list) and item.items is not None \
                and not _is_instance(one, item.items):
            raise ConfigError(f"'{at}' must be {_type_text(item.items)}, not "
                              f"{_json_type(one)} ({_shown(one)})", where)
        if isinstance(one, str):
            bad = _control_character(one)
            if bad:
                raise ConfigError(f"'{at}' must not contain control characters "
                                  f"(found {bad}): {_shown(one)}", where)


def _closest(key: str, known) -> str | None:
    import difflib
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return match[0] if match else None


# --- rendering the declaration -------------------------------------------------

def example_config() -> dict:
    """The content of config.example.json, built from the declaration."""
    return _example_section(ROOT)


def _example_section(section: Section) -> Any:
    if section.many:
        return [dict(item) for item in section.example]
    result = {}
    for item in section.fields:
        if isinstance(item, Section):
            result[item.name] = _example_section(item)
        elif item.in_example:
            result[item.name] = item.example if item.example is not None else (
                None if item.required else item.default)
    return result


def example_config_text() -> str:
    return json.dumps(example_config(), indent=2) + "\n"


def docs_markdown() -> str:
    """docs/configuration.md, built from the declaration."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from vcompanion/settings/ by `vcompanion config docs`; "
        "do not edit by hand. -->",
        "",
        "vCompanion reads one JSON file: `--config PATH`, else the environment "
        f"variable `{ENV_CONFIG}`, else `config.json` in the current folder. "
        "Unknown keys are errors, so a typo is never silently ignored; numbers "
        "must be finite and within the range given, and text must not contain "
        "control characters. "
        "Passwords are never stored in this file: see `vcompanion credentials`.",
        "",
        "Start from [`config.example.json`](../config.example.json).",
        "",
    ]
    _docs_section(ROOT, "", lines)
    return "\n".join(lines).rstrip() + "\n"


def _docs_section(section: Section, path: str, lines: list[str]) -> None:
    plain = [f for f in section.fields if isinstance(f, Field)]
    if path:
        suffix = "[]" if section.many else ""
        lines += [f"## `{path}{suffix}`", "", section.help, ""]
    if plain:
        lines += ["| Key | Type | Default | Description |", "|---|---|---|---|"]
        for f in plain:
            default = "required" if f.required else f"`{json.dumps(f.default)}`"
            text = f.help + (f" One of: {', '.join(map(str, f.choices))}."
                             if f.choices else "")
            if f.minimum is not None or f.maximum is not None:
                text += f" {_range_text(f)[0].upper()}{_range_text(f)[1:]}."
            key = _join(path + ("[]" if section.many else ""), f.name)
            lines.append(f"| `{key}` | {_type_text(f.type)} | {default} | {text} |")
        lines.append("")
    for sub in section.fields:
        if isinstance(sub, Section):
            _docs_section(sub, _join(path, sub.name), lines)
