"""The transit posture of a run (R19, AWS SEC09 KPIs): how much of what was found is encrypted,
verified and mutually authenticated, and which TLS versions are accepted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .model import Node
from .tree import UNKNOWN


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def posture(nodes: list[Node]) -> dict[str, Any]:
    endpoints = [n for n in nodes if n.kind == "endpoint"]
    connections = [n for n in nodes if n.kind == "connection"]

    def encrypted(n: Node) -> bool | None:
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

    judged_ep = [e for e in (encrypted(n) for n in endpoints) if e is not None]
    judged_cn = [e for e in (encrypted(n) for n in connections) if e is not None]
    tls_conns = [n for n in connections if n.value("tls_mode") not in (None, UNKNOWN, "plaintext", "unknown")]
    verified = sum(1 for n in tls_conns if n.value("tls_mode") == "verified")
    mtls = sum(1 for n in endpoints if n.value("tls.client_auth") == "required")
    tls_eps = [n for n in endpoints if n.value("tls.enabled") is True]
    versions = Counter(
        str(n.value("tls.min_version")) for n in nodes
        if n.value("tls.min_version") not in (None, UNKNOWN)
    )
    judged = judged_ep + judged_cn
    return {
        "endpoints": len(endpoints),
        "connections": len(connections),
        "encrypted": _pct(sum(judged), len(judged)),
        "endpoints_encrypted": _pct(sum(judged_ep), len(judged_ep)),
        "connections_encrypted": _pct(sum(judged_cn), len(judged_cn)),
        "verified": _pct(verified, len(tls_conns)),
        "mtls": _pct(mtls, len(tls_eps)),
        "min_tls_versions": dict(sorted(versions.items())),
    }


def posture_line(p: dict[str, Any]) -> str:
    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:g}%"

    hist = ", ".join(f"{k}: {v}" for k, v in p["min_tls_versions"].items()) or "none"
    return (f"transit posture: {p['endpoints']} endpoint(s), {p['connections']} connection(s); "
            f"encrypted {fmt(p['encrypted'])}, verified {fmt(p['verified'])}, "
            f"mTLS {fmt(p['mtls'])}; minimum TLS versions {hist}")
