"""Forecasts on series with known slopes and step changes (forecast.py), and
through a recorded history."""

from __future__ import annotations

import numpy as np
import pytest
from historydata import at, cluster, config, datastore, reading, tables

from vcompanion.history import History
from vcompanion.history.forecast import (FULL, GROWING, INSUFFICIENT, STABLE, forecast,
                                         theil_sen, window_start)

GIB = 2**30


def _noisy(n: int, start: float, slope: float, noise: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return start + slope * np.arange(n) + rng.normal(0, noise, n)


def test_a_known_slope_is_found_and_the_range_holds_the_truth():
    days = np.arange(60.0)
    used = _noisy(60, 400, 5, 3)  # +5 GiB a day, capacity 1000: 300 days at day 0
    result = forecast(days, used, np.full(60, 1000.0))
    truth = (1000 - used[-1]) / 5
    assert result.status == GROWING
    assert result.days_low <= truth <= result.days_high
    assert result.days_high - result.days_low < 0.25 * truth  # a range, not a guess
    assert result.growth_per_day == pytest.approx(5, rel=0.05)


def test_theil_sen_ignores_outliers():
    x = np.arange(30.0)
    y = 2 * x + 10
    y[[3, 17, 25]] += [400, -300, 250]  # three wild days
    low, mid, high = theil_sen(x, y)
    assert mid == pytest.approx(2, abs=0.01) and low <= 2 <= high


def test_a_grown_datastore_restarts_the_window():
    # 40 days filling fast on 600 GiB, then grown to 1200 GiB and filling slowly
    used = np.concatenate([_noisy(40, 100, 10, 1), _noisy(20, 500, 2, 1, seed=2)])
    capacity = np.array([600.0] * 40 + [1200.0] * 20)
    assert window_start(used, capacity) == 40
    result = forecast(np.arange(60.0), used, capacity)
    assert result.status == GROWING and result.days_of_data == 20
    truth = (1200 - used[-1]) / 2
    assert result.days_low <= truth <= result.days_high


def test_an_emptied_datastore_restarts_the_window_and_then_waits_for_data():
    used = np.concatenate([_noisy(50, 100, 8, 1), _noisy(4, 150, 8, 1, seed=3)])
    result = forecast(np.arange(54.0), used, np.full(54, 1000.0))
    assert result.window_start == 50 and result.status == INSUFFICIENT
    assert result.days_low is None and result.days_high is None


def test_flat_noisy_usage_is_stable_not_an_alarm():
    used = _noisy(90, 700, 0, 25)
    result = forecast(np.arange(90.0), used, np.full(90, 1000.0))
    assert result.status == STABLE
    assert result.days_high is None


def test_too_few_days_and_a_full_datastore():
    assert forecast(np.arange(5.0), _noisy(5, 100, 5, 0), np.full(5, 1000.0)).status \
        == INSUFFICIENT
    full = forecast(np.arange(10.0), np.full(10, 995.0), np.full(10, 1000.0))
    assert (full.status, full.days_low, full.days_high) == (FULL, 0.0, 0.0)
    assert forecast(np.array([]), np.array([]), np.array([])).status == INSUFFICIENT


def test_forecasts_from_recorded_history(tmp_path, history_url):
    h = History(config(tmp_path, history_url))
    for day in range(20):  # a datastore filling 20 GiB a day, a cluster with flat memory
        for hour in (0, 12):
            used = 300 + 20 * day + hour / 12 * 10
            frames = tables(
                "prod",
                datastores=[datastore("datastore-1", "DS1", capacity=1000 * GIB,
                                      free=int((1000 - used) * GIB))],
                clusters=[cluster("domain-c1", "C1", memory_usage_gb=200.0 + (day % 3),
                                  cpu_usage_mhz=10000 + 100 * day)])
            when = at(day * 24 * 60 + hour * 60)
            h.record([reading("prod", frames, when)], now=when)
    got = h.forecasts(now=at(20 * 24 * 60)).set_index(["kind", "metric"])
    assert list(got.columns[:6]) == ["vcenter", "name", "days_low", "days_high", "status",
                                     "moid"]
    space = got.loc[("datastore", "space")]
    assert space["status"] == GROWING and space["name"] == "DS1"
    # 1000 - (300 + 20 * 19 + 10) = 310 GiB left at 20 GiB a day: 15.5 days
    assert space["days_low"] <= 15.5 <= space["days_high"]
    assert space["days_high"] - space["days_low"] < 1
    assert got.loc[("cluster", "memory"), "status"] == STABLE
    assert got.loc[("cluster", "cpu"), "status"] == GROWING
    h.close()
