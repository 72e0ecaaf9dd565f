"""The configuration file: declared once, validated strictly, documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import run_cli, write_json
from vcompanion.config import (Config, docs_markdown, example_config_text,
                               load_config)
from vcompanion.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_example_config_and_docs_are_generated_from_the_declaration():
    assert (REPO / "config.example.json").read_text(encoding="utf-8") == \
        example_config_text(), "run: vcompanion config example > config.example.json"
    assert (REPO / "docs" / "configuration.md").read_text(encoding="utf-8") == \
        docs_markdown(), "run: vcompanion config docs > docs/configuration.md"


def test_example_config_is_valid(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(example_config_text(), encoding="utf-8")
    config = load_config(path)
    assert [v.name for v in config.vcenters] == ["prod", "dr"]
    assert config.vcenters[0].port == 443 and config.vcenters[0].verify_ssl is True
    # relative paths are resolved beside the config file
    assert config.data_dir == (tmp_path / "data").resolve()
    assert config.logs_dir == (tmp_path / "logs").resolve()
    assert config.vcenters[1].ca_bundle == (tmp_path / "certs/vcenter-dr-ca.pem").resolve()


def test_defaults_are_filled_in():
    config = Config.from_dict({"vcenters": [{"name": "a", "host": "h"}]},
                              base_dir=Path("/tmp"))
    assert config.get("logging.level") == "INFO"
    assert config.get("collection.connect_timeout_seconds") == 10
    assert config.vcenters[0].address == "h:443"


@pytest.mark.parametrize("data, message", [
    ({}, "missing required setting 'vcenters'"),
    ({"vcenters": []}, "'vcenters' must list at least one entry"),
    ({"vcenters": [{"name": "a"}]}, "missing required setting 'vcenters[0].host'"),
    ({"vcenters": [{"name": "a", "host": "h", "verfy_ssl": False}]},
     "unknown setting 'vcenters[0].verfy_ssl' (did you mean 'verify_ssl'?)"),
    ({"vcenters": [{"name": "a", "host": "h"}, {"name": "b", "host": 5}]},
     "'vcenters[1].host' must be a string, not a number (5)"),
    ({"vcenters": [{"name": "a", "host": "h", "port": "443"}]},
     "'vcenters[0].port' must be an integer, not a string (\"443\")"),
    ({"vcenters": [{"name": "a", "host": "h", "port": True}]},
     "'vcenters[0].port' must be an integer, not a boolean (true)"),
    ({"vcenters": [{"name": "a", "host": "h"}, {"name": "a", "host": "i"}]},
     "'vcenters[1].name' repeats 'a' from 'vcenters[0]'"),
    ({"vcenters": [{"name": "a", "host": "h"}], "logging": {"level": "LOUD"}},
     "'logging.level' must be one of DEBUG, INFO, WARNING, ERROR"),
    ({"vcenters": [{"name": "a", "host": "h"}], "colection": {}},
     "unknown setting 'colection' (did you mean 'collection'?)"),
    ({"vcenters": {"name": "a"}}, "'vcenters' must be a list, not an object"),
    ([], "'the top level' must be an object"),
])
def test_bad_settings_are_named_by_path(tmp_path, data, message):
    path = write_json(tmp_path / "config.json", data)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_json_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{\n  "vcenters": [\n    {"name": "a", "host": "h",}\n  ]\n}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    # the column of the trailing comma (3.12) or of the brace after it (3.13)
    assert re.search(rf"{re.escape(str(path))}, line 3, column (30|31): invalid JSON",
                     str(info.value))


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"vcenters": [{"name": "a", "host": "h", "host": "i"}]}')
    with pytest.raises(ConfigError, match="key 'host' appears twice"):
        load_config(path)


def test_config_file_lookup_order(tmp_path, monkeypatch):
    a = write_json(tmp_path / "a.json", {"vcenters": [{"name": "a", "host": "h"}]})
    b = write_json(tmp_path / "b.json", {"vcenters": [{"name": "b", "host": "h"}]})
    write_json(tmp_path / "config.json", {"vcenters": [{"name": "c", "host": "h"}]})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VCOMPANION_CONFIG", raising=False)
    assert load_config().vcenters[0].name == "c"
    monkeypatch.setenv("VCOMPANION_CONFIG", str(b))
    assert load_config().vcenters[0].name == "b"
    assert load_config(a).vcenters[0].name == "a"


def test_missing_file_hints_at_the_example(tmp_path):
    (tmp_path / "config.example.json").write_text("{}")
    with pytest.raises(ConfigError, match="copy config.example.json to config.json"):
        load_config(tmp_path / "config.json")


def test_notepad_bom_is_accepted(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(
        {"vcenters": [{"name": "a", "host": "h"}]}).encode())
    assert load_config(path).vcenters[0].name == "a"


# --- through the real command ----------------------------------------------------

def test_cli_broken_json_exits_2_with_line_and_column(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"vcenters": [\n  {"name": "a" "host": "h"}\n]}\n')
    result = run_cli("--config", str(path), "check")
    assert result.returncode == 2
    assert "line 2, column 16" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_unknown_key_exits_2_naming_it(tmp_path):
    path = write_json(tmp_path / "config.json",
                      {"vcenters": [{"name": "a", "host": "h", "verfy_ssl": False}]})
    result = run_cli("--config", str(path), "check")
    assert result.returncode == 2
    assert "vcenters[0].verfy_ssl" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_config_from_environment(tmp_path):
    path = write_json(tmp_path / "x.json", {"vcenters": [{"name": "a", "host": "h"}]})
    result = run_cli("config", "validate", env={"VCOMPANION_CONFIG": str(path)})
    assert result.returncode == 0, result.stderr
    assert "1 vCenter(s): a" in result.stdout


def test_cli_usage_error_exits_2():
    result = run_cli("inventory", "toasters")
    assert result.returncode == 2


def test_cli_version():
    from vcompanion import __version__
    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


# --- ranges, forms and files that are not JSON at all ---------------------------------

VC = {"name": "a", "host": "vc.example.com"}


@pytest.mark.parametrize("text, message", [
    ('{"vcenters": [{"name": "a", "host": "h", "port": 70000}]}',
     "'vcenters[0].port' must be from 1 to 65,535, not 70000"),
    ('{"vcenters": [{"name": "a", "host": "h", "port": 0}]}',
     "'vcenters[0].port' must be from 1 to 65,535, not 0"),
    ('{"vcenters": [{"name": "a", "host": "h"}], '
     '"collection": {"connect_timeout_seconds": 1e400}}',
     "'collection.connect_timeout_seconds' must be a finite number, not Infinity"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "collection": {"read_timeout_seconds": NaN}}',
     "'collection.read_timeout_seconds' must be a finite number, not NaN"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "session": {"cookie_days": 1e300}}',
     "'session.cookie_days' must be from 0.001 to 365, not 1e+300"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "session": {"cookie_days": -1}}',
     "'session.cookie_days' must be from 0.001 to 365, not -1"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "dashboard": {"refresh_seconds": 1e9}}',
     "'dashboard.refresh_seconds' must be from 5 to 86,400"),
    ('{"vcenters": [{"name": "a", "host": "vc.example.com\\r\\nX-Evil: 1"}]}',
     "'vcenters[0].host' must not contain control characters (found U+000D)"),
    ('{"vcenters": [{"name": "a", "host": "vc name"}]}',
     "'vcenters[0].host' must be a host name or IP address"),
    ('{"vcenters": [{"name": "a", "host": "[fe80::1]"}]}',
     "'vcenters[0].host' must be a host name or IP address without brackets"),
    ('{"vcenters": [{"name": "a\\u0000b", "host": "h"}]}',
     "'vcenters[0].name' must not contain control characters (found U+0000)"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "dashboard": {"title": "x\\u202ey"}}',
     "'dashboard.title' must not contain control characters (found U+202E)"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "alerts": {"email": '
     '{"to": ["ops@example.com\\r\\nBcc: all@example.com"]}}}',
     "'alerts.email.to[0]' must not contain control characters (found U+000D)"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "alerts": {"email": {"to": [5]}}}',
     "'alerts.email.to[0]' must be a string, not a number (5)"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "alerts": {"webhooks": '
     '[{"name": "w", "url": "javascript:alert(1)"}]}}',
     "'alerts.webhooks[0].url' must be an http:// or https:// URL"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "alerts": {"webhooks": '
     '[{"name": "w", "url": "https://hooks.example.com:99999/x"}]}}',
     "'alerts.webhooks[0].url' must be an http:// or https:// URL"),
    ('{"vcenters": [{"name": "a", "host": "h"}], "collection": {"decode_processes": 1000}}',
     "'collection.decode_processes' must be from 0 to 256, not 1000"),
])
def test_values_out_of_range_or_form_are_named_with_the_range(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value) and "\r" not in str(info.value)


def test_values_at_the_limits_are_accepted(tmp_path):
    path = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "a", "host": "fe80::1%eth0", "port": 65535},
                     {"name": "b", "host": "vcenter-b.corp.example.com", "port": 1}],
        "collection": {"connect_timeout_seconds": 600, "read_timeout_seconds": 1},
        "session": {"cookie_days": 365, "idle_timeout_minutes": 0},
        "alerts": {"webhooks": [{"name": "w", "url": "http://10.0.0.1:8080/x"}]}})
    config = load_config(path)
    assert config.vcenters[0].port == 65535 and config.get("session.cookie_days") == 365


def test_docs_show_the_ranges():
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert "HTTPS port of the vCenter API. From 1 to 65,535." in docs
    assert "expires after this many days. From 0.001 to 365." in docs


def test_every_number_setting_has_a_range():
    from vcompanion.settings import ROOT, Section

    def fields(section):
        for item in section.fields:
            if isinstance(item, Section):
                yield from fields(item)
            else:
                yield item
    for item in fields(ROOT):
        types = item.type if isinstance(item.type, tuple) else (item.type,)
        if (int in types or float in types) and bool not in types:
            assert item.minimum is not None and item.maximum is not None, item.name
        if list in types:
            assert item.items is str, item.name


@pytest.mark.parametrize("raw, message", [
    (b'{"vcenters": [{"name": "caf\xe9", "host": "h"}]}',
     "not UTF-8 text (byte 0xe9 on line 1); save the file as UTF-8"),
    (b"\xff\xfe{\x00}\x00", "not UTF-8 text (byte 0xff on line 1)"),  # UTF-16
    (b"[" * 100_000 + b"]" * 100_000, "invalid JSON: nested 100000 levels deep"),
    (b'{"vcenters": [{"name": "a", "host": "h", "port": ' + b"9" * 5000 + b"}]}",
     "invalid JSON"),
])
def test_files_that_are_not_json_give_one_line_and_exit_2(tmp_path, raw, message):
    path = tmp_path / "config.json"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    for command in (("config", "validate"), ("check",), ("inventory", "vms")):
        result = run_cli("--config", str(path), *command)
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert message in result.stderr
