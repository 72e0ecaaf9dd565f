"""The CLI and the connection layer against real simulators: status per vCenter,
exit codes, and one bad vCenter never breaking the others."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from conftest import PASSWORD, USERNAME
from helpers import run_cli, write_json
from simulators import Simulator, load_seed
from vcompanion import Companion
from vcompanion.config import load_config

pytestmark = pytest.mark.simulator
seed = load_seed()
CREDS = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}


def entries(vcsims, *names):
    return [{"name": n, "host": vcsims[n].host, "port": vcsims[n].port,
             "ca_bundle": str(vcsims[n].cert_path)} for n in names]


def test_check_reports_one_row_per_vcenter(sim_config, vcsims):
    result = run_cli("--config", str(sim_config), "check", env=CREDS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["vcenter", "address", "version", "build", "api", "status",
                                "rtt_ms"]
    rows = [line.split() for line in lines[2:]]
    assert [r[0] for r in rows] == ["prod", "dr", "lab"]
    for row, name in zip(rows, ["prod", "dr", "lab"]):
        assert row[1] == f"127.0.0.1:{vcsims[name].port}"
        assert row[5] == "ok"
        assert float(row[6]) > 0


def test_wrong_password_exits_3_naming_each_vcenter(sim_config, vcsims):
    env = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": "wrong-password"}
    result = run_cli("--config", str(sim_config), "check", env=env)
    assert result.returncode == 3
    for name, sim in vcsims.items():
        assert (f"vCenter '{name}' (127.0.0.1:{sim.port} as {USERNAME}): user name or "
                "password rejected") in result.stderr
    assert "wrong-password" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    logs = (sim_config.parent / "logs" / "vcompanion.log").read_text()
    assert "wrong-password" not in logs and "login refused for user" in logs


@pytest.fixture()
def stopped_sim(tmp_path):
    """A simulator that has been started and stopped again: its port refuses."""
    sim = Simulator("lab", "lab", workdir=tmp_path).start()
    sim.stop()
    return sim


def test_one_stopped_vcenter_exits_4_and_the_others_are_reported(tmp_path, vcsims,
                                                                  stopped_sim):
    config = write_json(tmp_path / "config.json", {"vcenters": [
        *entries(vcsims, "prod", "dr"),
        {"name": "lab", "host": "127.0.0.1", "port": stopped_sim.port,
         "ca_bundle": str(stopped_sim.cert_path)}]})
    result = run_cli("--config", str(config), "check", env=CREDS)
    assert result.returncode == 4
    assert "prod" in result.stdout and "dr" in result.stdout
    assert "unreachable" in result.stdout
    assert f"vCenter 'lab' (127.0.0.1:{stopped_sim.port} as {USERNAME}): connection " \
           "refused" in result.stderr

    result = run_cli("--config", str(config), "inventory", "vms", "--format", "json",
                     env=CREDS)
    assert result.returncode == 4
    rows = json.loads(result.stdout)
    assert {r["vcenter"] for r in rows} == {"prod", "dr"}
    assert len(rows) == len(seed.PROD["vms"]) + len(seed.DR["vms"])
    assert result.stderr.strip().startswith("vcompanion: vCenter 'lab'")


def test_json_output_is_typed(sim_config):
    result = run_cli("--config", str(sim_config), "inventory", "snapshots", "--format",
                     "json", "--vcenter", "prod", env=CREDS)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["vcenter"] for r in rows} == {"prod"}
    root = next(r for r in rows if r["name"] == "pre-upgrade-baseline")
    assert root["created"].endswith("+00:00")  # ISO 8601 with a UTC offset
    assert root["parent"] is None and root["is_current"] is False
    vms = json.loads(run_cli("--config", str(sim_config), "inventory", "vms", "--format",
                             "json", env=CREDS).stdout)
    web = next(r for r in vms if r["name"] == "web-01" and r["vcenter"] == "prod")
    assert isinstance(web["ip_addresses"], list) and "10.10.110.11" in web["ip_addresses"]
    off = next(r for r in vms if r["name"] == "db-03")
    assert off["guest_hostname"] is None and off["ip_addresses"] == []
    # The device tables: a powered-off VM's adapters still have their MACs.
    nics = json.loads(run_cli("--config", str(sim_config), "inventory", "nics", "--format",
                              "json", "--vcenter", "prod", env=CREDS).stdout)
    off_nics = [r for r in nics if r["vm"] == "db-03"]
    assert off_nics and all(r["mac_address"] and r["ip_addresses"] == [] for r in off_nics)
    result = run_cli("--config", str(sim_config), "inventory", "cdroms", env=CREDS)
    assert result.returncode == 0, result.stderr
    assert any(" iso " in line and "app-03" in line for line in result.stdout.splitlines())


def test_table_and_csv_output(sim_config):
    result = run_cli("--config", str(sim_config), "inventory", "hosts", env=CREDS)
    assert result.returncode == 0
    names = [line.split()[:2] for line in result.stdout.splitlines()[2:]]
    assert names == sorted(names, key=lambda r: (r[0], r[1]))  # by vcenter, then name
    csv = run_cli("--config", str(sim_config), "inventory", "vms", "--format", "csv",
                  "--columns", "vcenter,name,ip_addresses", env=CREDS)
    assert csv.stdout.splitlines()[0] == '"vcenter","name","ip_addresses"'  # text quoted
    assert any("10.10.110.11; 2001:db8:110::11" in line for line in csv.stdout.splitlines())
    raw = run_cli("--config", str(sim_config), "inventory", "vms", "--format", "csv",
                  "--csv-raw", "--columns", "vcenter,name,ip_addresses", env=CREDS)
    assert raw.stdout.splitlines()[0] == "vcenter,name,ip_addresses"
    assert len(raw.stdout.splitlines()) == len(csv.stdout.splitlines())
    bad = run_cli("--config", str(sim_config), "inventory", "vms", "--columns", "nope",
                  env=CREDS)
    assert bad.returncode == 2 and "unknown column(s) nope" in bad.stderr


def test_search_cli_finds_the_shared_ip_in_both_vcenters(sim_config):
    result = run_cli("--config", str(sim_config), "search", seed.SHARED_IP, "--format",
                     "json", env=CREDS)
    assert result.returncode == 0, result.stderr
    found = {(r["vcenter"], r["name"]) for r in json.loads(result.stdout)}
    assert found == set(seed.SHARED_IP_VMS.items())
    nothing = run_cli("--config", str(sim_config), "search", "zzz-nothing", env=CREDS)
    assert nothing.returncode == 0 and "nothing matches" in nothing.stderr


def test_untrusted_certificate_is_a_tls_error_and_verify_off_works(tmp_path, vcsims):
    sim = vcsims["lab"]
    config = write_json(tmp_path / "config.json", {"vcenters": [
        {"name": "strict", "host": sim.host, "port": sim.port},
        {"name": "lax", "host": sim.host, "port": sim.port, "verify_ssl": False}]})
    result = run_cli("--config", str(config), "check", env=CREDS)
    assert result.returncode == 4
    assert "tls error" in result.stdout
    assert "certificate not trusted" in result.stderr and "ca_bundle" in result.stderr
    lax = [line for line in result.stdout.splitlines() if line.startswith("lax")]
    assert lax and lax[0].split()[5] == "ok"
    assert "verification is OFF" in (tmp_path / "logs" / "vcompanion.log").read_text()


@pytest.fixture()
def blackhole():
    """A port that accepts connections and never answers: a hung vCenter."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_vcenter_times_out_without_holding_up_the_others(tmp_path, vcsims,
                                                                 blackhole):
    config = write_json(tmp_path / "config.json", {
        "vcenters": [*entries(vcsims, "prod"),
                     {"name": "hung", "host": "127.0.0.1", "port": blackhole}],
        "collection": {"connect_timeout_seconds": 1.5}})
    started = time.monotonic()
    with Companion.from_config(config, USERNAME, PASSWORD) as vc:
        vms = vc.vms()
        status = vc.status().set_index("vcenter")
    assert time.monotonic() - started < 15
    assert set(vms["vcenter"]) == {"prod"}
    assert status.loc["prod", "status"] == "ok"
    assert status.loc["hung", "status"] == "unreachable"
    assert "no answer in time" in status.loc["hung", "message"]


def test_session_dropped_by_vcenter_is_reestablished(sim_config):
    with Companion(load_config(sim_config), USERNAME, PASSWORD, vcenters=["lab"]) as vc:
        vc.vms()
        conn = vc._states["lab"].connection
        generation = conn.session_generation
        conn.content.sessionManager.Logout()  # as if vCenter had expired the session
        vc.refresh()
        assert not vc.failures
        assert conn.session_generation == generation + 1
        assert len(vc.vms()) == len(seed.LAB["vms"])


def test_logout_on_close(sim_config, vcsims):
    vc = Companion(load_config(sim_config), USERNAME, PASSWORD, vcenters=["lab"])
    vc.vms()
    manager = vc._states["lab"].connection.content.sessionManager
    vc.close()
    with pytest.raises(Exception):  # noqa: B017 - NotAuthenticated: the session is gone
        manager.currentSession.key  # noqa: B018 - reading it is the call
