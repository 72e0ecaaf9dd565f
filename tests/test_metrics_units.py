"""Performance statistics without a simulator: decoding, units, intervals, batches."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from vcompanion import ConfigError
from vcompanion.clock import parse_duration
from vcompanion.metrics import Request, scale
from vcompanion.sources import DEFAULT_INTERVALS, CounterInfo, Interval, choose_interval
from vcompanion.vsphere.fast import perf as fast_perf
from vcompanion.vsphere.perf import Catalog, PerfSettings, query_limit

# A QueryPerf answer as vCenter writes it: xsi:type prefixes, newest sample
# last, -1 for a missing sample, an escaped instance and an empty one.
ANSWER = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>\
<QueryPerfResponse xmlns="urn:vim25">\
<returnval xsi:type="PerfEntityMetric"><entity type="VirtualMachine">vm-1</entity>\
<sampleInfo><timestamp>2025-03-01T10:00:20Z</timestamp><interval>20</interval></sampleInfo>\
<sampleInfo><timestamp>2025-03-01T10:00:40Z</timestamp><interval>20</interval></sampleInfo>\
<sampleInfo><timestamp>2025-03-01T10:01:00Z</timestamp><interval>20</interval></sampleInfo>\
<value xsi:type="PerfMetricIntSeries"><id><counterId>6</counterId><instance></instance></id>\
<value>400</value><value>-1</value><value>1200</value></value>\
<value xsi:type="PerfMetricIntSeries"><id><counterId>6</counterId><instance>a&amp;b</instance>\
</id><value>0</value><value>0</value><value>7</value></value>\
<value xsi:type="PerfMetricIntSeries"><id><counterId>2</counterId><instance/></id>\
<value>2512</value><value>2513</value><value>2514</value></value></returnval>\
<returnval xsi:type="PerfEntityMetric"><entity type="VirtualMachine">vm-2</entity>\
</returnval>\
<returnval xsi:type="PerfEntityMetric"><entity type="VirtualMachine">vm-3</entity>\
<sampleInfo><timestamp>2025-03-01T10:01:00Z</timestamp><interval>20</interval></sampleInfo>\
<sampleInfo><timestamp>2025-03-01T10:00:40Z</timestamp><interval>20</interval></sampleInfo>\
<value xsi:type="PerfMetricIntSeries"><id><counterId>6</counterId><instance></instance></id>\
<value>9</value><value>8</value></value></returnval>\
</QueryPerfResponse></soapenv:Body></soapenv:Envelope>"""

T0 = int(datetime(2025, 3, 1, 10, 0, 20, tzinfo=timezone.utc).timestamp())
EXPECTED = [
    ("vm-1", 6, "", [T0, T0 + 20, T0 + 40], [400, -1, 1200]),
    ("vm-1", 6, "a&b", [T0, T0 + 20, T0 + 40], [0, 0, 7]),
    ("vm-1", 2, "", [T0, T0 + 20, T0 + 40], [2512, 2513, 2514]),
    ("vm-3", 6, "", [T0 + 20, T0 + 40], [8, 9]),  # sent newest first: reordered
]


def test_fast_decoder_reads_a_vcenter_answer():
    assert fast_perf.decode(ANSWER) == EXPECTED
    assert list(fast_perf.decode_tree(ANSWER)) == EXPECTED


def test_an_answer_of_another_shape_is_decoded_the_general_way():
    # a prefix on every element: the fast path gives up, ElementTree reads it
    prefixed = (ANSWER.replace(b'<QueryPerfResponse xmlns="urn:vim25">',
                               b'<v:QueryPerfResponse xmlns:v="urn:vim25">')
                .replace(b"</QueryPerfResponse>", b"</v:QueryPerfResponse>")
                .replace(b"<returnval", b"<v:returnval").replace(b"</returnval>",
                                                                  b"</v:returnval>"))
    assert fast_perf.decode(prefixed) == EXPECTED


def test_the_request_is_pyvmomis_envelope_with_the_specs_written_in():
    envelope = (b'<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas'
                b'.xmlsoap.org/soap/envelope/"><soapenv:Body><QueryPerf xmlns="urn:vim25">'
                b'<_this type="PerformanceManager">PerfMgr</_this>',
                b"</QueryPerf></soapenv:Body></soapenv:Envelope>")
    end = datetime(2025, 3, 1, 10, 1, tzinfo=timezone.utc)
    body = fast_perf.request(envelope, "HostSystem",
                             [("host-1", [(2, ""), (182, "*")]), ("host-<2>", [(2, "")])],
                             end - timedelta(minutes=15), end, 45, 20)
    ns = "{urn:vim25}"
    specs = ET.fromstring(body).findall(f".//{ns}querySpec")
    assert [s.find(f"{ns}entity").text for s in specs] == ["host-1", "host-<2>"]
    first = specs[0]
    assert first.find(f"{ns}entity").get("type") == "HostSystem"
    assert first.find(f"{ns}startTime").text == "2025-03-01T09:46:00Z"
    assert first.find(f"{ns}endTime").text == "2025-03-01T10:01:00Z"
    assert first.find(f"{ns}maxSample").text == "45"
    assert first.find(f"{ns}intervalId").text == "20"
    assert [(m.findtext(f"{ns}counterId"), m.findtext(f"{ns}instance") or "")
            for m in first.findall(f"{ns}metricId")] == [("2", ""), ("182", "*")]
    # the element order the WSDL prescribes
    assert [child.tag.removeprefix(ns) for child in first] == [
        "entity", "startTime", "endTime", "maxSample", "metricId", "metricId", "intervalId"]


READY = CounterInfo(12, "cpu.ready.summation", "millisecond", 1, "summation", "delta")


@pytest.mark.parametrize("info, interval, vcpus, instance, kind, expected", [
    (CounterInfo(2, "cpu.usage.average", "percent", 1, "average"), 20, 4, "", "VirtualMachine",
     (0.01, "%")),
    (CounterInfo(90, "mem.vmmemctl.average", "kiloBytes", 1, "average"), 300, 4, "",
     "VirtualMachine", (1 / 1024, "MiB")),
    (READY, 20, 4, "", "VirtualMachine", (100 / 20000 / 4, "%")),  # per vCPU
    (READY, 300, 2, "", "VirtualMachine", (100 / 300000 / 2, "%")),
    (READY, 20, 4, "0", "VirtualMachine", (100 / 20000, "%")),  # one vCPU's instance
    (READY, 20, None, "", "HostSystem", (100 / 20000, "%")),
    (CounterInfo(133, "disk.maxTotalLatency.latest", "millisecond", 1, "latest"), 20, 2, "",
     "VirtualMachine", (1.0, "ms")),
    (CounterInfo(143, "net.usage.average", "kiloBytesPerSecond", 1, "average"), 20, 2, "",
     "VirtualMachine", (1.0, "KB/s")),
])
def test_units(info, interval, vcpus, instance, kind, expected):
    factor, unit = scale(info, interval, vcpus, instance, kind)
    assert (factor, unit) == (pytest.approx(expected[0]), expected[1])
    # 12,000 ms ready of 4 vCPUs in 20 s: 15 % per vCPU
    assert 12000 * scale(READY, 20, 4)[0] == pytest.approx(15.0)


@pytest.mark.parametrize("seconds, realtime, expected", [
    (900, True, 20), (3600, True, 20), (3601, True, 300), (900, False, 300),
    (86400, False, 300), (7 * 86400, True, 1800), (30 * 86400, True, 7200),
    (31 * 86400, True, 86400), (2 * 365 * 86400, True, 86400)])
def test_the_finest_interval_that_covers_the_window(seconds, realtime, expected):
    assert choose_interval(seconds, realtime, DEFAULT_INTERVALS).seconds == expected


def test_intervals_come_from_the_vcenter_when_it_reports_them():
    # a vCenter that keeps 5-minute samples for three days
    kept = (Interval(300, 3 * 86400, 2), Interval(7200, 30 * 86400, 1))
    assert choose_interval(2 * 86400, True, kept).seconds == 300
    assert choose_interval(5 * 86400, True, kept).seconds == 7200


def test_batches_hold_maxquerymetrics_and_bound_the_answer():
    realtime, day = Interval(20, 3600, 4), DEFAULT_INTERVALS[0]
    catalog = Catalog({}, {}, (), 64)
    settings = PerfSettings(max_values=100_000)
    assert query_limit(catalog, realtime, 45, 1, settings) == 2222  # 100,000 / 45
    assert query_limit(catalog, day, 288, 1, settings) == 64
    assert query_limit(Catalog({}, {}, (), None), day, 288, 1, settings) == 64  # fallback
    assert query_limit(Catalog({}, {}, (), -1), day, 288, 1, settings) == 347  # unlimited
    assert query_limit(Catalog({}, {}, (), 256), day, 12, 20, settings) == 256
    assert query_limit(catalog, day, 288, 1, PerfSettings(max_query_metrics=16)) == 16
    assert query_limit(catalog, realtime, 45, 1, settings, learned=100) == 100
    assert query_limit(catalog, realtime, 200_000, 1, settings) == 1


def test_requests_are_checked():
    request = Request.make("vms", since="15m")
    assert request.counters[:3] == ("cpu.usage.average", "cpu.ready.summation",
                                    "cpu.costop.summation")
    assert request.realtime and request.seconds == 900
    assert not Request.make("vms", since="2h").realtime
    assert not Request.make("clusters", since="15m").realtime
    assert Request.make("hosts", "mem.usage.average", "1h").counters == ("mem.usage.average",)
    assert Request.make("vms", since="30d").cache_seconds(60) == 3600
    assert Request.make("vms", since="15m").cache_seconds(60) == 60
    assert Request.make("vms", since="1d").cache_seconds(60) == 300
    with pytest.raises(ConfigError, match="unknown kind"):
        Request.make("networks")
    with pytest.raises(ConfigError, match="interval 600 s"):
        Request.make("vms", interval=600)


def test_durations():
    assert [parse_duration(v) for v in ("90s", "15m", "1h", "7d", "2w", 60,
                                        timedelta(hours=1))] == \
        [90, 900, 3600, 604800, 1209600, 60, 3600]
    for bad in ("soon", "-1h", "0s", "1y", ""):
        with pytest.raises(ValueError):
            parse_duration(bad)
