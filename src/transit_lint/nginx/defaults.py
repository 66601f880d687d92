"""nginx's version-dependent defaults (nginx.org docs and CHANGES; research notes §5.1).

Without `--nginx-version` the linter assumes DEFAULT_VERSION: the newest stable line whose
`ssl_protocols` default still enables TLSv1 and TLSv1.1 (1.26; Ubuntu 24.04 ships 1.24, Debian
12 ships 1.22). A server that relies on the default is judged as one of those would run it; pass
`--nginx-version 1.28` (or newer) to judge the TLSv1.2+ default of 1.27.3 and later.
"""

from __future__ import annotations

import re

Version = tuple[int, int, int]

DEFAULT_VERSION: Version = (1, 26, 0)

# (first version, ssl_protocols default) in ascending order; the server and upstream sides
# (proxy_/grpc_/uwsgi_ssl_protocols, stream) share these values
PROTOCOL_DEFAULTS: tuple[tuple[Version, tuple[str, ...]], ...] = (
    ((0, 0, 0), ("SSLv3", "TLSv1")),
    ((1, 0, 12), ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2")),
    ((1, 9, 1), ("TLSv1", "TLSv1.1", "TLSv1.2")),
    ((1, 23, 4), ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")),
    ((1, 27, 3), ("TLSv1.2", "TLSv1.3")),
)

CIPHER_DEFAULTS: tuple[tuple[Version, str], ...] = (
    ((0, 0, 0), "ALL:!ADH:RC4+RSA:+HIGH:+MEDIUM"),
    ((0, 8, 20), "HIGH:!ADH:!MD5"),
    ((1, 0, 5), "HIGH:!aNULL:!MD5"),
)

# DHE suites are offered only with `ssl_dhparam` since 1.11.0
DHE_NEEDS_DHPARAM: Version = (1, 11, 0)

# OpenSSL's TLS 1.3 suites when `ssl_conf_command Ciphersuites` is not set
TLS13_DEFAULT_SUITES = ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256")


def parse_version(text: object) -> Version | None:
    """`1.26`, `1.27.3`, `nginx/1.24.0` -> (1, 26, 0) ...; None when unreadable."""
    if not isinstance(text, str):
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    return int(m[1]), int(m[2]), int(m[3] or 0)


def show(v: Version) -> str:
    return ".".join(str(x) for x in v)


def _pick(table: tuple[tuple[Version, object], ...], v: Version) -> object:
    found = table[0][1]
    for since, value in table:
        if v >= since:
            found = value
    return found


def protocols(v: Version) -> tuple[str, ...]:
    out = _pick(PROTOCOL_DEFAULTS, v)
    assert isinstance(out, tuple)
    return out


def ciphers(v: Version) -> str:
    return str(_pick(CIPHER_DEFAULTS, v))
