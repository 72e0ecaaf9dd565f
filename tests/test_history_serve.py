"""Who records: ``vcompanion serve`` records the history after its refresh when
no recording of its vCenters is younger than ``history.interval_minutes``
(plus the grace), so a scheduler recording on the same interval goes first.

The rule on a hand-made history; then the real server over the simulators:
on an empty history it records once (not at every refresh); after a recent
``vcompanion history record`` it records nothing.  Never in demo or
personal-login mode.
"""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest

import historydata as hd
from conftest import PASSWORD, USERNAME
from helpers import run_cli
from vcompanion.history import History
from vcompanion.jobs import history as jobs
from vcompanion.ui import recording


def companion(tmp_path, **settings):
    config = hd.config(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite'}", **settings)
    history = History(config) if config.get("history.enabled") else None
    recorded = []
    return SimpleNamespace(config=config, history=history, vcenter_names=["prod", "dr"],
                           record=lambda refresh=True: recorded.append(refresh) or
                           history.record([hd.reading("prod", hd.tables("prod"), hd.T0),
                                           hd.reading("dr", hd.tables("dr"), hd.T0)],
                                          now=hd.T0),
                           recorded=recorded)


def test_serve_records_when_no_recording_is_younger_than_the_interval(tmp_path):
    vc = companion(tmp_path)
    assert jobs.recording_due(vc, hd.T0)  # an empty history: due
    vc.history.record([hd.reading("prod", hd.tables("prod"), hd.T0)], now=hd.T0)
    assert jobs.recording_due(vc, hd.T0)  # dr was never recorded
    vc.history.record([hd.reading("prod", hd.tables("prod"), hd.T0),
                       hd.reading("dr", error="cannot connect")],
                      now=hd.T0 + timedelta(seconds=1))
    limit = timedelta(minutes=15, seconds=jobs.GRACE_SECONDS)
    # A failed recording counts: someone is recording (a scheduler).
    for age, due in ((timedelta(minutes=5), False), (limit - timedelta(seconds=2), False),
                     (limit + timedelta(seconds=2), True)):
        assert jobs.recording_due(vc, hd.T0 + age) is due, age
    # Nothing to do with the interval at 0 or the history off.
    for settings in ({"interval_minutes": 0}, {"enabled": False}):
        off = companion(tmp_path / str(len(settings)), **settings)
        assert not jobs.recording_due(off, hd.T0 + timedelta(days=1))
    # record_if_due records (without reading the vCenters again) only when due.
    fresh = companion(tmp_path / "fresh")
    assert jobs.record_if_due(fresh, hd.T0) is not None and fresh.recorded == [False]
    assert jobs.record_if_due(fresh, hd.T0 + timedelta(minutes=1)) is None
    assert fresh.recorded == [False]


def test_only_a_service_account_server_records(tmp_path):
    config = hd.config(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite'}")
    data = SimpleNamespace(param=SimpleNamespace(watch=lambda *a: None))
    for mode in ("demo", "user"):
        assert recording.attach(SimpleNamespace(mode=mode, shared=data,
                                                config=config)) is None
    assert recording.attach(SimpleNamespace(mode="service", shared=data,
                                            config=config)) is not None
    off = hd.config(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite'}", interval_minutes=0)
    assert recording.attach(SimpleNamespace(mode="service", shared=data,
                                            config=off)) is None


# --- the real server ------------------------------------------------------------------

def _serve(sim_config, folder):
    from test_dashboards import EXE, Server, base_env, write_config
    config = write_config(sim_config, folder, dashboard={"refresh_seconds": 5})
    return config, lambda: Server(
        [str(EXE), "--config", str(config), "serve", "--port", "{port}"],
        base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD), folder,
        folder / "server.out")


def _refreshes(server, n: int, timeout: float = 120) -> str:
    """Wait for ``n`` refreshes in the server's output; the output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = server.output()
        if out.count("dashboard data refreshed") >= n:
            return out
        time.sleep(0.5)
    raise AssertionError(f"fewer than {n} refreshes:\n{server.output()}")


def _last(config) -> dict:
    from vcompanion.config import load_config
    history = History(load_config(config))
    try:
        return history.last_recordings()
    finally:
        history.close()


@pytest.mark.simulator
def test_serve_records_once_on_an_empty_history(vcsims, sim_config, tmp_path):
    config, start = _serve(sim_config, tmp_path)
    server = start()
    try:
        out = _refreshes(server, 4)
    finally:
        server.stop()
    assert out.count("after the dashboards' refresh") == 1, out
    assert set(_last(config)) == {"prod", "dr", "lab"}


@pytest.mark.simulator
def test_serve_does_not_record_after_a_recent_recording(vcsims, sim_config, tmp_path):
    config, start = _serve(sim_config, tmp_path)
    result = run_cli("--config", str(config), "history", "record",
                     env={"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    before = _last(config)
    server = start()
    try:
        out = _refreshes(server, 3)
    finally:
        server.stop()
    assert "after the dashboards' refresh" not in out
    assert _last(config) == before
