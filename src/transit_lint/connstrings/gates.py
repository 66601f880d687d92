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

    def __init__(self, low: str, has_eq: bool, text: str) -> None:
        self.low = low
        self.url = "://" in text or "jdbc:" in low
        self.semicolon = has_eq and ";" in text
        self.descriptor = has_eq and "description" in low
        self.go_dsn = "@tcp" in low
        self.stackexchange = (
            has_eq
            and "," in text
            and ("password" in low or "ssl" in low or "abortconnect" in low or "allowadmin" in low)
        )
        self.libpq = has_eq and (
            _LIBPQ_HINT.search(low) is not None or ("host" in low and ("user" in low or "password" in low))
        )
        self.kafka = "bootstrap" in low or ("protocol" in low and "security" in low)

    @property
    def any(self) -> bool:
        return (
            self.url
            or self.semicolon
            or self.descriptor
            or self.go_dsn
            or self.stackexchange
            or self.libpq
            or self.kafka
        )


def open_gates(text: str) -> Gates | None:
    """None when no grammar can match (the common case, mostly decided without lower-casing)."""
    has_eq = "=" in text
    if not has_eq and ":" not in text and "@" not in text:
        return None
    gates = Gates(ascii_lower(text), has_eq, text)
    return gates if gates.any else None
