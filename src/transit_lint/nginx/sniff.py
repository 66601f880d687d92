"""Is this text nginx? The content sniff, kept apart from the front end so that the main process
decides formats without importing the builder and its tables (the workers import those)."""

from __future__ import annotations

import re
from pathlib import Path

from .syntax import known_directive, statement_names

_TEMPLATE = re.compile(r"\{\{|\{%|<%")
_MIN_KNOWN_SHARE = 0.6
_SNIFF_STATEMENTS = 200  # enough statements to tell nginx from INI, Apache or BIND


def sniff(path: Path, text: str) -> bool:
    """Content decides: the statements must be mostly nginx directives (an INI file, an Apache
    or BIND configuration parse as a few unknown statements and are left alone)."""
    if _TEMPLATE.search(text):
        return False  # Jinja/Go/ERB templates are not nginx until rendered
    names = statement_names(text, _SNIFF_STATEMENTS)
    if not names:
        return False
    known = sum(1 for n in names if known_directive(n))
    return known >= 1 and known / len(names) >= _MIN_KNOWN_SHARE
