"""Shared fixtures: real govmomi vCenter simulators, started once per session.

Three simulated vCenters of different shapes (prod, dr, lab; see
``tests/vcsim/seed.py``) are built from Debian's govmomi sources and started
on free loopback ports.  Tests that need a simulator in a special state
(stopped, or changed through its control API) start their own instance.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))

# The simulators' fixed login (tests/vcsim/main.go).
USERNAME = "vcadmin@vsphere.local"
PASSWORD = "Sim-Passw0rd!"

# What the govmomi 0.24 simulator cannot serve, marked in one place.
SIMULATOR_LIMITS = {
    "paging": "RetrievePropertiesEx ignores maxObjects and never returns a token: "
              "paging is tested with recorded pages",
}


@pytest.fixture(scope="session")
def sim_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("vcsim")


@pytest.fixture(scope="session")
def vcsims(sim_workdir):
    """The three seeded simulators: prod, dr, lab."""
    import simulators  # tests/simulators.py
    sims = simulators.start_simulators(sim_workdir)
    for sim in sims:
        # seeded ages count from here ("hours_ago" before the simulator started)
        sim.started_at = time.time()
    yield {s.name: s for s in sims}
    for sim in sims:
        sim.stop()


@pytest.fixture(scope="session")
def sim_config(vcsims, sim_workdir) -> Path:
    """A vCompanion config file for the three simulators (TLS verified)."""
    import simulators
    path = sim_workdir / "config.json"
    simulators.write_config(list(vcsims.values()), path)
    return path


@pytest.fixture()
def sim_env(monkeypatch):
    """Credentials for the simulators, from the environment as users set them."""
    monkeypatch.setenv("VCOMPANION_USERNAME", USERNAME)
    monkeypatch.setenv("VCOMPANION_PASSWORD", PASSWORD)
    monkeypatch.delenv("VCOMPANION_CONFIG", raising=False)
    return {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}


@pytest.fixture(scope="session")
def companion(vcsims, sim_config):
    """One Companion over the three simulators, collected once for read-only tests."""
    from vcompanion import Companion
    vc = Companion.from_config(sim_config, username=USERNAME, password=PASSWORD)
    vc.refresh()
    assert not vc.failures, vc.failures
    yield vc
    vc.close()


# --- the history's databases: SQLite and a private PostgreSQL --------------------------

@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server (tests/postgres.py), started once per session.

    Missing PostgreSQL fails in CI (CI=true) and skips elsewhere: scripts/test.sh
    installs Debian's postgresql package.
    """
    import os

    import postgres as pg  # tests/postgres.py
    if pg.binaries() is None:
        message = ("PostgreSQL is not installed (apt-get install postgresql; "
                   "scripts/test.sh does it)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = pg.PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request, tmp_path) -> str:
    """A fresh, empty history database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite'}"
        return
    server = request.getfixturevalue("postgres")
    url = server.create_database()
    yield url
    server.drop_database(url)
