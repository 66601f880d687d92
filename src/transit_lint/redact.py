"""Credentials out of what reports show: source lines may hold passwords (the connection-string
parser itself never copies them)."""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(r"(?i)((?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{0,40}://[^\s/@:\"'`]{0,200}:)[^\s/@\"'`]{1,200}(@)")
_KEY_PASSWORD = re.compile(
    r"(?i)((?:^|[\s;&?,{(\"'])(?:password|passwd|pwd|sslpassword|secret|token|api[_\-]?key)[\"']?[ \t]*[=:][ \t]*)"
    r"(\"[^\"\n]*\"|'[^'\n]*'|\{[^}\n]*\}|[^;&\s\"',)}]+)"
)


def redact(text: str) -> str:
    """The text with URL passwords and `password=`/`"password":` values replaced by `***`, for
    reports that show source lines (the parser never copies credentials; a source line holds them)."""
    if ":" not in text and "=" not in text:
        return text
    return _KEY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***\2", text))
