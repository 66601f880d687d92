"""Kafka clients are configured by properties, not URLs: `security.protocol`,
`ssl.endpoint.identification.algorithm` (an empty value turns the host name check off) and
`bootstrap.servers`. Keys are accepted in Java (`a.b`), kafka-python (`a_b`), Spring relaxed
(`a-b`) and environment (`KAFKA_A_B`) spellings, with any prefix (`spring.kafka.producer.`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .hosts import HostPort, split_hosts
from .lexical import Params, has_placeholder, mask_placeholders, truth, value_word
from .model import TlsMode, Verdict, weakest

PROTOCOL = "security.protocol"
SERVERS = "bootstrap.servers"
ALGORITHM = "ssl.endpoint.identification.algorithm"
CERT_VERIFICATION = "enable.ssl.certificate.verification"
CHECK_HOSTNAME = "ssl.check.hostname"
_KEYS = (PROTOCOL, SERVERS, ALGORITHM, CERT_VERIFICATION, CHECK_HOSTNAME)

# A Kafka key (by its suffix), then `=`/`:` (optionally after a closing quote), then the value.
KAFKA_PAIR = re.compile(
    r"(?i)(security[._\-]protocol|bootstrap[._\-]servers|ssl[._\-]endpoint[._\-]identification[._\-]algorithm"
    r"|enable[._\-]ssl[._\-]certificate[._\-]verification|ssl[._\-]check[._\-]hostname)"
    r"(?![\w.\-])[\"']?[ \t]*[=:][ \t]*(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s;\"'}\]]*))"
)
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def canonical_key(key: str) -> str | None:
    """`KAFKA_SECURITY_PROTOCOL`, `spring.kafka.bootstrap-servers` … → the Java property name."""
    name = key.strip().strip("\"'").lower().replace("_", ".").replace("-", ".")
    for suffix in _KEYS:
        if name == suffix or name.endswith("." + suffix):
            return suffix
    return None


@dataclass(frozen=True)
class KafkaMatch:
    key: str  # canonical
    value: str
    start: int  # key start, including any prefix
    end: int  # value end (without a closing quote)


def find_pairs(text: str, masked: str) -> list[KafkaMatch]:
    out: list[KafkaMatch] = []
    for match in KAFKA_PAIR.finditer(masked):
        start = match.start()
        if start > 0 and masked[start - 1].isalnum():
            continue  # `xsecurity.protocol`
        while start > 0 and masked[start - 1] in _KEY_CHARS:
            start -= 1
        group = next(g for g in (2, 3, 4) if match.start(g) >= 0)
        vstart, vend = match.start(group), match.end(group)
        value = text[vstart:vend]
        if group == 4:
            stripped = value.rstrip(",")
            vend -= len(value) - len(stripped)
            value = stripped
        key = canonical_key(match.group(1))
        if key is not None:
            out.append(KafkaMatch(key, value, start, vend))
    return out


def classify(values: Mapping[str, list[str]]) -> tuple[Verdict, Params, list[HostPort]] | None:
    """values: canonical key → every value seen (a producer and a consumer may both be configured)."""
    if PROTOCOL not in values and SERVERS not in values:
        return None
    params = Params()
    tls_keys = [key for key in _KEYS if key != SERVERS]
    for key in tls_keys:
        for value in values.get(key, []):
            params.add(key, value, has_placeholder(value))
    verdict = _protocol_verdict(values.get(PROTOCOL, []))
    if verdict.mode not in (TlsMode.PLAINTEXT, TlsMode.UNKNOWN):
        verdict = _ssl_verdict(values, verdict)
    for key in tls_keys:
        if key in values:
            params.get(key)
    hosts: list[HostPort] = []
    servers = values.get(SERVERS, [])
    if servers:
        first = re.sub(r"(?i)(^|,)\s*[a-z_]+://", r"\1", servers[0])
        masked = mask_placeholders(first)
        hosts = split_hosts(first, masked, 0, len(first))
    return verdict, params, hosts


def _protocol_verdict(protocols: list[str]) -> Verdict:
    if not protocols:
        return Verdict(
            TlsMode.PLAINTEXT,
            "no security.protocol: Kafka clients default to PLAINTEXT",
            "Kafka default security.protocol=PLAINTEXT",
        )
    verdicts = [_one_protocol(raw) for raw in protocols]
    result = verdicts[0]
    for current in verdicts[1:]:
        if weakest(result.mode, current.mode) != result.mode:
            result = current
    return result


def _one_protocol(raw: str) -> Verdict:
    word = value_word(raw)
    if has_placeholder(raw):
        return Verdict(TlsMode.UNKNOWN, f"security.protocol={raw} is templated")
    if word in ("plaintext", "saslplaintext"):
        return Verdict(TlsMode.PLAINTEXT, f"security.protocol={raw} sends data in clear")
    if word in ("ssl", "saslssl"):
        return Verdict(TlsMode.VERIFIED, f"security.protocol={raw}")
    return Verdict(TlsMode.UNKNOWN, f"security.protocol={raw} is not a Kafka protocol")


def _ssl_verdict(values: Mapping[str, list[str]], base: Verdict) -> Verdict:
    for raw in values.get(CERT_VERIFICATION, []):
        if truth(raw) is False:
            return Verdict(
                TlsMode.ENCRYPTED_UNVERIFIED,
                f"enable.ssl.certificate.verification={raw} accepts any broker certificate (librdkafka)",
            )
    for raw in values.get(ALGORITHM, []):
        word = value_word(raw)
        if word == "":
            return Verdict(
                TlsMode.NO_HOSTNAME_CHECK,
                "an empty ssl.endpoint.identification.algorithm turns off broker host name verification",
            )
        if word == "none":
            return Verdict(
                TlsMode.NO_HOSTNAME_CHECK,
                f"ssl.endpoint.identification.algorithm={raw} turns off broker host name verification",
            )
    for raw in values.get(CHECK_HOSTNAME, []):
        if truth(raw) is False:
            return Verdict(
                TlsMode.NO_HOSTNAME_CHECK,
                f"ssl_check_hostname={raw} turns off broker host name verification (kafka-python)",
            )
    if any(value_word(raw) == "https" for raw in values.get(ALGORITHM, [])):
        return Verdict(
            TlsMode.VERIFIED, f"{base.reason} with ssl.endpoint.identification.algorithm=https verifies the broker"
        )
    return Verdict(
        TlsMode.VERIFIED,
        f"{base.reason} verifies the broker certificate and host name by default",
        "Java client 2.0+ / librdkafka 2.0+ default ssl.endpoint.identification.algorithm=https",
    )


def collect(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        canonical = canonical_key(key)
        if canonical is not None:
            values.setdefault(canonical, []).append(value)
    return values
