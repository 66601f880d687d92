"""Transit map as Graphviz DOT (`dot -Tsvg map.dot > map.svg`)."""

from __future__ import annotations

from ..engine import RunResult
from ..policy.loader import Catalog
from ..transitmap import TransitMap, build
from .mapstyle import EDGE_STYLE, FILL, node_text, short


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_map(m: TransitMap) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(m.nodes)}
    out = ["digraph transit {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", '
           'fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    for n in m.nodes:
        if n.role == "clients":
            out.append(f'  {ids[n.id]} [label={_q(n.label)}, shape=ellipse, fillcolor="#f6f8fa"];')
        elif n.role == "peer":
            out.append(f'  {ids[n.id]} [label={_q(short(n.label))}, shape=component, fillcolor="#f6f8fa"];')
    for i, path in enumerate(m.files()):
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f'    label={_q(path)}; style="rounded,dashed"; color="#959da5"; fontname="Helvetica";')
        for n in m.nodes:
            if n.path == path:
                label = "\n".join(short(t) for t in node_text(n) if t != n.path)
                fill = FILL.get(n.severity or "", "#ffffff")
                colour = "#d73a49" if n.severity else "#24292e"
                out.append(f'    {ids[n.id]} [label={_q(label)}, fillcolor="{fill}", color="{colour}"];')
        out.append("  }")
    for e in m.edges:
        colour, style, width, _ = EDGE_STYLE[e.state]
        out.append(f'  {ids[e.src]} -> {ids[e.dst]} [label={_q(short(e.label, 40))}, color="{colour}", '
                   f'fontcolor="{colour}", style={style}, penwidth={width}];')
    rows = "".join(f'<tr><td><font color="{c}">{"━━━" if st == "solid" else "┅┅┅"}</font></td>'
                   f'<td align="left">{text}</td></tr>' for c, st, _, text in EDGE_STYLE.values())
    out.append(f'  legend [shape=plaintext, style="", fontsize=9, label=<<table border="0" cellborder="0" '
               f'cellspacing="0"><tr><td colspan="2"><b>hop state</b></td></tr>{rows}</table>>];')
    out.append("}")
    return "\n".join(out) + "\n"


def render(result: RunResult, catalog: Catalog) -> str:
    del catalog  # the map needs no rule texts; the signature is every reporter's
    return render_map(build(result.nodes, result.links, result.findings))
