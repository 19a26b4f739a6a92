"""Access rules (service/web/access.py) pinned down directly, without a server (issue 18).

`test_access.py` and `test_adversaries.py` show the rules over HTTP; these tests call the module's
functions and classes themselves, with a clock the test moves by hand, so every boundary is exact:
the burst at exactly the limit and one over, the wait in whole seconds (a wait under a second is
announced as 1 s), which client's bucket a request is counted in, the words of every message an
operator or client reads, and what each environment variable turns on or off. They run in a few
milliseconds, so the mutation run (`bash scripts/mutation.sh access`) kills most mutants with them
before it reaches the live-server tests.
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Network, IPv6Network

import pytest

from service.errors import Forbidden, TooManyRequests, Unauthorized
from service.web.access import (
    DEFAULT_FAILURE_LIMIT,
    Access,
    RateLimit,
    RateLimiter,
    is_trusted,
    parse_networks,
    parse_users,
)

TOKEN = "rules-token-0123456789abcdef"
SETTINGS = (
    "SERVICE_AUTH",
    "SERVICE_API_TOKEN",
    "SERVICE_RATE_LIMIT",
    "SERVICE_AUTH_FAILURE_LIMIT",
    "SERVICE_TRUSTED_PROXIES",
)
NEEDS_TOKEN = "This endpoint needs an API token: send the header 'Authorization: Bearer <token>'."
SHORT_TOKEN_WARNING = "SERVICE_API_TOKEN is shorter than 16 characters: use a long random token."
OPEN_API_WARNING = (
    "SERVICE_AUTH protects the page and the Gradio endpoints only: POST /api/v1/process "
    "stays open until SERVICE_API_TOKEN is set."
)


class Clock:
    """A clock the test moves by hand (not at 0, so a mix-up of `now` and `then` shows)."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


def limiter(text: str, clock: Clock, max_clients: int = 100) -> RateLimiter:
    return RateLimiter(RateLimit.parse(text), max_clients=max_clients, clock=clock)


def token_access(clock: Clock, failures: str = "3/minute") -> Access:
    """An app with an API token whose failure budget runs on `clock`."""
    failure_limit = RateLimit.parse(failures)
    return Access(
        api_token=TOKEN, failure_limit=failure_limit, failures=RateLimiter(failure_limit, clock=clock)
    )


def warnings_logged(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "service.web.access" and r.levelno >= logging.WARNING
    ]


# -- RateLimit.parse and the limit in words ------------------------------------------------------------


@pytest.mark.parametrize(("raw", "period"), [("1/minute", 60.0), ("1/second", 1.0), ("1 per day", 86400.0)])
def test_one_request_per_period_is_the_smallest_limit_allowed(raw, period):
    """`requests < 1` is the refusal: exactly 1 must pass (0 is refused in test_access.py)."""
    assert RateLimit.parse(raw) == RateLimit(requests=1, period=period, text=raw)


def test_the_unit_is_case_insensitive_and_the_text_is_kept_trimmed():
    """`30/Minute` is what an operator may type; the text shown back is the setting, trimmed."""
    assert RateLimit.parse("  30/Minute \n") == RateLimit(requests=30, period=60.0, text="30/Minute")
    assert RateLimit.parse("2 PER 5 HOURS").period == 5 * 3600


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "30/fortnight",
            "SERVICE_RATE_LIMIT must look like '30/minute' (a number of requests, '/', and second, "
            "minute, hour or day), got '30/fortnight'",
        ),
        ("thirty", "SERVICE_RATE_LIMIT must look like '30/minute' (a number of requests, '/', and"),
        ("0/minute", "SERVICE_RATE_LIMIT must allow at least 1 request per period, got '0/minute'"),
        ("5/0hour", "SERVICE_RATE_LIMIT must allow at least 1 request per period, got '5/0hour'"),
    ],
)
def test_a_refused_rate_limit_says_why_and_repeats_the_value(raw, message):
    """The operator sees which setting is wrong, what it should look like and what was given."""
    with pytest.raises(ValueError) as caught:
        RateLimit.parse(raw)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("30/minute", "30 requests per minute"),
        ("10/5min", "10 requests per 5 minutes"),
        ("10/60min", "10 requests per hour"),
        ("1000/hour", "1000 requests per hour"),
        ("100/2hours", "100 requests per 2 hours"),
        ("10/24h", "10 requests per day"),
        ("100/day", "100 requests per day"),
        ("5/3days", "5 requests per 3 days"),
        ("10/120s", "10 requests per 2 minutes"),
        ("10/90s", "10 requests per 90 seconds"),
        ("1/second", "1 request per second"),
        ("5/second", "5 requests per second"),
        ("1/minute", "1 request per minute"),
        ("2 per 1 secs", "2 requests per second"),
    ],
)
def test_a_limit_is_described_in_the_largest_whole_unit(raw, words):
    """The 429 message and the log line name the period as people would say it."""
    assert RateLimit.parse(raw).describe() == words


# -- the token bucket --------------------------------------------------------------------------------


def test_a_client_gets_exactly_its_burst_then_waits_for_one_request():
    """3/minute: 3 at once (the third takes the last token), the fourth waits 20 s for one."""
    clock = Clock()
    bucket = limiter("3/minute", clock)
    assert [bucket.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire("a") == pytest.approx(20.0)
    assert bucket.acquire("a") == pytest.approx(20.0)  # a refused request spends nothing


def test_a_refused_request_waits_only_for_the_missing_part_of_a_token():
    """After 10 s half a token is back: the wait is the other 10 s, and at 20 s one request passes."""
    clock = Clock()
    bucket = limiter("3/minute", clock)
    for _ in range(3):
        bucket.acquire("a")
    clock.now += 10
    assert bucket.acquire("a") == pytest.approx(10.0)
    clock.now += 10
    assert bucket.acquire("a") == 0.0
    assert bucket.acquire("a") == pytest.approx(20.0)


def test_an_idle_client_never_saves_more_than_one_burst():
    """An hour of silence refills the bucket to 3, not to 180."""
    clock = Clock()
    bucket = limiter("3/minute", clock)
    bucket.acquire("a")
    clock.now += 3600
    assert [bucket.acquire("a") > 0 for _ in range(4)] == [False, False, False, True]


def test_wait_tells_the_time_to_the_next_request_without_spending_one():
    """`wait` (the login guard's question) is 0.0 while a token is left, else the seconds to one."""
    clock = Clock()
    bucket = limiter("3/minute", clock)
    assert bucket.wait("new") == 0.0 and len(bucket) == 0  # asking does not start a bucket
    bucket.acquire("a")
    bucket.acquire("a")
    clock.now += 10  # 1.5 tokens left: still one to spend
    assert bucket.wait("a") == 0.0
    bucket.acquire("a")
    assert bucket.wait("a") == pytest.approx(10.0)  # 0.5 left
    assert bucket.wait("a") == pytest.approx(10.0)  # asking twice spends nothing
    assert bucket.wait("b") == 0.0
    clock.now += 4
    assert bucket.wait("a") == pytest.approx(6.0)
    clock.now += 6
    assert bucket.wait("a") == 0.0 and bucket.acquire("a") == 0.0


def test_the_least_recently_seen_client_is_forgotten_first():
    """With room for 2: a, b, a again, then c pushes out b (the oldest), not a or the newcomer."""
    clock = Clock()
    bucket = limiter("1/minute", clock, max_clients=2)
    assert [bucket.acquire(key) for key in ("a", "b")] == [0.0, 0.0]
    assert bucket.acquire("a") > 0  # seen again: now the most recent
    assert bucket.acquire("c") == 0.0
    assert len(bucket) == 2
    assert bucket.acquire("a") > 0  # remembered: still empty
    assert bucket.acquire("c") > 0  # remembered: still empty
    assert bucket.acquire("b") == 0.0  # forgotten: a full bucket again


def test_check_refuses_with_the_limit_and_the_whole_seconds_to_wait():
    """The 429 a client reads: the limit in words and the wait, rounded up to whole seconds."""
    clock = Clock()
    bucket = limiter("3/minute", clock)
    for _ in range(3):
        bucket.check("a")
    clock.now += 0.5
    with pytest.raises(TooManyRequests) as caught:
        bucket.check("a")
    assert caught.value.retry_after == 20  # 19.5 s, rounded up
    assert str(caught.value) == (
        "Too many requests: this server allows 3 requests per minute per client. Try again in 20 s."
    )


def test_a_wait_under_a_second_is_announced_as_one_second():
    """3/second: the fourth request waits a third of a second, which is still refused, as 1 s."""
    clock = Clock()
    bucket = limiter("3/second", clock)
    for _ in range(3):
        bucket.check("a")
    with pytest.raises(TooManyRequests, match=r"Try again in 1 s\.$") as caught:
        bucket.check("a")
    assert caught.value.retry_after == 1


def test_check_counts_each_client_in_its_own_bucket():
    clock = Clock()
    bucket = limiter("2/minute", clock)
    bucket.check("198.51.100.1")
    bucket.check("198.51.100.1")
    with pytest.raises(TooManyRequests):
        bucket.check("198.51.100.1")
    bucket.check("198.51.100.2")


# -- Access: the limiters it builds, the rate limit per client -----------------------------------------


def test_a_rate_limit_given_directly_builds_its_limiter():
    """`Access(rate_limit=...)` limits at once, like `from_env`; without one there is no limiter."""
    access = Access(rate_limit=RateLimit.parse("2/minute"))
    assert access.limiter is not None and access.limiter.limit == RateLimit.parse("2/minute")
    access.check_rate("203.0.113.1")
    access.check_rate("203.0.113.1")
    with pytest.raises(TooManyRequests):
        access.check_rate("203.0.113.1")
    access.check_rate("203.0.113.2")  # another client: its own bucket
    assert Access().limiter is None


def test_limiters_passed_in_are_kept():
    """A caller's limiters (a test clock, a shared bucket) are used, not replaced by fresh ones."""
    limit = RateLimit.parse("2/minute")
    mine, theirs = RateLimiter(limit), RateLimiter(limit)
    access = Access(rate_limit=limit, limiter=mine, failure_limit=limit, failures=theirs)
    assert access.limiter is mine and access.failures is theirs


def test_the_failure_budget_defaults_to_ten_per_ten_minutes():
    access = Access()
    assert access.failure_limit == RateLimit.parse(DEFAULT_FAILURE_LIMIT)
    assert access.failures is not None and access.failures.limit == access.failure_limit
    assert access.failure_limit.describe() == "10 requests per 10 minutes"


def test_requests_without_an_address_share_the_unknown_bucket():
    """No address (None or ""): all such requests are one client, the key `unknown`."""
    access = Access(rate_limit=RateLimit.parse("2/minute"))
    access.check_rate(None)
    access.check_rate("")
    with pytest.raises(TooManyRequests):
        access.check_rate("unknown")


# -- Access.check_token and the failure budget ---------------------------------------------------------


def test_without_a_token_configured_any_header_passes():
    access = Access()
    for header in (None, "", "Bearer anything", "Basic YTpi"):
        access.check_token(header, "203.0.113.1")


@pytest.mark.parametrize(
    "header",
    [None, "", "   ", "Bearer", "Bearer    ", "Basic YTpi", f"Token {TOKEN}", TOKEN, f"Bearer{TOKEN}"],
)
def test_a_missing_or_other_scheme_header_is_401_and_says_how_to_send_the_token(header):
    """No bearer token at all is not a guess: 401 with the header to send, and no failure counted."""
    clock = Clock()
    access = token_access(clock)
    for _ in range(5):
        with pytest.raises(Unauthorized) as caught:
            access.check_token(header, "203.0.113.1")
        assert str(caught.value) == NEEDS_TOKEN
    assert access.failure_wait("203.0.113.1") == 0.0


@pytest.mark.parametrize(
    "header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"  Bearer   {TOKEN}  "]
)
def test_the_right_token_passes_whatever_the_scheme_case_and_spacing(header):
    access = token_access(Clock())
    access.check_token(header, "203.0.113.1")


@pytest.mark.parametrize(
    "token", [TOKEN[:-1], TOKEN + "0", TOKEN.upper(), f"{TOKEN} {TOKEN}", "nope", "ü" * len(TOKEN)]
)
def test_a_wrong_token_is_403_without_repeating_it(token):
    access = token_access(Clock())
    with pytest.raises(Forbidden) as caught:
        access.check_token(f"Bearer {token}", "203.0.113.1")
    assert str(caught.value) == "The API token is not valid."


def test_wrong_tokens_spend_the_clients_budget_then_even_the_right_token_gets_429():
    """3 wrong tokens from one address: the 4th attempt is 429 whatever it sends (else a guesser
    learns from the one let through); another address is untouched; 20 s later one try is back."""
    clock = Clock()
    access = token_access(clock, "3/minute")
    guesser, other = "203.0.113.5", "203.0.113.6"
    for _ in range(3):
        with pytest.raises(Forbidden):
            access.check_token("Bearer wrong", guesser)
    assert access.failure_wait(guesser) == pytest.approx(20.0)
    with pytest.raises(TooManyRequests) as caught:
        access.check_token(f"Bearer {TOKEN}", guesser)
    assert caught.value.retry_after == 20
    assert str(caught.value) == "Too many failed attempts from your address. Try again in 20 s."
    with pytest.raises(TooManyRequests):
        access.check_token(None, guesser)  # blocked before the header is even read
    access.check_token(f"Bearer {TOKEN}", other)
    with pytest.raises(Forbidden):
        access.check_token("Bearer wrong", other)
    assert access.failure_wait(other) == 0.0
    clock.now += 20
    access.check_token(f"Bearer {TOKEN}", guesser)


def test_the_failure_budget_allows_exactly_its_limit_then_refuses():
    """`record_failure` (the login guard's) and `check_failures`: the limit passes, one more is 429."""
    clock = Clock()
    access = token_access(clock, "2/minute")
    access.record_failure("198.51.100.9")
    access.check_failures("198.51.100.9")  # one failure left
    assert access.failure_wait("198.51.100.9") == 0.0
    access.record_failure("198.51.100.9")
    with pytest.raises(TooManyRequests, match=r"Try again in 30 s\.$") as caught:
        access.check_failures("198.51.100.9")
    assert caught.value.retry_after == 30
    access.check_failures("198.51.100.10")


def test_a_failure_wait_under_a_second_is_announced_as_one_second():
    clock = Clock()
    access = token_access(clock, "3/second")
    for _ in range(3):
        access.record_failure("198.51.100.9")
    assert access.failure_wait("198.51.100.9") == pytest.approx(1 / 3)
    with pytest.raises(TooManyRequests) as caught:
        access.check_failures("198.51.100.9")
    assert caught.value.retry_after == 1
    assert str(caught.value).endswith("Try again in 1 s.")


def test_failures_without_an_address_share_the_unknown_budget():
    """Failed logins (`record_failure`) and wrong tokens from no known address are counted together
    under `unknown`, and `failure_wait`/`check_failures` read that same budget."""
    clock = Clock()
    access = token_access(clock, "3/minute")
    access.record_failure(None)
    access.record_failure("")
    with pytest.raises(Forbidden):
        access.check_token("Bearer wrong", None)
    for client in (None, "", "unknown"):
        assert access.failure_wait(client) == pytest.approx(20.0)
    with pytest.raises(TooManyRequests):
        access.check_failures(None)
    with pytest.raises(TooManyRequests):
        access.check_token(f"Bearer {TOKEN}", "")


# -- Access.from_env -----------------------------------------------------------------------------------


@pytest.fixture
def clean_environ(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


FULL = {
    "SERVICE_AUTH": "alice:pw,bob:pw2",
    "SERVICE_API_TOKEN": TOKEN,
    "SERVICE_RATE_LIMIT": "30/minute",
    "SERVICE_AUTH_FAILURE_LIMIT": "5/hour",
    "SERVICE_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
}


def assert_full(access: Access) -> None:
    assert access.users == (("alice", "pw"), ("bob", "pw2"))
    assert access.api_token == TOKEN and access.login_required and access.token_required
    assert access.rate_limit == RateLimit.parse("30/minute")
    assert access.limiter is not None and access.limiter.limit == access.rate_limit
    assert access.failure_limit == RateLimit.parse("5/hour")
    assert access.failures is not None and access.failures.limit == access.failure_limit
    assert access.trusted_proxies == (IPv4Network("10.0.0.0/8"), IPv6Network("::1/128"))


def test_from_env_reads_every_setting_from_the_mapping_it_is_given(clean_environ):
    clean_environ.setenv("SERVICE_API_TOKEN", "from-the-process-environment")
    assert_full(Access.from_env(FULL))


def test_from_env_reads_the_process_environment_when_given_no_mapping(clean_environ):
    for name, value in FULL.items():
        clean_environ.setenv(name, value)
    assert_full(Access.from_env())


@pytest.mark.parametrize("value", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_unset_or_empty_settings_leave_everything_off_but_the_failure_budget(value, caplog):
    environ = {} if value is None else dict.fromkeys(SETTINGS, value)
    with caplog.at_level(logging.WARNING, logger="service.web.access"):
        access = Access.from_env(environ)
    assert access.users == () and access.api_token is None
    assert access.rate_limit is None and access.limiter is None
    assert access.failure_limit == RateLimit.parse(DEFAULT_FAILURE_LIMIT)
    assert access.trusted_proxies == ()
    assert warnings_logged(caplog) == []


@pytest.mark.parametrize("value", ["0", "off", "OFF", " Off ", "none", "None"])
def test_a_rate_limit_of_0_off_or_none_is_no_limit(value):
    access = Access.from_env({"SERVICE_RATE_LIMIT": value})
    assert access.rate_limit is None and access.limiter is None


def test_a_malformed_failure_limit_stops_the_app_naming_its_own_setting():
    with pytest.raises(ValueError) as caught:
        Access.from_env({"SERVICE_AUTH_FAILURE_LIMIT": "ten a minute"})
    assert str(caught.value) == "SERVICE_AUTH_FAILURE_LIMIT must look like '10/10minute', got 'ten a minute'"


@pytest.mark.parametrize(("length", "warned"), [(15, True), (16, False)])
def test_a_token_shorter_than_16_characters_is_warned_about_without_showing_it(length, warned, caplog):
    token = "k" * length
    with caplog.at_level(logging.WARNING, logger="service.web.access"):
        access = Access.from_env({"SERVICE_API_TOKEN": token})
    assert access.api_token == token
    assert warnings_logged(caplog) == ([SHORT_TOKEN_WARNING] if warned else [])


def test_a_page_login_without_a_token_warns_that_the_api_stays_open(caplog):
    with caplog.at_level(logging.WARNING, logger="service.web.access"):
        Access.from_env({"SERVICE_AUTH": "alice:pw"})
    assert warnings_logged(caplog) == [OPEN_API_WARNING]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="service.web.access"):
        Access.from_env({"SERVICE_AUTH": "alice:pw", "SERVICE_API_TOKEN": TOKEN})
        Access.from_env({"SERVICE_API_TOKEN": TOKEN})
    assert warnings_logged(caplog) == []


def test_the_log_line_describes_everything_off():
    assert Access.from_env({}).describe() == (
        "Access control: page login off, API token off, rate limit off, "
        "failed logins/tokens 10 requests per 10 minutes per client, trusted proxies none"
    )


def test_the_log_line_describes_every_setting_without_secrets():
    line = Access.from_env(FULL).describe()
    assert line == (
        "Access control: page login on (2 user(s)), API token on, "
        "rate limit 30 requests per minute per client, failed logins/tokens 5 requests per hour per client, "
        "trusted proxies 10.0.0.0/8, ::1/128"
    )
    assert TOKEN not in line and "pw" not in line


# -- parse_users -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "index"), [("bob", 1), ("alice:pw,bob", 2), ("alice:pw,,bob:", 3), ("a:1,b:2,c:3, :4", 4)]
)
def test_a_malformed_user_entry_is_named_by_its_place_counting_from_one(raw, index):
    """The message says which entry (empty ones count) and never what it held."""
    with pytest.raises(ValueError) as caught:
        parse_users(raw)
    assert str(caught.value) == (
        f"SERVICE_AUTH entry {index} must look like user:password (entries separated by commas)"
    )


def test_empty_user_entries_are_skipped_wherever_they_are():
    assert parse_users("") == ()
    assert parse_users(",alice:pw, ,,bob:pw2,") == (("alice", "pw"), ("bob", "pw2"))


def test_user_names_are_trimmed_and_passwords_kept_as_written():
    assert parse_users(" alice :p:w ,bob: pw2") == (("alice", "p:w"), ("bob", " pw2"))


def test_a_user_named_twice_is_refused():
    with pytest.raises(ValueError) as caught:
        parse_users("alice:a, alice :b")
    assert str(caught.value) == "SERVICE_AUTH names a user more than once"


# -- parse_networks and is_trusted ---------------------------------------------------------------------


def test_trusted_proxies_are_addresses_or_networks_separated_by_commas():
    """Empty entries are skipped; an address is a one-address network; host bits are forgiven."""
    assert parse_networks("") == ()
    assert parse_networks(" 10.1.2.3/8, ,::1,192.168.1.7 ,") == (
        IPv4Network("10.0.0.0/8"),
        IPv6Network("::1/128"),
        IPv4Network("192.168.1.7/32"),
    )


@pytest.mark.parametrize("raw", ["*", "10.0.0.0/8, *"])
def test_trusting_every_proxy_is_refused_with_the_reason(raw):
    with pytest.raises(ValueError) as caught:
        parse_networks(raw)
    assert str(caught.value) == (
        "SERVICE_TRUSTED_PROXIES must list the proxies' addresses or networks; '*' would let "
        "any client choose its own address with X-Forwarded-For"
    )


def test_a_proxy_that_is_not_an_address_is_refused_by_name():
    with pytest.raises(ValueError) as caught:
        parse_networks("10.0.0.0/8, proxy.local")
    assert str(caught.value) == (
        "SERVICE_TRUSTED_PROXIES entry 'proxy.local' is not an IP address or network (e.g. 10.0.0.0/8)"
    )


@pytest.mark.parametrize(
    ("address", "trusted"),
    [
        ("10.2.3.4", True),
        ("11.0.0.1", False),
        ("::1", True),
        ("::2", False),
        ("not-an-address", False),
        ("", False),
    ],
)
def test_only_addresses_inside_a_trusted_network_are_trusted(address, trusted):
    assert is_trusted(address, parse_networks("10.0.0.0/8, ::1")) is trusted
    assert is_trusted(address, ()) is False


@pytest.mark.parametrize("raw", ["30/ms", "30/hs", "30/ss", "30/millisecond", "30/minutess"])
def test_a_unit_that_only_looks_like_one_is_refused(raw):
    """`30/ms` was read as 30 per minute (the plural `s` taken off `m`): an operator who meant
    milliseconds got a limit 60,000 times looser. Units are whole names or their plurals."""
    with pytest.raises(ValueError, match="SERVICE_RATE_LIMIT must look like"):
        RateLimit.parse(raw)
