"""Failed sign-ins, counted per user name and per client address, before any
vCenter is asked.

Every sign-in is checked with ``SessionManager.Login`` on every configured
vCenter, so each guess at a password costs one SSO attempt per vCenter, and
SSO locks accounts out after a few.  ``LoginThrottle`` stops guesses here:
after ``max_failures`` failed sign-ins within ``window`` seconds the user
name (case-folded) is locked for ``lockout`` seconds, and after
``address_failures`` so is the client address (an IPv6 address by its /64;
several users may share one address behind a NAT, hence its own limit); a
locked attempt is answered at once (HTTP 429) and no vCenter is contacted.

An attempt counts as a failure when it starts (so that guesses sent in
parallel cannot outrun the count) and stops counting when it succeeds or
fails for a reason that is not a wrong password (a vCenter unreachable).  A
success forgets the failures of that user from that address only: another
address's failures keep counting.

The counts live in the memory of the server process: a restart forgets
them, and servers behind a load balancer count separately.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

PRUNE_EVERY = 256  # attempts between sweeps of stale counters


def user_key(user: str) -> str:
    return "user:" + user.strip().casefold()


def address_key(address: str) -> str:
    """IPv4 addresses as they are; IPv6 by their /64 (one site's block)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "address:" + address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return "address:" + str(ip.ipv4_mapped)
        return "address:" + str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return "address:" + str(ip)


@dataclass
class _Counter:
    # (time, user key, address key) of each failure in the window, oldest first
    failures: deque = field(default_factory=deque)
    locked_until: float = 0.0
    throttled: int = 0  # attempts refused since the last report
    reported: float = float("-inf")  # when refused attempts were last reported


@dataclass
class Lockout:
    """A user name or an address that has just been locked out."""

    kind: str  # "user" or "address"
    value: str
    failures: int
    seconds: float


class Attempt:
    """One sign-in; ``wait`` > 0: refused (locked for that many seconds more)."""

    def __init__(self, throttle: LoginThrottle, entry: tuple | None, wait: float,
                 keys: tuple[str, str]):
        self._throttle, self._entry, self.wait, self.keys = throttle, entry, wait, keys
        self.lockouts: list[Lockout] = []  # set by failed()

    @property
    def refused(self) -> bool:
        return self.wait > 0

    def failed(self) -> list[Lockout]:
        """A wrong user name or password: the failure stays counted."""
        if self._entry is not None:
            self.lockouts = self._throttle._failed(self._entry)
            self._entry = None
        return self.lockouts

    def succeeded(self) -> None:
        """Forget this user's failures from this address (and this attempt)."""
        if self._entry is not None:
            self._throttle._forget(self._entry, same_pair=True)
            self._entry = None

    def uncounted(self) -> None:
        """Not a guess (fields missing, no vCenter reachable): do not count it."""
        if self._entry is not None:
            self._throttle._forget(self._entry, same_pair=False)
            self._entry = None


class LoginThrottle:
    """Failed sign-ins per user name and per address, and their lockouts."""

    def __init__(self, max_failures: int = 5, window: float = 900, lockout: float = 900,
                 address_failures: int | None = None,
                 clock: Callable[[], float] = time.monotonic, max_counters: int = 100_000):
        self.max_failures = max(1, int(max_failures))
        self.address_failures = max(1, int(address_failures or max_failures))
        self.window, self.lockout = float(window), float(lockout)
        self.clock, self.max_counters = clock, max_counters
        self._counters: dict[str, _Counter] = {}
        self._lock = threading.Lock()
        self._attempts = 0

    def attempt(self, user: str, address: str) -> Attempt:
        """Start a sign-in: refused while the user or the address is locked out."""
        keys = (user_key(user), address_key(address))
        with self._lock:
            now = self.clock()
            self._attempts += 1
            if self._attempts % PRUNE_EVERY == 0 or len(self._counters) > self.max_counters:
                self._prune(now)
            counters = [self._counter(key, now) for key in keys]
            wait = max(c.locked_until - now for c in counters)
            if wait <= 0 and any(len(c.failures) >= self._limit(key)
                                 for key, c in zip(keys, counters)):
                # As many attempts are still out as may fail: refuse until they are in.
                wait = self.lockout
            if wait > 0:
                for c in counters:
                    c.throttled += 1
                return Attempt(self, None, wait, keys)
            entry = (now, *keys)
            for c in counters:
                c.failures.append(entry)
            return Attempt(self, entry, 0.0, keys)

    def locked(self, key: str) -> float:
        """Seconds the user or address key stays locked (0: not locked)."""
        with self._lock:
            found = self._counters.get(key)
            return max(0.0, found.locked_until - self.clock()) if found else 0.0

    def report_due(self, keys: tuple[str, ...], every: float = 60) -> int:
        """Refused attempts of ``keys`` to report now: at most one report per key
        every ``every`` seconds (0: nothing to report yet)."""
        with self._lock:
            now = self.clock()
            found = [self._counters[k] for k in keys if k in self._counters]
            if not found or all(c.reported + every > now for c in found):
                return 0
            count = max(c.throttled for c in found)
            for c in found:
                c.throttled, c.reported = 0, now
            return count

    def __len__(self) -> int:
        with self._lock:
            return len(self._counters)

    # --- internals ----------------------------------------------------------------------

    def _limit(self, key: str) -> int:
        return self.max_failures if key.startswith("user:") else self.address_failures

    def _counter(self, key: str, now: float) -> _Counter:
        c = self._counters.get(key)
        if c is None:
            c = self._counters[key] = _Counter()
        if c.locked_until and c.locked_until <= now:
            c.failures.clear()  # the lockout is over: a fresh start
            c.locked_until = 0.0
        while c.failures and c.failures[0][0] <= now - self.window:
            c.failures.popleft()
        return c

    def _failed(self, entry: tuple) -> list[Lockout]:
        lockouts = []
        with self._lock:
            now = self.clock()
            for key in entry[1:]:
                c = self._counter(key, now)
                if entry in c.failures and len(c.failures) >= self._limit(key) \
                        and c.locked_until <= now:
                    c.locked_until = now + self.lockout
                    kind, _, value = key.partition(":")
                    lockouts.append(Lockout(kind, value, len(c.failures), self.lockout))
        return lockouts

    def _forget(self, entry: tuple, same_pair: bool) -> None:
        _, user, address = entry
        with self._lock:
            for key in (user, address):
                c = self._counters.get(key)
                if c is None:
                    continue
                kept = [e for e in c.failures if e is not entry and not (
                    same_pair and e[1] == user and e[2] == address)]
                c.failures = deque(kept)

    def _prune(self, now: float) -> None:
        for key in list(self._counters):
            c = self._counter(key, now)
            if not c.failures and c.locked_until <= now:
                del self._counters[key]
        if len(self._counters) > self.max_counters:
            # Under a flood of new names: keep the locked and the most recent.
            ranked = sorted(self._counters.items(), key=lambda kv: (
                kv[1].locked_until > now, kv[1].failures[-1][0] if kv[1].failures else 0))
            for key, _ in ranked[:len(ranked) - self.max_counters]:
                del self._counters[key]
