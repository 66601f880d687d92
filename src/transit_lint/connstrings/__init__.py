"""Connection strings in configuration values, classified by how well they protect the hop.

    >>> from transit_lint.connstrings import parse
    >>> parse("postgres://app@db:5432/app?sslmode=require").tls_mode
    <TlsMode.ENCRYPTED_UNVERIFIED: 'encrypted-unverified'>

Standard library only; no network and no DNS (`mongodb+srv://` is never resolved). When drivers read
the same string differently, the weakest plausible reading is taken and named in `assumed`. User
names and passwords are never copied into results.
"""

from __future__ import annotations

from .api import parse, parse_kafka_properties
from .hosts import is_loopback
from .locate import find_all
from .model import ConnString, ConnStringError, TlsMode, tls_mode_rank
from .partial import find_all_partial

__all__ = [
    "ConnString",
    "ConnStringError",
    "TlsMode",
    "find_all",
    "find_all_partial",
    "is_loopback",
    "parse",
    "parse_kafka_properties",
    "tls_mode_rank",
]
