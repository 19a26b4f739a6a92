"""Which addresses the server may connect to when it fetches a link, and the socket layer that enforces it.

A link typed by a user must not let them reach what only the server can reach: its own loopback
services, the private network around it, or the cloud metadata service at 169.254.169.254 that hands
out credentials (server-side request forgery). Checking the URL's host name is not enough: a name can
resolve to anything, and a name checked once can resolve differently a moment later (DNS rebinding).

So the check lives where the connection is made. `PinnedBackend` is an httpcore network backend:
httpcore calls its `connect_tcp(host, port)` for every new connection (the first request and every
redirect, http and https alike), and it resolves the name once, refuses the connection if *any*
answer is not allowed, and connects the socket to the very address it checked. The name stays what
httpx uses for everything else, so the `Host` header, TLS SNI and certificate verification are those
of the real host; no URL is rewritten to an IP. Python's `ipaddress` predicates are used, with
IPv4-mapped, 6to4, Teredo and NAT64 IPv6 addresses unwrapped first (on Python 3.11 `is_private` does
not look inside `::ffff:127.0.0.1`).
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore

from service.errors import FetchFailed, FetchTimeout, UrlRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Addresses tried per host name before giving up (a name may have an IPv6 and an IPv4 answer).
MAX_ADDRESSES_TRIED = 4
#: Host name lookups running at once (each fetch needs one per new connection).
_RESOLVERS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class AddressPolicy:
    """Private addresses are refused unless `allow_private` (intranets, tests) or listed in `allowed`.

    Even then some are never allowed: unspecified (0.0.0.0, ::), link-local (169.254.0.0/16 holds the
    cloud metadata service; fe80::/10), multicast and broadcast/reserved addresses have no article
    to offer and are classic forgery targets.
    """

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why `address` may not be connected to, in words, or None when it may."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = self.refusal(inner)
            return f"{why} inside an IPv6 address" if why else None
        never = _never_allowed(ip)
        if never:
            return never
        if any(ip in network for network in self.allowed):
            return None
        kind = _non_public(ip)
        if kind is None or self.allow_private:
            return None
        return kind


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _never_allowed(ip: IPAddress) -> str | None:
    if ip.is_unspecified:
        return "an unspecified address (0.0.0.0 or ::)"
    if ip.is_link_local:
        return "a link-local address (169.254.0.0/16 or fe80::/10, where cloud metadata services live)"
    if ip.is_multicast:
        return "a multicast address"
    # ::1 sits in the reserved ::/8 block, but it is the loopback address and is treated as one.
    if ip == ipaddress.IPv4Address("255.255.255.255") or (ip.is_reserved and not ip.is_loopback):
        return "a reserved address"
    return None


def _non_public(ip: IPAddress) -> str | None:
    if ip.is_loopback:
        return "a loopback address (this server itself)"
    if ip.is_private:
        return "a private-network address"
    if not ip.is_global:
        return "an address that is not publicly routable"
    return None


def parse_networks(items: Iterable[str]) -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8`, `127.0.0.1`, `fd00::/8` ... as networks; raises ValueError naming a bad one."""
    networks = []
    for item in items:
        item = item.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an IP address or network ({exc})") from None
    return tuple(networks)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to for a TCP connection, in the resolver's order.

    Module-level so tests can stand in for DNS (a name that resolves to 127.0.0.1, say)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(host: str, port: int, policy: AddressPolicy, timeout: float | None = None) -> list[str]:
    """Resolve `host` once and return its addresses, or refuse the host if any of them is not allowed.

    One bad answer refuses the host: a name that resolves to a public and a private address at once
    is either misconfigured or an attack, and trying only the "good" one would hide that.

    `getaddrinfo` has no timeout of its own, so the lookup runs on a small pool and is given up after
    `timeout` (the connect timeout); a stuck lookup keeps its worker until the system resolver gives
    up, and when all workers are stuck new lookups time out too (the fetcher fails closed)."""
    future = _RESOLVERS.submit(lambda: resolve_host(host, port))
    try:
        addresses = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise FetchTimeout(
            f"Cannot fetch the page: looking up the host name {host!r} took longer than {timeout:g} s."
        ) from None
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"Cannot fetch the page: the host name {host!r} could not be resolved.") from exc
    if not addresses:
        raise FetchFailed(f"Cannot fetch the page: the host name {host!r} has no address.")
    for address in addresses:
        why = policy.refusal(address)
        if why:
            what = f"{address} is" if host == address else f"the host {host!r} resolves to {address},"
            opens = not policy.allow_private and AddressPolicy(allow_private=True).refusal(address) is None
            hint = " (SERVICE_ALLOW_PRIVATE_URLS=1 allows private hosts)" if opens else ""
            raise UrlRefused(
                f"Refused to fetch the link: {what} {why}. Only public web addresses are fetched{hint}."
            )
    return addresses


class PinnedBackend(httpcore.SyncBackend):
    """httpcore's socket layer with the address check built in: one lookup, checked, connected to."""

    def __init__(self, policy: AddressPolicy):
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, self.policy, timeout)
        error: Exception | None = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:
                # A numeric address: socket.create_connection does no further DNS lookup.
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise UrlRefused("Refused to fetch the link: Unix sockets are never connected to.")
