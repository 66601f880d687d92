"""Well-known ports and whether their protocol is TLS, STARTTLS or cleartext (data/ports.csv)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .data import read_csv


@dataclass(frozen=True)
class PortInfo:
    port: int
    transport: str  # tcp | udp
    service: str  # IANA service name ("" for de-facto ports IANA never assigned)
    # tls: TLS from the first byte | starttls: in-band upgrade on the same port |
    # optional: TLS or cleartext on the same port by server config (Redis, Kafka, etcd) |
    # plaintext: cleartext protocol | encrypted: encrypted by a non-TLS protocol (SSH)
    tls: str
    secure_equivalent: int | None  # the port to use instead, where one exists
    description: str  # what the port carries in practice
    encrypted_by_default: str = ""  # yes | no | optional | partial
    notes: str = ""


@cache
def _ports() -> dict[tuple[int, str], PortInfo]:
    out: dict[tuple[int, str], PortInfo] = {}
    for r in read_csv("ports.csv"):
        info = PortInfo(
            port=int(r["port"]),
            transport=r["transport"],
            service=r["service"],
            tls=r["tls"],
            secure_equivalent=int(r["secure_equivalent"]) if r["secure_equivalent"] else None,
            description=r["description"],
            encrypted_by_default=r["encrypted_by_default"],
            notes=r["notes"],
        )
        out[info.port, info.transport] = info
    return out


def port_info(port: int, transport: str = "tcp") -> PortInfo | None:
    return _ports().get((port, transport.strip().lower()))


_SETS: dict[str, Callable[[PortInfo], bool]] = {
    "tls": lambda p: p.tls == "tls",
    "starttls": lambda p: p.tls == "starttls",
    "optional": lambda p: p.tls == "optional",
    # Cleartext unless the server is set up otherwise: includes STARTTLS and optional-TLS
    # ports (FTP 21, IMAP 143, LDAP 389, Redis 6379, Kafka 9092), never SSH or TLS ports.
    "plaintext": lambda p: p.encrypted_by_default != "yes",
    "encrypted": lambda p: p.encrypted_by_default == "yes",
}


def port_set(name: str, transport: str = "tcp") -> frozenset[int]:
    """Ports in a named class for one transport: tls, starttls, optional, plaintext, encrypted."""
    if name not in _SETS:
        raise KeyError(f"unknown port set {name!r}; known: {', '.join(_SETS)}")
    return _port_set(name, transport.strip().lower())


@cache
def _port_set(name: str, transport: str) -> frozenset[int]:
    test = _SETS[name]
    return frozenset(p.port for p in _ports().values() if p.transport == transport and test(p))
