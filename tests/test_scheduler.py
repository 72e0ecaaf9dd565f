"""The scheduler: APScheduler 3 in one process, jobs from providers, clean stop."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from helpers import run_cli, write_json
from receivers import HttpSink

from vcompanion import jobs
from vcompanion.jobs import alerts as alert_jobs
from vcompanion.jobs import scheduler
from vcompanion.config import load_config

ticks: list[float] = []
booms: list[float] = []
running = {"now": 0, "max": 0}
_lock = threading.Lock()


def tick() -> None:
    ticks.append(time.monotonic())


def boom() -> None:
    booms.append(time.monotonic())
    raise RuntimeError("this job always fails")


def slow() -> None:
    with _lock:
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
    time.sleep(0.6)
    with _lock:
        running["now"] -= 1


def provided_jobs(config) -> list:
    return [scheduler.JobSpec("tick", tick, IntervalTrigger(seconds=0.2), {}, "tick"),
            scheduler.JobSpec("boom", boom, IntervalTrigger(seconds=0.2), {}, "boom"),
            scheduler.JobSpec("slow", slow, IntervalTrigger(seconds=0.1), {}, "slow")]


def broken_provider(config) -> list:
    raise RuntimeError("provider bug")


def config_at(tmp_path: Path, alerts: dict | None = None, vcenters=None,
              history: dict | None = None):
    data = {"vcenters": vcenters or [{"name": "a", "host": "127.0.0.1", "port": 9}],
            "data_dir": "data", "logs_dir": "logs", "alerts": alerts or {},
            "history": history or {}}
    return load_config(write_json(tmp_path / "config.json", data))


def wait_until(condition, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_jobs_run_on_their_interval_and_a_failing_job_stops_nothing(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vcompanion.jobs.scheduler")
    ticks.clear(), booms.clear()
    sched = scheduler.build_scheduler(config_at(tmp_path),
                                      providers=[provided_jobs, broken_provider])
    assert {j.id for j in sched.get_jobs()} == {"tick", "boom", "slow"}
    sched.start()
    try:
        assert wait_until(lambda: len(booms) >= 3 and len(ticks) >= 6), (ticks, booms)
        after = len(ticks)
        assert wait_until(lambda: len(ticks) >= after + 3)  # still ticking after failures
        assert sched.running and sched.get_job("boom") is not None
    finally:
        sched.shutdown(wait=True)
    assert running["max"] == 1  # a 0.6 s job on a 0.1 s interval never overlaps
    text = caplog.text
    assert "scheduler: job 'boom' failed: RuntimeError: this job always fails" in text
    assert "job provider test_scheduler.broken_provider failed" in text


def test_job_defaults_and_the_alerts_job(tmp_path):
    config = config_at(tmp_path, {"interval_minutes": 5,
                                  "webhooks": [{"name": "w", "url": "http://127.0.0.1:9/"}]})
    assert jobs.PROVIDERS[0] is alert_jobs.jobs
    sched = scheduler.build_scheduler(config, providers=[alert_jobs.jobs])
    sched.start(paused=True)  # job defaults apply when the scheduler starts
    try:
        [job] = sched.get_jobs()
    finally:
        sched.shutdown(wait=False)
    assert (job.id, job.name) == ("alerts", "alerts every 5 min")
    assert job.coalesce is True and job.max_instances == 1
    assert job.misfire_grace_time >= 3600
    assert job.kwargs == {"config_path": str(config.path)}
    assert job.func.__module__ == "vcompanion.jobs.alerts" and \
        "<locals>" not in job.func.__qualname__
    assert job.trigger.interval.total_seconds() == 300
    # no notifier, or interval 0: no alert job
    assert scheduler.job_specs(config_at(tmp_path, {"interval_minutes": 5}),
                               [alert_jobs.jobs]) == []
    assert scheduler.job_specs(config_at(tmp_path, {
        "interval_minutes": 0, "webhooks": [{"name": "w", "url": "http://127.0.0.1:9/"}]}),
        [alert_jobs.jobs]) == []


def test_cli_list_and_nothing_to_schedule(tmp_path):
    config = config_at(tmp_path, {"interval_minutes": 30,
                                  "webhooks": [{"name": "w", "url": "http://127.0.0.1:9/"}]})
    listed = run_cli("--config", str(config.path), "scheduler", "--list")
    assert listed.returncode == 0, listed.stderr
    assert "alerts every 30 min" in listed.stdout
    assert "history recording every 15 min" in listed.stdout  # on by default
    (tmp_path / "empty").mkdir()
    empty = config_at(tmp_path / "empty", history={"enabled": False})
    done = run_cli("--config", str(empty.path), "scheduler")
    assert done.returncode == 2
    assert done.stderr.startswith("vcompanion: nothing to schedule")


@pytest.mark.simulator
@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM")
def test_scheduler_process_runs_alerts_and_stops_cleanly(tmp_path, vcsims, sim_config,
                                                           sim_env):
    sink = HttpSink().start()
    data = json.loads(Path(sim_config).read_text())
    data.update({"data_dir": "data", "logs_dir": "logs", "alerts": {
        "interval_minutes": 0.05,  # every 3 s
        "webhooks": [{"name": "hook", "url": sink.url("/hook")}]}})
    config = write_json(tmp_path / "config.json", data)
    exe = Path(sys.executable).with_name("vcompanion")
    proc = subprocess.Popen([str(exe), "--config", str(config), "scheduler"],
                            env={**os.environ, **sim_env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "logs" / "vcompanion.log"
    try:
        assert wait_until(lambda: sink.posts("/hook"), timeout=90), "no alert run"
        # later runs: nothing new to send, but they run
        assert wait_until(lambda: log.exists() and log.read_text().count(
            "scheduler: job 'alerts' done") >= 3, timeout=90)
        assert len(sink.posts("/hook")) == 1
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        sink.stop()
    assert proc.returncode == 0, err
    assert "scheduler: stopped" in err
    assert "Traceback" not in err
    alerts = sink.posts("/hook")[0]["alerts"]
    assert {a["vcenter"] for a in alerts} == {"prod", "dr"}
