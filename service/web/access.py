"""Access control for the web app: off by default, switched on by environment variables only.

| variable | effect |
|---|---|
| `SERVICE_AUTH="user:password[,user2:pw2]"` | the page and the Gradio client endpoints need a login |
| `SERVICE_API_TOKEN="<token>"` | `POST /api/v1/process` needs `Authorization: Bearer <token>` |
| `SERVICE_RATE_LIMIT="30/minute"` | each client (by IP address) gets that many model requests per period |
| `SERVICE_AUTH_FAILURE_LIMIT="10/10minute"` | failed logins and wrong API tokens allowed per client (default on) |
| `SERVICE_TRUSTED_PROXIES="10.0.0.0/8"` | proxies whose `X-Forwarded-For` is believed (default: none) |

Secrets come from the environment (a Space's secrets, a systemd `EnvironmentFile`, ...), never from
the repository; nothing here logs or prints them. `GET /api/v1/health` always stays open.

The rate limit is a token bucket per client IP: a client may send a burst of up to N requests, then
N per period on average (`30/minute`: 30 at once, then one every 2 s). It is kept in memory, in one
process, for at most `MAX_TRACKED_CLIENTS` clients (the least recently seen are forgotten first: a
forgotten client starts again with a full bucket, which is also what it would have by then).

Failed logins and wrong API tokens are counted the same way, per client, in their own bucket
(`SERVICE_AUTH_FAILURE_LIMIT`, default 10 per 10 minutes: 10 guesses at once, then one a minute).
Once it is empty, every attempt from that client, right or wrong, gets 429 with `Retry-After` until
it refills: otherwise a guesser would learn from the one attempt that is let through. Who "the
client" is comes from `service.web.guard.client_address` (`SERVICE_TRUSTED_PROXIES`).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from service.errors import Forbidden, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)

#: Clients whose request history is remembered at once (about 100 bytes each).
MAX_TRACKED_CLIENTS = 10_000
#: Period names accepted by `SERVICE_RATE_LIMIT`, in seconds.
PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

#: Failed logins and wrong API tokens per client when `SERVICE_AUTH_FAILURE_LIMIT` is unset.
DEFAULT_FAILURE_LIMIT = "10/10minute"
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per\s)\s*(\d*)\s*([a-z]+)\s*$", re.IGNORECASE)


def _period_name(unit: str) -> str | None:
    """`minute`, `minutes`, `min`, `mins`, `m` → `minute`'s key; a plural `s` only after a name of two
    letters or more, so `ms` (milliseconds?) is refused rather than read as minutes."""
    if unit in PERIODS:
        return unit
    if unit.endswith("s") and len(unit) > 2 and unit[:-1] in PERIODS:
        return unit[:-1]
    return None


@dataclass(frozen=True)
class RateLimit:
    """`requests` per `period` seconds, e.g. `RateLimit.parse("30/minute")`."""

    requests: int
    period: float
    text: str

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """`30/minute`, `5/second`, `1000/hour`, `100/day`, `10/5min`, `30 per minute`."""
        match = _RATE.match(text)
        unit = _period_name(match.group(3).lower()) if match else None
        if not match or unit is None:
            raise ValueError(
                f"SERVICE_RATE_LIMIT must look like '30/minute' (a number of requests, '/', and "
                f"second, minute, hour or day), got {text!r}"
            )
        requests, count = int(match.group(1)), int(match.group(2) or 1)
        if requests < 1 or count < 1:
            raise ValueError(f"SERVICE_RATE_LIMIT must allow at least 1 request per period, got {text!r}")
        return cls(requests=requests, period=float(count * PERIODS[unit]), text=text.strip())

    def describe(self) -> str:
        """`1 request per second`, `30 requests per minute`, `10 requests per 10 minutes`."""
        noun = "request" if self.requests == 1 else "requests"
        return f"{self.requests} {noun} per {_seconds(self.period)}"


def _seconds(period: float) -> str:
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if period % size == 0:
            n = int(period // size)
            return name if n == 1 else f"{n} {name}s"
    return f"{period:g} seconds"


class RateLimiter:
    """Token buckets, one per client key, for at most `max_clients` keys. Thread-safe."""

    def __init__(
        self,
        limit: RateLimit,
        max_clients: int = MAX_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.max_clients = max_clients
        self._clock = clock
        self._rate = limit.requests / limit.period  # tokens regained per second
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, time)
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one request from `key`'s bucket: 0.0 when allowed, else the seconds to wait."""
        now = self._clock()
        capacity = float(self.limit.requests)
        with self._lock:
            tokens, then = self._buckets.pop(key, (capacity, now))
            tokens = min(capacity, tokens + (now - then) * self._rate)
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - tokens) / self._rate
            self._buckets[key] = (tokens, now)  # (re)inserted last: the most recently seen
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def wait(self, key: str) -> float:
        """Seconds until `key` has a request to spend (0.0: it has one now), without spending it."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.limit.requests), now))
        tokens = min(float(self.limit.requests), tokens + (now - then) * self._rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate

    def check(self, key: str) -> None:
        """Raise `TooManyRequests` (with the wait) when `key` is over the limit."""
        wait = self.acquire(key)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"Too many requests: this server allows {self.limit.describe()} per client. "
                f"Try again in {retry_after} s.",
                retry_after=retry_after,
            )

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass(frozen=True)
class Access:
    """The access settings of one app. `Access()` is everything off; `Access.from_env()` reads them."""

    users: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    api_token: str | None = field(default=None, repr=False)
    rate_limit: RateLimit | None = None
    limiter: RateLimiter | None = field(default=None, repr=False, compare=False)
    #: Failed logins and wrong tokens allowed per client (`SERVICE_AUTH_FAILURE_LIMIT`).
    failure_limit: RateLimit = field(default_factory=lambda: RateLimit.parse(DEFAULT_FAILURE_LIMIT))
    failures: RateLimiter | None = field(default=None, repr=False, compare=False)
    #: Proxies whose forwarded headers are believed (`SERVICE_TRUSTED_PROXIES`); empty: none.
    trusted_proxies: Networks = ()

    def __post_init__(self) -> None:
        if self.rate_limit is not None and self.limiter is None:
            object.__setattr__(self, "limiter", RateLimiter(self.rate_limit))
        if self.failures is None:
            object.__setattr__(self, "failures", RateLimiter(self.failure_limit))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Access:
        """Read `SERVICE_AUTH`, `SERVICE_API_TOKEN` and `SERVICE_RATE_LIMIT`; empty or unset is off.

        A malformed value stops the app (ValueError) rather than leaving it open by mistake; the
        message never repeats a password or token."""
        environ = os.environ if environ is None else environ
        users = parse_users(environ.get("SERVICE_AUTH", ""))
        token = environ.get("SERVICE_API_TOKEN", "").strip() or None
        if token is not None and len(token) < 16:
            log.warning("SERVICE_API_TOKEN is shorter than 16 characters: use a long random token.")
        raw_limit = environ.get("SERVICE_RATE_LIMIT", "").strip()
        rate_limit = None if raw_limit.lower() in ("", "0", "off", "none") else RateLimit.parse(raw_limit)
        raw_failures = environ.get("SERVICE_AUTH_FAILURE_LIMIT", "").strip() or DEFAULT_FAILURE_LIMIT
        try:
            failure_limit = RateLimit.parse(raw_failures)
        except ValueError:
            raise ValueError(
                f"SERVICE_AUTH_FAILURE_LIMIT must look like '10/10minute', got {raw_failures!r}"
            ) from None
        access = cls(
            users=users,
            api_token=token,
            rate_limit=rate_limit,
            failure_limit=failure_limit,
            trusted_proxies=parse_networks(environ.get("SERVICE_TRUSTED_PROXIES", "")),
        )
        if users and token is None:
            log.warning(
                "SERVICE_AUTH protects the page and the Gradio endpoints only: POST /api/v1/process "
                "stays open until SERVICE_API_TOKEN is set."
            )
        return access

    @property
    def login_required(self) -> bool:
        return bool(self.users)

    @property
    def token_required(self) -> bool:
        return self.api_token is not None

    def describe(self) -> str:
        """One line for the log, without secrets."""
        parts = [
            f"page login {'on (' + str(len(self.users)) + ' user(s))' if self.users else 'off'}",
            f"API token {'on' if self.api_token else 'off'}",
            f"rate limit {self.rate_limit.describe() + ' per client' if self.rate_limit else 'off'}",
            f"failed logins/tokens {self.failure_limit.describe()} per client",
            f"trusted proxies {', '.join(map(str, self.trusted_proxies)) or 'none'}",
        ]
        return "Access control: " + ", ".join(parts)

    def check_token(self, authorization: str | None, client: str | None = None) -> None:
        """Raise `Unauthorized` (no bearer token) or `Forbidden` (wrong token) when one is required.

        A wrong token counts against `client`'s failure budget; once that is spent, every attempt
        gets `TooManyRequests` before the token is even looked at."""
        if self.api_token is None:
            return
        key = client or "unknown"
        self.check_failures(key)
        scheme, _, credentials = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized(
                "This endpoint needs an API token: send the header 'Authorization: Bearer <token>'."
            )
        if not hmac.compare_digest(credentials.strip().encode(), self.api_token.encode()):
            self.record_failure(key)
            raise Forbidden("The API token is not valid.")

    def failure_wait(self, client: str | None) -> float:
        """Seconds `client` must wait before its next login or token attempt (0.0: none)."""
        assert self.failures is not None
        return self.failures.wait(client or "unknown")

    def record_failure(self, client: str | None) -> None:
        """One failed login or wrong token from `client`."""
        assert self.failures is not None
        self.failures.acquire(client or "unknown")

    def check_failures(self, client: str | None) -> None:
        """Raise `TooManyRequests` when `client` has spent its failure budget."""
        wait = self.failure_wait(client)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"Too many failed attempts from your address. Try again in {retry_after} s.",
                retry_after=retry_after,
            )

    def check_rate(self, client: str | None) -> None:
        """Raise `TooManyRequests` when `client` (an IP address) is over the rate limit."""
        if self.limiter is not None:
            self.limiter.check(client or "unknown")


def parse_users(raw: str) -> tuple[tuple[str, str], ...]:
    """`"user:password,user2:pw2"` → ((user, password), ...). A password may contain ':' but not ','."""
    users: list[tuple[str, str]] = []
    for index, entry in enumerate(raw.split(","), 1):
        entry = entry.strip()
        if not entry:
            continue
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError(
                f"SERVICE_AUTH entry {index} must look like user:password (entries separated by commas)"
            )
        users.append((user.strip(), password))
    names = [user for user, _ in users]
    if len(set(names)) != len(names):
        raise ValueError("SERVICE_AUTH names a user more than once")
    return tuple(users)


def parse_networks(raw: str) -> Networks:
    """`SERVICE_TRUSTED_PROXIES`: addresses or networks separated by commas (`10.0.0.0/8, ::1`).

    `*` is refused: trusting every peer is what let any client choose its own address."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        if item == "*":
            raise ValueError(
                "SERVICE_TRUSTED_PROXIES must list the proxies' addresses or networks; '*' would let "
                "any client choose its own address with X-Forwarded-For"
            )
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"SERVICE_TRUSTED_PROXIES entry {item!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def is_trusted(address: str, networks: Networks) -> bool:
    """Whether `address` is one of the trusted proxies."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
