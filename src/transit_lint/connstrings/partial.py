"""find_all_partial: connection strings in a template some of whose interpolations are unknown.

A Terraform value such as `"postgres://${aws_db_instance.r.address}:5432/app?sslmode=disable"` is
not statically known, yet its scheme and options are: the hop is plaintext whatever the host turns
out to be. The caller renders each unknown interpolation as a `${…}` placeholder and says where they
sit; the parser already reads placeholders as opaque tokens. What the known parts cannot decide
stays UNKNOWN:

- an unknown in the scheme (or glued to it) leaves no candidate (the parser finds no scheme);
- an unknown in an option value (`sslmode=${var.mode}`) or among the options is UNKNOWN (parser);
- a driver default assumed for an absent option is not assumed when an unknown interpolation ends
  the candidate (`postgres://${local.rest}`), since that part may carry the option.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .locate import find_all
from .model import ConnString, TlsMode


def find_all_partial(text: str, unknown: Sequence[tuple[int, int]]) -> list[ConnString]:
    """Every connection string of `text` judged by its known parts; `unknown` holds the
    (start, end) of each placeholder standing for an interpolation that cannot be known."""
    out: list[ConnString] = []
    for conn in find_all(text):
        if _touches_scheme(text, conn, unknown):
            continue
        if conn.assumed is not None and any(start < conn.end <= end + 1 for start, end in unknown):
            conn = replace(conn, tls_mode=TlsMode.UNKNOWN, assumed=None,
                           reason="the end of the string is not statically known and may set the TLS options")
        out.append(conn)
    return out


def _touches_scheme(text: str, conn: ConnString, unknown: Sequence[tuple[int, int]]) -> bool:
    """An unknown inside, or glued before, a URL's scheme: the technology itself is not known."""
    scheme_end = conn.start + len(conn.scheme)
    if text[conn.start : scheme_end].lower() != conn.scheme.lower():
        return False  # key=value forms have no scheme written
    return any(start <= scheme_end and end >= conn.start for start, end in unknown)
