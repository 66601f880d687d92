"""CloudFormation derivations the mapping tables name but cannot express as rows.

Registered with `@hook` when the front end loads (frontend.load imports this module). Each hook
reads the resource's evaluated properties and sets canonical attributes, keeping the span of the
property that decided the value (or None, so the finding points at the header).
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Attr, NativeResource, Node
from ..normalize.derive import classic_elb_policy
from ..normalize.hooks_terraform import session_document_encryption
from ..normalize.mapping import hook
from ..normalize.paths import resolve
from ..normalize.secure_transport import judge
from ..tree import UNKNOWN, Reference, Value

# a cipher name we cannot resolve but that names a broken primitive is reported as written


def _text(v: Value | None) -> str | None:
    if v is None or v.data is UNKNOWN or isinstance(v.data, (dict, list, Reference)) or v.data is None:
        return None
    if isinstance(v.data, bool):
        return "true" if v.data else "false"
    return str(v.data)


def _truth(v: Value) -> bool | None:
    """CloudFormation booleans arrive as YAML booleans or as strings."""
    if isinstance(v.data, bool):
        return v.data
    t = _text(v)
    if t is None:
        return None
    return {"true": True, "false": False, "1": True, "0": False, "on": True, "off": False}.get(t.strip().lower())


# ---- load balancers -------------------------------------------------------------------------------


@hook("cfn_listener_default_protocol")
def listener_default_protocol(node: Node, res: NativeResource, ctx: Value) -> None:
    """Without Protocol an ALB listener serves HTTP; a Gateway LB listener has no port either."""
    if "protocol" not in node.attrs and "port" in node.attrs:
        node.attrs["protocol"] = Attr("HTTP", None, "provider default")


@hook("cfn_elb_policy_attributes")
def elb_policy_attributes(node: Node, res: NativeResource, ctx: Value) -> None:
    """A Classic ELB SSLNegotiationPolicyType policy: `Attributes: [{Name, Value}]`."""
    entries = [(attr.get("Name"), attr.get("Value"))
               for item in resolve(ctx, "Attributes")
               for attr in (item.data if isinstance(item.data, list) else [item])]
    classic_elb_policy(node, entries)


# ---- CloudFront -------------------------------------------------------------------------------------


@hook("cfn_cloudfront_viewer_certificate")
def cloudfront_viewer_certificate(node: Node, res: NativeResource, ctx: Value) -> None:
    """`ctx` is DistributionConfig. Without a ViewerCertificate, or without an ACM/IAM
    certificate in it, CloudFront serves *.cloudfront.net, which allows TLSv1 whatever
    MinimumProtocolVersion says (the shared `cloudfront_default_certificate` hook sets that floor)."""
    vc = ctx.get("ViewerCertificate")
    if vc is None:
        node.attrs["cloudfront_default_certificate"] = Attr(True, None, "no ViewerCertificate")
        return
    if not vc.is_map():
        node.attrs["tls.min_version"] = Attr(UNKNOWN, vc.anchor)
        return
    default = vc.get("CloudFrontDefaultCertificate")
    custom = [c for c in (vc.get("AcmCertificateArn"), vc.get("IamCertificateId")) if c is not None]
    if default is not None and default.data is UNKNOWN:
        node.attrs["tls.min_version"] = Attr(UNKNOWN, default.anchor)
        return
    if not custom:
        span = default.anchor if default is not None and _truth(default) is True else vc.anchor
        node.attrs["cloudfront_default_certificate"] = Attr(True, span, "no AcmCertificateArn or IamCertificateId")
        return
    # a custom certificate together with CloudFrontDefaultCertificate: true is rejected at deploy
    # time; the certificate and minimum the author wrote out are judged
    mpv = vc.get("MinimumProtocolVersion")
    if mpv is None:
        # with your own certificate and no minimum, CloudFront accepts TLSv1
        node.attrs["tls.policy"] = Attr("TLSv1", vc.anchor, "provider default")
    else:
        node.attrs["tls.policy"] = Attr(mpv.data, mpv.anchor, mpv.origin)


# ---- data services --------------------------------------------------------------------------------


@hook("cfn_emr_security_configuration")
def emr_security_configuration(node: Node, res: NativeResource, ctx: Value) -> None:
    """`SecurityConfiguration` is a map or a JSON string; EnableInTransitEncryption defaults off."""
    sc = res.body.get("SecurityConfiguration")
    if sc is None:
        node.attrs["tls.required"] = Attr(False, None)
        return
    if isinstance(sc.data, str):
        try:
            plain: Any = json.loads(sc.data)
        except ValueError:
            node.attrs["tls.required"] = Attr(UNKNOWN, sc.anchor)
            return
        enc = plain.get("EncryptionConfiguration") if isinstance(plain, dict) else None
        flag = enc.get("EnableInTransitEncryption") if isinstance(enc, dict) else None
        value = _truth(Value(flag, sc.anchor)) if flag is not None else False
        node.attrs["tls.required"] = Attr(UNKNOWN if value is None else value, sc.anchor)
        return
    if not sc.is_map():
        node.attrs["tls.required"] = Attr(UNKNOWN, sc.anchor)
        return
    enc = sc.get("EncryptionConfiguration")
    flag = enc.get("EnableInTransitEncryption") if enc is not None else None
    if flag is None:
        node.attrs["tls.required"] = Attr(False, (enc or sc).anchor, "EnableInTransitEncryption defaults to false")
        return
    value = _truth(flag)
    node.attrs["tls.required"] = Attr(UNKNOWN if value is None else value, flag.anchor, flag.origin)


@hook("cfn_emr_cluster")
def emr_cluster(node: Node, res: NativeResource, ctx: Value) -> None:
    """A cluster without a security configuration has no in-transit encryption; with one, the
    configuration is judged on its own resource."""
    if "security_configuration" not in node.attrs:
        node.attrs["tls.required"] = Attr(False, None, "no SecurityConfiguration")


# RDS/Aurora parameters the shared rds_parameter_group hook reads (as `param.<name>`)
_RDS_PARAMETERS = ("rds.force_ssl", "require_secure_transport", "db2comm", "ssl_min_protocol_version", "tls_version")
_DOCDB_TLS = {"disabled": False, "enabled": True, "fips-140-3": True, "tls1.2+": True, "tls1.3+": True}
_NEPTUNE_SSL = {"1": True, "true": True, "0": False, "false": False}


@hook("cfn_db_parameters")
def db_parameters(node: Node, res: NativeResource, ctx: Value) -> None:
    """`Parameters` is a map whose keys contain dots (`rds.force_ssl`), which table paths cannot
    name. RDS/Aurora: copy them out for the shared `rds_parameter_group` hook. DocumentDB `tls`
    (default enabled) and Neptune `neptune_enforce_ssl` (default 1) decide `tls.required` here."""
    params = res.body.get("Parameters")
    if params is not None and params.data is UNKNOWN:
        node.attrs["tls.required"] = Attr(UNKNOWN, params.anchor)
        return
    found: dict[str, Value] = dict(params.items()) if params is not None else {}
    if res.type.startswith("AWS::RDS::"):
        for name in _RDS_PARAMETERS:
            if name in found:
                v = found[name]
                value = v.data if not isinstance(v.data, (dict, list, Reference)) else UNKNOWN
                node.attrs[f"param.{name}"] = Attr(value, v.anchor, v.origin)
        return
    name, table = ("tls", _DOCDB_TLS) if res.type.startswith("AWS::DocDB::") else ("neptune_enforce_ssl", _NEPTUNE_SSL)
    setting: Value | None = found.get(name)
    if setting is None:
        node.attrs["tls.required"] = Attr(True, None, "engine default")
        return
    v = setting
    t = _text(v)
    verdict = table.get(t.strip().lower()) if t is not None else None
    node.attrs["tls.required"] = Attr(UNKNOWN if verdict is None else verdict, v.anchor, v.origin)
    if name == "tls" and t is not None and t.strip().lower() in ("tls1.2+", "tls1.3+"):
        node.attrs["tls.min_version"] = Attr(t.strip()[3:6], v.anchor, v.origin)


@hook("cfn_glue_skip_validation")
def glue_skip_validation(node: Node, res: NativeResource, ctx: Value) -> None:
    """`SKIP_CUSTOM_JDBC_CERT_VALIDATION = true` keeps TLS but drops the certificate check."""
    skip = resolve(ctx, "ConnectionInput.ConnectionProperties.SKIP_CUSTOM_JDBC_CERT_VALIDATION")
    if skip and node.value("tls_mode") == "verified" and _truth(skip[0]) is True:
        node.attrs["tls_mode"] = Attr("encrypted-unverified", skip[0].anchor, skip[0].origin)
        node.attrs["tls_reason"] = Attr(
            "JDBC_ENFORCE_SSL is on but SKIP_CUSTOM_JDBC_CERT_VALIDATION = true skips the certificate check", None)


# ---- resource policies (TL120) ---------------------------------------------------------------------

# resource type -> the service whose actions its policy must deny (secure_transport.SERVICES)
_POLICY_SERVICE = {"AWS::S3::Bucket": "s3", "AWS::SQS::Queue": "sqs", "AWS::SNS::Topic": "sns"}


@hook("cfn_secure_transport")
def secure_transport(node: Node, res: NativeResource, ctx: Value) -> None:
    """`secure_transport_enforced` from the policies the template attaches (judged by
    `secure_transport.judge`, shared with Terraform). A bucket without a policy is judged
    (false); a queue or topic only when a policy is attached. A finding points at the Deny
    statement that falls short, else at the PolicyDocument."""
    attached: list[dict[str, Any]] = res.meta.get("attached_policies", [])
    if not attached:
        if res.meta.get("policy_target_unknown"):
            node.attrs["secure_transport_enforced"] = Attr(UNKNOWN, None)
        elif res.type == "AWS::S3::Bucket":
            node.attrs["secure_transport_enforced"] = Attr(False, None, "no bucket policy")
        return
    verdicts = [(p, judge(p["document"], _POLICY_SERVICE[res.type])) for p in attached]
    yes = next((p for p, v in verdicts if v.enforced is True), None)
    if yes is not None:
        node.attrs["secure_transport_enforced"] = Attr(True, yes["span"])
    elif any(v.enforced is UNKNOWN for _, v in verdicts) or res.meta.get("policy_target_unknown"):
        node.attrs["secure_transport_enforced"] = Attr(UNKNOWN, attached[0]["span"])
    else:
        first, verdict = verdicts[0]
        node.attrs["secure_transport_enforced"] = Attr(
            False, verdict.span or first["span"], f"policy {first['policy']}")


@hook("cfn_efs_secure_transport")
def efs_secure_transport(node: Node, res: NativeResource, ctx: Value) -> None:
    """An EFS file system's own FileSystemPolicy (TL120); no policy in the template: not judged."""
    doc = ctx.get("FileSystemPolicy")
    if doc is None:
        return
    verdict = judge(doc, "elasticfilesystem")
    node.attrs["secure_transport_enforced"] = Attr(verdict.enforced, verdict.span or doc.anchor, doc.origin)


# ---- private circuits ---------------------------------------------------------------------------


@hook("cfn_dx_macsec")
def dx_macsec(node: Node, res: NativeResource, ctx: Value) -> None:
    """RequestMACSec true makes a circuit able to encrypt; whether it must is set outside
    CloudFormation (the connection's encryption mode), so it is unknown here."""
    link = node.get("link_encryption")
    if link is not None and link.value != "none":
        node.attrs["link_encryption"] = Attr(UNKNOWN, link.span, link.origin)


@hook("cfn_ssm_session_document")
def ssm_session_document(node: Node, res: NativeResource, ctx: Value) -> None:
    """`end_to_end_encryption` of a Session document's `Content` (TL112), judged as Terraform's."""
    content = ctx.get("Content")
    if content is not None:
        session_document_encryption(node, res, content)
