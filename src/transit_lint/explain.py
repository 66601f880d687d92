"""Text for --list-rules, --list-profiles and --explain (--explain is rendered by docs.py, from the
same blocks as the policy pages in docs/policies/)."""

from __future__ import annotations

from .policy.loader import Catalog, Policy


def rules_table(catalog: Catalog) -> str:
    rows = [f"{'id':6} {'severity':9} {'name':34} title"]
    for p in sorted(catalog.policies.values(), key=lambda p: p.id):
        prof = f"  [{', '.join(p.profiles)}]" if p.profiles else ""
        rows.append(f"{p.id:6} {p.severity.label:9} {p.name:34} {p.title}{prof}")
    return "\n".join(rows) + "\n"


def profiles_table(catalog: Catalog) -> str:
    out = []
    for prof in catalog.profiles.values():
        policies = catalog.enabled(prof.name, None, None)
        params = ", ".join(f"{k}={v}" for k, v in sorted(prof.params.items()))
        out.append(f"{prof.name}: {prof.title}")
        if prof.description:
            out.append(f"  {prof.description}")
        out.append(f"  standards: {', '.join(prof.standards) or '-'}")
        out.append(f"  thresholds: {params}")
        out.append(f"  policies: {', '.join(p.id for p in policies)}")
        out.append("")
    return "\n".join(out)


def find(catalog: Catalog, key: str) -> Policy | None:
    key = key.strip()
    return catalog.policies.get(key.upper()) or next(
        (p for p in catalog.policies.values() if p.name == key), None)


def explain_rule(catalog: Catalog, key: str) -> str | None:
    """The policy's documentation page, for a terminal (docs.py renders both)."""
    from .docs import explain_text

    p = find(catalog, key)
    return None if p is None else explain_text(p, catalog)
