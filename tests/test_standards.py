"""Standards catalogs: the ids policies may cite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from transit_lint.standards import asvs_final_id, catalog, catalog_names, unknown_ids

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared material not present")


def test_catalog_names() -> None:
    assert catalog_names() == ["asvs", "ccc", "cwe", "ncsc", "owasp-pc", "req", "sec09"]
    with pytest.raises(KeyError):
        catalog("nist")


def test_cwe_catalog_has_the_transit_weaknesses_with_official_titles() -> None:
    cwe = catalog("cwe")
    for n in (295, 296, 297, 299, 311, 319, 326, 327, 328, 757, 923, 941, 1428):
        assert f"CWE-{n}" in cwe
    assert cwe["CWE-319"] == "Cleartext Transmission of Sensitive Information"
    assert cwe["CWE-295"] == "Improper Certificate Validation"
    assert cwe["CWE-1428"] == "Reliance on HTTP instead of HTTPS"
    assert all(re.fullmatch(r"CWE-\d+", k) for k in cwe)


def test_ccc_ids_are_the_seed_ids() -> None:
    ccc = catalog("ccc")
    assert {
        "CCC.Core.CN01",
        "CCC.Core.CN01.AR01",
        "CCC.Core.CN01.AR03",
        "CCC.Core.CN01.AR07",
        "CCC.Core.CN01.AR08",
    } <= set(ccc)
    assert "1.3" in ccc["CCC.Core.CN01.AR01"]
    assert "CCC.Core.CN01.AR04" not in ccc  # not in the seed


def test_asvs_both_numberings_validate() -> None:
    asvs = catalog("asvs")
    assert {"9.1.1", "9.2.2", "9.4.1", "9.4.2", "9.4.5"} <= set(asvs)
    assert {"V12.1.1", "V12.1.5", "V12.2.2", "V12.3.5"} <= set(asvs)
    assert unknown_ids({"asvs": ["9.4.2", "V12.1.1"]}) == []
    assert unknown_ids({"asvs": ["12.1.1", "V9.4.2"]}) == ["asvs:12.1.1", "asvs:V9.4.2"]
    assert asvs_final_id("9.4.2") == "V12.1.1"
    assert asvs_final_id("9.2.6") == "V12.3.2"
    assert asvs_final_id("9.3.2") == "V12.3.4"
    assert asvs_final_id("V12.1.1") is None
    seed = [k for k in asvs if not k.startswith("V")]
    assert all(asvs_final_id(k) in asvs for k in seed)


def test_other_catalogs() -> None:
    assert {"SEC09-BP01", "SEC09-BP02", "SEC09-BP03", "SEC09-BP04"} <= set(catalog("sec09"))
    assert catalog("sec09")["SEC09-BP02"] == "Enforce encryption in transit"
    assert {"P1", "P1.1", "P1.2", "P1.3"} <= set(catalog("ncsc"))
    assert "C2" in catalog("owasp-pc")
    req = catalog("req")
    assert list(req) == [f"R{i}" for i in range(1, 20)]
    assert all(title for title in req.values())


def test_unknown_ids() -> None:
    ok = {"cwe": ["CWE-319"], "ccc": ["CCC.Core.CN01.AR01"], "sec09": ["SEC09-BP02"], "req": ["R2"]}
    assert unknown_ids(ok) == []
    bad = {"cwe": ["CWE-319", "319", "CWE-99999"], "nist": ["SC-8"], "req": ["R20"]}
    assert unknown_ids(bad) == ["cwe:319", "cwe:CWE-99999", "nist", "req:R20"]


def test_catalog_returns_a_copy() -> None:
    catalog("cwe").clear()
    assert catalog("cwe")


@needs_shared
def test_ids_appear_in_their_sources() -> None:
    seeds = "\n".join(p.read_text() for p in sorted((SHARED / "seeds").iterdir()))
    for cid in catalog("ccc"):
        assert cid in seeds, cid
    for aid in catalog("asvs"):
        if not aid.startswith("V"):
            assert f"**{aid}**" in seeds, aid
    for sid in ("SEC09-BP01", "SEC09-BP02", "SEC09-BP03"):
        assert sid in seeds
    requirements = (SHARED / "REQUIREMENTS.md").read_text()
    for rid in catalog("req"):
        assert f"| {rid} |" in requirements, rid
