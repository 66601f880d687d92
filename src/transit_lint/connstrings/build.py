"""From a classifier's Verdict to the public ConnString: generic weakening switches, templated
values, default ports and the list of parameters that were read."""

from __future__ import annotations

from dataclasses import dataclass

from .hosts import HostPort, with_default_port
from .lexical import Params, compact, truth, value_word
from .model import ConnString, TlsMode, Verdict, tls_mode_rank

# Switches that many clients accept under one of these names. They can only lower a mode that
# already encrypts; technology classifiers handle their own names first.
_UNVERIFIED_IF_FALSE = (
    "verify", "verify_certs", "ssl_verify", "verify_ssl", "tls_verify", "verify_peer", "rejectUnauthorized",
    "tls.rejectUnauthorized", "verify_certificate", "ssl_verify_cert",
)  # fmt: skip
_UNVERIFIED_IF_TRUE = (
    "insecure", "tls_insecure", "insecure_skip_verify", "insecureSkipVerify", "skip_verify", "tls_skip_verify",
    "ssl_skip_verify", "skip_tls_verify", "skip_ssl_verify", "tlsAllowInvalidCertificates", "trustServerCertificate",
    "trust_all_certificates", "ssl_insecure", "allow_invalid_certificates",
)  # fmt: skip
_NO_HOSTNAME_IF_FALSE = (
    "ssl_check_hostname", "check_hostname", "verify_hostname", "verify_peer_name", "hostname_verification",
    "ssl_hostname_verification",
)  # fmt: skip
_NO_HOSTNAME_IF_TRUE = ("tlsAllowInvalidHostnames", "skip_hostname_verification", "disableSslHostnameVerification")


def _keyed(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, compact(name)) for name in names)


_SWITCHES = (
    (_keyed(_UNVERIFIED_IF_FALSE), False, TlsMode.ENCRYPTED_UNVERIFIED, "accepts any server certificate"),
    (_keyed(_UNVERIFIED_IF_TRUE), True, TlsMode.ENCRYPTED_UNVERIFIED, "accepts any server certificate"),
    (_keyed(_NO_HOSTNAME_IF_FALSE), False, TlsMode.NO_HOSTNAME_CHECK, "skips the host name check"),
    (_keyed(_NO_HOSTNAME_IF_TRUE), True, TlsMode.NO_HOSTNAME_CHECK, "skips the host name check"),
)


@dataclass
class Parsed:
    technology: str
    verdict: Verdict
    hosts: list[HostPort]
    params: Params
    default_port: int | None
    generic_switches: bool = True


def apply_generic_switches(params: Params, verdict: Verdict) -> Verdict:
    rank = tls_mode_rank(verdict.mode)
    if rank is None or rank < 2:
        return verdict
    # A key the technology classifier already read has been given its meaning there.
    present = params.compact_keys() - {compact(key) for key in params.consulted}
    if not present:
        return verdict
    for names, wanted, mode, effect in _SWITCHES:
        for name, key in names:
            if key not in present:
                continue
            raw = params.get(name)
            if raw is None:
                continue
            hit = truth(raw) is wanted or (not wanted and value_word(raw) in ("none", "certnone"))
            target = tls_mode_rank(mode)
            if hit and target is not None and target < rank:
                return Verdict(mode, f"{params.name(name)}={raw} {effect}")
    return verdict


def finish(parsed: Parsed, scheme: str, start: int, end: int) -> ConnString:
    params = parsed.params
    verdict = parsed.verdict
    if parsed.generic_switches:
        verdict = apply_generic_switches(params, verdict)
    if params.templated_keys:
        keys = ", ".join(params.templated_keys)
        verdict = Verdict(TlsMode.UNKNOWN, f"{keys} is templated: the TLS mode depends on its value", verdict.assumed)
    elif params.templated_segment:
        verdict = Verdict(
            TlsMode.UNKNOWN, "part of the parameters is templated and may set TLS options", verdict.assumed
        )
    hosts = with_default_port(parsed.hosts, parsed.default_port)
    host, port = hosts[0] if hosts else (None, parsed.default_port)
    consulted = dict(params.consulted)
    return ConnString(
        technology=parsed.technology,
        scheme=scheme,
        host=host,
        port=port,
        tls_mode=verdict.mode,
        reason=verdict.reason,
        assumed=verdict.assumed,
        params=consulted,
        start=start,
        end=end,
        hosts=hosts,
    )
