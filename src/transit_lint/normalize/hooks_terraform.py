"""Terraform derivations that tables cannot express (registered with @hook).

The tables (`tables/terraform_*.yaml`) map each native attribute to a canonical one; these hooks
only combine several of them (a parameter group's family decides which parameter matters), read
an embedded document (IAM/OSS policies, PEM certificates) or walk sibling blocks (Application
Gateway listeners and their redirect rules). Each hook reads what its table row mapped, so the
provider knowledge stays in the table.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from .. import tls, yamlio
from ..model import Attr, NativeResource, Node
from ..spans import Span
from ..tree import UNKNOWN, Reference, Value, partial_text
from .mapping import hook
from .paths import resolve
from .secure_transport import from_policy_document_data, judge

# ---- small helpers ---------------------------------------------------------------------------


def _plain(v: Value) -> Any:
    """The value without spans; references and unknowns inside become UNKNOWN."""
    d = v.data
    if isinstance(d, dict):
        return {k: _plain(x) for k, x in d.items()}
    if isinstance(d, list):
        return [_plain(x) for x in d]
    if isinstance(d, Reference):
        return UNKNOWN
    return d


def _set(node: Node, name: str, value: Any, span: Span | None, origin: str | None = None) -> None:
    node.attrs[name] = Attr(value, span, origin)


def _truth(x: Any) -> bool | None:
    """Terraform-ish truth of a scalar: true/"true"/1/"1"/"on"/"yes" and their negatives."""
    if isinstance(x, bool):
        return x
    if isinstance(x, (int, float)):
        return x != 0
    if isinstance(x, str):
        s = x.strip().lower()
        if s in ("true", "1", "on", "yes", "enabled"):
            return True
        if s in ("false", "0", "off", "no", "disabled"):
            return False
    return None


def lookup(res: NativeResource, ref: Reference) -> NativeResource | None:
    """The resource a reference names, when the normalizer gave the run's resource index.

    `res.meta["index"]` maps (root, address) to every native resource of the run; without it a
    reference stays unresolved (the caller then reports UNKNOWN, never a guess).
    """
    index = res.meta.get("index")
    if not isinstance(index, dict):
        return None
    key = (res.meta.get("root", ""), res.meta.get("prefix", "") + ref.address)
    found = index.get(key)
    return found if isinstance(found, NativeResource) else None


# ---- relational databases: parameter groups ---------------------------------------------------

_PG_FAMILY = re.compile(r"^(aurora-postgresql|postgres)(\d+)", re.I)
_MYSQL_FAMILY = re.compile(r"^(aurora-mysql|aurora|mysql|mariadb)", re.I)


@hook("rds_parameter_group")
def rds_parameter_group(node: Node, res: NativeResource, ctx: Value) -> None:
    """RDS/Aurora parameter groups: which parameter forces TLS depends on the engine family.

    PostgreSQL and SQL Server: `rds.force_ssl` (default 0; 1 from RDS for PostgreSQL 15 on).
    MySQL, MariaDB and Aurora MySQL: `require_secure_transport` (default OFF). Db2: `db2comm`.
    Oracle enforces TLS through an option group, not a parameter: not judged here.
    """
    fam = node.get("engine_family")
    if fam is None or not isinstance(fam.value, str):
        if fam is not None:
            _set(node, "tls.required", UNKNOWN, fam.span)
        return
    family = fam.value.lower()
    param: Attr | None
    if m := _PG_FAMILY.match(family):
        param = node.get("param.rds.force_ssl")
        major = int(m.group(2))
        # RDS for PostgreSQL 15+ ships rds.force_ssl = 1; Aurora PostgreSQL keeps 0 up to 16,
        # and later majors are not documented here: unknown rather than a guess
        if m.group(1).lower() == "postgres":
            default: Any = major >= 15
        else:
            default = False if major <= 16 else UNKNOWN
        _required_from(node, param, default, ("1", "true", "on"))
        _min_version(node, node.get("param.ssl_min_protocol_version"))
    elif "sqlserver" in family:
        _required_from(node, node.get("param.rds.force_ssl"), False, ("1", "true", "on"))
    elif _MYSQL_FAMILY.match(family):
        _required_from(node, node.get("param.require_secure_transport"), False, ("1", "true", "on"))
        _min_version(node, node.get("param.tls_version"))
    elif "db2" in family:
        _required_from(node, node.get("param.db2comm"), False, ("ssl",))


def _required_from(node: Node, param: Attr | None, default: Any, on: tuple[str, ...]) -> None:
    if param is None:
        _set(node, "tls.required", default, None, "engine default")
        return
    if param.value is UNKNOWN:
        _set(node, "tls.required", UNKNOWN, param.span, param.origin)
        return
    _set(node, "tls.required", str(param.value).strip().lower() in on, param.span, param.origin)


def _min_version(node: Node, attr: Attr | None, items: list[Span] | None = None) -> None:
    """The lowest TLS version named by a value like "TLSv1.2" or "TLSv1.1,TLSv1.2" (or a list)."""
    if attr is None:
        return
    if attr.value is UNKNOWN:
        _set(node, "tls.min_version", UNKNOWN, attr.span, attr.origin)
        return
    raw = attr.value if isinstance(attr.value, list) else re.split(r"[,\s]+", str(attr.value))
    spans = attr.item_spans if isinstance(attr.value, list) else None
    found = [(v, i) for i, x in enumerate(raw) if (v := tls.parse_version(x)) is not None]
    if not found:
        return
    low, idx = min(found, key=lambda p: tls.version_rank(p[0]))
    span = spans[idx] if spans and idx < len(spans) else attr.span
    _set(node, "tls.min_version", low, span, attr.origin)


@hook("min_version_from_list")
def min_version_from_list(node: Node, res: NativeResource, ctx: Value) -> None:
    """`tls.versions` (a list or a comma-separated string) -> `tls.min_version` at its lowest item."""
    _min_version(node, node.get("tls.versions"))


@hook("ciphers_from_openssl_names")
def ciphers_from_openssl_names(node: Node, res: NativeResource, ctx: Value) -> None:
    """`tls.cipher_names` in OpenSSL spelling -> IANA `tls.ciphers`, one span per suite."""
    names = node.get("tls.cipher_names")
    if names is None:
        return
    if not isinstance(names.value, list):
        _set(node, "tls.ciphers", UNKNOWN, names.span)
        return
    where = names.span or node.header
    out, spans = tls.parse_cipher_items(
        ((str(raw), names.item_spans[i] if names.item_spans else where) for i, raw in enumerate(names.value)), "auto")
    if out:
        node.attrs["tls.ciphers"] = Attr(out, spans[0], names.origin, spans)


# ---- resource policies that must deny plaintext (aws:SecureTransport) --------------------------

# native type prefix -> the service whose actions the policy must deny (secure_transport.SERVICES)
_POLICY_SERVICE = {
    "aws_s3_": "s3", "aws_sqs_": "sqs", "aws_sns_": "sns", "aws_efs_": "elasticfilesystem", "alicloud_oss_": "oss",
}


@hook("secure_transport_policy")
def secure_transport_policy(node: Node, res: NativeResource, ctx: Value) -> None:
    """`secure_transport_enforced` (TL120) from the policy written on a bucket, queue, topic or
    file system: inline JSON, `jsonencode(...)` or a `data.aws_iam_policy_document` (judged by
    `secure_transport.judge`, shared with CloudFormation). No policy in the code: nothing is
    claimed. A finding points at the Deny statement that falls short, else at `policy`."""
    pol = ctx.get("policy")
    if pol is None:
        return
    service = next((v for k, v in _POLICY_SERVICE.items() if res.type.startswith(k)), "")
    doc: Value | None = pol
    if isinstance(pol.data, Reference):
        target = lookup(res, pol.data)
        ok = target is not None and target.type == "data.aws_iam_policy_document"
        doc = from_policy_document_data(target.body, pol.anchor) if ok and target is not None else None
    verdict = judge(doc, service) if doc is not None else None
    if verdict is None:
        _set(node, "secure_transport_enforced", UNKNOWN, pol.anchor, pol.origin)
        return
    _set(node, "secure_transport_enforced", verdict.enforced, verdict.span or pol.anchor, pol.origin)


# ---- certificates ------------------------------------------------------------------------------


@hook("pem_certificate")
def pem_certificate(node: Node, res: NativeResource, ctx: Value) -> None:
    """Key algorithm, key size, validity and expiry of an imported certificate (PEM text)."""
    body = node.get("certificate_body")
    if body is None:
        return
    if not isinstance(body.value, str):
        for name in ("key_algorithm", "key_size", "not_after"):
            node.attrs.setdefault(name, Attr(UNKNOWN, body.span, body.origin))
        return
    facts = _pem_facts(body.value)
    if facts is None:
        return
    for name, value in facts.items():
        _set(node, name, value, body.span, body.origin)
    _set_expired(node, node.get("not_after"))


def _pem_facts(text: str) -> dict[str, Any] | None:
    start = text.find("-----BEGIN CERTIFICATE-----")
    if start < 0:
        return None
    # imported only when a certificate is present: the library costs ~0.1 s to load
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    try:
        cert = x509.load_pem_x509_certificate(text[start:].encode("ascii", "replace"))
        key = cert.public_key()
    except (ValueError, TypeError):
        return None
    algo: str
    size: int | None
    if isinstance(key, rsa.RSAPublicKey):
        algo, size = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        algo, size = "EC", key.curve.key_size
    elif isinstance(key, dsa.DSAPublicKey):
        algo, size = "DSA", key.key_size
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        algo, size = ("ED25519", 256) if isinstance(key, ed25519.Ed25519PublicKey) else ("ED448", 448)
    else:
        return None
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    try:
        is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        is_ca = False
    return {
        "is_ca": is_ca,
        "key_algorithm": algo,
        "key_size": size,
        "not_after": not_after.date().isoformat(),
        "validity_days": (not_after - not_before).days,
        "self_signed": cert.issuer == cert.subject,
    }


@hook("certificate_expiry")
def certificate_expiry(node: Node, res: NativeResource, ctx: Value) -> None:
    """`expired` from `not_after` (an ISO date, e.g. from a CA identifier table)."""
    _set_expired(node, node.get("not_after"))


def _set_expired(node: Node, not_after: Attr | None) -> None:
    if not_after is None:
        return
    v = not_after.value
    if v is UNKNOWN:
        _set(node, "expired", UNKNOWN, not_after.span, not_after.origin)
        return
    try:
        end = date.fromisoformat(str(v))
    except ValueError:
        node.attrs.pop("not_after", None)  # a name the table does not date (a current CA)
        return
    today = datetime.now(timezone.utc).date()
    _set(node, "expired", end < today, not_after.span, not_after.origin)


_CURVE_BITS = {"p224": 224, "p256": 256, "p384": 384, "p521": 521}


@hook("tls_private_key")
def tls_private_key(node: Node, res: NativeResource, ctx: Value) -> None:
    """hashicorp/tls `tls_private_key`: RSA bits (default 2048) or ECDSA curve (default P224)."""
    algo = node.value("key_algorithm")
    if algo == "ECDSA":
        curve = ctx.get("ecdsa_curve")
        if curve is None:
            _set(node, "key_size", 224, None, "provider default (ecdsa_curve = P224)")
        elif isinstance(curve.data, str) and curve.data.lower() in _CURVE_BITS:
            _set(node, "key_size", _CURVE_BITS[curve.data.lower()], curve.anchor, curve.origin)
        else:
            _set(node, "key_size", UNKNOWN, curve.anchor, curve.origin)
        node.attrs["key_algorithm"] = Attr("EC", node.attrs["key_algorithm"].span)
    elif algo == "ED25519":
        _set(node, "key_size", 256, node.attrs["key_algorithm"].span)


# ---- web apps, gateways and webhooks -------------------------------------------------------------


@hook("webhook_tls_mode")
def webhook_tls_mode(node: Node, res: NativeResource, ctx: Value) -> None:
    """A webhook posted to an http:// URL is plaintext whatever `insecure_ssl` says."""
    if node.value("protocol") == "HTTP":
        url = node.get("url")
        _set(node, "tls_mode", "plaintext", url.span if url else None)
        _set(node, "tls_reason", "the webhook URL is http://", None)


@hook("azure_appgw_listener")
def azure_appgw_listener(node: Node, res: NativeResource, ctx: Value) -> None:
    """An Application Gateway listener: its port (through `frontend_port`), whether a routing
    rule redirects it to an HTTPS listener, and the gateway's SSL policy."""
    body = res.body
    name = ctx.get("name")
    ports = {str(_plain(fp.get("name") or Value(None, fp.span))): fp.get("port")
             for fp in _blocks(body, "frontend_port")}
    fp_name = ctx.get("frontend_port_name")
    if fp_name is not None and isinstance(fp_name.data, str):
        port = ports.get(fp_name.data)
        if port is not None:
            node.attrs["port"] = Attr(port.data if isinstance(port.data, int) else UNKNOWN, port.anchor)
    listeners = {str(_plain(b.get("name") or Value(None, b.span))): b for b in _blocks(body, "http_listener")}
    redirects = {str(_plain(b.get("name") or Value(None, b.span))): b for b in _blocks(body, "redirect_configuration")}
    if name is not None and isinstance(name.data, str):
        for rule in _blocks(body, "request_routing_rule"):
            ln, rn = rule.get("http_listener_name"), rule.get("redirect_configuration_name")
            if ln is None or ln.data != name.data or rn is None:
                continue
            rc = redirects.get(str(rn.data)) if isinstance(rn.data, str) else None
            if rc is None:
                node.attrs["redirect_to_https"] = Attr(UNKNOWN, rn.anchor)
                continue
            target, url = rc.get("target_listener_name"), rc.get("target_url")
            if target is not None and isinstance(target.data, str) and target.data in listeners:
                proto = listeners[target.data].get("protocol")
                https = proto is not None and isinstance(proto.data, str) and proto.data.lower() == "https"
                node.attrs["redirect_to_https"] = Attr(https, target.anchor)
            elif url is not None and isinstance(url.data, str):
                node.attrs["redirect_to_https"] = Attr(url.data.lower().startswith("https://"), url.anchor)
            else:
                node.attrs["redirect_to_https"] = Attr(UNKNOWN, rc.anchor)
    if node.value("protocol") == "HTTPS":
        _appgw_ssl_policy(node, body, ctx)


def _blocks(body: Value, name: str) -> list[Value]:
    return [b for v in resolve(body, name) for b in (v.data if isinstance(v.data, list) else [v])
            if isinstance(b.data, dict)]


def _appgw_ssl_policy(node: Node, body: Value, ctx: Value) -> None:
    policies = _blocks(body, "ssl_policy")
    profile_name = ctx.get("ssl_profile_name")
    if profile_name is not None and isinstance(profile_name.data, str):
        for prof in _blocks(body, "ssl_profile"):
            pn = prof.get("name")
            if pn is not None and pn.data == profile_name.data:
                policies = _blocks(prof, "ssl_policy") or policies
    if not policies:
        return  # the default depends on the API version the provider uses: not judged
    pol = policies[0]
    ptype, pname = pol.get("policy_type"), pol.get("policy_name")
    minv, suites = pol.get("min_protocol_version"), pol.get("cipher_suites")
    if pname is not None and (ptype is None or str(ptype.data).lower() == "predefined"):
        node.attrs["tls.policy"] = Attr(pname.data, pname.anchor, pname.origin)
        node.attrs["tls.policy_table"] = Attr("azure-appgw", None)
        return
    if minv is not None:
        ver = tls.parse_version(minv.data) if isinstance(minv.data, str) else None
        node.attrs["tls.min_version"] = Attr(ver if ver else UNKNOWN, minv.anchor, minv.origin)
    elif ptype is not None and str(ptype.data).lower().startswith("custom"):
        node.attrs["tls.min_version"] = Attr("1.0", ptype.anchor, "Custom policy without min_protocol_version")
    if suites is not None and isinstance(suites.data, list) and all(isinstance(x.data, str) for x in suites.data):
        # each suite keeps its own line, unknown names left out
        iana, spans = tls.parse_cipher_items(((str(x.data), x.anchor) for x in suites.data), "iana")
        node.attrs["tls.ciphers"] = Attr(iana, suites.anchor, suites.origin, spans)


_APIM_FLAGS = {
    # side -> (version, attribute names in azurerm 3.x and 4.x)
    "frontend": (("SSLv3", ("enable_frontend_ssl30", "frontend_ssl30_enabled")),
                 ("1.0", ("enable_frontend_tls10", "frontend_tls10_enabled")),
                 ("1.1", ("enable_frontend_tls11", "frontend_tls11_enabled"))),
    "backend": (("SSLv3", ("enable_backend_ssl30", "backend_ssl30_enabled")),
                ("1.0", ("enable_backend_tls10", "backend_tls10_enabled")),
                ("1.1", ("enable_backend_tls11", "backend_tls11_enabled"))),
}


# `security` cipher switches (azurerm 3.x+ names; 2.x `enable_triple_des_ciphers`) -> IANA names.
# All default to false in the provider, which then turns the suites off on the gateway.
_APIM_CIPHERS = {
    "tls_ecdhe_ecdsa_with_aes128_cbc_sha_ciphers_enabled": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "tls_ecdhe_ecdsa_with_aes256_cbc_sha_ciphers_enabled": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "tls_ecdhe_rsa_with_aes128_cbc_sha_ciphers_enabled": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "tls_ecdhe_rsa_with_aes256_cbc_sha_ciphers_enabled": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "tls_rsa_with_aes128_cbc_sha256_ciphers_enabled": "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "tls_rsa_with_aes128_cbc_sha_ciphers_enabled": "TLS_RSA_WITH_AES_128_CBC_SHA",
    "tls_rsa_with_aes128_gcm_sha256_ciphers_enabled": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "tls_rsa_with_aes256_cbc_sha256_ciphers_enabled": "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "tls_rsa_with_aes256_cbc_sha_ciphers_enabled": "TLS_RSA_WITH_AES_256_CBC_SHA",
    "tls_rsa_with_aes256_gcm_sha384_ciphers_enabled": "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "triple_des_ciphers_enabled": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "enable_triple_des_ciphers": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
}


@hook("apim_ciphers")
def apim_ciphers(node: Node, res: NativeResource, ctx: Value) -> None:
    """The optional suites a `security` block switches on (`tls.ciphers`, one span per switch).
    Only the switched-on suites are listed: a subset of what the gateway offers, enough for
    TL202 to name the weak ones; nothing switched on claims nothing."""
    sec = next(iter(_blocks(res.body, "security")), None)
    if sec is None or not isinstance(sec.data, dict):
        return
    names: list[str] = []
    spans: list[Span] = []
    for key, iana in _APIM_CIPHERS.items():
        v = sec.data.get(key)
        if v is None:
            continue
        t = _truth(v.data)
        if t is None:
            node.attrs["tls.ciphers"] = Attr(UNKNOWN, v.anchor, v.origin)
            return
        if t and iana not in names:
            names.append(iana)
            spans.append(v.anchor)
    if names:
        node.attrs["tls.ciphers"] = Attr(names, spans[0], None, spans)


@hook("apim_protocols")
def apim_protocols(node: Node, res: NativeResource, ctx: Value) -> None:
    """API Management `security` flags: the lowest protocol left enabled (all off by default)."""
    sec = next(iter(_blocks(res.body, "security")), None)
    low, span, unknown = "1.2", None, False
    for ver, names in _APIM_FLAGS["frontend" if node.kind == "endpoint" else "backend"]:
        for key in names:
            v = sec.get(key) if sec is not None else None
            t = None if v is None else _truth(v.data)
            if v is not None and t is None:
                unknown = True
            if v is not None and t and tls.version_rank(ver) < tls.version_rank(low):
                low, span = ver, v.anchor
    value: Any = UNKNOWN if unknown and span is None else low
    origin = None if span else "provider default (SSL 3.0, TLS 1.0 and 1.1 off)"
    node.attrs["tls.min_version"] = Attr(value, span, origin)


# ---- small combinations named by several tables ----------------------------------------------------


@hook("protocol_from_plaintext")
def protocol_from_plaintext(node: Node, res: NativeResource, ctx: Value) -> None:
    """`protocol` from a `plaintext` test, at the same place: `plaintext_protocol` when it is
    served (FTP on a Transfer server, HTTP on a gateway API), else `secure_protocol`."""
    pt = node.get("plaintext")
    if pt is None:
        return
    if pt.value is UNKNOWN:
        node.attrs["protocol"] = Attr(UNKNOWN, pt.span)
        return
    name = "plaintext_protocol" if pt.value else "secure_protocol"
    proto = node.value(name)
    if proto is not None:
        node.attrs["protocol"] = Attr(proto, pt.span, pt.origin)
    port = node.attrs.pop("plaintext_port", None)
    if pt.value and port is not None:
        node.attrs["port"] = Attr(port.value, None)
    node.attrs.pop("plaintext_protocol", None)
    node.attrs.pop("secure_protocol", None)


@hook("appmesh_mutual")
def appmesh_mutual(node: Node, res: NativeResource, ctx: Value) -> None:
    """An App Mesh listener with TLS STRICT and client `validation` is mutual TLS."""
    mode, val = node.get("mtls_mode"), node.attrs.pop("client_validation", None)
    if mode is not None and mode.value == "SIMPLE" and val is not None and val.value is True:
        node.attrs["mtls_mode"] = Attr("STRICT", mode.span, mode.origin)


@hook("appmesh_client_tls")
def appmesh_client_tls(node: Node, res: NativeResource, ctx: Value) -> None:
    """An App Mesh backend hop: TLS when a client_policy.tls applies (the backend's own, else the
    node's backend_defaults) and its `enforce` is not false; plaintext otherwise."""
    blocks = resolve(ctx, "client_policy.tls") or resolve(res.body, "spec.backend_defaults.client_policy.tls")
    if not blocks:
        node.attrs["protocol"] = Attr("TCP", None, "no client_policy.tls: Envoy connects in plaintext")
        node.attrs["plaintext"] = Attr(True, None)
        node.attrs["tls_mode"] = Attr("plaintext", None)
        return
    tls_block = blocks[0]
    enforce = resolve(tls_block, "enforce")
    t = _truth(enforce[0].data) if enforce else True
    span = enforce[0].anchor if enforce else tls_block.anchor
    if t is None:
        node.attrs["plaintext"] = Attr(UNKNOWN, span)
        return
    node.attrs["protocol"] = Attr("TLS" if t else "TCP", span)
    node.attrs["plaintext"] = Attr(not t, span)
    node.attrs["tls_mode"] = Attr("verified" if t else "plaintext", span)


@hook("azure_client_auth")
def azure_client_auth(node: Node, res: NativeResource, ctx: Value) -> None:
    """App Service client certificates: `tls.client_auth` from the enabled flag and the mode."""
    enabled, mode = node.attrs.pop("client_cert_enabled", None), node.attrs.pop("client_cert_mode", None)
    if enabled is None:
        return
    if enabled.value is UNKNOWN:
        node.attrs["tls.client_auth"] = Attr(UNKNOWN, enabled.span)
    elif enabled.value is not True:
        node.attrs["tls.client_auth"] = Attr("none", enabled.span, enabled.origin)
    elif mode is None or mode.value is UNKNOWN or not isinstance(mode.value, str):
        node.attrs["tls.client_auth"] = Attr(UNKNOWN, mode.span if mode else enabled.span)
    else:
        auth = "required" if mode.value.lower() == "required" else "optional"
        node.attrs["tls.client_auth"] = Attr(auth, mode.span or enabled.span, mode.origin)


@hook("unknown_match_request")
def unknown_match_request(node: Node, res: NativeResource, ctx: Value) -> None:
    """Classic Front Door `MatchRequest` follows the client's protocol: not known per rule here."""
    p = node.get("protocol")
    if p is not None and p.value == "UNKNOWN_MATCH":
        node.attrs["protocol"] = Attr(UNKNOWN, p.span)


@hook("tls_required_bool")
def tls_required_bool(node: Node, res: NativeResource, ctx: Value) -> None:
    """Values the table could not map to true/false (e.g. Alibaba `ssl_action = "Open"`, which
    turns TLS on without refusing plaintext clients) are not judged."""
    a = node.get("tls.required")
    if a is not None and a.value is not UNKNOWN and not isinstance(a.value, bool):
        node.attrs["tls.required"] = Attr(UNKNOWN, a.span, a.origin)


@hook("elasticache_transit")
def elasticache_transit(node: Node, res: NativeResource, ctx: Value) -> None:
    """`transit_encryption_mode = "preferred"` accepts plaintext clients during a migration; a
    cache cluster that belongs to a replication group takes its settings from the group."""
    if node.get("replication_group_id") is not None:
        node.attrs.pop("tls.required", None)
        return
    mode, req = node.get("transit_encryption_mode"), node.get("tls.required")
    if mode is not None and req is not None and req.value is True:
        if mode.value is UNKNOWN:
            node.attrs["tls.required"] = Attr(UNKNOWN, mode.span)
        elif isinstance(mode.value, str) and mode.value.lower() == "preferred":
            node.attrs["tls.required"] = Attr(False, mode.span, mode.origin)


@hook("glue_jdbc")
def glue_jdbc(node: Node, res: NativeResource, ctx: Value) -> None:
    """`SKIP_CUSTOM_JDBC_CERT_VALIDATION = true` keeps TLS but drops the certificate check."""
    skip = resolve(ctx, "connection_properties.SKIP_CUSTOM_JDBC_CERT_VALIDATION")
    if skip and node.value("tls_mode") == "verified" and _truth(skip[0].data) is True:
        node.attrs["tls_mode"] = Attr("encrypted-unverified", skip[0].anchor, skip[0].origin)
        node.attrs["tls_reason"] = Attr(
            "JDBC_ENFORCE_SSL is on but SKIP_CUSTOM_JDBC_CERT_VALIDATION = true skips the certificate check",
            None)


@hook("validity_hours")
def validity_hours(node: Node, res: NativeResource, ctx: Value) -> None:
    """hashicorp/tls certificates state validity in hours (`validity_period_hours`)."""
    h = node.get("validity_hours")
    if h is None:
        return
    node.attrs.pop("validity_hours")
    value = h.value // 24 if isinstance(h.value, int) and not isinstance(h.value, bool) else UNKNOWN
    node.attrs["validity_days"] = Attr(value, h.span, h.origin)


# R12 floors: RSA/DSA keys of 2048 bits (NIST SP 800-131A), elliptic curves of 256 bits, and
# the CA/Browser Forum's 398-day limit for leaf certificates (CA certificates are exempt).
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
MAX_LEAF_VALIDITY_DAYS = 398


@hook("certificate_limits")
def certificate_limits(node: Node, res: NativeResource, ctx: Value) -> None:
    """`key_weak` and `validity_too_long` against the R12 floors above (the policy language has
    no numeric comparison, so the threshold is applied here and documented in docs/model.md)."""
    algo, size = node.get("key_algorithm"), node.get("key_size")
    if algo is not None and size is not None:
        if algo.value is UNKNOWN or size.value is UNKNOWN:
            node.attrs["key_weak"] = Attr(UNKNOWN, size.span or algo.span)
        elif isinstance(size.value, int) and not isinstance(size.value, bool):
            floor = MIN_EC_BITS if algo.value in ("EC", "ECDSA") else MIN_RSA_BITS
            if algo.value in ("RSA", "DSA", "EC", "ECDSA"):
                node.attrs["key_weak"] = Attr(size.value < floor, size.span or algo.span, size.origin)
            elif algo.value in ("ED25519", "ED448"):
                node.attrs["key_weak"] = Attr(False, size.span or algo.span)
    days = node.get("validity_days")
    if days is not None and node.value("is_ca") is not True:
        if isinstance(days.value, int) and not isinstance(days.value, bool):
            node.attrs["validity_too_long"] = Attr(days.value > MAX_LEAF_VALIDITY_DAYS, days.span, days.origin)
        elif days.value is UNKNOWN:
            node.attrs["validity_too_long"] = Attr(UNKNOWN, days.span)


@hook("frontdoor_route_forwarding")
def frontdoor_route_forwarding(node: Node, res: NativeResource, ctx: Value) -> None:
    """Front Door `forwarding_protocol = "MatchRequest"` (the default) reaches the origin over
    HTTP whenever a client may use HTTP without being redirected."""
    fwd = node.get("forwarding_protocol")
    if fwd is None or fwd.value != "MatchRequest":
        return
    protos = [str(p.data).lower() for p in resolve_list(ctx, "supported_protocols")] or ["http", "https"]
    redirect = resolve(ctx, "https_redirect_enabled")
    redirects = not redirect or _truth(redirect[0].data) is True
    if any(p.data is UNKNOWN for p in resolve_list(ctx, "supported_protocols")) or (
            redirect and redirect[0].data is UNKNOWN):
        node.attrs["protocol"] = Attr(UNKNOWN, fwd.span)
    elif "http" in protos and not redirects:
        node.attrs["protocol"] = Attr("HTTP", fwd.span, fwd.origin)
    else:
        node.attrs["protocol"] = Attr("HTTPS", fwd.span, fwd.origin)


def resolve_list(ctx: Value, path: str) -> list[Value]:
    return [x for v in resolve(ctx, path) for x in (v.data if isinstance(v.data, list) else [v])]


@hook("apim_backend_tls")
def apim_backend_tls(node: Node, res: NativeResource, ctx: Value) -> None:
    """API Management backends over https:// verify the chain and the name unless the `tls`
    block turns either check off."""
    if node.value("protocol") == "HTTP":
        node.attrs["tls_mode"] = Attr("plaintext", node.attrs["protocol"].span)
        return
    if node.value("protocol") != "HTTPS":
        return
    mode, span, reason = "verified", None, "https:// backend with certificate chain and name validation (the defaults)"
    for key, weak in (("validate_certificate_chain", "encrypted-unverified"),
                      ("validate_certificate_name", "no-hostname-check")):
        for v in resolve(ctx, f"tls.{key}"):
            t = _truth(v.data)
            if t is None:
                mode, span, reason = "unknown", v.anchor, f"tls.{key} is not known statically"
            elif t is False and mode != "encrypted-unverified":
                mode, span, reason = weak, v.anchor, f"tls.{key} = false"
    node.attrs["tls_mode"] = Attr(mode, span)
    node.attrs["tls_reason"] = Attr(reason, None)


# ---- GCP SSL policies -----------------------------------------------------------------------------


@hook("gcp_ssl_policy")
def gcp_ssl_policy(node: Node, res: NativeResource, ctx: Value) -> None:
    """Profile ciphers (or CUSTOM features) and the effective minimum: RESTRICTED and FIPS
    profiles hold only TLS 1.2+ suites whatever `min_tls_version` says."""
    profile = node.get("profile")
    feats = node.get("tls.custom_features")
    if profile is not None and profile.value == "CUSTOM":
        if feats is not None:
            node.attrs["tls.ciphers"] = feats
    elif profile is not None and profile.value is UNKNOWN:
        node.attrs["tls.ciphers"] = Attr(UNKNOWN, profile.span)
    else:
        pc = node.get("profile_ciphers")
        if pc is not None and isinstance(pc.value, list):
            node.attrs["tls.ciphers"] = Attr(list(pc.value), pc.span, pc.origin)
    if profile is not None and profile.value in ("RESTRICTED", "FIPS_202205"):
        mv = node.get("tls.min_version")
        if mv is not None and isinstance(mv.value, str) and tls.version_rank(mv.value) < tls.version_rank("1.2"):
            node.attrs["tls.min_version"] = Attr("1.2", profile.span, "the profile offers TLS 1.2+ suites only")
    node.attrs.pop("profile_ciphers", None)


@hook("gcp_http_proxy_redirect")
def gcp_http_proxy_redirect(node: Node, res: NativeResource, ctx: Value) -> None:
    """A target HTTP proxy redirects when its URL map's default_url_redirect.https_redirect is true."""
    um = ctx.get("url_map")
    if um is None:
        return
    target = lookup(res, um.data) if isinstance(um.data, Reference) else None
    if target is None or not target.type.endswith("url_map"):
        node.attrs["redirect_to_https"] = Attr(UNKNOWN, um.anchor)
        return
    flag = resolve(target.body, "default_url_redirect.https_redirect")
    if not flag:
        node.attrs["redirect_to_https"] = Attr(False, um.anchor)
        return
    t = _truth(flag[0].data)
    node.attrs["redirect_to_https"] = Attr(UNKNOWN if t is None else t, um.anchor, flag[0].origin)


# ---- mutual TLS by trust store ------------------------------------------------------------------


@hook("client_auth_from_truststore")
def client_auth_from_truststore(node: Node, res: NativeResource, ctx: Value) -> None:
    """API Gateway custom domains (REST and HTTP, Terraform and CloudFormation): naming a
    truststore (`mutual_tls_authentication.truststore_uri`) is what turns mutual TLS on, and
    AWS then refuses clients without a certificate from it; no truststore, no client
    authentication. The table maps `mtls_truststore` with `present: true`."""
    store = node.attrs.pop("mtls_truststore", None)
    if store is None:
        return
    node.attrs["tls.client_auth"] = Attr("required" if store.value is True else "none", store.span)


# ---- SSM Session Manager preferences ------------------------------------------------------------

# session types whose data streams the preferences' kmsKeyId encrypts (Port and the command types
# take their own documents' inputs; not judged)
_SSM_STREAM_TYPES = ("standard_stream", "")


@hook("ssm_session_document")
def ssm_session_document(node: Node, res: NativeResource, ctx: Value) -> None:
    """`end_to_end_encryption` of a Terraform Session document (`content`)."""
    content = ctx.get("content")
    if content is not None:
        session_document_encryption(node, res, content)


def session_document_encryption(node: Node, res: NativeResource, content: Value) -> None:
    """`end_to_end_encryption` of a Session document, whatever the format: its JSON or YAML
    content (a string, or an object as jsonencode({...}) or a CloudFormation Json property
    gives it) names a KMS key (`inputs.kmsKeyId`), so stream data is encrypted between the
    client and the agent inside the TLS channel. A template whose kmsKeyId is an interpolation
    is UNKNOWN; one whose other parts are interpolated is still read from its known text
    (placeholders stand in for the rest)."""
    text = content.data
    if text is UNKNOWN:
        pt = partial_text(content, res.meta)
        text = pt.text if pt is not None else UNKNOWN
    doc = _json_or_yaml(text) if isinstance(text, str) else None
    if isinstance(content.data, dict):
        doc = _plain(content)
    if not isinstance(doc, dict):
        _set(node, "end_to_end_encryption", UNKNOWN, content.anchor, content.origin)
        return
    stype = doc.get("sessionType", "")
    if not isinstance(stype, str) or stype.lower() not in _SSM_STREAM_TYPES:
        return
    inputs = doc.get("inputs")
    key = inputs.get("kmsKeyId") if isinstance(inputs, dict) else None
    if key is UNKNOWN or (isinstance(key, str) and "${" in key):
        value: Any = UNKNOWN
    else:
        value = isinstance(key, str) and key.strip() != ""
    _set(node, "end_to_end_encryption", value, content.anchor, content.origin)


def _json_or_yaml(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yamlio.load(text)
    except yamlio.YamlError:
        return None
