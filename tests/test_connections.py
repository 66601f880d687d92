"""The connection-string pass (transit_lint.normalize.connections): connection nodes from the
strings of every format's resources, verification switches, http:// scoping, de-duplication and
redaction."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transit_lint.connstrings import find_all
from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.model import NativeResource, Node
from transit_lint.normalize.connections import (
    _may_hold,
    _url_key_ok,
    connection_nodes,
    host_network,
    redact,
    switch_verdict,
)
from transit_lint.spans import Span
from transit_lint.tree import SCANNED_REFERENCES, UNKNOWN, Reference, Value, references

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CANARY = re.compile(r"Canary-Pw-\d{4}")
MY_FIXTURES = sorted(
    p for d in ("TL103", "TL301") for p in (FIXTURES / d).iterdir()
    if "connstrings" in p.name or p.name in ("bad.k8s.yaml", "good.k8s.yaml", "bad.tf", "good.tf")
)


def lint(tmp_path: Path, name: str, text: str, profile: str = "baseline") -> RunResult:
    (tmp_path / name).write_text(text)
    return run(RunOptions(paths=[str(tmp_path)], base=tmp_path, profile=profile,
                          select=["TL103", "TL301", "TL501"]))


def conns(result: RunResult) -> list[Node]:
    return [n for n in result.nodes if "/conn[" in n.id]


def by_line(result: RunResult) -> set[tuple[int, str]]:
    return {(f.span.line, f.rule_id) for f in result.findings}


# ---- switches, networks, keys -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "mode"), [
    ("NODE_TLS_REJECT_UNAUTHORIZED", "0", "encrypted-unverified"),
    ("NODE_TLS_REJECT_UNAUTHORIZED", "false", None),  # Node compares with "0" only
    ("NODE_TLS_REJECT_UNAUTHORIZED", "1", None),
    ("PYTHONHTTPSVERIFY", "0", "encrypted-unverified"),
    ("GIT_SSL_NO_VERIFY", "false", "encrypted-unverified"),  # git only checks that it is set
    ("CURL_CA_BUNDLE", "", "encrypted-unverified"),
    ("CURL_CA_BUNDLE", "/etc/ssl/ca.pem", None),
    ("REQUESTS_CA_BUNDLE", "", None),  # requests falls back to its default bundle
    ("LDAPTLS_REQCERT", "never", "encrypted-unverified"),
    ("LDAPTLS_REQCERT", "demand", None),
    ("PGSSLMODE", "disable", "plaintext"),
    ("PGSSLMODE", "prefer", "opportunistic"),
    ("PGSSLMODE", "require", "encrypted-unverified"),
    ("PGSSLMODE", "verify-ca", "no-hostname-check"),
    ("PGSSLMODE", "verify-full", None),
    ("VAULT_SKIP_VERIFY", "true", "encrypted-unverified"),
    ("VAULT_SKIP_VERIFY", "false", None),
    ("K8S_INSECURE_SKIP_TLS_VERIFY", "1", "encrypted-unverified"),
    ("CONSUL_HTTP_SSL_VERIFY", "false", "encrypted-unverified"),
    ("CONSUL_HTTP_SSL_VERIFY", "true", None),
    ("NPM_CONFIG_STRICT_SSL", "false", "encrypted-unverified"),
    ("ELASTICSEARCH_SSL_VERIFICATIONMODE", "certificate", "no-hostname-check"),
    ("ELASTICSEARCH_SSL_VERIFICATIONMODE", "full", None),
    ("node_tls_reject_unauthorized", "0", None),  # not an environment variable name
    ("SSL_VERIFY_DEPTH", "0", None),
])
def test_switches(name: str, value: str, mode: str | None) -> None:
    found = switch_verdict(name, value)
    assert (found[0] if found else None) == mode
    if found is not None:
        assert name in found[1]


@pytest.mark.parametrize(("host", "network"), [
    ("db", "internal"), ("db.shop.svc", "internal"), ("db.shop.svc.cluster.local", "internal"),
    ("ip-10-0-0-1.ec2.internal", "internal"), ("10.1.2.3", "internal"), ("192.168.0.10", "internal"),
    ("fd00::1", "internal"), ("internal-api-123.eu-west-1.elb.amazonaws.com", "internal"),
    ("db.example.com", "internet"), ("8.8.8.8", "internet"), ("mydb.abc.eu-west-1.rds.amazonaws.com", "internet"),
    ("${DB_HOST}", "unknown"), ("{{ .Values.host }}", "unknown"), (None, "unknown"),
])
def test_host_network(host: str | None, network: str) -> None:
    assert host_network(host) == network


@pytest.mark.parametrize(("key", "ok"), [
    ("API_URL", True), ("ORDERS_SERVICE_URL", True), ("SCHEMA_REGISTRY_URL", True), ("backend.url", True),
    ("HTTP_PROXY", False), ("https_proxy", False), ("PUBLIC_URL", False), ("externalUrl", False),
    ("homepage", False), ("OAUTH_CALLBACK_URL", False), ("xmlns", False), (None, False),
])
def test_url_keys(key: str | None, ok: bool) -> None:
    assert _url_key_ok(key) is ok


# ---- Terraform ----------------------------------------------------------------------------------

LAMBDA = """\
resource "aws_lambda_function" "api" {
  function_name = "api"
  environment {
    variables = {
      DATABASE_URL = "postgres://app:Canary-Pw-9001@db.example.com:5432/app?sslmode=disable"
      API_URL      = "http://api.example.com/v1"
      ORDERS_URL   = "http://orders.internal:8080/"
      HTTP_PROXY   = "http://proxy.example.com:3128"
      STATUS_URL   = "https://status.example.com/"
    }
  }
}
"""


def test_terraform_node_attributes(tmp_path: Path) -> None:
    result = lint(tmp_path, "main.tf", LAMBDA)
    nodes = {n.value("host"): n for n in conns(result)}
    assert set(nodes) == {"db.example.com", "api.example.com", "orders.internal", "status.example.com"}
    db = nodes["db.example.com"]
    assert db.id == "aws_lambda_function.api/conn[0]" and db.kind == "connection"
    assert {k: a.value for k, a in db.attrs.items()} == {
        "scheme": "postgres", "protocol": "POSTGRESQL", "host": "db.example.com", "port": 5432, "role": "data",
        "tls_mode": "plaintext", "tls_reason": "sslmode=disable sends data in clear (libpq)", "network": "internet",
    }
    assert db.attrs["tls_mode"].span is not None and db.attrs["tls_mode"].span.line == 5
    api = nodes["api.example.com"]
    assert (api.value("role"), api.value("protocol"), api.value("plaintext"), api.value("network")) == (
        "backend", "HTTP", True, "internet")
    assert nodes["status.example.com"].value("plaintext") is False
    # data hops: TL103 at every profile; http hops: TL501 on the internet at baseline, everywhere in strict
    assert by_line(result) == {(5, "TL103"), (6, "TL501")}
    assert by_line(lint(tmp_path, "main.tf", LAMBDA, "strict")) == {(5, "TL103"), (6, "TL501"), (7, "TL501")}


def test_keyword_dsn_with_an_interpolated_host(tmp_path: Path) -> None:
    """The space after an interpolation is part of the string: `port` is its own keyword, not
    the tail of the host (tree-sitter-hcl drops white space at the ends of literal runs)."""
    text = ('resource "aws_lambda_function" "f" {\n  environment {\n    variables = {\n'
            '      DSN = "host=${var.h} port=5432 sslmode=disable"\n    }\n  }\n}\n')
    result = lint(tmp_path, "main.tf", text)
    (conn,) = conns(result)
    assert (conn.value("port"), conn.value("tls_mode")) == (5432, "plaintext")
    assert by_line(result) == {(4, "TL103")}
    assert "connects to ${var.h} in plaintext mode" in result.findings[0].message


def test_terraform_json_strings(tmp_path: Path) -> None:
    """jsonencode keeps the structure (findings at the value); a heredoc is read as JSON and the
    finding points at the attribute holding it."""
    text = """\
resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([{
    name = "a"
    environment = [
      { name = "DB", value = "redis://cache.example.com:6379" },
      { name = "NODE_TLS_REJECT_UNAUTHORIZED", value = "0" },
    ]
  }])
}
resource "aws_ecs_task_definition" "b" {
  family                = "b"
  container_definitions = <<EOF
[{"name": "b", "environment": [{"name": "DB", "value": "redis://cache.example.com:6379"},
                               {"name": "PYTHONHTTPSVERIFY", "value": "0"}]}]
EOF
}
"""
    result = lint(tmp_path, "main.tf", text)
    assert by_line(result) == {(6, "TL103"), (7, "TL301"), (13, "TL103"), (13, "TL301")}


def test_a_value_the_tables_read_is_not_read_again(tmp_path: Path) -> None:
    text = """\
resource "aws_glue_connection" "jdbc" {
  name = "jdbc"
  connection_properties = {
    JDBC_CONNECTION_URL = "jdbc:postgresql://db.example.com:5432/app"
    JDBC_ENFORCE_SSL    = "true"
  }
}
"""
    result = lint(tmp_path, "main.tf", text)
    assert conns(result) == [] and result.findings == []


def test_module_called_twice(tmp_path: Path) -> None:
    """The same value reached twice through evaluation is one node; different values are two."""
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text("""\
variable "url" {}
resource "aws_lambda_function" "f" {
  function_name = "f"
  environment {
    variables = { DB = var.url }
  }
}
""")
    call = 'module "{name}" {{\n  source = "./mod"\n  url = "{url}"\n}}\n'
    same = call.format(name="a", url="redis://cache.example.com:6379") + \
        call.format(name="b", url="redis://cache.example.com:6379")
    assert len(conns(lint(tmp_path, "main.tf", same))) == 1
    different = call.format(name="a", url="redis://cache.example.com:6379") + \
        call.format(name="b", url="mysql://db.example.com/app")
    assert sorted(n.value("scheme") for n in conns(lint(tmp_path, "main.tf", different))) == ["mysql", "redis"]


# ---- CloudFormation -----------------------------------------------------------------------------


def test_cloudformation_sam_globals_give_one_node(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Environment:
      Variables:
        LDAP_URL: ldap://ldap.example.com
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.h, CodeUri: ./a}
  B:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: b.h, CodeUri: ./b}
"""
    result = lint(tmp_path, "t.yaml", text)
    assert len(conns(result)) == 1 and by_line(result) == {(7, "TL103")}


def test_cloudformation_only_settings_give_http_nodes(tmp_path: Path) -> None:
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Description: "calls http://api.example.com"
      Environment:
        Variables:
          API_URL: http://api.example.com/v1
  Integration:
    Type: AWS::Events::ApiDestination
    Properties:
      InvocationEndpoint: http://hooks.example.com/x
      HttpMethod: POST
"""
    result = lint(tmp_path, "t.yaml", text)
    assert [n.value("host") for n in conns(result)] == ["api.example.com"]


# ---- Kubernetes ---------------------------------------------------------------------------------


def test_kubernetes_env_switch_is_one_finding(tmp_path: Path) -> None:
    """The Kubernetes front end reads container env switches itself; this pass leaves them."""
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          env:
            - name: NODE_TLS_REJECT_UNAUTHORIZED
              value: "0"
"""
    result = lint(tmp_path, "k.yaml", text)
    assert [(f.span.line, f.rule_id) for f in result.findings] == [(12, "TL301")]


def test_kubernetes_templated_mode_is_unknown(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  DATABASE_URL: postgres://db.example.com:5432/app?sslmode=${DB_SSLMODE}
  CACHE_URL: redis://${CACHE_HOST}:6379
"""
    result = lint(tmp_path, "k.yaml", text)
    nodes = {n.value("scheme"): n for n in conns(result)}
    assert nodes["postgres"].value("tls_mode") is UNKNOWN and result.unknown >= 1
    assert nodes["redis"].value("network") == "unknown"
    assert by_line(result) == {(6, "TL103")}  # redis:// is plaintext whatever the host


def test_kubernetes_text_settings(tmp_path: Path) -> None:
    """In a file-style value only `key=value` lines are settings; other text is not."""
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  app.properties: |
    api.url=http://api.example.com/v1
    public.url=http://www.example.com/
  nginx.conf: |
    location / { proxy_pass http://api.example.com; }
    location /search { proxy_pass http://elasticsearch:9200; }
  SEARCH_URL: http://elasticsearch:9200
"""
    result = lint(tmp_path, "k.yaml", text)
    assert [(n.value("host"), n.value("role")) for n in conns(result)] == [
        ("api.example.com", "backend"), ("elasticsearch", "data")]
    assert by_line(result) == {(5, "TL501"), (11, "TL103")}


def test_kubernetes_secret_data_is_not_decoded(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Secret
metadata: {name: s}
data:
  url: cmVkaXM6Ly9jYWNoZTo2Mzc5
stringData:
  plain: redis://cache:6379
"""
    result = lint(tmp_path, "k.yaml", text)
    assert by_line(result) == {(7, "TL103")}


# ---- robustness ---------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=60),
                     st.sampled_from(["postgres://a@b/c?sslmode=disable", "0", "security.protocol=SSL\nx=",
                                      '[{"name": "A", "value": "redis://c"}]', "http://x.example.com"]))
_plain = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["name", "value", "env", "data", "API_URL", "KAFKA_SECURITY_PROTOCOL",
                                     "NODE_TLS_REJECT_UNAUTHORIZED", "x"]), inner, max_size=4)), max_leaves=20)


def _spanned(x: object) -> Value:
    span = Span(1, 1, 1, 2)
    if isinstance(x, dict):
        return Value({k: _spanned(v) for k, v in x.items()}, span, span)
    if isinstance(x, list):
        return Value([_spanned(v) for v in x], span, span)
    return Value(x, span, span)


@settings(max_examples=300, deadline=None)
@given(_plain)
def test_the_pass_never_raises(data: object) -> None:
    res = NativeResource("r.x", "aws_lambda_function", "terraform", "m.tf", Span(1, 1, 9, 1), Span(1, 1, 1, 5),
                         _spanned({"environment": {"variables": data}}))
    for node in connection_nodes(res, {}, set()):
        assert node.kind == "connection" and "tls_reason" in node.attrs


_fragments = st.sampled_from([
    "postgres://", "http://", "https://", "jdbc:", "mysql:", "@tcp(", "@", "=", ";", ",", ":", " ", "\n", "host",
    "db", "sslmode", "security.protocol", "bootstrap.servers", "(description=", "ssl", "password", "abc", "9092",
    "redis://h", "Server=h", "Encrypt=False", "amqp://", "oracle:thin:@", "tcp://", "${X}", "kafka://",
])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_fragments, max_size=12).map("".join))
def test_the_pre_gate_never_hides_a_kept_string(text: str) -> None:
    """_may_hold decides without loading the parser; it must be a superset of what is kept."""
    found = find_all(text)
    if not _may_hold(text, True):
        assert found == []
    if not _may_hold(text, False):
        assert all(c.scheme in ("http", "https", "ws", "wss") for c in found)


def test_key_value_items_are_switches(tmp_path: Path) -> None:
    k8s = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: c:1
      args: ["--x", "GIT_SSL_NO_VERIFY=1"]
"""
    assert by_line(lint(tmp_path, "p.yaml", k8s)) == {(8, "TL301")}


def test_kafka_map_points_at_the_deciding_key(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  security.protocol: SSL
  ssl.endpoint.identification.algorithm: ""
  bootstrap.servers: kafka-0:9093
"""
    result = lint(tmp_path, "k.yaml", text)
    assert by_line(result) == {(6, "TL301")}
    assert [n.value("tls_mode") for n in conns(result)] == ["no-hostname-check"]


# ---- redaction ----------------------------------------------------------------------------------


def test_redact() -> None:
    assert redact('DB = "postgres://app:Canary-Pw-9002@db:5432/x"') == 'DB = "postgres://app:***@db:5432/x"'
    assert redact("Server=s;User Id=u;Password=Canary-Pw-9003;Encrypt=True") == \
        "Server=s;User Id=u;Password=***;Encrypt=True"
    assert redact('{"password": "Canary-Pw-9004"}') == '{"password": ***}'
    for path in MY_FIXTURES:
        for line in path.read_text().splitlines():
            assert not CANARY.search(redact(line)), (path.name, line)


def _report(tmp_path: Path, fmt: str) -> str:
    out = tmp_path / f"report.{fmt}"
    for fixture in MY_FIXTURES:
        (tmp_path / "src" / fixture.parent.name).mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / fixture.parent.name / fixture.name).write_text(fixture.read_text())
    proc = subprocess.run(
        [sys.executable, "-m", "transit_lint", "src", "--no-cache", "--profile", "strict", "-f", fmt, "-o", str(out)],
        cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return out.read_text() + proc.stdout + proc.stderr


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_no_credential_in_reports(tmp_path: Path, fmt: str) -> None:
    report = _report(tmp_path, fmt)
    if fmt == "json":
        assert any("/conn[" in (f.get("resource") or {}).get("id", "") for f in json.loads(report)["findings"])
    assert not CANARY.search(report)


def test_no_credential_in_text_report(tmp_path: Path) -> None:
    assert not CANARY.search(_report(tmp_path, "text"))


# ---- the references the pass hands the graph ------------------------------------------------------

_SPAN = Span(1, 1, 1, 2)
_KEYS = st.sampled_from(["name", "value", "Value", "Name", "tags", "description", "env", "data", "protocol",
                         "security.protocol", "KAFKA_SECURITY_PROTOCOL", "url", "x"])
_LEAVES = st.one_of(
    st.sampled_from(["PLAINTEXT", "postgres://db.example.com/app?sslmode=disable", "NODE_TLS_REJECT_UNAUTHORIZED",
                     "0", "", "a=b;c=d"]),
    st.integers(0, 9), st.just(UNKNOWN), st.just(None),
    st.builds(Reference, st.sampled_from(["aws_lb.a", "aws_security_group.g", "TG"]), st.sampled_from(["", "arn"])),
)
_TREES = st.recursive(
    _LEAVES.map(lambda d: Value(d, _SPAN)),
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda xs: Value(xs, _SPAN)),
                            st.dictionaries(_KEYS, inner, max_size=5).map(lambda d: Value(d, _SPAN))),
    max_leaves=30,
)


def _scanned(body: Value, type_: str = "aws_instance", fmt: str = "terraform") -> list[tuple[str, Reference]]:
    res = NativeResource("r.x", type_, fmt, "main.tf", _SPAN, _SPAN, body)
    connection_nodes(res, {}, set())
    seen_body, refs = res.meta[SCANNED_REFERENCES]
    assert seen_body is body
    return list(refs)


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_scan_collects_the_references_the_graph_would(body: Value) -> None:
    """Skipped keys (tags, descriptions), name/value pairs and list items included, in order."""
    assert _scanned(body) == list(references(body))
    assert _scanned(body, "core/Secret", "kubernetes") == list(references(body))


def test_scan_collects_references_below_its_depth_limit() -> None:
    deep = Value({"leaf": Value(Reference("aws_lb.a", "arn"), _SPAN)}, _SPAN)
    for i in range(80):
        deep = Value({f"k{i}": deep} if i % 2 else [deep], _SPAN)
    body = Value({"top": deep, "target_group_arn": Value(Reference("aws_lb_target_group.t", "arn"), _SPAN)}, _SPAN)
    assert _scanned(body) == list(references(body))
    assert len(_scanned(body)) == 2
