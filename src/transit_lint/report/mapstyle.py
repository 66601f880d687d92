"""How the transit map looks: one palette and legend shared by the Mermaid and DOT renderers."""

from __future__ import annotations

from ..transitmap import STATES, MapNode

# state -> (colour, line style, width, legend text)
EDGE_STYLE: dict[str, tuple[str, str, int, str]] = {
    "plaintext": ("#d73a49", "solid", 3, "plaintext"),
    "redirect": ("#6a737d", "dashed", 1, "plaintext, redirects to HTTPS or refused"),
    "unverified": ("#e36209", "dashed", 2, "encrypted, peer not verified"),
    "encrypted": ("#0366d6", "solid", 2, "encrypted"),
    "verified": ("#28a745", "solid", 2, "encrypted and verified"),
    "mutual": ("#176f2c", "solid", 4, "mutual TLS"),
    "unknown": ("#959da5", "dotted", 1, "not known statically"),
    "link": ("#959da5", "solid", 1, "configuration link"),
}
assert set(EDGE_STYLE) == set(STATES)

# highest finding severity on a component -> fill colour
FILL = {"critical": "#f9c0c0", "high": "#ffdce0", "medium": "#fff1d6", "low": "#fffbdd", "info": "#f1f8ff"}


def node_text(n: MapNode) -> list[str]:
    """The lines of a node's label, most telling first."""
    if n.role != "component":
        return [n.label]
    lines = [n.label]
    if n.native_type and n.native_type != n.label:
        lines.append(n.native_type)
    if n.path:
        lines.append(n.path)
    if n.findings:
        lines.append("⚠ " + " ".join(n.findings))
    return lines


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
