"""Catalogs of valid standards ids (CWE, CCC, ASVS, SEC09, NCSC, OWASP PC, requirement rows).

Policies cite ids in their `standards` field; `unknown_ids` lets the catalog meta-test reject
typos and stale ids.  Data: data/standards.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from .data import load_yaml


@cache
def _document() -> dict[str, Any]:

    doc: dict[str, Any] = load_yaml("standards.yaml")
    return doc


@cache
def _catalogs() -> dict[str, dict[str, str]]:
    return {name: {str(k): str(v) for k, v in ids.items()} for name, ids in _document()["catalogs"].items()}


def catalog_names() -> list[str]:
    return sorted(_catalogs())


def catalog(name: str) -> dict[str, str]:
    """id -> title for one catalog (a copy); KeyError for an unknown catalog."""
    catalogs = _catalogs()
    if name not in catalogs:
        raise KeyError(f"unknown standards catalog {name!r}; known: {', '.join(sorted(catalogs))}")
    return dict(catalogs[name])


def unknown_ids(standards: Mapping[str, Iterable[str]]) -> list[str]:
    """Every "catalog:id" in `standards` that its catalog lacks, plus unknown catalog names.

    Ids are matched exactly ("CWE-319", "9.4.2", "V12.1.1", "CCC.Core.CN01.AR01").
    """
    catalogs = _catalogs()
    bad: list[str] = []
    for name, ids in standards.items():
        if name not in catalogs:
            bad.append(name)
            continue
        bad += [f"{name}:{i}" for i in ids if str(i) not in catalogs[name]]
    return bad


def asvs_final_id(seed_id: str) -> str | None:
    """The ASVS 5.0.0 id ("V12.1.1") for the seed's draft V9 id ("9.4.2"), else None."""
    mapping: dict[str, str] = _document()["asvs_5_0_0"]
    return mapping.get(seed_id)
