"""Terraform module evaluation: variables, tfvars, locals, functions, modules, file()."""

from __future__ import annotations

from pathlib import Path

from transit_lint.engine import RunOptions, run
from transit_lint.tree import UNKNOWN


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _attrs(tmp: Path, files: dict[str, str], **opts: object) -> dict[str, dict[str, object]]:
    _write(tmp, files)
    res = run(RunOptions(paths=[str(tmp)], base=tmp, **opts))  # type: ignore[arg-type]
    assert not res.errors, [e.message for e in res.errors]
    return {n.id: {k: a.value for k, a in n.attrs.items()} for n in res.nodes}


LISTENER = '''
resource "aws_lb_listener" "l" {
  port       = 443
  protocol   = "HTTPS"
  ssl_policy = %s
}
'''


def test_variable_default_tfvars_auto_tfvars_and_var_file_precedence(tmp_path: Path) -> None:
    files = {
        "main.tf": LISTENER % "var.p",
        "vars.tf": 'variable "p" { default = "ELBSecurityPolicy-2016-08" }',
    }
    assert _attrs(tmp_path, files)["aws_lb_listener.l"]["tls.policy"] == "ELBSecurityPolicy-2016-08"
    (tmp_path / "terraform.tfvars").write_text('p = "ELBSecurityPolicy-TLS-1-1-2017-01"\n')
    assert _attrs(tmp_path, {})["aws_lb_listener.l"]["tls.min_version"] == "1.1"
    (tmp_path / "b.auto.tfvars").write_text('p = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n')
    assert _attrs(tmp_path, {})["aws_lb_listener.l"]["tls.min_version"] == "1.2"
    extra = tmp_path.parent / f"{tmp_path.name}-extra.tfvars"
    extra.write_text('p = "ELBSecurityPolicy-TLS13-1-3-2021-06"\n')
    assert _attrs(tmp_path, {}, var_files=[str(extra)])["aws_lb_listener.l"]["tls.min_version"] == "1.3"


def test_unset_variable_is_unknown_and_never_a_finding(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": LISTENER % "var.p", "vars.tf": 'variable "p" {}'})
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    (node,) = [n for n in res.nodes if n.id == "aws_lb_listener.l"]
    assert node.attrs["tls.min_version"].value is UNKNOWN
    assert not [f for f in res.findings if f.rule_id == "TL201"]
    assert res.unknown >= 1


def test_locals_conditionals_and_functions(tmp_path: Path) -> None:
    files = {
        "main.tf": '''
locals {
  legacy   = true
  policies = { old = "ELBSecurityPolicy-2016-08", new = "ELBSecurityPolicy-TLS13-1-2-2021-06" }
  chosen   = local.legacy ? lookup(local.policies, "old") : local.policies["new"]
  proto    = upper(coalesce("", "https"))
  name     = format("%s-%s", "web", join("-", ["a", "b"]))
}
resource "aws_lb_listener" "l" {
  port       = 443
  protocol   = local.proto
  ssl_policy = try(local.missing, local.chosen)
}
''',
    }
    a = _attrs(tmp_path, files)["aws_lb_listener.l"]
    assert a["protocol"] == "HTTPS"
    assert a["tls.policy"] == "ELBSecurityPolicy-2016-08"
    assert a["tls.min_version"] == "1.0"


def test_local_child_module_is_instantiated_with_its_arguments(tmp_path: Path) -> None:
    files = {
        "main.tf": 'module "edge" {\n  source = "./modules/lb"\n  policy = "ELBSecurityPolicy-TLS-1-1-2017-01"\n}\n',
        "modules/lb/main.tf": 'variable "policy" {}\n' + LISTENER % "var.policy",
    }
    _write(tmp_path, files)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, select=["TL201"]))
    ids = {n.id for n in res.nodes}
    # judged through the call only, not again as a root module with an unset variable
    assert ids == {"module.edge.aws_lb_listener.l"}
    (f,) = res.findings
    assert f.path == "modules/lb/main.tf" and f.span.line == 6
    assert any("module.edge (main.tf:1)" in n for n in f.notes)
    assert any("module.edge.policy (main.tf:3)" in n for n in f.notes)


def test_registry_module_is_not_fetched(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": 'module "x" {\n  source = "terraform-aws-modules/alb/aws"\n}\n'})
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    assert not res.errors and not res.findings


def test_count_zero_resource_does_not_exist(tmp_path: Path) -> None:
    files = {"main.tf": LISTENER.replace('port ', 'count = 0\n  port ') % '"ELBSecurityPolicy-2016-08"'}
    assert "aws_lb_listener.l" not in _attrs(tmp_path, files)


def test_dynamic_blocks_expand(tmp_path: Path) -> None:
    files = {"main.tf": '''
variable "actions" {
  default = [{ type = "redirect", proto = "HTTPS" }]
}
resource "aws_lb_listener" "l" {
  port     = 80
  protocol = "HTTP"
  dynamic "default_action" {
    for_each = var.actions
    content {
      type = default_action.value.type
      redirect {
        protocol = default_action.value.proto
      }
    }
  }
}
'''}
    assert _attrs(tmp_path, files)["aws_lb_listener.l"]["redirect_to_https"] is True


def test_file_function_reads_only_inside_the_given_paths(tmp_path: Path) -> None:
    inside = tmp_path / "proj"
    _write(inside, {
        "policy.txt": "ELBSecurityPolicy-2016-08",
        "main.tf": LISTENER % 'trimspace(file("policy.txt"))',
        "other.tf": 'resource "aws_lb_listener" "o" {\n  port = 443\n  protocol = "HTTPS"\n'
                    '  ssl_policy = file("../outside.txt")\n}\n',
    })
    (tmp_path / "outside.txt").write_text("ELBSecurityPolicy-2016-08")
    res = run(RunOptions(paths=[str(inside)], base=inside))
    by_id = {n.id: n for n in res.nodes}
    assert by_id["aws_lb_listener.l"].attrs["tls.min_version"].value == "1.0"
    assert by_id["aws_lb_listener.o"].attrs["tls.min_version"].value is UNKNOWN


def test_jsonencode_keeps_structure_and_heredoc_json_decodes(tmp_path: Path) -> None:
    from transit_lint.parsers.hcl import parse_hcl
    from transit_lint.terraform.evaluate import Evaluator, Scope

    f = parse_hcl('a = jsonencode({ x = [1, "two"] })\nb = jsondecode(<<EOT\n{"k": true}\nEOT\n)\n')
    ev = Evaluator(Scope())
    assert ev.eval(f.body.attributes["a"].expr).plain() == {"x": [1, "two"]}
    assert ev.eval(f.body.attributes["b"].expr).plain() == {"k": True}


def test_local_cycles_and_deep_nesting_do_not_crash(tmp_path: Path) -> None:
    deep = "[" * 300 + "1" + "]" * 300
    files = {"main.tf": f'locals {{\n  a = local.b\n  b = local.a\n  d = {deep}\n}}\n' + LISTENER % "local.a"}
    _write(tmp_path, files)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    (node,) = [n for n in res.nodes if n.id == "aws_lb_listener.l"]
    assert node.attrs["tls.min_version"].value is UNKNOWN


def test_graph_edges_from_references(tmp_path: Path) -> None:
    from transit_lint.graph import build_graph

    files = {"main.tf": '''
resource "aws_lb_target_group" "app" {
  port     = 8080
  protocol = "HTTP"
}
resource "aws_lb_listener" "l" {
  port     = 80
  protocol = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
'''}
    _write(tmp_path, files)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    g = build_graph(res.nodes)
    by_id = {n.id: n for n in res.nodes}
    (tg,) = g.neighbours(by_id["aws_lb_listener.l"], "routes_to", "out", "connection")
    assert tg.id == "aws_lb_target_group.app"
    assert [n.id for n in g.neighbours(tg, None, "in", None)] == ["aws_lb_listener.l"]
    nxg = g.to_networkx()
    assert nxg.number_of_edges() == 1
    assert list(nxg.edges(data="type")) == [("aws_lb_listener.l", "aws_lb_target_group.app", "routes_to")]


def test_cloudformation_refs_become_typed_edges(tmp_path: Path) -> None:
    from transit_lint.graph import build_graph

    (tmp_path / "t.yaml").write_text("""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  TG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 8080
      Protocol: HTTP
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref TG
""")
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    g = build_graph(res.nodes)
    listener = next(n for n in res.nodes if n.native_type == "AWS::ElasticLoadBalancingV2::Listener")
    assert [n.native_type for n in g.neighbours(listener, "routes_to", "out", None)] == [
        "AWS::ElasticLoadBalancingV2::TargetGroup"]


def test_attribute_and_blocks_of_one_name_do_not_crash(tmp_path: Path) -> None:
    """Found by fuzz/run.py: invalid HCL with `x = ...` and `x { }` in one body."""
    files = {"main.tf": '''
resource "aws_security_group" "g" {
  ingress = "text"
  ingress {
    from_port   = 23
    to_port     = 23
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
'''}
    _write(tmp_path, files)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
    assert not res.errors
    assert [f.rule_id for f in res.findings] == ["TL611"]


def test_a_front_end_crash_is_an_error_and_other_files_still_count(tmp_path: Path) -> None:
    import pytest

    from transit_lint.terraform import frontend

    mp = pytest.MonkeyPatch()
    try:
        def boom(files: object, ctx: object) -> object:
            raise RuntimeError("bug")

        mp.setattr(frontend, "load", boom)
        (tmp_path / "main.tf").write_text('resource "x" "y" {}\n')
        (tmp_path / "site.conf").write_text("server {\n    listen 80;\n    location / { root /srv; }\n}\n")
        res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path))
        assert [(e.rule_id, e.path) for e in res.errors] == [("TL001", "main.tf")]
        assert "RuntimeError: bug" in res.errors[0].message
        assert [(f.rule_id, f.path) for f in res.findings] == [("TL101", "site.conf")]
    finally:
        mp.undo()


def test_two_roots_calling_one_module_keep_their_own_nodes_and_edges(tmp_path: Path) -> None:
    """Both roots are one shard (they call the same local module), and both declare the same
    module call: the node ids clash, the nodes and their edges must not."""
    from transit_lint.graph import build_graph

    module = (
        'variable "proto" {}\n'
        'resource "aws_lb_target_group" "app" {\n  port     = 8080\n  protocol = var.proto\n}\n'
        'resource "aws_lb_listener" "l" {\n  port     = 443\n  protocol = "HTTPS"\n'
        '  default_action {\n    type             = "forward"\n'
        '    target_group_arn = aws_lb_target_group.app.arn\n  }\n}\n')
    files = {"modules/lb/main.tf": module}
    for root, proto in (("a", "HTTP"), ("b", "HTTPS")):
        files[f"{root}/main.tf"] = f'module "lb" {{\n  source = "../modules/lb"\n  proto  = "{proto}"\n}}\n'
    _write(tmp_path, files)
    res = run(RunOptions(paths=[str(tmp_path)], base=tmp_path, profile="strict"))
    g = build_graph(res.nodes)
    listeners = [n for n in res.nodes if n.id == "module.lb.aws_lb_listener.l"]
    assert len(listeners) == 2 and len(g.nodes) == len(res.nodes)
    protocols = sorted(g.neighbours(lst, "routes_to", "out", None)[0].value("protocol") for lst in listeners)
    assert protocols == ["HTTP", "HTTPS"]
