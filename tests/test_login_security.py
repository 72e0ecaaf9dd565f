"""The dashboards' sign-in, without a browser or a vCenter: the login log
(one line per record, passwords masked only while in use) and the throttle
of failed logins.  tests/test_web_security.py tests the same through a real
server.
"""

from __future__ import annotations

import logging
import re
import time

import pytest

from vcompanion import logs
from vcompanion.config import Config
from vcompanion.errors import AuthenticationError

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")  # logs.FORMAT's start


def log_file(tmp_path):
    path = logs.setup_logging(tmp_path, "INFO")

    def read() -> list[str]:
        for handler in logging.getLogger("vcompanion").handlers:
            handler.flush()
        return path.read_text(encoding="utf-8").splitlines()
    return read


def runtime(tmp_path, **sections):
    from vcompanion.ui.runtime import Runtime
    data = {"vcenters": [{"name": "alpha", "host": "127.0.0.1", "port": 9},
                         {"name": "bravo", "host": "127.0.0.1", "port": 9}],
            "data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs"),
            **sections}
    return Runtime(Config.from_dict(data, tmp_path), mode="user")


# --- the login log -------------------------------------------------------------------

@pytest.mark.parametrize("user", [
    "eve\n2030-01-01 00:00:00,000 INFO    vcompanion.login [x] login accepted: user=admin",
    "eve\r2030-01-01 login accepted: user=admin", "eve\u2028login accepted",
    "eve\x1b[2K\x1b[1Glogin accepted", "eve\u202egnp.exe", "eve\x00\x85\u2029x"])
def test_control_characters_in_logged_request_values_are_escaped(tmp_path, user):
    read = log_file(tmp_path)
    audit = logging.getLogger("vcompanion.login")
    audit.info("login %s: user=%s source=%s %s", "refused", user, "10.0.0.9",
               "refused (alpha: user name or password rejected)")
    # Not through auth.clean: the file's filter alone keeps the record on one line.
    lines = [line for line in read() if "vcompanion.login" in line]
    assert len(lines) == 1, lines
    assert all(LINE.match(line) for line in read())
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202e]", lines[0])
    assert "user=eve\\" in lines[0]


def test_a_typed_password_is_masked_only_during_its_attempt(tmp_path, monkeypatch):
    from vcompanion.ui import runtime as runtime_module
    read = log_file(tmp_path)
    seen = []

    def check_login(vc, username, password, connect, read_timeout):
        # Whatever logs the password during the attempt, it is masked.
        logging.getLogger("vcompanion.test").warning("trying %s with %s", username,
                                                     password)
        seen.append(logs.secret_count())
        raise AuthenticationError(vc.name, vc.host, username, "rejected")

    monkeypatch.setattr(runtime_module, "check_login", check_login)
    rt = runtime(tmp_path)
    before = logs.secret_count()
    result = rt.authenticate("alice@corp.test", "overview")
    assert not result.ok and result.failure_code == "invalid"
    assert min(seen) >= before + 1
    text = "\n".join(read())
    assert "trying alice@corp.test with ***" in text and "with overview" not in text
    # After the attempt: no longer a secret, nothing kept.
    assert logs.secret_count() == before
    logging.getLogger("vcompanion.test").warning("the overview page")
    assert "the overview page" in "\n".join(read())


def test_many_attempts_keep_the_secret_list_and_the_cost_of_a_line_flat(tmp_path,
                                                                        monkeypatch):
    from vcompanion.ui import runtime as runtime_module

    def check_login(vc, username, password, connect, read_timeout):
        from vcompanion.credentials import Credentials
        Credentials(username, password, "login form")  # as sources.vcenter does
        raise AuthenticationError(vc.name, vc.host, username, "rejected")

    monkeypatch.setattr(runtime_module, "check_login", check_login)
    rt = runtime(tmp_path)
    before = logs.secret_count()
    for n in range(2000):
        rt.authenticate(f"user{n}", f"Guess-{n:05d}!")
    assert logs.secret_count() == before
    record = logging.LogRecord("vcompanion.x", logging.INFO, __file__, 1,
                               "refresh took %s s for %s", (1.5, "alpha"), None)
    started = time.perf_counter()
    for _ in range(2000):
        logs.SecretFilter().filter(logging.makeLogRecord(record.__dict__))
    assert (time.perf_counter() - started) / 2000 < 0.001  # was 17 ms after 100k


def test_a_personal_login_masks_its_password_while_it_lasts(tmp_path):
    from vcompanion.ui.runtime import AuthResult
    rt = runtime(tmp_path)
    before = logs.secret_count()
    result = AuthResult("bob@corp.test", accepted=["alpha"])
    login = rt.open_login(result, "Bobs-Passw0rd", "10.0.0.2")
    try:
        assert logs.scrub("x Bobs-Passw0rd y") == "x *** y"
        assert login.vcenters == ("alpha",)
    finally:
        rt.logins.end(login.id, "logout")
    deadline = time.monotonic() + 30
    while logs.secret_count() != before and time.monotonic() < deadline:
        time.sleep(0.05)  # the login's data closes in the background
    assert logs.secret_count() == before
    assert logs.scrub("x Bobs-Passw0rd y") == "x Bobs-Passw0rd y"
    rt.stop()


def test_service_secrets_stay_masked_and_a_held_one_is_not_kept():
    logs.register_secret("Service-Secret-1")
    with logs.secret_held("Typed-Secret-2"):
        logs.register_secret("Typed-Secret-2")  # e.g. Credentials made meanwhile
        assert logs.scrub("Service-Secret-1 Typed-Secret-2") == "*** ***"
    assert logs.scrub("Service-Secret-1 Typed-Secret-2") == "*** Typed-Secret-2"
    assert logs.clean("a\nb\tc\x1bd\u2028") == "a\\nb\\tc\\x1bd\\u2028"


# --- the throttle of failed sign-ins -----------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(**kwargs):
    from vcompanion.ui.throttle import LoginThrottle
    clock = Clock()
    return LoginThrottle(clock=clock, **{"max_failures": 5, "window": 900,
                                         "lockout": 900, **kwargs}), clock


def fail(t, user="alice", address="10.0.0.1"):
    attempt = t.attempt(user, address)
    if not attempt.refused:
        attempt.failed()
    return attempt


def test_five_failures_lock_the_user_and_the_address_for_the_lockout():
    t, clock = throttle()
    for _ in range(4):
        assert not fail(t).refused and not t.attempt("bob", "10.0.0.9").refused
        clock.now += 60
    last = t.attempt("alice", "10.0.0.1")
    lockouts = last.failed()
    assert {(x.kind, x.value, x.failures) for x in lockouts} == {
        ("user", "alice", 5), ("address", "10.0.0.1", 5)}
    # Locked: refused at once, whoever the user / wherever from.
    assert t.attempt("ALICE ", "10.9.9.9").wait == pytest.approx(900)
    assert t.attempt("carol", "10.0.0.1").refused
    assert t.report_due(("user:alice",)) >= 1 and t.report_due(("user:alice",)) == 0
    clock.now += 899
    assert t.attempt("alice", "10.9.9.9").refused
    clock.now += 2
    assert not t.attempt("alice", "10.9.9.9").refused  # the lockout is over


def test_failures_older_than_the_window_do_not_count():
    t, clock = throttle(window=600)
    for _ in range(4):
        fail(t)
    clock.now += 601
    for _ in range(4):
        assert not fail(t).refused
    assert not t.attempt("alice", "10.0.0.1").refused


def test_parallel_guesses_cannot_outrun_the_count():
    t, _ = throttle()
    started = [t.attempt("alice", f"10.0.0.{n}") for n in range(20)]
    assert sum(not a.refused for a in started) == 5  # at most 5 reach a vCenter
    for attempt in started:
        attempt.failed()
    assert t.attempt("alice", "10.1.1.1").refused


def test_a_success_forgets_only_that_address_failures_of_that_user():
    t, _ = throttle()
    for _ in range(2):
        fail(t, "alice", "10.0.0.66")  # someone else guessing
    for _ in range(2):
        fail(t, "alice", "10.0.0.1")   # alice's own typos
    ok = t.attempt("alice", "10.0.0.1")
    assert not ok.refused
    ok.succeeded()
    # The guesser's failures still count against alice and against that address.
    for _ in range(2):
        assert not fail(t, "alice", "10.0.0.66").refused
    fifth = t.attempt("alice", "10.0.0.66")
    assert {x.kind for x in fifth.failed()} == {"user", "address"}
    assert t.attempt("alice", "10.0.0.1").refused
    assert t.attempt("mallory", "10.0.0.66").refused
    assert not t.attempt("bob", "10.0.0.1").refused  # alice's typos there are forgotten


def test_attempts_that_are_not_guesses_do_not_count():
    t, _ = throttle()
    for _ in range(10):
        t.attempt("alice", "10.0.0.1").uncounted()  # e.g. every vCenter unreachable
    assert not t.attempt("alice", "10.0.0.1").refused


def test_ipv6_clients_count_by_their_64_and_mapped_ipv4_as_ipv4():
    from vcompanion.ui.throttle import address_key
    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::5") != address_key("2001:db8:1:3::5")
    assert address_key("::ffff:10.0.0.1") == address_key("10.0.0.1")
    t, _ = throttle()
    for n in range(5):
        fail(t, f"user{n}", f"2001:db8:1:2::{n + 1}")
    assert t.attempt("someone", "2001:db8:1:2::99").refused


def test_a_flood_of_user_names_keeps_the_counters_bounded():
    t, clock = throttle(max_counters=1000)
    for n in range(5000):
        fail(t, f"user{n}", f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        clock.now += 0.01
    assert len(t) <= 1000 + 256 * 2


def test_an_address_has_its_own_higher_limit():
    t, _ = throttle(address_failures=8)
    for n in range(7):
        assert not fail(t, f"user{n}", "10.0.0.1").refused  # one try each: no user locked
    last = t.attempt("user7", "10.0.0.1")
    assert [x.kind for x in last.failed()] == ["address"]
    assert t.attempt("user99", "10.0.0.1").refused
    assert not t.attempt("user99", "10.0.0.2").refused
