"""The one finding type, created in one place (`make_finding`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import Any

from .spans import Span


class Severity(IntEnum):
    """Ordered so that `>=` means "at least as severe"."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}; use one of {', '.join(s.name.lower() for s in cls)}"
            ) from None

    @property
    def label(self) -> str:
        return _LABELS[self]


# Enum's `name` is a descriptor call; a report asks for a label per finding
_LABELS = {s: s.name.lower() for s in Severity}


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """The resource a finding belongs to."""

    id: str
    kind: str
    native_type: str
    span: Span

    def __reduce__(self) -> tuple[type[ResourceRef], tuple[str, str, str, Span]]:
        return (ResourceRef, (self.id, self.kind, self.native_type, self.span))


@dataclass(slots=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    path: str  # POSIX path relative to the working directory or --root
    span: Span
    resource: ResourceRef | None
    standards: dict[str, list[str]]
    fingerprint: str
    attribute: str | None = None
    suppressed: bool = False
    suppression_reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.rule_id, self.message)

    def __reduce__(self) -> tuple[type[Finding], tuple[Any, ...]]:
        # workers ship findings back pickled: the fields in order, for the constructor, not the
        # slots' state set back one by one (with Span's and ResourceRef's: 47 -> 16 ms to pickle
        # and 38 -> 13 ms to unpickle 5,000 findings)
        return (Finding, tuple(getattr(self, name) for name in _FINDING_FIELDS))


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))


FINGERPRINT_VERSION = "transit-lint/v1"


def fingerprint(rule_id: str, path: str, resource_id: str, attribute: str | None) -> str:
    """Stable across line moves: rule + path + resource + attribute, never a line number."""
    text = "\x1f".join((FINGERPRINT_VERSION, rule_id, path, resource_id, attribute or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def make_finding(
    *,
    rule_id: str,
    rule_name: str,
    severity: Severity,
    message: str,
    path: str,
    span: Span,
    resource: ResourceRef | None = None,
    standards: dict[str, list[str]] | None = None,
    attribute: str | None = None,
    notes: list[str] | None = None,
) -> Finding:
    """Every finding in the program is created here."""
    resource_id = resource.id if resource else f"{span.line}:{span.column}"
    return Finding(
        rule_id=rule_id,
        rule_name=rule_name,
        severity=severity,
        message=message,
        path=path,
        span=span,
        resource=resource,
        standards=standards or {},
        fingerprint=fingerprint(rule_id, path, resource_id, attribute),
        attribute=attribute,
        notes=list(notes or []),
    )


def parse_error(path: str, span: Span, message: str) -> Finding:
    """A file (or part of one) that could not be read: TL000."""
    return make_finding(
        rule_id="TL000",
        rule_name="parse-error",
        severity=Severity.HIGH,
        message=message,
        path=path,
        span=span,
        attribute=f"{span.line}:{span.column}",
    )
