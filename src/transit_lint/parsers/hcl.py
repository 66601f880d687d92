"""HCL (Terraform) text -> a small spanned syntax tree, on tree-sitter-hcl.

tree-sitter was chosen over python-hcl2 for speed (~25x, see docs/architecture.md) and because it
keeps the position of every node and recovers from syntax errors. This module only builds the
syntax tree; evaluation (variables, locals, functions) is `transit_lint.terraform.evaluate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Union

from ..spans import NO_SPAN as _NO_SPAN
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
def _language() -> Any:
    import tree_sitter_hcl
    from tree_sitter import Language

    return Language(tree_sitter_hcl.language())


@cache
def _parser() -> Any:
    from tree_sitter import Parser

    return Parser(_language())


class _Kinds:
    """The grammar's node kind ids, resolved once. The builder compares `node.kind_id` (an int)
    rather than `node.type`, which makes a new str on every access. A name the grammar lacks
    gets -1, which no node has."""

    def __init__(self, lang: Any) -> None:
        def kind(name: str) -> int:
            found = lang.id_for_node_kind(name, True)
            return -1 if found is None else int(found)

        self.error = kind("ERROR")
        self.comment = kind("comment")
        self.identifier = kind("identifier")
        self.body = kind("body")
        self.attribute = kind("attribute")
        self.block = kind("block")
        self.block_start = kind("block_start")
        self.expression = kind("expression")
        self.literal_value = kind("literal_value")
        self.numeric_lit = kind("numeric_lit")
        self.bool_lit = kind("bool_lit")
        self.null_lit = kind("null_lit")
        self.string_lit = kind("string_lit")
        self.template_expr = kind("template_expr")
        self.quoted_template = kind("quoted_template")
        self.heredoc_template = kind("heredoc_template")
        self.template_literal = kind("template_literal")
        self.quoted_template_start = kind("quoted_template_start")
        self.quoted_template_end = kind("quoted_template_end")
        self.template_interpolation = kind("template_interpolation")
        self.template_directive = kind("template_directive")
        self.collection_value = kind("collection_value")
        self.tuple = kind("tuple")
        self.object = kind("object")
        self.object_elem = kind("object_elem")
        self.function_call = kind("function_call")
        self.function_arguments = kind("function_arguments")
        self.expand_ellipsis = kind("expand_ellipsis")
        self.conditional = kind("conditional")
        self.operation = kind("operation")
        self.binary_operation = kind("binary_operation")
        self.unary_operation = kind("unary_operation")
        self.variable_expr = kind("variable_expr")
        self.parenthesized_expression = kind("parenthesized_expression")
        self.get_attr = kind("get_attr")
        self.index = kind("index")
        self.new_index = kind("new_index")
        self.legacy_index = kind("legacy_index")
        self.splat = kind("splat")
        # nodes that only hand over to their first named child
        self.wrappers = frozenset({self.literal_value, self.template_expr, self.collection_value, self.operation})


@cache
def _kinds() -> _Kinds:
    return _Kinds(_language())


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


def _template_literal(text: str) -> str:
    """A literal run of a quoted template: escapes, and `$${` / `%%{` for a literal `${` / `%{`."""
    text = _unescape(text)
    return text.replace("$${", "${").replace("%%{", "%{") if "{" in text else text


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

# `a.b.c` written plainly: a variable_expr and get_attr steps whose names are the dotted parts
_PLAIN_TRAVERSAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*\Z")
_KEYWORD_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


class _Builder:
    """Turns tree-sitter nodes into Blocks and Exprs.

    Speed matters here (a large tree has ~300 nodes per file): children are fetched once per
    node, kinds are compared as ints, text is sliced from the source instead of `node.text`, and
    `depth` (enclosing blocks plus expression nodes, wrappers included, as MAX_NESTING counts
    them) travels as an argument."""

    def __init__(self, source: str, raw: bytes, wanted: Callable[[str], bool] | None = None) -> None:
        self.problems: list[SyntaxProblem] = []
        self.comments: list[tuple[int, str]] = []
        self.wanted = wanted
        self.k = _kinds()
        self.raw = raw
        # byte offsets are str offsets in ASCII text: slice the str, no decoding
        self.ascii: str | None = source if len(source) == len(raw) else None

    def text(self, node: Any) -> str:
        if self.ascii is not None:
            return self.ascii[node.start_byte : node.end_byte]
        return self.raw[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def slice(self, start: int, end: int) -> str:
        if self.ascii is not None:
            return self.ascii[start:end]
        return self.raw[start:end].decode("utf-8", "replace")

    def inner_range(self, node: Any) -> tuple[int, int]:
        """The bytes between a quoted string's quotes (to its end when it is unterminated)."""
        k = self.k
        kids = node.children
        start = kids[0].end_byte if kids and kids[0].kind_id == k.quoted_template_start else node.start_byte
        end = kids[-1].start_byte if len(kids) > 1 and kids[-1].kind_id == k.quoted_template_end else node.end_byte
        return start, end

    def literal_text(self, node: Any) -> str:
        """The text between the quotes of a string_lit (a label or a plain quoted string), read
        from the source: tree-sitter's template_literal leaves out white space at either end."""
        return self.slice(*self.inner_range(node))

    # structure
    def body(self, node: Any, into: Block, depth: int) -> None:
        k = self.k
        # children, not named_children: the kinds looked at are all named
        for child in node.children:
            kind = child.kind_id
            if kind == k.attribute:
                attr = self.attribute(child, depth)
                if attr is not None:
                    into.attributes[attr.name] = attr
            elif kind == k.block:
                into.blocks.append(self.block(child, depth))
            elif kind == k.comment:
                self.comments.append((child.start_point[0] + 1, self.text(child)))
            elif kind == k.error:
                self.note_errors(child)
                # what tree-sitter could not place may still hold whole blocks: salvage them
                self.body(child, into, depth)

    def attribute(self, node: Any, depth: int) -> Attribute | None:
        # the name is the first identifier, the value the first expression (the grammar has
        # no field names for them)
        k = self.k
        kids = node.children
        if (len(kids) == 3 and kids[0].kind_id == k.identifier and kids[2].kind_id == k.expression
                and kids[1].kind_id != k.expression):
            name_node, expr_node = kids[0], kids[2]  # the common `name = expr`
        else:
            name_node, expr_node = _first(kids, k.identifier), _first(kids, k.expression)
            if name_node is None or expr_node is None:
                return None
        return Attribute(self.text(name_node), self.expr(expr_node, depth), _span(node))

    def block(self, node: Any, depth: int) -> Block:
        if depth >= MAX_NESTING:
            self.problems.append(SyntaxProblem(_span(node), f"blocks nested deeper than {MAX_NESTING} levels"))
            return Block("", [], span=_span(node), header=_span(node))
        k = self.k
        depth += 1
        kids = node.named_children
        btype = self.text(kids[0]) if kids and kids[0].kind_id == k.identifier else ""
        labels: list[str] = []
        start = node.start_point
        header_end = start
        blk = Block(btype, labels, span=_span(node), header=_NO_SPAN)  # header set below
        for child in kids[1:]:
            kind = child.kind_id
            if kind == k.string_lit:
                labels.append(self.literal_text(child))
            elif kind == k.identifier:
                labels.append(self.text(child))
            elif kind == k.block_start:
                header_end = child.end_point
                if self.wanted is not None and btype == "resource" and labels and not self.wanted(labels[0]):
                    # no mapping table judges this type: keep its place, skip its body (speed)
                    blk.shallow = True
                    break
            elif kind == k.body:
                self.body(child, blk, depth)
            elif kind == k.comment:
                self.comments.append((child.start_point[0] + 1, self.text(child)))
            elif kind == k.error:
                self.note_errors(child)
                self.body(child, blk, depth)
        blk.header = Span(start[0] + 1, start[1] + 1, header_end[0] + 1, header_end[1] + 1)
        return blk

    def note_errors(self, node: Any) -> None:
        self.problems.append(_error_problem(node))

    # expressions
    def expr(self, node: Any, depth: int) -> Expr:
        k = self.k
        if depth < MAX_NESTING - 3 and node.kind_id == k.expression:
            plain = self.plain(node)
            if plain is not None:
                return plain
        while True:
            if depth >= MAX_NESTING:
                return Opaque(self.text(node)[:80], _span(node))
            depth += 1
            # the span is taken only where an expression is made: wrapper nodes (expression,
            # literal_value, template_expr, ...) hand over to their child
            kind = node.kind_id
            if kind == k.expression:
                kids = node.named_children
                if len(kids) == 1:  # the common case, without filtering out comments
                    only = kids[0].kind_id
                    if only != k.comment and only != k.variable_expr:
                        node = kids[0]
                        continue
                comment = k.comment
                kids = [c for c in kids if c.kind_id != comment]
                if not kids:
                    return Opaque(self.text(node), _span(node))
                if len(kids) > 1 or kids[0].kind_id == k.variable_expr:
                    return self.traversal(node, kids, depth)
                node = kids[0]
            elif kind in k.wrappers:
                node = node.named_children[0]
            elif kind == k.string_lit:
                return Lit(_template_literal(self.literal_text(node)), _span(node))
            else:
                return self.term(node, kind, depth)

    def plain(self, node: Any) -> Expr | None:
        """Most expressions are a quoted string without interpolation, a number, true/false/null
        or a dotted name; read from the source text, they are what the node walk would build
        (the same values and spans) without making a Python object per tree-sitter node. None
        for anything else, and for any expression tree-sitter could not parse cleanly."""
        text = self.text(node)
        first = text[:1]
        if first == '"':
            inner = text[1:-1]
            # the node walk handles escapes of `${`, templates and unterminated strings
            if (len(text) < 2 or text[-1] != '"' or '"' in inner or "${" in inner or "%{" in inner
                    or node.has_error):
                return None
            return Lit(_unescape(inner), _span(node))
        if first.isdigit():
            if not (text.isdigit() and text.isascii()) or node.has_error:
                return None
            return Lit(int(text), _span(node))
        if text in _KEYWORD_LITERALS:
            return None if node.has_error else Lit(_KEYWORD_LITERALS[text], _span(node))
        if _PLAIN_TRAVERSAL.match(text) is None or node.has_error:
            return None
        root, *steps = text.split(".")
        if root in _KEYWORD_LITERALS:  # `true.x` is a literal with a step, not a name
            return None
        return Traversal(root, list(steps), _span(node), text)

    def term(self, node: Any, kind: int, depth: int) -> Expr:
        """An expression node that is not a wrapper; `depth` already counts it."""
        k = self.k
        if kind == k.numeric_lit:
            span = _span(node)
            text = self.text(node)
            try:
                return Lit(int(text), span)
            except ValueError:
                try:
                    return Lit(float(text), span)
                except ValueError:
                    return Opaque(text, span)
        if kind == k.bool_lit:
            return Lit(self.text(node) == "true", _span(node))
        if kind == k.null_lit:
            return Lit(None, _span(node))
        if kind == k.quoted_template or kind == k.heredoc_template:
            return self.template(node, kind == k.heredoc_template, depth)
        if kind == k.tuple:
            span = _span(node)
            return TupleExpr([self.expr(c, depth) for c in node.named_children if c.kind_id == k.expression], span)
        if kind == k.object:
            return self.object(node, depth)
        if kind == k.function_call:
            span = _span(node)
            name = self.text(node.named_children[0])
            args: list[Expr] = []
            expand = False
            fa = _first(node.children, k.function_arguments)
            if fa is not None:
                args = [self.expr(c, depth) for c in fa.named_children if c.kind_id == k.expression]
                expand = any(c.kind_id == k.expand_ellipsis for c in fa.children)
            return Call(name, args, span, expand)
        if kind == k.conditional:
            span = _span(node)
            parts = [c for c in node.named_children if c.kind_id == k.expression]
            if len(parts) == 3:
                return Cond(self.expr(parts[0], depth), self.expr(parts[1], depth), self.expr(parts[2], depth), span)
            return Opaque(self.text(node), span)
        if kind == k.binary_operation:
            span = _span(node)
            kids = node.children
            if len(kids) == 3:
                return BinOp(self.text(kids[1]), self.expr(kids[0], depth), self.expr(kids[2], depth), span)
            return Opaque(self.text(node), span)
        if kind == k.unary_operation:
            span = _span(node)
            kids = node.children
            if len(kids) == 2:
                return UnOp(self.text(kids[0]), self.expr(kids[1], depth), span)
            return Opaque(self.text(node), span)
        if kind == k.variable_expr:
            text = self.text(node)
            return Traversal(text, [], _span(node), text)
        if kind == k.error:
            self.note_errors(node)
        return Opaque(self.text(node), _span(node))

    def object(self, node: Any, depth: int) -> Expr:
        k = self.k
        span = _span(node)
        items: list[tuple[Expr, Expr, Span]] = []
        for el in node.named_children:
            if el.kind_id == k.object_elem:
                parts = [c for c in el.named_children if c.kind_id == k.expression]
                if len(parts) == 2:
                    items.append((self.object_key(parts[0], depth), self.expr(parts[1], depth), _span(el)))
        return ObjectExpr(items, span)

    def object_key(self, node: Any, depth: int) -> Expr:
        # a bare identifier key (`a = 1`) is a string, not a variable reference
        k = self.k
        kids = node.named_children
        if len(kids) == 1 and kids[0].kind_id == k.variable_expr:
            return Lit(self.text(kids[0]), _span(kids[0]))
        if len(kids) == 1 and kids[0].kind_id == k.parenthesized_expression:
            return self.expr(kids[0], depth)
        return self.expr(node, depth)

    def traversal(self, node: Any, kids: list[Any], depth: int) -> Expr:
        k = self.k
        first = kids[0]
        if first.kind_id != k.variable_expr:
            # e.g. a function call followed by an index; evaluate the head, treat steps as opaque
            if len(kids) == 1:
                return self.expr(first, depth)
            return Opaque(self.text(node), _span(node))
        root = self.text(first)
        steps: list[str | Expr] = []
        for step in kids[1:]:
            kind = step.kind_id
            if kind == k.get_attr:
                ident = _first(step.children, k.identifier)
                steps.append(self.text(ident) if ident is not None else "?")
            elif kind == k.index:
                inner = step.named_children[0] if step.named_children else None
                if inner is not None and inner.kind_id == k.new_index:
                    e = _first(inner.children, k.expression)
                    steps.append(self.expr(e, depth) if e is not None else "*")
                elif inner is not None and inner.kind_id == k.legacy_index:
                    steps.append(Lit(int(self.text(inner).lstrip(".")), _span(inner)))
                else:
                    steps.append("*")
            elif kind == k.splat:
                steps.append("*")
                for g in step.named_children[0].named_children if step.named_children else []:
                    if g.kind_id == k.get_attr:
                        ident = _first(g.children, k.identifier)
                        if ident is not None:
                            steps.append(self.text(ident))
            else:
                return Opaque(self.text(node), _span(node))
        return Traversal(root, steps, _span(node), self.text(node))

    def template(self, node: Any, heredoc: bool, depth: int) -> Expr:
        if not heredoc:
            return Template(self.quoted_parts(node, depth), _span(node))
        first_nl = self.raw.find(b"\n", node.start_byte, node.end_byte)
        last_nl = self.raw.rfind(b"\n", node.start_byte, node.end_byte)
        if first_nl != -1 and last_nl > first_nl and not node.has_error:
            parts = self.runs(node, first_nl + 1, last_nl + 1, depth, _heredoc_literal)
            if self.text(node).startswith("<<-"):
                parts = _dedent_parts(parts, _indent(self.slice(first_nl + 1, last_nl + 1)))
            return Template(parts, _span(node))
        return self.broken_heredoc(node, depth)

    def broken_heredoc(self, node: Any, depth: int) -> Expr:
        """A heredoc tree-sitter could not parse cleanly: its literal runs as tree-sitter gives
        them (without the white space at their ends)."""
        k = self.k
        parts: list[str | Expr] = []
        for c in node.named_children:
            kind = c.kind_id
            if kind == k.template_literal:
                parts.append(self.text(c))
            elif kind == k.template_interpolation:
                e = _first(c.children, k.expression)
                parts.append(self.expr(e, depth) if e is not None else Opaque(self.text(c), _span(c)))
            elif kind == k.template_directive:
                parts.append(Opaque(self.text(c), _span(c)))
        return Template(_heredoc_lines(self.text(node), parts), _span(node))

    def quoted_parts(self, node: Any, depth: int) -> list[str | Expr]:
        """A quoted template's parts: the literal runs are the source between the quotes and the
        interpolations (tree-sitter's template_literal nodes leave out white space at their
        ends, which would glue `"host=${h} sslmode=require"` into one word)."""
        return self.runs(node, *self.inner_range(node), depth, _template_literal)

    def runs(self, node: Any, pos: int, end: int, depth: int, literal: Callable[[str], str]) -> list[str | Expr]:
        """The parts of a template whose text spans bytes pos..end: the source between the
        interpolations and directives (read through `literal`), and those as expressions."""
        k = self.k
        parts: list[str | Expr] = []
        for c in node.children:
            kind = c.kind_id
            if kind != k.template_interpolation and kind != k.template_directive:
                continue
            if c.start_byte > pos:
                parts.append(literal(self.slice(pos, c.start_byte)))
            if kind == k.template_interpolation:
                e = _first(c.children, k.expression)
                parts.append(self.expr(e, depth) if e is not None else Opaque(self.text(c), _span(c)))
            else:
                parts.append(Opaque(self.text(c), _span(c)))
            pos = c.end_byte
        if end > pos:
            parts.append(literal(self.slice(pos, end)))
        return parts


def _heredoc_lines(raw: str, parts: list[str | Expr]) -> list[str | Expr]:
    # tree-sitter gives heredoc literal runs without their newlines; rebuild from the source text
    # where the body is plain, so that JSON heredocs decode exactly.
    if all(isinstance(p, str) for p in parts):
        first_nl = raw.find("\n")
        last_nl = raw.rfind("\n")
        if first_nl != -1 and last_nl > first_nl:
            body = raw[first_nl + 1 : last_nl + 1]
            if raw.startswith("<<-"):
                body = _dedent(body)
            return [body]
    return parts


def _heredoc_literal(text: str) -> str:
    """A heredoc's literal run: no backslash escapes, only `$${` / `%%{` for `${` / `%{`."""
    return text.replace("$${", "${").replace("%%{", "%{") if "{" in text else text


def _indent(body: str) -> int:
    """What `<<-` strips from every line: the smallest indentation of the lines not blank."""
    indents = [len(ln) - len(ln.lstrip(" \t")) for ln in body.split("\n") if ln.strip()]
    return min(indents) if indents else 0


def _dedent_parts(parts: list[str | Expr], cut: int) -> list[str | Expr]:
    """`cut` characters off the start of every line; a line's indentation is always literal
    text (an interpolation is not white space, so it starts after it)."""
    out: list[str | Expr] = []
    at_line_start = True
    for p in parts:
        if isinstance(p, str):
            lines = p.split("\n")
            out.append("\n".join(ln[cut:] if i or at_line_start else ln for i, ln in enumerate(lines)))
            at_line_start = p.endswith("\n")
        else:
            out.append(p)
            at_line_start = False
    return out


def _dedent(body: str) -> str:
    lines = body.split("\n")
    indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(ln[cut:] for ln in lines)


def _first(nodes: list[Any], kind: int) -> Any:
    """The first node of a (named) kind among `nodes`, else None."""
    for c in nodes:
        if c.kind_id == kind:
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


def _collect_missing(root: Any, out: list[SyntaxProblem]) -> None:
    # MISSING nodes (e.g. an unclosed brace) are not ERROR nodes; walk for them cheaply, in
    # document order, with a stack: a hostile file nests deeper than Python's recursion limit
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            out.append(SyntaxProblem(_span(node), f"syntax error: missing {node.type!r}"))
        elif node.has_error:
            stack.extend(reversed(node.children))


def parse_hcl(text: str, wanted: Callable[[str], bool] | None = None) -> HclFile:
    """Parse HCL text. Never raises on any input; syntax errors are returned as problems.

    `wanted(resource_type)`: when given, resource blocks of other types keep only their header
    and span (their bodies are never judged, and building them is most of the parse cost)."""
    global _LINES
    raw = text.encode("utf-8", "surrogatepass")
    _LINES = None if text.isascii() else raw.split(b"\n")
    try:
        return _parse(text, raw, wanted)
    finally:
        _LINES = None


def _parse(text: str, raw: bytes, wanted: Callable[[str], bool] | None) -> HclFile:
    tree = _parser().parse(raw)
    root = tree.root_node
    builder = _Builder(text, raw, wanted)
    k = builder.k
    body = Block("", [], span=_span(root), header=Span(1, 1, 1, 1))
    for child in root.named_children:
        kind = child.kind_id
        if kind == k.body:
            builder.body(child, body, 0)
        elif kind == k.comment:
            builder.comments.append((child.start_point[0] + 1, builder.text(child)))
        elif kind == k.error:
            builder.note_errors(child)
            builder.body(child, body, 0)
    if root.kind_id == k.error:
        builder.problems.append(_error_problem(root))
    if root.has_error:
        missing: list[SyntaxProblem] = []
        _collect_missing(root, missing)
        builder.problems.extend(missing)
        if not builder.problems:
            builder.problems.append(SyntaxProblem(_span(root), "syntax error"))
    builder.problems.sort(key=lambda p: (p.span.line, p.span.column))
    return HclFile(body, builder.problems, builder.comments)
