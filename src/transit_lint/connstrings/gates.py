"""Cheap tests, run before any parsing, of which grammars could possibly match a text.

They are plain substring tests (C speed); regular expressions run only when a gate is open. A gate
may open needlessly, but never stays closed for text one of the grammars would accept."""

from __future__ import annotations

import re
import string

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Keys of which looks_like_libpq needs one (or host together with user/password).
_LIBPQ_HINT = re.compile(
    r"dbname|sslmode|hostaddr|requiressl|sslrootcert|sslcert|sslkey|sslcrl|gssencmode|target_session_attrs"
    r"|application_name|channel_binding|sslnegotiation|service|passfile|krbsrvname|load_balance_hosts|sslsni"
    r"|sslcompression|sslpassword|sslcertmode"
)


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only, so that offsets stay valid (str.lower can change the length)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


class Gates:
    """Which grammars may match; `low` is the ASCII-lower-cased text (same length, same offsets)."""

    __slots__ = ("descriptor", "go_dsn", "kafka", "libpq", "low", "semicolon", "stackexchange", "url")

    def __init__(
        self,
        low: str,
        url: bool,
        semicolon: bool,
        descriptor: bool,
        go_dsn: bool,
        stackexchange: bool,
        libpq: bool,
        kafka: bool,
    ) -> None:
        self.low = low
        self.url = url
        self.semicolon = semicolon
        self.descriptor = descriptor
        self.go_dsn = go_dsn
        self.stackexchange = stackexchange
        self.libpq = libpq
        self.kafka = kafka


def open_gates(text: str) -> Gates | None:
    """None when no grammar can match (the common case, mostly decided without lower-casing)."""
    has_eq = "=" in text
    if not has_eq and ":" not in text and "@" not in text:
        return None
    low = ascii_lower(text)
    url = "://" in text or "jdbc:" in low
    go_dsn = "@tcp" in low
    kafka = "bootstrap" in low or ("protocol" in low and "security" in low)
    semicolon = descriptor = stackexchange = libpq = False
    if has_eq:
        semicolon = ";" in text
        descriptor = "description" in low
        ssl = "ssl" in low
        stackexchange = "," in text and (ssl or "password" in low or "abortconnect" in low or "allowadmin" in low)
        # libpq_conn needs a host (no host means the Unix-domain socket), so "host" must appear.
        libpq = "host" in low and (_LIBPQ_HINT.search(low) is not None or "user" in low or "password" in low)
    if url or go_dsn or kafka or semicolon or descriptor or stackexchange or libpq:
        return Gates(low, url, semicolon, descriptor, go_dsn, stackexchange, libpq, kafka)
    return None
