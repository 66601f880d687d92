"""Classifiers for URL protocols: HTTP (incl. Elasticsearch/OpenSearch), LDAP and SMTP."""

from __future__ import annotations

from .lexical import Params, truth, value_word
from .model import TlsMode, Verdict

PLAIN, OPP, UNV, NOHOST, VER, UNK = (
    TlsMode.PLAINTEXT,
    TlsMode.OPPORTUNISTIC,
    TlsMode.ENCRYPTED_UNVERIFIED,
    TlsMode.NO_HOSTNAME_CHECK,
    TlsMode.VERIFIED,
    TlsMode.UNKNOWN,
)

# Identifiers that look like URLs but name a schema or namespace, not a server to connect to.
NAMESPACE_HOSTS = frozenset(
    {
        "www.w3.org", "w3.org", "schemas.xmlsoap.org", "schemas.microsoft.com", "schemas.openxmlformats.org",
        "json-schema.org", "xmlns.com", "purl.org", "ns.adobe.com", "java.sun.com", "xmlns.jcp.org",
        "maven.apache.org", "www.springframework.org", "relaxng.org", "docbook.org", "schema.org",
        "www.omg.org", "xml.org", "www.opengis.net", "ns.microsoft.com",
    }
)  # fmt: skip

_ES_HOST_HINTS = (
    "elasticsearch", "opensearch", ".es.amazonaws.com", ".aoss.amazonaws.com", ".es.io", "elastic-cloud.com",
    ".found.io",
)  # fmt: skip


def is_elasticsearch(host: str | None, port: int | None) -> bool:
    if port in (9200, 9243):
        return True
    name = (host or "").lower()
    return any(hint in name for hint in _ES_HOST_HINTS)


def classify_http(params: Params, scheme: str, technology: str) -> Verdict:
    if scheme in ("http", "ws"):
        what = "Elasticsearch/OpenSearch over http://" if technology == "elasticsearch" else f"{scheme}://"
        return Verdict(PLAIN, f"{what} sends requests in clear")
    if technology == "elasticsearch":
        raw = params.get("verify_certs")
        if raw is not None and truth(raw) is False:
            return Verdict(UNV, f"verify_certs={raw} accepts any server certificate (elasticsearch-py)")
        mode = params.get("ssl.verification_mode", "verification_mode")
        if mode is not None:
            word = value_word(mode)
            if word == "none":
                return Verdict(UNV, f"ssl.verification_mode={mode} accepts any server certificate")
            if word == "certificate":
                return Verdict(NOHOST, f"ssl.verification_mode={mode} skips the host name check")
    return Verdict(VER, f"{scheme}:// verifies the server certificate by default")


def classify_ldap(params: Params, scheme: str, extensions: str) -> Verdict:
    reqcert = params.get("tls_reqcert", "ldaptls_reqcert", "reqcert")
    weak = reqcert is not None and value_word(reqcert) in ("never", "allow")
    if scheme == "ldaps":
        if weak:
            return Verdict(UNV, f"TLS_REQCERT={reqcert} accepts a bad server certificate (OpenLDAP)")
        return Verdict(VER, "ldaps:// verifies the server certificate", "OpenLDAP default TLS_REQCERT=demand")
    starttls = params.get("starttls", "start_tls", "use_starttls", "tls")
    ext = extensions.lower()
    critical = "!starttls" in ext or "!1.3.6.1.4.1.1466.20037" in ext
    requested = critical or "starttls" in ext or "1.3.6.1.4.1.1466.20037" in ext
    if starttls is not None:
        word = value_word(starttls)
        if truth(starttls) or word in ("required", "require", "demand", "always"):
            critical = requested = True
        elif word in ("try", "optional", "opportunistic", "prefer", "preferred"):
            requested = True
    if critical:
        if weak:
            return Verdict(UNV, f"TLS_REQCERT={reqcert} accepts a bad server certificate (OpenLDAP)")
        return Verdict(
            VER, "ldap:// with required StartTLS verifies the server certificate", "OpenLDAP default TLS_REQCERT=demand"
        )
    if requested:
        return Verdict(OPP, "ldap:// with StartTLS that is only attempted falls back to plaintext")
    return Verdict(PLAIN, "ldap:// without StartTLS sends binds and data in clear (ldaps:// is the TLS form)")


def classify_smtp(params: Params, scheme: str, port: int | None) -> Verdict:
    implicit = scheme in ("smtps", "smtp+ssl") or port == 465
    verify = params.get("verify_peer", "tls.rejectUnauthorized", "rejectUnauthorized")
    unverified = verify is not None and truth(verify) is False
    name_check = params.get("verify_peer_name")
    no_name = name_check is not None and truth(name_check) is False
    required = scheme == "smtp+tls" or bool(truth(params.get("requireTLS", "require_tls")))
    starttls = params.get("starttls", "encryption", "tls")
    if starttls is not None:
        word = value_word(starttls)
        if word in ("always", "required", "require", "true", "1", "yes", "tls", "starttls"):
            required = True
        elif word in ("never", "false", "0", "no", "none", "disabled", "off"):
            return Verdict(PLAIN, f"{params.name('starttls', 'encryption', 'tls')}={starttls} sends mail in clear")
        elif word in ("ssl", "smtps"):
            implicit = True
    if truth(params.get("ignoreTLS")):
        return Verdict(PLAIN, "ignoreTLS=true sends mail in clear (nodemailer)")
    if implicit or required:
        if unverified:
            name = params.name("verify_peer", "tls.rejectUnauthorized", "rejectUnauthorized")
            return Verdict(UNV, f"{name}={verify} accepts any server certificate")
        if no_name:
            return Verdict(NOHOST, f"verify_peer_name={name_check} skips the host name check")
        how = "implicit TLS" if implicit else "required STARTTLS"
        return Verdict(
            VER, f"{scheme}:// with {how} verifies the server certificate", "library default certificate validation"
        )
    return Verdict(OPP, f"{scheme}:// on port {port} uses STARTTLS only if offered, which can be stripped")
