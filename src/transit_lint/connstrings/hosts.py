"""Host lists: `h1:5432,[::1]:5433,${DB_HOST}` into (host, port) pairs, and which hosts are not a network hop."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .lexical import decode, is_templated


@dataclass(frozen=True)
class HostPort:
    host: str | None
    port: int | None
    port_written: bool  # a port was written (even a templated one)
    templated: bool


def _port(text: str) -> int | None:
    if not text.isdigit() or not text.isascii() or len(text) > 5:
        return None
    value = int(text)
    return value if 0 < value <= 65535 else None


def split_host(text: str, masked: str, start: int, end: int) -> HostPort:
    """One `host[:port]` / `[v6][:port]` item found at text[start:end]."""
    while start < end and masked[start].isspace():
        start += 1
    while end > start and masked[end - 1].isspace():
        end -= 1
    spec = masked[start:end]
    host_start, host_end, port_start = start, end, -1
    if spec.startswith("["):
        close = spec.find("]")
        if close > 0:
            host_start, host_end = start + 1, start + close
            if spec[close + 1 : close + 2] == ":":
                port_start = start + close + 2
    elif spec.count(":") == 1:
        colon = spec.index(":")
        host_end, port_start = start + colon, start + colon + 1
    host_text = text[host_start:host_end]
    templated = is_templated(text, masked, host_start, host_end)
    host = host_text if templated else decode(host_text)
    port: int | None = None
    if port_start >= 0:
        port_text = text[port_start:end]
        if not is_templated(text, masked, port_start, end):
            port = _port(port_text.strip())
    return HostPort(host or None, port, port_start >= 0 and port_start < end, templated)


def split_hosts(text: str, masked: str, start: int, end: int, sep: str = ",") -> list[HostPort]:
    out: list[HostPort] = []
    pos = start
    while pos <= end:
        nxt = masked.find(sep, pos, end)
        if nxt < 0:
            nxt = end
        item = split_host(text, masked, pos, nxt)
        if item.host is not None or item.port_written:
            out.append(item)
        pos = nxt + 1
    return out


def with_default_port(hosts: list[HostPort], default: int | None) -> tuple[tuple[str, int | None], ...]:
    out: list[tuple[str, int | None]] = []
    for item in hosts:
        if item.host is None:
            continue
        port = item.port if item.port_written else default
        out.append((item.host, port))
    return tuple(out)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip("[]")
    if not (text[:1].isdigit() or ":" in text):
        return None  # a host name (IPv4 starts with a digit, IPv6 has colons)
    if "%" in text:  # zone index: fe80::1%eth0
        text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_loopback(host: str | None) -> bool:
    """localhost, *.localhost, 127.0.0.0/8 and ::1 (also ::ffff:127.0.0.1)."""
    if not host:
        return False
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost") or name in ("ip6-localhost", "ip6-loopback"):
        return True
    address = _ip(name)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_not_a_peer(host: str | None) -> bool:
    """Hosts that are not a network hop to another machine (loopback), cannot carry TLS (link-local
    metadata services such as 169.254.169.254), or are bind addresses rather than destinations
    (0.0.0.0, ::, `*`, `+`)."""
    if not host:
        return False
    if host in ("*", "+") or is_loopback(host):
        return True
    address = _ip(host)
    return address is not None and (address.is_link_local or address.is_unspecified)
