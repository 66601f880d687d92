"""TLS data: versions, cipher suites, OpenSSL cipher strings, provider policy tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from transit_lint import tls
from transit_lint.data import read_csv, read_text

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "standards"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared standards not present")

IANA_ECDHE_RSA_GCM = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"


# ---------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("TLSv1.2", "1.2"),
        ("TLSv1", "1.0"),
        ("TLS1.2", "1.2"),
        ("TLS1_2", "1.2"),
        ("TLS_1_2", "1.2"),
        ("tls1_2", "1.2"),
        ("1.2", "1.2"),
        (1.2, "1.2"),
        (1.0, "1.0"),
        ("TLSV1.2", "1.2"),
        ("VersionTLS12", "1.2"),
        ("TLS12", "1.2"),
        ("VersionTLS13", "1.3"),
        ("SSLv3", "SSLv3"),
        ("SSLv2", "SSLv2"),
        ("Protocol-TLSv1.1", "1.1"),
        ("Protocol-SSLv3", "SSLv3"),
        ("TLSv1.2_2021", "1.2"),
        ("TLSv1_2016", "1.0"),
        ("TLSv1.3_2025", "1.3"),
        ("TLS_1_0", "1.0"),
        ("TLSv1_3", "1.3"),
        ("Tls11", "1.1"),
        ("TLS10", "1.0"),
        (" 'TLSv1.1' ", "1.1"),
        ("1_2", "1.2"),
    ],
)
def test_parse_version_spellings(text: object, want: str) -> None:
    assert tls.parse_version(text) == want


@pytest.mark.parametrize("text", ["", "TLS", "Tls", "12", "1.25", 1.25, "TLSv2", "HTTP", None, True, ["1.2"]])
def test_parse_version_rejects(text: object) -> None:
    assert tls.parse_version(text) is None


def test_version_order_and_display() -> None:
    ordered = ["SSLv2", "SSLv3", "1.0", "1.1", "1.2", "1.3"]
    assert sorted(reversed(ordered), key=tls.version_rank) == ordered
    assert tls.version_at_least("1.3", "1.2")
    assert tls.version_at_least("TLSv1.2", "1.2")
    assert not tls.version_at_least("SSLv3", "1.0")
    assert tls.display_version("1.2") == "TLS 1.2"
    assert tls.display_version("TLSv1") == "TLS 1.0"
    assert tls.display_version("SSLv3") == "SSLv3"
    assert tls.display_version("bogus") == "bogus"
    with pytest.raises(ValueError):
        tls.version_rank("bogus")


# ---------------------------------------------------------------- ciphers


def test_cipher_lookup_by_every_name() -> None:
    c = tls.cipher(IANA_ECDHE_RSA_GCM)
    assert c is not None
    assert c.openssl_name == "ECDHE-RSA-AES128-GCM-SHA256"
    assert c.aead and c.forward_secrecy and not c.tls13 and c.mozilla_intermediate
    assert tls.cipher("ECDHE-RSA-AES128-GCM-SHA256") is c
    assert tls.cipher("ecdhe-rsa-aes128-gcm-sha256") is c
    assert tls.cipher("ECDHE_RSA_AES128_GCM_SHA256") is c  # Azure Front Door spelling
    chacha = tls.cipher("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305")  # Go's legacy alias
    assert chacha is not None and chacha.openssl_name == "ECDHE-RSA-CHACHA20-POLY1305"
    rc4 = tls.cipher("SSL_RSA_WITH_RC4_128_MD5")  # Java spelling
    assert rc4 is not None and rc4.iana_name == "TLS_RSA_WITH_RC4_128_MD5"
    assert "rc4" in rc4.weak_flags and rc4.grade == "insecure"
    t13 = tls.cipher("TLS-AES-128-GCM-SHA256")  # AWS docs' hyphenated TLS 1.3 names
    assert t13 is not None and t13.tls13 and t13.mozilla_modern
    assert tls.cipher("NOT-A-CIPHER") is None


def test_cipher_properties() -> None:
    rsa_kx = tls.cipher("AES128-SHA")
    assert rsa_kx is not None
    assert not rsa_kx.forward_secrecy and not rsa_kx.aead
    assert {"cbc", "sha1-mac", "no-forward-secrecy"} <= set(rsa_kx.weak_flags)
    assert rsa_kx.kx == "RSA" and rsa_kx.go_name == "TLS_RSA_WITH_AES_128_CBC_SHA"
    dhe = tls.cipher("DHE-RSA-AES128-GCM-SHA256")
    assert dhe is not None and dhe.go_name == ""  # Go has no DHE suites
    null = tls.cipher("NULL-SHA")
    assert null is not None and null.grade == "insecure" and null.enc == "None"


def test_cipher_sets() -> None:
    inter = tls.cipher_set("mozilla-intermediate")
    modern = tls.cipher_set("mozilla-modern")
    assert modern == {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
    assert modern < inter and len(inter) == 9 and IANA_ECDHE_RSA_GCM in inter
    fs_aead = tls.cipher_set("fs-aead")
    assert inter <= fs_aead
    assert "TLS_RSA_WITH_AES_128_GCM_SHA256" not in fs_aead  # AEAD but RSA key transport
    assert "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" not in fs_aead  # FS but CBC
    assert "TLS_DH_anon_WITH_AES_128_GCM_SHA256" not in fs_aead  # anonymous
    insecure = tls.cipher_set("insecure")
    for name in (
        "TLS_RSA_WITH_RC4_128_SHA",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_RSA_WITH_NULL_SHA",
        "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        "TLS_RSA_WITH_DES_CBC_SHA",
        "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
    ):
        assert name in insecure, name
    assert not insecure & inter
    assert "TLS_RSA_WITH_AES_128_CBC_SHA" not in insecure  # weak, not always-fail
    with pytest.raises(KeyError):
        tls.cipher_set("nope")


def test_insecure_grade_is_exactly_the_always_fail_flags() -> None:
    always_fail = {"null", "export", "rc4", "rc2", "des", "3des", "md5-mac", "anonymous", "idea"}
    for name in tls.cipher_set("insecure"):
        c = tls.cipher(name)
        assert c is not None and always_fail & set(c.weak_flags), name
    for row in read_csv("ciphers.csv"):
        if always_fail & set(row["weakness_flags"].split(";")):
            assert row["grade"] == "insecure", row["iana_name"]


def test_parse_cipher_list_dialects() -> None:
    found, unknown = tls.parse_cipher_list("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:bogus", "openssl")
    assert found == [IANA_ECDHE_RSA_GCM, "TLS_RSA_WITH_AES_128_CBC_SHA"] and unknown == ["bogus"]
    found, unknown = tls.parse_cipher_list([IANA_ECDHE_RSA_GCM, "ECDHE-RSA-AES128-GCM-SHA256"], "iana")
    assert found == [IANA_ECDHE_RSA_GCM] and unknown == ["ECDHE-RSA-AES128-GCM-SHA256"]
    go_flags = (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
    )
    found, unknown = tls.parse_cipher_list(go_flags, "go")
    assert found == ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", IANA_ECDHE_RSA_GCM]
    assert unknown == ["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]  # kube-apiserver would reject it
    mixed = ["AES128-SHA", IANA_ECDHE_RSA_GCM, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"]
    found, unknown = tls.parse_cipher_list(mixed, "auto")
    assert len(found) == 3 and unknown == []
    with pytest.raises(ValueError):
        tls.parse_cipher_list("AES128-SHA", "klingon")


# ---------------------------------------------------------------- OpenSSL cipher strings


def _names(text: str) -> list[str]:
    names, unknown = tls.expand_openssl_cipher_string(text)
    assert unknown == []
    return names


def test_nginx_default_string() -> None:
    names = _names("HIGH:!aNULL:!MD5")
    assert IANA_ECDHE_RSA_GCM in names
    for n in names:
        c = tls.cipher(n)
        assert c is not None
        assert c.enc != "None" and c.au != "None" and c.mac != "MD5" and not c.tls13, n
        assert not {"rc4", "3des", "des", "export"} & set(c.weak_flags), n
    # not FS-only, not AEAD-only: RSA key transport and CBC suites are in it
    assert "TLS_RSA_WITH_AES_128_CBC_SHA" in names
    assert names.index(IANA_ECDHE_RSA_GCM) < names.index("TLS_RSA_WITH_AES_128_CBC_SHA")


def test_all_and_removals() -> None:
    everything = _names("ALL")
    rc4 = [n for n in everything if "_RC4_" in n]
    assert rc4 and "TLS_RSA_WITH_NULL_SHA" not in everything  # ALL never holds eNULL
    assert not [n for n in _names("ALL:!RC4") if "_RC4_" in n]
    # "!" is permanent, "-" is not
    assert "TLS_RSA_WITH_RC4_128_SHA" not in _names("ALL:!RC4:RC4-SHA")
    assert "TLS_RSA_WITH_RC4_128_SHA" in _names("ALL:-RC4:RC4-SHA")
    assert _names("COMPLEMENTOFALL") == [n for n in _names("eNULL")]
    assert "TLS_RSA_WITH_NULL_SHA" in _names("eNULL")


def test_operators_and_intersection() -> None:
    assert set(_names("ECDHE+AESGCM")) == {
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        IANA_ECDHE_RSA_GCM,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    }
    assert _names("kEECDH+aRSA+AES128+AESGCM") == [IANA_ECDHE_RSA_GCM]
    names = _names("ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:+SHA1")
    assert names == [IANA_ECDHE_RSA_GCM, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"]
    assert _names("AES128-SHA:AES128-SHA") == ["TLS_RSA_WITH_AES_128_CBC_SHA"]
    # separators: colon, comma, space; @STRENGTH / @SECLEVEL ignored
    assert _names("ECDHE-RSA-AES128-GCM-SHA256, AES128-SHA AES256-SHA @STRENGTH:@SECLEVEL=2") == [
        IANA_ECDHE_RSA_GCM,
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
    ]
    assert all(tls.cipher(n).au != "None" for n in _names("ECDHE:DHE"))  # type: ignore[union-attr]
    assert _names("ADH") and all(tls.cipher(n).au == "None" for n in _names("ADH:AECDH"))  # type: ignore[union-attr]
    assert all(tls.cipher(n).min_protocol == "TLSv1.2" for n in _names("TLSv1.2"))  # type: ignore[union-attr]


def test_keyword_classes() -> None:
    medium = _names("MEDIUM")
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in medium and "TLS_RSA_WITH_RC4_128_SHA" in medium
    assert "TLS_RSA_WITH_DES_CBC_SHA" in _names("LOW")
    assert "TLS_RSA_EXPORT_WITH_RC4_40_MD5" in _names("EXPORT") == _names("EXP")
    assert not set(_names("HIGH")) & set(medium)
    assert all("PSK" in n for n in _names("PSK"))
    assert _names("kRSA") == _names("RSA") and "TLS_RSA_WITH_AES_128_GCM_SHA256" in _names("kRSA")
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in _names("aRSA")
    assert all(tls.cipher(n).mac == "SHA1" for n in _names("SHA1"))  # type: ignore[union-attr]
    assert "TLS_RSA_WITH_NULL_SHA" in _names("SHA1")  # like OpenSSL, only ALL leaves eNULL out
    assert all("CAMELLIA" in n for n in _names("CAMELLIA"))
    assert all("CHACHA20" in n for n in _names("CHACHA20"))


def test_unknown_terms_and_tls13() -> None:
    names, unknown = tls.expand_openssl_cipher_string("ECDHE-RSA-AES128-GCM-SHA256:BOGUS:!ALSO+HIGH:high")
    assert names == [IANA_ECDHE_RSA_GCM] and unknown == ["BOGUS", "!ALSO+HIGH", "high"]
    # TLS 1.3 suites are configured elsewhere: accepted, never listed
    names, unknown = tls.expand_openssl_cipher_string("TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256")
    assert names == [IANA_ECDHE_RSA_GCM] and unknown == []
    # IANA names are not OpenSSL cipher-string names
    assert tls.expand_openssl_cipher_string(IANA_ECDHE_RSA_GCM) == ([], [IANA_ECDHE_RSA_GCM])
    assert not [n for n in _names("ALL") if tls.cipher(n).tls13]  # type: ignore[union-attr]


@needs_shared
def test_mozilla_intermediate_string_expands_to_the_mozilla_set() -> None:
    moz = json.loads((SHARED / "mozilla-server-side-tls.json").read_text())["configurations"]
    names = _names(":".join(moz["intermediate"]["ciphers"]["openssl"]))
    assert names == moz["intermediate"]["ciphers"]["iana"]
    assert set(names) == {n for n in tls.cipher_set("mozilla-intermediate") if not tls.cipher(n).tls13}  # type: ignore[union-attr]


@needs_shared
@pytest.mark.parametrize(
    ("string", "seen_in"),
    [
        ("HIGH:!aNULL:!MD5", "nginx-default-ssl_ciphers(openssl3.0)"),
        ("DEFAULT", "nginx-default-proxy_ssl_ciphers(openssl3.0 DEFAULT)"),
    ],
)
def test_expansion_matches_openssl_3_0(string: str, seen_in: str) -> None:
    """The shared data records what OpenSSL 3.0.19 makes of nginx's two default strings."""
    with (SHARED / "cipher-suites.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    want = {r["iana_name"] for r in rows if seen_in in r["seen_in"].split(";") and r["tls13_only"] == "no"}
    assert set(_names(string)) == want


# ---------------------------------------------------------------- data files


@needs_shared
def test_cipher_table_matches_mozilla_json() -> None:
    moz = json.loads((SHARED / "mozilla-server-side-tls.json").read_text())["configurations"]
    for level in ("modern", "intermediate"):
        want = set(moz[level]["ciphers"]["iana"]) | set(moz[level]["ciphersuites"])
        assert tls.cipher_set(f"mozilla-{level}") == want


def test_data_files_name_their_source_and_ship_no_gpl_table() -> None:
    assert "cipher-suites.csv" in read_text("ciphers.csv").split("\n", 3)[1]
    assert "cloud-tls-policies.json" in json.loads(read_text("tls_policies.json"))["_about"]
    data_dir = Path(tls.__file__).parent / "data"
    assert not (data_dir / "cipher-mapping.txt").exists()
    rows = read_csv("ciphers.csv")
    assert len({r["iana_name"] for r in rows}) == len(rows) == len({r["hex"] for r in rows})
    assert len({r["openssl_name"] for r in rows}) == len(rows)


# ---------------------------------------------------------------- policies


def test_policy_tables() -> None:
    assert {
        "aws-elbv2",
        "aws-elb-classic",
        "aws-cloudfront-viewer",
        "aws-cloudfront-origin",
        "aws-apigateway",
        "aws-opensearch",
        "azure-min-tls",
        "azure-appgw",
        "gcp-ssl-policy-profile",
        "gcp-min-tls",
    } <= set(tls.policy_tables())
    with pytest.raises(KeyError):
        tls.lookup_policy("aws-nope", "x")


def test_elbv2_policies() -> None:
    old = tls.lookup_policy("aws-elbv2", "ELBSecurityPolicy-2016-08")
    assert old is not None and old.min_version == "1.0" and old.max_version == "1.2"
    assert old.ciphers is not None and old.forward_secrecy_only is False
    assert "TLS_RSA_WITH_AES_128_CBC_SHA" in old.ciphers  # no forward secrecy
    assert not tls.cipher("TLS_RSA_WITH_AES_128_CBC_SHA").forward_secrecy  # type: ignore[union-attr]
    new = tls.lookup_policy("aws-elbv2", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert new is not None and new.min_version == "1.2" and new.max_version == "1.3"
    assert new.forward_secrecy_only is True and new.aead_only is False
    assert new.ciphers is not None and "TLS_AES_128_GCM_SHA256" in new.ciphers
    res = tls.lookup_policy("aws-elbv2", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06")
    assert res is not None and res.aead_only is True
    assert set(res.ciphers or ()) <= tls.cipher_set("fs-aead")
    only13 = tls.lookup_policy("aws-elbv2", "ELBSecurityPolicy-TLS13-1-3-2021-06")
    assert only13 is not None and only13.min_version == "1.3"


def test_lookup_is_exact_then_case_insensitive() -> None:
    exact = tls.lookup_policy("aws-elbv2", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert tls.lookup_policy("aws-elbv2", "elbsecuritypolicy-tls13-1-2-2021-06") is exact
    assert tls.lookup_policy("aws-elbv2", " ELBSecurityPolicy-TLS13-1-2-2021-06 ") is exact
    assert tls.lookup_policy("aws-elbv2", "ELBSecurityPolicy-Nope") is None
    # Cosmos DB "Tls" and Storage "TLS1_0" are different values in the same table
    assert tls.lookup_policy("azure-min-tls", "Tls").min_version == "1.0"  # type: ignore[union-attr]
    assert tls.lookup_policy("azure-min-tls", "Tls12").min_version == "1.2"  # type: ignore[union-attr]


def test_case_folding_collisions_agree() -> None:
    """Case-insensitive lookup may pick either of two names that differ only in case (Azure
    CDN "TLS12", Cosmos DB "Tls12"): they must mean the same versions."""
    tables = json.loads(read_text("tls_policies.json"))["tables"]
    for table, entries in tables.items():
        seen: dict[str, tuple[str, str | None]] = {}
        for name, e in entries.items():
            versions = (e["min_tls"], e["max_tls"])
            assert seen.setdefault(name.casefold(), versions) == versions, (table, name)


@pytest.mark.parametrize(
    ("table", "name", "min_version"),
    [
        ("aws-elb-classic", "ELBSecurityPolicy-2016-08", "1.0"),
        ("aws-elb-classic", "ELBSecurityPolicy-TLS-1-2-2017-01", "1.2"),
        ("aws-elb-classic", "ELBSecurityPolicy-2011-08", "SSLv3"),
        ("aws-cloudfront-viewer", "TLSv1.2_2021", "1.2"),
        ("aws-cloudfront-viewer", "TLSv1", "1.0"),
        ("aws-cloudfront-viewer", "SSLv3", "SSLv3"),
        ("aws-cloudfront-origin", "TLSv1.1", "1.1"),
        ("aws-apigateway", "TLS_1_0", "1.0"),
        ("aws-apigateway", "TLS_1_2", "1.2"),
        ("aws-apigateway", "SecurityPolicy_TLS13_1_3_2025_09", "1.3"),
        ("aws-opensearch", "Policy-Min-TLS-1-2-PFS-2023-10", "1.2"),
        ("azure-min-tls", "1.0", "1.0"),
        ("azure-min-tls", "TLS1_2", "1.2"),
        ("azure-min-tls", "TLSv1_3", "1.3"),
        ("azure-min-tls", "TLS10", "1.0"),
        ("azure-min-tls", "Disabled", "1.0"),
        ("azure-appgw", "AppGwSslPolicy20150501", "1.0"),
        ("azure-appgw", "AppGwSslPolicy20220101S", "1.2"),
        ("gcp-ssl-policy-profile", "COMPATIBLE", "1.0"),
        ("gcp-ssl-policy-profile", "RESTRICTED", "1.2"),
        ("gcp-min-tls", "TLS_1_0", "1.0"),
        ("gcp-min-tls", "TLS_1_2", "1.2"),
    ],
)
def test_policy_minimums(table: str, name: str, min_version: str) -> None:
    policy = tls.lookup_policy(table, name)
    assert policy is not None and policy.table == table and policy.name == name
    assert policy.min_version == min_version
    assert policy.max_version is None or tls.version_at_least(policy.max_version, policy.min_version)


def test_every_policy_is_well_formed() -> None:
    for table in tls.policy_tables():
        for name in json.loads(read_text("tls_policies.json"))["tables"][table]:
            p = tls.lookup_policy(table, name)
            assert p is not None
            assert p.min_version in ("SSLv3", "1.0", "1.1", "1.2", "1.3")
            assert p.confidence and p.source
            for c in p.ciphers or ():
                suite = tls.cipher(c)
                assert suite is not None and suite.iana_name == c
            if p.ciphers:  # the flags agree with the TLS <= 1.2 suites listed
                legacy = [tls.cipher(c) for c in p.ciphers if not tls.cipher(c).tls13]  # type: ignore[union-attr]
                assert p.forward_secrecy_only == all(s.forward_secrecy for s in legacy if s), name
                assert p.aead_only == all(s.aead for s in legacy if s), name
