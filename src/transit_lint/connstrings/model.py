"""The result types: the TLS-mode scale, one parsed connection string, and the module's error."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ConnStringError(ValueError):
    """Raised inside the parser for input it cannot read. Public functions catch it and return None."""


class TlsMode(str, Enum):
    """How a client protects the hop, ordered from weakest to strongest (UNKNOWN is off the scale)."""

    PLAINTEXT = "plaintext"
    OPPORTUNISTIC = "opportunistic"
    ENCRYPTED_UNVERIFIED = "encrypted-unverified"
    NO_HOSTNAME_CHECK = "no-hostname-check"
    VERIFIED = "verified"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


_RANK: dict[TlsMode, int] = {
    TlsMode.PLAINTEXT: 0,
    TlsMode.OPPORTUNISTIC: 1,
    TlsMode.ENCRYPTED_UNVERIFIED: 2,
    TlsMode.NO_HOSTNAME_CHECK: 3,
    TlsMode.VERIFIED: 4,
}


def tls_mode_rank(mode: TlsMode) -> int | None:
    """PLAINTEXT 0 … VERIFIED 4. UNKNOWN returns None, so that a caller cannot compare it by mistake.

    Policies must never fire on UNKNOWN (the value is templated or unresolvable), so the rank of
    UNKNOWN is deliberately not an int: `rank is not None and rank < 4` is the idiom.
    """
    return _RANK.get(mode)


def weakest(first: TlsMode, second: TlsMode) -> TlsMode:
    """The weaker of two modes; UNKNOWN wins over anything but PLAINTEXT (which is weak whatever)."""
    if TlsMode.PLAINTEXT in (first, second):
        return TlsMode.PLAINTEXT
    if TlsMode.UNKNOWN in (first, second):
        return TlsMode.UNKNOWN
    return first if _RANK[first] <= _RANK[second] else second


@dataclass(frozen=True)
class Verdict:
    """A classifier's answer before it is placed in the text."""

    mode: TlsMode
    reason: str
    assumed: str | None = None


@dataclass(frozen=True)
class ConnString:
    """One connection string and how well it protects the hop.

    `host`/`port` are the first host of the string (`hosts` lists them all). A host is kept as written
    (placeholders such as `${DB_HOST}` stay), percent-decoded, without IPv6 brackets. `port` is the
    written port, the technology's default when none is written, or None when it is templated or
    unknowable (`mongodb+srv://`, which takes ports from DNS). `params` holds only the TLS-relevant
    parameters that were consulted (never passwords). For `parse_kafka_properties`, which reads no
    text, `start` and `end` are both 0.
    """

    technology: str
    scheme: str
    host: str | None
    port: int | None
    tls_mode: TlsMode
    reason: str
    assumed: str | None
    params: dict[str, str] = field(hash=False)
    start: int
    end: int
    hosts: tuple[tuple[str, int | None], ...] = ()
