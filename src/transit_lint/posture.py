"""The transit posture of a run (R19, AWS SEC09 KPIs): how much of what was found is encrypted,
verified and mutually authenticated, and which TLS versions are accepted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from .model import Node
from .tree import UNKNOWN


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class PostureCounts:
    """The raw counts behind the posture: each shard counts its own nodes, the run adds them up."""

    endpoints: int = 0
    connections: int = 0
    endpoints_judged: int = 0
    endpoints_encrypted: int = 0
    connections_judged: int = 0
    connections_encrypted: int = 0
    tls_connections: int = 0
    verified: int = 0
    tls_endpoints: int = 0
    mtls: int = 0
    versions: Counter[str] = field(default_factory=Counter)
    nodes: int = 0  # every canonical node, of any kind (the summary's resource count)

    def add(self, other: PostureCounts) -> None:
        for f in fields(self):
            if f.name == "versions":
                self.versions.update(other.versions)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _encrypted(n: Node) -> bool | None:
    if n.value("tls.required") is not None:
        v = n.value("tls.required")
    elif n.value("plaintext") is not None:
        p = n.value("plaintext")
        v = UNKNOWN if p is UNKNOWN else (not p or n.value("redirect_to_https") is True)
    elif n.value("tls_mode") is not None:
        v = n.value("tls_mode") not in ("plaintext", "opportunistic", "unknown")
    else:
        return None
    return None if v is UNKNOWN else bool(v)


def count(nodes: list[Node]) -> PostureCounts:
    c = PostureCounts(nodes=len(nodes))
    for n in nodes:
        if n.kind == "endpoint":
            c.endpoints += 1
            e = _encrypted(n)
            if e is not None:
                c.endpoints_judged += 1
                c.endpoints_encrypted += e
            if n.value("tls.enabled") is True:
                c.tls_endpoints += 1
            if n.value("tls.client_auth") == "required":
                c.mtls += 1
        elif n.kind == "connection":
            c.connections += 1
            e = _encrypted(n)
            if e is not None:
                c.connections_judged += 1
                c.connections_encrypted += e
            if n.value("tls_mode") not in (None, UNKNOWN, "plaintext", "unknown"):
                c.tls_connections += 1
                c.verified += n.value("tls_mode") == "verified"
        version = n.value("tls.min_version")
        if version not in (None, UNKNOWN):
            c.versions[str(version)] += 1
    return c


def summarize(c: PostureCounts) -> dict[str, Any]:
    return {
        "endpoints": c.endpoints,
        "connections": c.connections,
        "encrypted": _pct(c.endpoints_encrypted + c.connections_encrypted, c.endpoints_judged + c.connections_judged),
        "endpoints_encrypted": _pct(c.endpoints_encrypted, c.endpoints_judged),
        "connections_encrypted": _pct(c.connections_encrypted, c.connections_judged),
        "verified": _pct(c.verified, c.tls_connections),
        "mtls": _pct(c.mtls, c.tls_endpoints),
        "min_tls_versions": dict(sorted(c.versions.items())),
    }


def posture(nodes: list[Node]) -> dict[str, Any]:
    return summarize(count(nodes))


def posture_line(p: dict[str, Any]) -> str:
    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:g}%"

    hist = ", ".join(f"{k}: {v}" for k, v in p["min_tls_versions"].items()) or "none"
    return (f"transit posture: {p['endpoints']} endpoint(s), {p['connections']} connection(s); "
            f"encrypted {fmt(p['encrypted'])}, verified {fmt(p['verified'])}, "
            f"mTLS {fmt(p['mtls'])}; minimum TLS versions {hist}")
