"""The `#` comments of a YAML text, for inline suppressions (PyYAML drops comments)."""

from __future__ import annotations

import re

_COMMENT = re.compile(r"""(?:^|\s)(#.*)$""")


def yaml_comments(text: str) -> list[tuple[int, str]]:
    """(line, text) of each `#` comment, for suppressions; quotes are honoured roughly (a `#`
    inside a quoted scalar on its own line is rare in templates)."""
    if "#" not in text:
        return []  # half the manifests and templates: no line to split out and test
    out: list[tuple[int, str]] = []
    for i, line in enumerate(text.split("\n"), start=1):
        if "#" not in line:
            continue
        stripped = line.lstrip()
        if stripped.startswith("#"):
            out.append((i, stripped))
            continue
        m = _COMMENT.search(_blank_quoted(line))
        if m:
            out.append((i, line[m.start(1):]))
    return out


def _blank_quoted(line: str) -> str:
    """The line with quoted text blanked out, so a `#` inside quotes is not a comment."""
    out, quote = [], ""
    for ch in line:
        if quote:
            out.append(" ")
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
