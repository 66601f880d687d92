"""Oracle Net: TNS descriptors `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)…))`, EZConnect
`tcps://host:2484/svc`, and the part of a JDBC thin URL after `@`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .hosts import HostPort, split_host, split_hosts
from .lexical import Params, is_templated, truth
from .model import TlsMode, Verdict
from .uri import find_any, parse_query, split_uri

_PROTOCOL = re.compile(r"\(\s*PROTOCOL\s*=\s*([A-Za-z0-9]+)\s*\)", re.I)
_HOST = re.compile(r"\(\s*HOST\s*=\s*([^()\s]+)\s*\)", re.I)
_PORT = re.compile(r"\(\s*PORT\s*=\s*([^()\s]+)\s*\)", re.I)
_DN_MATCH = re.compile(r"\(\s*((?:SSL|TLS)_SERVER_DN_MATCH)\s*=\s*([^()\s]+)\s*\)", re.I)

_NO_DN = "Oracle JDBC thin and OCI before 23ai do not match the server DN unless SSL_SERVER_DN_MATCH=TRUE"


@dataclass(frozen=True)
class OracleResult:
    verdict: Verdict
    hosts: list[HostPort]
    params: Params


def classify_descriptor(text: str, masked: str, start: int, end: int) -> OracleResult | None:
    """A TNS descriptor at text[start:end]; None when every address is local (IPC/BEQ)."""
    region = masked[start:end]
    if _HOST.search(region) is None and _PROTOCOL.search(region) is None:
        return None  # not a descriptor (or not one that names an address)
    protocols = [m.group(1).upper() for m in _PROTOCOL.finditer(region)] or ["TCP"]
    hosts: list[HostPort] = []
    ports = list(_PORT.finditer(masked, start, end))
    for index, match in enumerate(_HOST.finditer(masked, start, end)):
        host = split_host(text, masked, match.start(1), match.end(1))
        port = host.port
        written = False
        if index < len(ports):
            pmatch = ports[index]
            written = True
            if not is_templated(text, masked, pmatch.start(1), pmatch.end(1)):
                port = _int(pmatch.group(1))
        hosts.append(HostPort(host.host, port, written, host.templated))
    params = Params()
    dn = _DN_MATCH.search(masked, start, end)
    if dn is not None:
        params.add(dn.group(1), text[dn.start(2) : dn.end(2)], is_templated(text, masked, dn.start(2), dn.end(2)))
    network = [p for p in protocols if p not in ("IPC", "BEQ")]
    if not network:
        return None
    if any(p != "TCPS" for p in network):
        weak = next(p for p in network if p != "TCPS")
        return OracleResult(
            Verdict(TlsMode.PLAINTEXT, f"PROTOCOL={weak} is plaintext Oracle Net (TCPS is the TLS form)"), hosts, params
        )
    return OracleResult(_dn_verdict(params, default_match=False), hosts, params)


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and text.isascii() and 0 < len(text) <= 5 and 0 < int(text) <= 65535 else None


def _dn_verdict(params: Params, *, default_match: bool) -> Verdict:
    raw = params.get("ssl_server_dn_match", "tls_server_dn_match")
    if raw is not None:
        flag = truth(raw)
        if flag is False:
            return Verdict(
                TlsMode.NO_HOSTNAME_CHECK,
                f"{params.name('ssl_server_dn_match', 'tls_server_dn_match')}={raw} skips the server DN check",
            )
        if flag:
            return Verdict(TlsMode.VERIFIED, "TCPS with server DN matching verifies the certificate and host name")
    if default_match:
        return Verdict(
            TlsMode.VERIFIED, "tcps:// makes the Oracle drivers verify the certificate and match the server DN"
        )
    return Verdict(
        TlsMode.NO_HOSTNAME_CHECK, "PROTOCOL=TCPS without SSL_SERVER_DN_MATCH=TRUE does not check the server DN", _NO_DN
    )


def classify_ezconnect(text: str, masked: str, start: int, end: int) -> OracleResult | None:
    """`tcps://h:2484/svc`, `tcp://h/svc`, `//h:1521/svc`, `h:1521/svc`, `h:1521:SID` at text[start:end].

    A bare word (a TNS alias such as `mydb_high`) is resolved through tnsnames.ora: UNKNOWN."""
    lower = masked[start:end].lower()
    if lower.startswith("(") or masked.startswith("(", start):
        return classify_descriptor(text, masked, start, end)
    sub_text, sub_masked = text[start:end], masked[start:end]
    if lower.startswith(("tcps://", "tcp://")):
        scheme = "tcps" if lower.startswith("tcps") else "tcp"
        parts = split_uri(sub_text, sub_masked, scheme, len(scheme) + 3)
        hosts, params = parts.hosts, parts.params
        if scheme == "tcps":
            return OracleResult(_dn_verdict(params, default_match=True), hosts, params)
        return OracleResult(
            Verdict(TlsMode.PLAINTEXT, "tcp:// is plaintext Oracle Net (tcps:// is the TLS form)"), hosts, params
        )
    body_start = start + 2 if lower.startswith("//") else start
    stop = find_any(masked, "/?", body_start, end)
    host_end = stop if stop >= 0 else end
    question = masked.find("?", body_start, end)
    params = parse_query(text, masked, question + 1, end) if question >= 0 else Params()
    head = masked[body_start:host_end]
    if ":" not in head and stop < 0 and not lower.startswith("//"):
        return OracleResult(Verdict(TlsMode.UNKNOWN, "a TNS alias: the protocol is set in tnsnames.ora"), [], params)
    if head.count(":") >= 2 and not head.startswith("["):  # host:port:SID
        first = masked.find(":", body_start, host_end)
        second = masked.find(":", first + 1, host_end)
        hosts = [split_host(text, masked, body_start, second)]
    else:
        hosts = split_hosts(text, masked, body_start, host_end)
    return OracleResult(Verdict(TlsMode.PLAINTEXT, "host:port without tcps:// is plaintext Oracle Net"), hosts, params)
