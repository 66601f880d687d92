"""Transit map as a Mermaid flowchart: renders in GitHub Markdown (PR comments, job summaries)."""

from __future__ import annotations

from ..engine import RunResult
from ..policy.loader import Catalog
from ..transitmap import TransitMap, build
from .mapstyle import EDGE_STYLE, FILL, node_text, short


def _text(s: str) -> str:
    # Mermaid strings are quoted; quotes and angle brackets become entities
    return short(s).replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def render_map(m: TransitMap) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(m.nodes)}
    out = ["flowchart LR"]
    for n in m.nodes:
        if n.role != "component":
            shape = ('(["', '"])') if n.role == "clients" else ('[/"', '"/]')
            out.append(f"  {ids[n.id]}{shape[0]}{_text(n.label)}{shape[1]}")
    for i, path in enumerate(m.files()):
        out.append(f'  subgraph f{i}["{_text(path)}"]')
        for n in m.nodes:
            if n.path == path:
                label = "<br/>".join(_text(t) for t in node_text(n) if t != n.path)
                out.append(f'    {ids[n.id]}["{label}"]')
        out.append("  end")
    for e in m.edges:
        label = f'|"{_text(e.label)}"|' if e.label else ""
        arrow = "-.->" if EDGE_STYLE[e.state][1] != "solid" else "-->"
        out.append(f"  {ids[e.src]} {arrow}{label} {ids[e.dst]}")
    for i, e in enumerate(m.edges):
        colour, _, width, _ = EDGE_STYLE[e.state]
        out.append(f"  linkStyle {i} stroke:{colour},stroke-width:{width}px")
    for sev, fill in FILL.items():
        out.append(f"  classDef {sev} fill:{fill},stroke:#d73a49")
    for n in m.nodes:
        if n.severity:
            out.append(f"  class {ids[n.id]} {n.severity}")
    return "\n".join(out) + "\n"


def render(result: RunResult, catalog: Catalog) -> str:
    del catalog  # the map needs no rule texts; the signature is every reporter's
    return render_map(build(result.nodes, result.links, result.findings))
