"""Terraform breadth (issue 3): the derivations in normalize/hooks_terraform.py and the tables
terraform_aws_data/aws_services/azure/gcp/other.yaml, below the fixture level."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from transit_lint.model import NativeResource, Node
from transit_lint.normalize import normalize_all
from transit_lint.normalize.mapping import HOOKS, load_table
from transit_lint.terraform.frontend import TerraformFrontend
from transit_lint.tree import UNKNOWN

TABLES = Path(__file__).resolve().parent.parent / "src" / "transit_lint" / "normalize" / "tables"
MINE = ["terraform_aws_data.yaml", "terraform_aws_services.yaml", "terraform_azure.yaml", "terraform_gcp.yaml",
        "terraform_other.yaml"]


def resources(tmp_path: Path, text: str) -> list[NativeResource]:
    (tmp_path / "main.tf").write_text(text)
    fe = TerraformFrontend(tmp_path, (tmp_path,), 1_000_000)
    result = fe.run([tmp_path / "main.tf"], [])
    assert not result.errors, [e.message for e in result.errors]
    return result.resources


def nodes(tmp_path: Path, text: str) -> dict[str, Node]:
    res = resources(tmp_path, text)
    made, errors = normalize_all(res, "terraform")  # gives hooks the run's resource index
    assert not errors, [e.message for e in errors]
    return {n.id: n for n in made}


# ---- the tables themselves -----------------------------------------------------------------------


@pytest.mark.parametrize("name", MINE)
def test_table_hooks_exist_and_kinds_are_canonical(name: str) -> None:
    data: dict[str, Any] = yaml.safe_load((TABLES / name).read_text())
    aliases = data.pop("_aliases", {}) or {}
    table = load_table("terraform")
    for native in [k.partition("#")[0] for k in data] + list(aliases):  # `Type#concern` adds nodes
        for spec in table[native]:
            assert spec.kind in ("endpoint", "connection", "tls_policy", "certificate", "mesh_policy"), native
            for h in spec.hooks:
                assert h in HOOKS, f"{name}: {native} names unknown hook {h}"


# ---- relational parameter groups ----------------------------------------------------------------


@pytest.mark.parametrize(("family", "params", "expected"), [
    ("postgres14", "", False),
    ("postgres15", "", True),
    ("postgres13", 'parameter {\n name = "rds.force_ssl"\n value = "1"\n}', True),
    ("aurora-postgresql16", "", False),
    ("aurora-postgresql17", "", UNKNOWN),
    ("mysql8.0", 'parameter {\n name = "require_secure_transport"\n value = "ON"\n}', True),
    ("mariadb10.11", "", False),
    ("sqlserver-ee-16.0", 'parameter {\n name = "rds.force_ssl"\n value = 0\n}', False),
    ("db2-se-11.5", 'parameter {\n name = "db2comm"\n value = "SSL"\n}', True),
])
def test_rds_parameter_group_family_decides(tmp_path: Path, family: str, params: str, expected: Any) -> None:
    n = nodes(tmp_path, f'resource "aws_db_parameter_group" "p" {{\n family = "{family}"\n{params}\n}}\n')
    assert n["aws_db_parameter_group.p"].value("tls.required") is expected


def test_oracle_parameter_group_is_not_judged(tmp_path: Path) -> None:
    n = nodes(tmp_path, 'resource "aws_db_parameter_group" "p" {\n family = "oracle-ee-19"\n}\n')
    assert "tls.required" not in n["aws_db_parameter_group.p"].attrs


# ---- azurerm 3.x and 4.x names ---------------------------------------------------------------------


@pytest.mark.parametrize(("legacy", "current"), [
    ("enable_https_traffic_only", "https_traffic_only_enabled"),
])
def test_storage_names_agree(tmp_path: Path, legacy: str, current: str) -> None:
    a = nodes(tmp_path, f'resource "azurerm_storage_account" "s" {{\n {legacy} = false\n}}\n')
    b = nodes(tmp_path, f'resource "azurerm_storage_account" "s" {{\n {current} = false\n}}\n')
    assert a["azurerm_storage_account.s"].value("tls.required") is False
    assert b["azurerm_storage_account.s"].value("tls.required") is False


def test_redis_non_ssl_port_names_agree(tmp_path: Path) -> None:
    for name in ("enable_non_ssl_port", "non_ssl_port_enabled"):
        n = nodes(tmp_path, f'resource "azurerm_redis_cache" "r" {{\n {name} = true\n}}\n')
        assert n["azurerm_redis_cache.r"].value("tls.required") is False
    n = nodes(tmp_path, 'resource "azurerm_redis_cache" "r" {}\n')
    assert n["azurerm_redis_cache.r"].value("tls.required") is True


@pytest.mark.parametrize(("rtype", "enabled", "mode", "expected"), [
    ("azurerm_app_service", "client_cert_enabled = true", 'client_cert_mode = "Optional"', "optional"),
    ("azurerm_app_service", "", "", "none"),
    ("azurerm_linux_web_app", "client_certificate_enabled = true", "", "required"),
    ("azurerm_windows_web_app", "client_certificate_enabled = false", "", "none"),
    ("azurerm_function_app", "", 'client_cert_mode = "Required"', "required"),
    ("azurerm_function_app", "", "", "none"),
])
def test_web_app_client_certificates(tmp_path: Path, rtype: str, enabled: str, mode: str, expected: str) -> None:
    n = nodes(tmp_path, f'resource "{rtype}" "a" {{\n {enabled}\n {mode}\n}}\n')
    assert n[f"{rtype}.a"].value("tls.client_auth") == expected


def test_web_app_https_endpoint_takes_the_default_minimum(tmp_path: Path) -> None:
    n = nodes(tmp_path, 'resource "azurerm_linux_web_app" "a" {\n site_config {}\n}\n')
    assert n["azurerm_linux_web_app.a"].value("tls.min_version") == "1.2"
    assert n["azurerm_linux_web_app.a/http"].value("plaintext") is True
    assert "azurerm_linux_web_app.a/ftp" not in n  # ftps_state defaults to Disabled


# ---- resource policies (TL120) ---------------------------------------------------------------------

_DOC = """
data "aws_iam_policy_document" "d" {
  statement {
    effect  = "%s"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["%s"]
    }
  }
}
resource "aws_s3_bucket" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.d.json
}
"""


@pytest.mark.parametrize(("effect", "value", "expected"), [
    ("Deny", "false", True), ("Deny", "true", False), ("Allow", "false", False), ("Allow", "true", False),
])
def test_policy_document_through_the_resource_index(tmp_path: Path, effect: str, value: str, expected: bool) -> None:
    n = nodes(tmp_path, _DOC % (effect, value))
    assert n["aws_s3_bucket.b"].value("secure_transport_enforced") is expected


def test_deny_must_cover_the_service(tmp_path: Path) -> None:
    text = """resource "aws_s3_bucket_policy" "p" {
  bucket = "b"
  policy = jsonencode({Statement = [{Effect = "Deny", Principal = "*", Action = "s3:GetBucketAcl",
    Condition = {Bool = {"aws:SecureTransport" = "false"}}}]})
}
"""
    assert nodes(tmp_path, text)["aws_s3_bucket_policy.p"].value("secure_transport_enforced") is False


def test_unknown_principal_is_unknown(tmp_path: Path) -> None:
    text = """variable "who" {}
resource "aws_sqs_queue_policy" "p" {
  queue_url = "q"
  policy = jsonencode({Statement = [{Effect = "Deny", Principal = var.who, Action = "sqs:*",
    Condition = {Bool = {"aws:SecureTransport" = "false"}}}]})
}
"""
    assert nodes(tmp_path, text)["aws_sqs_queue_policy.p"].value("secure_transport_enforced") is UNKNOWN


# ---- GCP ---------------------------------------------------------------------------------------------


def test_http_proxy_redirect_follows_the_url_map(tmp_path: Path) -> None:
    text = """resource "google_compute_url_map" "m" {
  name = "m"
  default_url_redirect {
    https_redirect = %s
  }
}
resource "google_compute_target_http_proxy" "p" {
  name    = "p"
  url_map = google_compute_url_map.m.id
}
"""
    assert nodes(tmp_path, text % "true")["google_compute_target_http_proxy.p"].value(
        "redirect_to_https") is True
    assert nodes(tmp_path, text % "false")["google_compute_target_http_proxy.p"].value(
        "redirect_to_https") is False


def test_ssl_policy_profiles(tmp_path: Path) -> None:
    text = """resource "google_compute_ssl_policy" "r" {
  profile = "RESTRICTED"
}
resource "google_compute_ssl_policy" "c" {
  profile         = "CUSTOM"
  min_tls_version = "TLS_1_2"
  custom_features = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
}
"""
    n = nodes(tmp_path, text)
    assert n["google_compute_ssl_policy.r"].value("tls.min_version") == "1.2"
    assert "TLS_RSA_WITH_AES_128_CBC_SHA" not in n["google_compute_ssl_policy.r"].value("tls.ciphers")
    assert n["google_compute_ssl_policy.c"].value("tls.ciphers") == ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]


# ---- certificates --------------------------------------------------------------------------------------


def _pem(bits: int, not_after: datetime.datetime, ca: bool = False) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(65537, bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t.example.com")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(7).not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(not_after))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_pem_certificate_facts(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text(_pem(1024, datetime.datetime(2021, 1, 1)))
    n = nodes(tmp_path, 'resource "aws_iam_server_certificate" "c" {\n certificate_body = file("cert.pem")\n}\n')
    c = n["aws_iam_server_certificate.c"]
    assert (c.value("key_algorithm"), c.value("key_size"), c.value("key_weak")) == ("RSA", 1024, True)
    assert (c.value("not_after"), c.value("expired"), c.value("self_signed")) == ("2021-01-01", True, True)
    assert c.value("validity_too_long") is False  # 366 days


def test_ca_certificate_is_exempt_from_the_validity_limit(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text(_pem(2048, datetime.datetime(2090, 1, 1), ca=True))
    n = nodes(tmp_path, 'resource "aws_acm_certificate" "c" {\n certificate_body = file("ca.pem")\n}\n')
    c = n["aws_acm_certificate.c"]
    assert c.value("is_ca") is True and "validity_too_long" not in c.attrs
    assert c.value("key_weak") is False and c.value("expired") is False


def test_unreadable_pem_claims_nothing(tmp_path: Path) -> None:
    n = nodes(tmp_path, 'resource "aws_iam_server_certificate" "c" {\n certificate_body = "not a pem"\n}\n')
    assert "key_weak" not in n["aws_iam_server_certificate.c"].attrs


def test_current_rds_ca_is_not_dated(tmp_path: Path) -> None:
    n = nodes(tmp_path, 'resource "aws_db_instance" "d" {\n ca_cert_identifier = "rds-ca-rsa4096-g1"\n}\n')
    c = n["aws_db_instance.d/ca_cert_identifier"]
    assert "expired" not in c.attrs and "not_after" not in c.attrs


# ---- VPN --------------------------------------------------------------------------------------------


def test_aws_tunnel_defaults_are_the_whole_list(tmp_path: Path) -> None:
    n = nodes(tmp_path, 'resource "aws_vpn_connection" "v" {\n type = "ipsec.1"\n}\n')
    t1 = n["aws_vpn_connection.v/tunnel1"]
    assert t1.value("ipsec.ike_versions") == ["IKEv1", "IKEv2"]
    assert 2 in t1.value("ipsec.phase1_dh_groups") and "SHA1" in t1.value("ipsec.phase1_integrity")


def test_azure_ipsec_names_are_canonical(tmp_path: Path) -> None:
    text = """resource "azurerm_virtual_network_gateway_connection" "c" {
  type = "IPsec"
  ipsec_policy {
    dh_group         = "ECP384"
    ike_encryption   = "GCMAES256"
    ike_integrity    = "SHA384"
    ipsec_encryption = "GCMAES256"
    ipsec_integrity  = "GCMAES256"
    pfs_group        = "PFS2048"
  }
}
"""
    c = nodes(tmp_path, text)["azurerm_virtual_network_gateway_connection.c"]
    assert c.value("ipsec.phase1_encryption") == ["AES-256-GCM"]
    assert c.value("ipsec.phase1_dh_groups") == [20] and c.value("ipsec.phase2_dh_groups") == [14]
    assert c.value("ipsec.ike_versions") == ["IKEv2"]


# ---- Session Manager preferences (TL112) -------------------------------------------------------------

_SSM = 'resource "aws_ssm_document" "s" {\n  document_type = "%s"\n  content = %s\n}\n'


@pytest.mark.parametrize(("content", "expected"), [
    ('jsonencode({inputs = {kmsKeyId = "alias/k"}})', True),
    ('jsonencode({inputs = {s3EncryptionEnabled = true}})', False),
    ('jsonencode({sessionType = "Standard_Stream", inputs = {kmsKeyId = ""}})', False),
    ('"{\\"inputs\\": {\\"kmsKeyId\\": \\"alias/k\\"}}"', True),
    ('"schemaVersion: \'1.0\'\\ninputs:\\n  runAsEnabled: false\\n"', False),  # YAML
    ('"{\\"inputs\\": {\\"kmsKeyId\\": \\"${var.k}\\"}}"', UNKNOWN),
    ('"{\\"inputs\\": {\\"s3BucketName\\": \\"${var.b}\\"}}"', False),  # read from the known text
    ("var.doc", UNKNOWN),
])
def test_ssm_session_kms_key(tmp_path: Path, content: str, expected: Any) -> None:
    n = nodes(tmp_path, _SSM % ("Session", content))
    assert n["aws_ssm_document.s"].value("end_to_end_encryption") is expected


def test_ssm_only_stream_sessions_are_judged(tmp_path: Path) -> None:
    port = nodes(tmp_path, _SSM % ("Session", 'jsonencode({sessionType = "Port"})'))
    assert "end_to_end_encryption" not in port["aws_ssm_document.s"].attrs
    assert "aws_ssm_document.s" not in nodes(tmp_path, _SSM % ("Command", "jsonencode({})"))


# ---- GKE legacy client certificates (TL324) ----------------------------------------------------------


@pytest.mark.parametrize(("block", "issued"), [
    ("master_auth {\n client_certificate_config {\n issue_client_certificate = true\n }\n}", True),
    ("master_auth {\n client_certificate_config {\n issue_client_certificate = false\n }\n}", False),
    ("master_auth {}", False),
    ("", False),
])
def test_gke_client_certificate(tmp_path: Path, block: str, issued: bool) -> None:
    n = nodes(tmp_path, f'resource "google_container_cluster" "c" {{\n{block}\n}}\n')
    cert = n.get("google_container_cluster.c/master_auth/client_certificate")
    assert (cert is not None) is issued
    if cert is not None:
        assert cert.value("renewal") == "disabled"


# ---- API Management ciphers, App Mesh client policies ---------------------------------------------------


def test_apim_cipher_switches(tmp_path: Path) -> None:
    text = """resource "azurerm_api_management" "a" {
  security {
    tls_rsa_with_aes128_cbc_sha_ciphers_enabled = true
    tls_ecdhe_rsa_with_aes256_cbc_sha_ciphers_enabled = false
    triple_des_ciphers_enabled = true
  }
}
"""
    a = nodes(tmp_path, text)["azurerm_api_management.a"]
    assert a.value("tls.ciphers") == ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"]
    assert [s.line for s in a.attrs["tls.ciphers"].item_spans or []] == [3, 5]
    assert "tls.ciphers" not in nodes(tmp_path, 'resource "azurerm_api_management" "a" {}\n')[
        "azurerm_api_management.a"].attrs


@pytest.mark.parametrize(("defaults", "own", "plaintext"), [
    ("", "", True),
    ("backend_defaults {\n client_policy {\n tls {\n validation {}\n }\n }\n }", "", False),
    ("backend_defaults {\n client_policy {\n tls {\n validation {}\n }\n }\n }",
     "client_policy {\n tls {\n enforce = false\n }\n }", True),
    ("", "client_policy {\n tls {\n enforce = var.e\n }\n }", UNKNOWN),
])
def test_appmesh_client_policy(tmp_path: Path, defaults: str, own: str, plaintext: Any) -> None:
    text = f"""resource "aws_appmesh_virtual_node" "n" {{
  spec {{
    {defaults}
    backend {{
      virtual_service {{
        virtual_service_name = "svc"
        {own}
      }}
    }}
  }}
}}
"""
    assert nodes(tmp_path, text)["aws_appmesh_virtual_node.n/backend[0]"].value("plaintext") is plaintext
