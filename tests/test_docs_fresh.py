"""docs/policies/ is generated from the policy files; this fails when a page is stale, missing or
left over. Regenerate with `python -m transit_lint.docs`."""

from __future__ import annotations

from pathlib import Path

from transit_lint import docs
from transit_lint.explain import explain_rule
from transit_lint.policy.loader import load_catalog

DOCS = Path(__file__).resolve().parent.parent / "docs" / "policies"


def test_policy_pages_are_fresh() -> None:
    problems = docs.stale(DOCS, load_catalog())
    assert not problems, "docs/policies is stale; run `python -m transit_lint.docs`:\n" + "\n".join(problems)


def test_every_page_has_what_why_fix_examples_and_standards() -> None:
    catalog = load_catalog()
    for p in catalog.policies.values():
        page = docs.policy_page(p, catalog)
        assert page.startswith(f"# {p.id} {p.name}\n")
        for heading in ("## What it flags", "## Why it matters", "## How to fix", "## Standards"):
            assert heading in page, (p.id, heading)
        for ex in p.examples:
            assert ex["bad"].strip().splitlines()[0] in page and ex["good"].strip().splitlines()[0] in page
        if p.examples:
            assert "## Examples" in page and "Bad (" in page and "Good (" in page
        for cwe in p.standards["cwe"]:
            assert cwe in page


def test_explain_renders_the_same_content() -> None:
    catalog = load_catalog()
    for p in catalog.policies.values():
        text = explain_rule(catalog, p.id)
        assert text is not None and text.startswith(f"{p.id} {p.name}: {p.title}\n")
        assert "Fix:" in text and "Why it matters:" in text and "Standards:" in text
        assert " ".join(p.remediation.split())[:60] in " ".join(text.split())
        assert explain_rule(catalog, p.name) == text


def test_check_mode_reports_a_stale_folder(tmp_path: Path) -> None:
    catalog = load_catalog()
    assert docs.main(["--out", str(tmp_path)]) == 0
    assert docs.stale(tmp_path, catalog) == []
    (tmp_path / "TL101.md").write_text("edited by hand\n")
    (tmp_path / "TL999.md").write_text("left over\n")
    assert sorted(docs.stale(tmp_path, catalog)) == ["no policy for TL999.md", "stale TL101.md"]
    assert docs.main(["--out", str(tmp_path), "--check"]) == 1
