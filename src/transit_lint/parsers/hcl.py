"""HCL (Terraform) text -> a small spanned syntax tree, on tree-sitter-hcl.

tree-sitter was chosen over python-hcl2 for speed (~25x, see docs/architecture.md) and because it
keeps the position of every node and recovers from syntax errors. This module only builds the
syntax tree; evaluation (variables, locals, functions) is `transit_lint.terraform.evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Union

from ..spans import Span

# ---- expressions -------------------------------------------------------------------------


@dataclass(slots=True)
class Lit:
    value: str | int | float | bool | None
    span: Span


@dataclass(slots=True)
class Template:
    """A quoted or heredoc template: literal text and interpolated expressions."""

    parts: list[str | Expr]
    span: Span


@dataclass(slots=True)
class Traversal:
    """`var.x`, `aws_lb.main.arn`, `local.m["k"]`, `aws_lb.x[*].arn`; steps are names, index
    expressions, or "*" for a splat."""

    root: str
    steps: list[str | Expr]
    span: Span
    text: str


@dataclass(slots=True)
class Call:
    name: str
    args: list[Expr]
    span: Span
    expand_last: bool = False


@dataclass(slots=True)
class Cond:
    cond: Expr
    then: Expr
    other: Expr
    span: Span


@dataclass(slots=True)
class TupleExpr:
    items: list[Expr]
    span: Span


@dataclass(slots=True)
class ObjectExpr:
    items: list[tuple[Expr, Expr, Span]]  # key, value, the whole `k = v` element
    span: Span


@dataclass(slots=True)
class BinOp:
    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(slots=True)
class UnOp:
    op: str
    operand: Expr
    span: Span


@dataclass(slots=True)
class Opaque:
    """An expression this linter does not evaluate (for expressions, complex splats)."""

    text: str
    span: Span


Expr = Union[Lit, Template, Traversal, Call, Cond, TupleExpr, ObjectExpr, BinOp, UnOp, Opaque]


# ---- structure ---------------------------------------------------------------------------


@dataclass(slots=True)
class Attribute:
    name: str
    expr: Expr
    span: Span  # the whole `name = expr`


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    span: Span = field(default_factory=lambda: Span(1, 1, 1, 1))
    header: Span = field(default_factory=lambda: Span(1, 1, 1, 1))
    shallow: bool = False  # body not built (a resource type no table maps)


@dataclass(slots=True)
class SyntaxProblem:
    span: Span
    message: str


@dataclass(slots=True)
class HclFile:
    body: Block  # type "" for the file body
    problems: list[SyntaxProblem]
    comments: list[tuple[int, str]]  # (line, text) of every comment, for suppressions and markers


# ---- tree-sitter plumbing ----------------------------------------------------------------


@cache
def _parser() -> Any:
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


# The lines (as bytes) of the file being parsed when it is not pure ASCII: tree-sitter counts
# columns in bytes, Span (and SARIF's columnKind unicodeCodePoints) in code points. Set only for
# the duration of one parse_hcl call.
_LINES: list[bytes] | None = None


def _col(row: int, byte_col: int) -> int:
    if _LINES is None or row >= len(_LINES):
        return byte_col + 1
    return len(_LINES[row][:byte_col].decode("utf-8", "replace")) + 1


def _span(node: Any) -> Span:
    (sr, sc), (er, ec) = node.start_point, node.end_point
    if _LINES is None:  # ASCII: bytes are code points (the common case, ~10% of parse time)
        return Span(sr + 1, sc + 1, er + 1, ec + 1)
    return Span(sr + 1, _col(sr, sc), er + 1, _col(er, ec))


def _text(node: Any) -> str:
    raw: bytes = node.text
    return raw.decode("utf-8", "replace")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and i + 6 <= len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
        out.append(ch)
        i += 1
    return "".join(out)


MAX_NESTING = 100  # deeper expressions are kept opaque: no RecursionError on hostile input


class _Builder:
    def __init__(self, wanted: Callable[[str], bool] | None = None) -> None:
        self.problems: list[SyntaxProblem] = []
        self.comments: list[tuple[int, str]] = []
        self.depth = 0
        self.wanted = wanted

    # structure
    def body(self, node: Any, into: Block) -> None:
        for child in node.named_children:
            t = child.type
            if t == "attribute":
                attr = self.attribute(child)
                if attr is not None:
                    into.attributes[attr.name] = attr
            elif t == "block":
                into.blocks.append(self.block(child))
            elif t == "comment":
                self.comments.append((child.start_point[0] + 1, _text(child)))
            elif t == "ERROR":
                self.note_errors(child)
                # what tree-sitter could not place may still hold whole blocks: salvage them
                self.body(child, into)

    def attribute(self, node: Any) -> Attribute | None:
        name_node = node.child_by_field_name("name") or _first(node, "identifier")
        expr_node = _first(node, "expression")
        if name_node is None or expr_node is None:
            return None
        return Attribute(_text(name_node), self.expr(expr_node), _span(node))

    def block(self, node: Any) -> Block:
        if self.depth >= MAX_NESTING:
            self.problems.append(SyntaxProblem(_span(node), f"blocks nested deeper than {MAX_NESTING} levels"))
            return Block("", [], span=_span(node), header=_span(node))
        self.depth += 1
        try:
            return self._block(node)
        finally:
            self.depth -= 1

    def _block(self, node: Any) -> Block:
        kids = node.named_children
        btype = _text(kids[0]) if kids and kids[0].type == "identifier" else ""
        labels: list[str] = []
        header_end = node.start_point
        blk = Block(btype, labels, span=_span(node))
        for child in kids[1:]:
            if child.type == "string_lit":
                labels.append("".join(_text(c) for c in child.named_children if c.type == "template_literal"))
            elif child.type == "identifier":
                labels.append(_text(child))
            elif child.type == "block_start":
                header_end = child.end_point
                if self.wanted is not None and btype == "resource" and labels and not self.wanted(labels[0]):
                    # no mapping table judges this type: keep its place, skip its body (speed)
                    blk.shallow = True
                    break
            elif child.type == "body":
                self.body(child, blk)
            elif child.type == "comment":
                self.comments.append((child.start_point[0] + 1, _text(child)))
            elif child.type == "ERROR":
                self.note_errors(child)
                self.body(child, blk)
        sr, sc = node.start_point
        blk.header = Span(sr + 1, sc + 1, header_end[0] + 1, header_end[1] + 1)
        return blk

    def note_errors(self, node: Any) -> None:
        self.problems.append(_error_problem(node))

    # expressions
    def expr(self, node: Any) -> Expr:
        if self.depth >= MAX_NESTING:
            return Opaque(_text(node)[:80], _span(node))
        self.depth += 1
        try:
            return self._expr(node)
        finally:
            self.depth -= 1

    def _expr(self, node: Any) -> Expr:
        t = node.type
        # the span is taken only where an expression is made: wrapper nodes (expression,
        # literal_value, template_expr, ...) hand over to their child
        if t == "expression":
            kids = [c for c in node.named_children if c.type != "comment"]
            if not kids:
                return Opaque(_text(node), _span(node))
            if kids[0].type == "variable_expr" or len(kids) > 1:
                return self.traversal(node, kids)
            return self.expr(kids[0])
        if t == "literal_value":
            return self.expr(node.named_children[0])
        if t == "numeric_lit":
            span = _span(node)
            text = _text(node)
            try:
                return Lit(int(text), span)
            except ValueError:
                try:
                    return Lit(float(text), span)
                except ValueError:
                    return Opaque(text, span)
        if t == "bool_lit":
            return Lit(_text(node) == "true", _span(node))
        if t == "null_lit":
            return Lit(None, _span(node))
        if t == "string_lit":
            return Lit(
                _unescape("".join(_text(c) for c in node.named_children if c.type == "template_literal")), _span(node)
            )
        if t == "template_expr":
            return self.expr(node.named_children[0])
        if t in ("quoted_template", "heredoc_template"):
            return self.template(node, heredoc=t == "heredoc_template")
        if t == "collection_value":
            return self.expr(node.named_children[0])
        if t == "tuple":
            span = _span(node)
            return TupleExpr([self.expr(c) for c in node.named_children if c.type == "expression"], span)
        if t == "object":
            span = _span(node)
            items: list[tuple[Expr, Expr, Span]] = []
            for el in node.named_children:
                if el.type == "object_elem":
                    parts = [c for c in el.named_children if c.type == "expression"]
                    if len(parts) == 2:
                        items.append((self.object_key(parts[0]), self.expr(parts[1]), _span(el)))
            return ObjectExpr(items, span)
        if t == "function_call":
            span = _span(node)
            name = _text(node.named_children[0])
            args: list[Expr] = []
            expand = False
            fa = _first(node, "function_arguments")
            if fa is not None:
                args = [self.expr(c) for c in fa.named_children if c.type == "expression"]
                expand = any(c.type == "expand_ellipsis" for c in fa.children)
            return Call(name, args, span, expand)
        if t == "conditional":
            span = _span(node)
            parts = [c for c in node.named_children if c.type == "expression"]
            if len(parts) == 3:
                return Cond(self.expr(parts[0]), self.expr(parts[1]), self.expr(parts[2]), span)
            return Opaque(_text(node), span)
        if t == "operation":
            return self.expr(node.named_children[0])
        if t == "binary_operation":
            span = _span(node)
            kids = node.children
            if len(kids) == 3:
                return BinOp(_text(kids[1]), self.expr(kids[0]), self.expr(kids[2]), span)
            return Opaque(_text(node), span)
        if t == "unary_operation":
            span = _span(node)
            kids = node.children
            if len(kids) == 2:
                return UnOp(_text(kids[0]), self.expr(kids[1]), span)
            return Opaque(_text(node), span)
        if t == "variable_expr":
            text = _text(node)
            return Traversal(text, [], _span(node), text)
        if t == "ERROR":
            self.note_errors(node)
        return Opaque(_text(node), _span(node))

    def object_key(self, node: Any) -> Expr:
        # a bare identifier key (`a = 1`) is a string, not a variable reference
        kids = node.named_children
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return Lit(_text(kids[0]), _span(kids[0]))
        if len(kids) == 1 and kids[0].type == "parenthesized_expression":
            return self.expr(kids[0])
        return self.expr(node)

    def traversal(self, node: Any, kids: list[Any]) -> Expr:
        first = kids[0]
        if first.type != "variable_expr":
            # e.g. a function call followed by an index; evaluate the head, treat steps as opaque
            if len(kids) == 1:
                return self.expr(first)
            return Opaque(_text(node), _span(node))
        root = _text(first)
        steps: list[str | Expr] = []
        for k in kids[1:]:
            if k.type == "get_attr":
                ident = _first(k, "identifier")
                steps.append(_text(ident) if ident is not None else "?")
            elif k.type == "index":
                inner = k.named_children[0] if k.named_children else None
                if inner is not None and inner.type == "new_index":
                    e = _first(inner, "expression")
                    steps.append(self.expr(e) if e is not None else "*")
                elif inner is not None and inner.type == "legacy_index":
                    steps.append(Lit(int(_text(inner).lstrip(".")), _span(inner)))
                else:
                    steps.append("*")
            elif k.type == "splat":
                steps.append("*")
                for g in k.named_children[0].named_children if k.named_children else []:
                    if g.type == "get_attr":
                        ident = _first(g, "identifier")
                        if ident is not None:
                            steps.append(_text(ident))
            else:
                return Opaque(_text(node), _span(node))
        return Traversal(root, steps, _span(node), _text(node))

    def template(self, node: Any, heredoc: bool) -> Expr:
        parts: list[str | Expr] = []
        for c in node.named_children:
            if c.type == "template_literal":
                parts.append(_text(c) if heredoc else _unescape(_text(c)))
            elif c.type == "template_interpolation":
                e = _first(c, "expression")
                parts.append(self.expr(e) if e is not None else Opaque(_text(c), _span(c)))
            elif c.type == "template_directive":
                parts.append(Opaque(_text(c), _span(c)))
        if heredoc:
            text_parts = _heredoc_lines(node, parts)
            return Template(text_parts, _span(node))
        return Template(parts, _span(node))


def _heredoc_lines(node: Any, parts: list[str | Expr]) -> list[str | Expr]:
    # tree-sitter gives heredoc literal runs without their newlines; rebuild from the source text
    # where the body is plain, so that JSON heredocs decode exactly.
    if all(isinstance(p, str) for p in parts):
        raw = _text(node)
        first_nl = raw.find("\n")
        last_nl = raw.rfind("\n")
        if first_nl != -1 and last_nl > first_nl:
            body = raw[first_nl + 1 : last_nl + 1]
            if raw.startswith("<<-"):
                body = _dedent(body)
            return [body]
    return parts


def _dedent(body: str) -> str:
    lines = body.split("\n")
    indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(ln[cut:] for ln in lines)


def _first(node: Any, type_: str) -> Any:
    for c in node.named_children:
        if c.type == type_:
            return c
    return None


def _last_leaf(node: Any) -> Any:
    while node.child_count:
        node = node.children[-1]
    return node


def _error_problem(node: Any) -> SyntaxProblem:
    """tree-sitter's ERROR node covers what it could not place; the parse went wrong at its
    last token, which is where a person should look."""
    leaf = _last_leaf(node)
    text = _text(leaf).strip().splitlines()
    near = text[0][:40] if text else ""
    return SyntaxProblem(_span(leaf), f"syntax error after {near!r}" if near else "syntax error")


def _collect_missing(node: Any, out: list[SyntaxProblem]) -> None:
    # MISSING nodes (e.g. an unclosed brace) are not ERROR nodes; walk for them cheaply
    if node.is_missing:
        out.append(SyntaxProblem(_span(node), f"syntax error: missing {node.type!r}"))
        return
    if not node.has_error:
        return
    for c in node.children:
        _collect_missing(c, out)


def parse_hcl(text: str, wanted: Callable[[str], bool] | None = None) -> HclFile:
    """Parse HCL text. Never raises on any input; syntax errors are returned as problems.

    `wanted(resource_type)`: when given, resource blocks of other types keep only their header
    and span (their bodies are never judged, and building them is most of the parse cost)."""
    global _LINES
    raw = text.encode("utf-8", "surrogatepass")
    _LINES = None if text.isascii() else raw.split(b"\n")
    try:
        return _parse(raw, wanted)
    finally:
        _LINES = None


def _parse(raw: bytes, wanted: Callable[[str], bool] | None) -> HclFile:
    tree = _parser().parse(raw)
    root = tree.root_node
    builder = _Builder(wanted)
    body = Block("", [], span=_span(root), header=Span(1, 1, 1, 1))
    for child in root.named_children:
        if child.type == "body":
            builder.body(child, body)
        elif child.type == "comment":
            builder.comments.append((child.start_point[0] + 1, _text(child)))
        elif child.type == "ERROR":
            builder.note_errors(child)
            builder.body(child, body)
    if root.type == "ERROR":
        builder.problems.append(_error_problem(root))
    if root.has_error:
        missing: list[SyntaxProblem] = []
        _collect_missing(root, missing)
        builder.problems.extend(missing)
        if not builder.problems:
            builder.problems.append(SyntaxProblem(_span(root), "syntax error"))
    builder.problems.sort(key=lambda p: (p.span.line, p.span.column))
    return HclFile(body, builder.problems, builder.comments)
