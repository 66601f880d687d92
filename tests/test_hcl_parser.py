"""Spans and syntax trees from the tree-sitter HCL parser."""

from __future__ import annotations

from transit_lint.parsers.hcl import Call, Cond, Lit, Template, Traversal, parse_hcl
from transit_lint.spans import Span

SRC = '''# header comment
resource "aws_lb_listener" "web" {
  port       = 443
  ssl_policy = var.policy
  name       = "web-${var.env}"
  tags       = merge(local.tags, { team = "edge" })
  mode       = var.strict ? "TLS13" : "TLS12"
  default_action {
    type = "forward"
  }
}
'''


def test_block_and_attribute_spans() -> None:
    f = parse_hcl(SRC)
    assert not f.problems
    (res,) = f.body.blocks
    assert (res.type, res.labels) == ("resource", ["aws_lb_listener", "web"])
    assert res.header == Span(2, 1, 2, 35)
    assert res.span.line == 2 and res.span.end_line == 11
    port = res.attributes["port"]
    assert port.span == Span(3, 3, 3, 19)
    assert isinstance(port.expr, Lit) and port.expr.value == 443
    assert port.expr.span == Span(3, 16, 3, 19)
    assert res.blocks[0].type == "default_action"
    assert res.blocks[0].attributes["type"].span.line == 9


def test_expression_shapes() -> None:
    res = parse_hcl(SRC).body.blocks[0]
    pol = res.attributes["ssl_policy"].expr
    assert isinstance(pol, Traversal) and pol.root == "var" and pol.steps == ["policy"]
    name = res.attributes["name"].expr
    assert isinstance(name, Template) and name.parts[0] == "web-" and isinstance(name.parts[1], Traversal)
    tags = res.attributes["tags"].expr
    assert isinstance(tags, Call) and tags.name == "merge" and len(tags.args) == 2
    assert isinstance(res.attributes["mode"].expr, Cond)


def test_comments_are_kept_with_lines() -> None:
    assert parse_hcl(SRC).comments == [(1, "# header comment")]


def test_heredoc_keeps_newlines() -> None:
    f = parse_hcl('x = <<EOT\n{\n  "a": 1\n}\nEOT\n')
    expr = f.body.attributes["x"].expr
    assert isinstance(expr, Template) and expr.parts == ['{\n  "a": 1\n}\n']
    f2 = parse_hcl('x = <<-EOT\n    a\n      b\n    EOT\n')
    expr2 = f2.body.attributes["x"].expr
    assert isinstance(expr2, Template) and expr2.parts == ["a\n  b\n"]


def test_escapes_in_strings() -> None:
    f = parse_hcl('x = "a\\"b\\n"\n')
    expr = f.body.attributes["x"].expr
    assert isinstance(expr, Lit) and expr.value == 'a"b\n'


def test_syntax_error_is_reported_and_later_blocks_survive() -> None:
    f = parse_hcl('resource "a" "b" {\n  x = \n}\nresource "c" "d" {\n  y = 1\n}\n')
    assert f.problems
    assert f.problems[0].span.line in (2, 3)
    labels = [b.labels for b in f.body.blocks] + [bb.labels for b in f.body.blocks for bb in b.blocks]
    assert ["c", "d"] in labels


def test_never_raises_on_garbage() -> None:
    for text in ["{{{{", "}}}", "resource", '"unterminated', "\x00\x01", "a = [1, 2", "<<EOT\nno end"]:
        parse_hcl(text)  # must not raise


def test_columns_are_code_points_not_bytes() -> None:
    f = parse_hcl('# café ☕\nx = "é☕"\ny = 1 # ü\n')
    x = f.body.attributes["x"]
    assert x.span == Span(2, 1, 2, 9)  # `x = "é☕"` is 8 code points (12 bytes)
    assert x.expr.span == Span(2, 5, 2, 9)
    assert f.body.attributes["y"].span == Span(3, 1, 3, 6)


def test_a_missing_token_deep_inside_a_hostile_nesting_is_reported_without_recursion() -> None:
    # the MISSING-node walk used to recurse once per tree level: RecursionError on this file
    text = "locals {\n  x = " + "[" * 5000 + "]" * 494 + "true" + "]" * 4506 + "\n}\n"
    f = parse_hcl(text)
    assert f.problems


def test_plain_expressions_read_from_the_text_match_the_tree() -> None:
    # quoted strings, numbers, keywords and dotted names take a shortcut through the source text;
    # they must give what the node walk gives (white space at the ends of a string included)
    f = parse_hcl('a = " x "\nb = "a\\tb"\nc = 42\nd = true\ne = null\nf = var.x.y\ng = true.y\nh = "é"\n')
    attrs = {n: a.expr for n, a in f.body.attributes.items()}
    assert attrs["a"] == Lit(" x ", Span(1, 5, 1, 10))
    assert attrs["b"] == Lit("a\tb", Span(2, 5, 2, 11))
    assert attrs["c"] == Lit(42, Span(3, 5, 3, 7))
    assert attrs["d"] == Lit(True, Span(4, 5, 4, 9))
    assert attrs["e"] == Lit(None, Span(5, 5, 5, 9))
    assert attrs["f"] == Traversal("var", ["x", "y"], Span(6, 5, 6, 12), "var.x.y")
    assert not isinstance(attrs["g"], Traversal)
    assert attrs["h"] == Lit("é", Span(8, 5, 8, 8))


def test_quoted_strings_keep_white_space_at_the_ends_of_literal_runs() -> None:
    # tree-sitter's template_literal leaves it out; the parser reads the runs from the source
    f = parse_hcl('resource "a" "b" {\n'
                  '  x = " ab c "\n'
                  '  y = "host=${var.h} sslmode=disable "\n'
                  '  z = "$${literal} %%{ also } \\t"\n'
                  '  e = ""\n'
                  '}\n')
    attrs = f.body.blocks[0].attributes
    assert attrs["x"].expr == Lit(" ab c ", Span(2, 7, 2, 15))
    y = attrs["y"].expr
    assert isinstance(y, Template)
    assert [p if isinstance(p, str) else p.text for p in y.parts] == ["host=", "var.h", " sslmode=disable "]
    assert attrs["z"].expr == Lit("${literal} %{ also } \t", Span(4, 7, 4, 34))
    assert attrs["e"].expr == Lit("", Span(5, 7, 5, 9))


def test_heredocs_with_interpolations_keep_their_lines() -> None:
    f = parse_hcl('x = <<EOF\n'
                  '  one ${var.a} mid\n'
                  'curl http://x.example $${raw}\n'
                  'EOF\n'
                  'y = <<-EOT\n'
                  '    a ${var.b}\n'
                  '      b\n'
                  '    EOT\n'
                  'z = <<-EOT\n'
                  '    {"a": 1}\n'
                  '    EOT\n')
    attrs = f.body.attributes

    def parts(name: str) -> list[str]:
        t = attrs[name].expr
        assert isinstance(t, Template)
        return [p if isinstance(p, str) else f"<{p.text}>" if isinstance(p, Traversal) else "?" for p in t.parts]

    assert parts("x") == ["  one ", "<var.a>", " mid\ncurl http://x.example ${raw}\n"]
    assert parts("y") == ["a ", "<var.b>", "\n  b\n"]
    assert parts("z") == ['{"a": 1}\n']
