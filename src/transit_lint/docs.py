"""Policy documentation from the policy files: one renderer, three outputs.

`policy_blocks` turns a policy into a small document (headings, paragraphs, code, lists, a
table); `to_markdown` writes the pages in `docs/policies/<ID>.md` and the SARIF `help.markdown`,
`to_text` writes `--explain`. So the docs, the terminal and GitHub code scanning say the same.

Regenerate the pages with `python -m transit_lint.docs` (`--check` exits 1 when they are stale;
tests/test_docs_fresh.py runs the same check).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .findings import Severity
from .policy.loader import Catalog, Policy, load_catalog

# GitHub's security-severity bands: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low;
# values sit well inside a band (a bare 9.0 falls between two)
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
ALL_FORMATS = ("terraform", "cloudformation", "kubernetes", "nginx")
FORMAT_TITLES = {"terraform": "Terraform", "cloudformation": "CloudFormation", "kubernetes": "Kubernetes",
                 "nginx": "nginx"}
CODE_LANG = {"terraform": "hcl", "cloudformation": "yaml", "kubernetes": "yaml", "nginx": "nginx"}
STANDARD_TITLES = {
    "cwe": "", "ccc": "FINOS Common Cloud Controls", "asvs": "OWASP ASVS 5.0",
    "sec09": "AWS Well-Architected SEC09", "ncsc": "NCSC cloud security principle 1",
    "owasp-pc": "OWASP Proactive Controls", "req": "transit-lint requirement",
}


# ---- the document model ----

@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Code:
    lang: str
    text: str
    label: str = ""


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, str], ...]


Block = Heading | Para | Code | Items | Table


def _flat(text: str) -> str:
    return " ".join(text.split())


def formats_of(p: Policy) -> tuple[str, ...]:
    return p.formats or ALL_FORMATS


def standard_lines(p: Policy) -> list[str]:
    from . import standards

    out = []
    for cat, ids in p.standards.items():
        try:
            titles = standards.catalog(cat)
        except KeyError:
            titles = {}
        for i in ids:
            extra = ""
            if cat == "asvs":
                final = standards.asvs_final_id(i)
                extra = f" (ASVS 5.0.0 {final})" if final else ""
            title = titles.get(i, "")
            label = STANDARD_TITLES.get(cat, cat)
            out.append(f"{label + ' ' if label else ''}{i}{extra}" + (f": {title}" if title else ""))
    return out


def policy_blocks(p: Policy, catalog: Catalog) -> list[Block]:
    profiles = ", ".join(p.profiles) if p.profiles else "all"
    blocks: list[Block] = [
        Heading("What it flags"),
        Para(p.title + "."),
        Table((
            ("Severity", f"{p.severity.label} (SARIF security-severity {SECURITY_SEVERITY[p.severity]})"),
            ("Applies to", ", ".join(p.kinds) + " in " + ", ".join(FORMAT_TITLES.get(f, f) for f in formats_of(p))),
            ("Profiles", profiles),
            ("Precision", p.precision),
            ("Status", f"{p.status}, since {p.since}"),
        )),
        Heading("Why it matters"),
        Para(_flat(p.rationale)),
        Heading("How to fix"),
        Para(_flat(p.remediation)),
    ]
    if p.examples:
        blocks.append(Heading("Examples"))
        for ex in p.examples:
            fmt = ex["format"]
            blocks.append(Code(CODE_LANG.get(fmt, ""), ex["bad"], f"Bad ({FORMAT_TITLES.get(fmt, fmt)})"))
            blocks.append(Code(CODE_LANG.get(fmt, ""), ex["good"], f"Good ({FORMAT_TITLES.get(fmt, fmt)})"))
    blocks += [Heading("Standards"), Items(tuple(standard_lines(p)))]
    if not p.id.startswith("TL0"):
        blocks += [
            Heading("Suppressing"),
            Para("Only with a reason, next to the code. A comment on the line above the offending value, "
                 "or above the resource header for the whole resource (`#` or `//` in Terraform, `#` in "
                 "YAML and nginx):"),
            Code("", f"# transit-lint: ignore[{p.id}] <reason>"),
            Para("CloudFormation, in the resource's `Metadata`:"),
            Code("yaml", f"Metadata:\n  transit-lint:\n    ignore:\n      - id: {p.id}\n        reason: <reason>"),
            Para("Kubernetes, as an annotation of the object:"),
            Code("yaml", f"metadata:\n  annotations:\n    transit-lint.io/ignore: \"{p.id}: <reason>\""),
        ]
    if p.references:
        blocks += [Heading("References"), Items(tuple(p.references))]
    return blocks


# ---- renderers ----

def to_markdown(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Code):
            if b.label:
                out.append(f"{b.label}:")
                out.append("")
            out.append(f"```{b.lang}\n{b.text.rstrip()}\n```")
        elif isinstance(b, Items):
            out.append("\n".join(f"- {_md_item(i)}" for i in b.items))
        elif isinstance(b, Table):
            out.append("| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in b.rows))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_item(text: str) -> str:
    return f"<{text}>" if text.startswith(("http://", "https://")) else text


def to_text(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(b.text + ":")
            continue  # the block under a heading follows it directly
        elif isinstance(b, Para):
            out.append(textwrap.fill(b.text, width=100, break_on_hyphens=False, break_long_words=False))
        elif isinstance(b, Code):
            if b.label:
                out.append(f"{b.label}:")
            out.append("\n".join("    " + ln for ln in b.text.rstrip().splitlines()))
        elif isinstance(b, Items):
            out.append("\n".join(f"  - {i}" for i in b.items))
        elif isinstance(b, Table):
            out.append("\n".join(f"{k.lower()}: {v}" for k, v in b.rows))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---- the three outputs ----

def explain_text(p: Policy, catalog: Catalog) -> str:
    """`--explain`: the same content as the doc page, for a terminal."""
    blocks = [Heading("Fix") if isinstance(b, Heading) and b.text == "How to fix" else b
              for b in policy_blocks(p, catalog)[2:]]  # the title is in the first line already
    return f"{p.id} {p.name}: {p.title}\n\n" + to_text(blocks)


def policy_page(p: Policy, catalog: Catalog) -> str:
    return f"# {p.id} {p.name}\n\n" + to_markdown(policy_blocks(p, catalog)) + (
        "\n<!-- generated by `python -m transit_lint.docs` from the policy file; do not edit -->\n")


def help_text(p: Policy) -> str:
    """SARIF `help.text`: why and how to fix, plain."""
    return f"{_flat(p.rationale)}\n\nHow to fix: {_flat(p.remediation)}"


def help_markdown(p: Policy) -> str:
    """SARIF `help.markdown`: the fix and a fixed snippet (the first good example)."""
    parts = [f"**{p.title}**", "", _flat(p.rationale), "", "**How to fix:** " + _flat(p.remediation)]
    if p.examples:
        ex = p.examples[0]
        parts += ["", f"Fixed example ({FORMAT_TITLES.get(ex['format'], ex['format'])}):", "",
                  f"```{CODE_LANG.get(ex['format'], '')}\n{ex['good'].rstrip()}\n```"]
    parts += ["", f"[Documentation]({p.help_uri})"]
    return "\n".join(parts) + "\n"


def index_page(catalog: Catalog) -> str:
    rows = ["# Policies", "", "Generated from the policy files; one page per policy.", "",
            "| id | name | severity | title |", "|---|---|---|---|"]
    for p in sorted(catalog.policies.values(), key=lambda p: p.id):
        rows.append(f"| [{p.id}]({p.id}.md) | {p.name} | {p.severity.label} | {p.title} |")
    return "\n".join(rows) + "\n"


def generate(catalog: Catalog) -> dict[str, str]:
    """File name -> content for every page under docs/policies/."""
    pages = {f"{p.id}.md": policy_page(p, catalog) for p in catalog.policies.values()}
    pages["README.md"] = index_page(catalog)
    return dict(sorted(pages.items()))


def stale(out_dir: Path, catalog: Catalog) -> list[str]:
    """What differs between `out_dir` and freshly generated pages (empty: up to date)."""
    want = generate(catalog)
    problems = []
    for name, text in want.items():
        f = out_dir / name
        if not f.is_file():
            problems.append(f"missing {name}")
        elif f.read_text("utf-8") != text:
            problems.append(f"stale {name}")
    for f in sorted(out_dir.glob("*.md")) if out_dir.is_dir() else []:
        if f.name not in want:
            problems.append(f"no policy for {f.name}")
    return problems


def write(out_dir: Path, catalog: Catalog) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    want = generate(catalog)
    for name, text in want.items():
        f = out_dir / name
        if not f.is_file() or f.read_text("utf-8") != text:
            f.write_text(text, encoding="utf-8")
            written.append(name)
    for f in sorted(out_dir.glob("*.md")):
        if f.name not in want:
            f.unlink()
            written.append(f"(removed) {f.name}")
    return written


MAP_BEGIN = "<!-- transit-map: generated by `python -m transit_lint.docs` from examples/ -->"
MAP_END = "<!-- /transit-map -->"


def readme_map() -> str:
    """The bundled example's transit map as the Mermaid block the README shows."""
    from .engine import RunOptions, run
    from .report import mermaid

    root = default_dir().parents[1]
    result = run(RunOptions(paths=[str(root / "examples")], base=root))
    return f"{MAP_BEGIN}\n```mermaid\n{mermaid.render(result, load_catalog())}```\n{MAP_END}"


def update_readme() -> bool:
    """Replace the map between the markers in README.md; True when it changed."""
    readme = default_dir().parents[1] / "README.md"
    text = readme.read_text("utf-8")
    start, end = text.find(MAP_BEGIN), text.find(MAP_END)
    if start < 0 or end < 0:
        return False
    new = text[:start] + readme_map() + text[end + len(MAP_END):]
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True


def default_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "policies"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m transit_lint.docs", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=default_dir(), help="output folder (default: docs/policies)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the pages are stale; write nothing")
    args = ap.parse_args(argv)
    catalog = load_catalog()
    if args.check:
        problems = stale(args.out, catalog)
        for p in problems:
            print(p)
        return 1 if problems else 0
    for name in write(args.out, catalog):
        print(f"wrote {args.out / name}" if not name.startswith("(") else name)
    if update_readme():
        print("wrote the transit map in README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
