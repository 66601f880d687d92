"""Registry modules as data (terraform/registry.py, data/registry_modules.yaml): source parsing,
the table's integrity, and the synthetic resources a module call becomes, with their spans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from transit_lint.normalize.mapping import load_table
from transit_lint.terraform import registry
from transit_lint.terraform.frontend import TerraformFrontend

SG = "terraform-aws-modules/security-group/aws"


@pytest.mark.parametrize(("source", "expected"), [
    (SG, (SG, "")),
    ("terraform-aws-modules/security-group/aws//modules/http-80", (SG, "modules/http-80")),
    ("registry.terraform.io/terraform-aws-modules/security-group/aws?ref=v4.0.0", (SG, "")),
    ("git::https://github.com/terraform-aws-modules/terraform-aws-security-group.git//modules/ssh?ref=v5.1.0",
     (SG, "modules/ssh")),
    ("github.com/terraform-aws-modules/terraform-aws-rds", ("terraform-aws-modules/rds/aws", "")),
    ("git@github.com:terraform-aws-modules/terraform-aws-s3-bucket.git",
     ("terraform-aws-modules/s3-bucket/aws", "")),
    ("Terraform-AWS-Modules/ALB/aws", ("terraform-aws-modules/alb/aws", "")),
    ("./modules/sg", None),
    ("../sg", None),
    ("git::https://example.com/sg.git", None),
    ("s3::https://s3.amazonaws.com/bucket/sg.zip", None),
    ("hashicorp/consul", None),
])
def test_parse_source(source: str, expected: tuple[str, str] | None) -> None:
    assert registry.parse_source(source) == expected


def test_lookup_known_unknown_and_submodules() -> None:
    found = registry.lookup(f"{SG}//modules/redis")
    assert found is not None and found[1] == {"ingress_rules": ["redis-tcp"]}
    assert registry.lookup(f"{SG}//modules/not-described") is None
    assert registry.lookup("example-corp/firewall/aws") is None
    assert registry.lookup("./local") is None


# ---- the table --------------------------------------------------------------------------------


def test_table_types_are_mapped_and_rules_exist() -> None:
    mapped = load_table("terraform")
    for address, spec in registry.table().items():
        assert address.count("/") == 2 and address == address.lower(), address
        assert spec.resources, address
        assert registry.problems(spec) == []
        for rdef in spec.resources:
            assert rdef["type"] in mapped, f"{address}: {rdef['type']} has no mapping table row"
        for name, row in spec.rules.items():
            assert len(row) == 3, name


def test_problems_reports_a_bad_description() -> None:
    bad = registry.ModuleSpec("a/b/c", {}, ({"type": "x", "bogus": 1, "body": {"k": {"nope": 1}}},),
                              {}, {"modules/x": {"ingress_rules": ["missing"]}})
    found = registry.problems(bad)
    assert len(found) == 3, found


# ---- expansion through the front end ----------------------------------------------------------


def _load(tmp_path: Path, text: str) -> dict[str, Any]:
    (tmp_path / "main.tf").write_text(text)
    fe = TerraformFrontend(tmp_path, (tmp_path,), 10_000_000)
    res = fe.run([tmp_path / "main.tf"], [])
    return {"resources": {r.address: r for r in res.resources}, "notes": res.notes}


def test_security_group_elements_keep_their_lines(tmp_path: Path) -> None:
    out = _load(tmp_path, f'''module "sg" {{
  source = "{SG}"
  ingress_cidr_blocks = ["10.0.0.0/8"]
  ingress_rules = [
    "redis-tcp",
    "no-such-rule",
  ]
  ingress_with_cidr_blocks = [
    {{
      from_port   = 23
      to_port     = 23
      protocol    = "tcp"
    }},
  ]
}}
''')
    res = out["resources"]
    redis = res['module.sg.aws_security_group_rule.ingress_rules[0]']
    assert redis.type == "aws_security_group_rule" and redis.path == "main.tf"
    assert redis.header.line == 5 and redis.span.line == 1  # the element; the module block
    body = redis.body
    assert body.get("from_port").plain() == 6379 and body.get("from_port").anchor.line == 5
    assert body.get("cidr_blocks").plain() == ["10.0.0.0/8"] and body.get("cidr_blocks").anchor.line == 3
    assert body.get("type").plain() == "ingress"
    unknown_rule = res['module.sg.aws_security_group_rule.ingress_rules[1]'].body
    assert unknown_rule.get("from_port").is_unknown()
    telnet = res['module.sg.aws_security_group_rule.ingress_with_cidr_blocks[0]'].body
    assert telnet.get("from_port").anchor.line == 10
    # the element has no cidr_blocks: the module falls back to ingress_cidr_blocks
    assert telnet.get("cidr_blocks").plain() == ["10.0.0.0/8"]
    # the module's outputs stay unknown
    assert any("module.sg" in n for n in out["notes"])


def test_computed_rules_take_only_the_counted_entries(tmp_path: Path) -> None:
    text = f'''module "sg" {{
  source = "{SG}"
  number_of_computed_ingress_with_cidr_blocks = %s
  computed_ingress_with_cidr_blocks = [
    {{ rule = "redis-tcp", cidr_blocks = "10.0.0.0/8,192.168.0.0/16" }},
    {{ rule = "mysql-tcp", cidr_blocks = "10.0.0.0/8" }},
  ]
}}
'''
    res = _load(tmp_path, text % "1")["resources"]
    assert list(res) == ["module.sg.aws_security_group_rule.computed_ingress_with_cidr_blocks[0]"]
    rule = next(iter(res.values())).body
    assert rule.get("cidr_blocks").plain() == ["10.0.0.0/8", "192.168.0.0/16"]
    assert _load(tmp_path, text % "var.n")["resources"] == {}  # not known: nothing claimed
    absent = f'module "sg" {{\n  source = "{SG}"\n  computed_ingress_rules = ["redis-tcp"]\n}}\n'
    assert _load(tmp_path, absent)["resources"] == {}  # number_of_computed_* defaults to 0


def test_defaults_point_at_the_module_call(tmp_path: Path) -> None:
    res = _load(tmp_path, '''

module "db" {
  source = "terraform-aws-modules/rds/aws"
  family = "postgres14"
}
''')["resources"]
    inst = res["module.db.aws_db_instance.this"]
    assert "ca_cert_identifier" not in inst.body.data  # default null: AWS picks a current CA
    group = res["module.db.aws_db_parameter_group.this"]
    assert group.header.line == 3
    param = group.body.get("parameter")
    assert param is not None and param.plain() == [] and param.anchor.line == 3
    assert param.origin is not None and "default" in param.origin


def test_submodule_presets_and_variables(tmp_path: Path) -> None:
    (tmp_path / "terraform.tfvars").write_text('cidrs = ["10.0.0.0/8"]\n')
    res = _load(tmp_path, f'''variable "cidrs" {{}}
module "redis" {{
  source = "{SG}//modules/redis"
  ingress_cidr_blocks = var.cidrs
  ingress_rules = ["https-443-tcp"]
}}
''')["resources"]
    names = [r.body.get("from_port").plain() for r in res.values()]
    assert names == [6379, 443]  # the preset first, as concat(auto_ingress_rules, ingress_rules)
    first = next(iter(res.values()))
    assert first.header.line == 2 and first.body.get("cidr_blocks").plain() == ["10.0.0.0/8"]


def test_count_zero_and_unknown_flags(tmp_path: Path) -> None:
    res = _load(tmp_path, f'''variable "on" {{}}
module "a" {{
  count  = 0
  source = "{SG}"
  ingress_rules = ["redis-tcp"]
}}
module "b" {{
  source = "{SG}"
  create = var.on
  ingress_rules = ["redis-tcp"]
}}
module "c" {{
  source = "terraform-aws-modules/s3-bucket/aws"
  attach_policy = var.on
  policy = "{{}}"
}}
''')["resources"]
    assert res == {}


def test_s3_deny_insecure_transport_policy(tmp_path: Path) -> None:
    res = _load(tmp_path, '''module "b" {
  source = "terraform-aws-modules/s3-bucket/aws"
  attach_deny_insecure_transport_policy = true
}
''')["resources"]
    pol = res["module.b.aws_s3_bucket_policy.this"].body.get("policy")
    assert pol is not None
    st = pol.plain()["Statement"][0]
    assert st["Effect"] == "Deny" and st["Condition"]["Bool"]["aws:SecureTransport"] == "false"


def test_alb_v9_listener_defaults(tmp_path: Path) -> None:
    res = _load(tmp_path, '''module "alb" {
  source = "terraform-aws-modules/alb/aws"
  listeners = {
    a = { forward = { target_group_key = "x" } }
    b = { protocol = "HTTPS", port = 443 }
  }
}
''')["resources"]
    a = res['module.alb.aws_lb_listener.this["a"]'].body
    assert a.get("protocol").plain() == "HTTP" and a.get("port").plain() == 80
    assert "ssl_policy" not in a.data
    assert a.get("default_action").plain() == [{"type": "forward"}]
    b = res['module.alb.aws_lb_listener.this["b"]'].body
    assert b.get("ssl_policy").plain() == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"


def test_unknown_registry_module_creates_nothing(tmp_path: Path) -> None:
    out = _load(tmp_path, 'module "x" {\n  source = "example-corp/firewall/aws"\n  port = 23\n}\n')
    assert out["resources"] == {}
    assert any("module.x" in n for n in out["notes"])
