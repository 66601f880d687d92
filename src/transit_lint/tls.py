"""TLS versions, cipher suites, OpenSSL cipher strings and provider TLS policies.

Data comes from `transit_lint.data` (ciphers.csv, tls_policies.json), loaded on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TypeVar

from .data import read_csv, read_text

_Place = TypeVar("_Place")  # where a cipher name is written (a span, a value)

# ---------------------------------------------------------------- versions

_VERSIONS = ("SSLv2", "SSLv3", "1.0", "1.1", "1.2", "1.3")
_RANK = {v: i for i, v in enumerate(_VERSIONS)}
_SSL_RE = re.compile(r"ssl[ _-]?v?([23])(?:[._-]?0)?")
_TLS_RE = re.compile(r"tls[ _-]?v?1(?:[._-]?([0-3]))?")
_BARE_RE = re.compile(r"1[._-]([0-3])")  # "1.2", "1_2": a bare major needs its minor


def parse_version(text: object) -> str | None:
    """Canonical version ("SSLv2", "SSLv3", "1.0" … "1.3") from any common spelling, else None.

    Accepts nginx/OpenSSL (`TLSv1.2`), Go (`VersionTLS12`), cloud enums (`TLS1_2`, `TLS_1_2`,
    `Tls12`, `TLSv1_2`), Classic ELB attributes (`Protocol-TLSv1.1`), CloudFront policies
    (`TLSv1.2_2021` -> its minimum, "1.2") and numbers (1.2).
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        canon = repr(float(text))  # repr keeps 1.25 from passing as "1.2"
        return canon if canon in _RANK and canon.startswith("1.") else None
    if not isinstance(text, str):
        return None
    return _parse_version_text(text)


@lru_cache(maxsize=4096)  # policies compare the same few spellings thousands of times
def _parse_version_text(text: str) -> str | None:
    s = text.strip().strip("\"'").casefold()
    s = re.sub(r"^(?:tls\.)?(?:protocol-|version)", "", s)
    s = re.sub(r"_(?:19|20)\d\d$", "", s)  # policy date suffix, e.g. CloudFront TLSv1.2_2021
    if m := _SSL_RE.fullmatch(s):
        return f"SSLv{m[1]}"
    if m := _TLS_RE.fullmatch(s) or _BARE_RE.fullmatch(s):
        return f"1.{m[1] or 0}"
    return None


def _canon(v: str) -> str:
    canon = v if v in _RANK else parse_version(v)
    if canon is None:
        raise ValueError(f"unknown TLS/SSL version {v!r}")
    return canon


def version_rank(v: str) -> int:
    """Order SSLv2 < SSLv3 < 1.0 < 1.1 < 1.2 < 1.3; any spelling parse_version accepts."""
    return _RANK[_canon(v)]


def version_at_least(v: str, floor: str) -> bool:
    return version_rank(v) >= version_rank(floor)


def display_version(v: str) -> str:
    """Version for messages ("TLS 1.2", "SSLv3"); unrecognised text is returned unchanged."""
    canon = v if v in _RANK else parse_version(v)
    if canon is None:
        return v
    return canon if canon.startswith("SSL") else f"TLS {canon}"


# ---------------------------------------------------------------- cipher suites


@dataclass(frozen=True)
class Cipher:
    iana_name: str
    openssl_name: str
    go_name: str  # Go crypto/tls constant name, "" when Go does not implement the suite
    aead: bool
    forward_secrecy: bool
    tls13: bool
    weak_flags: tuple[str, ...]  # e.g. "cbc", "sha1-mac", "no-forward-secrecy", "rc4"
    grade: str  # recommended | legacy | weak | insecure
    mozilla_intermediate: bool
    mozilla_modern: bool
    hex: str = ""
    min_protocol: str = ""  # as OpenSSL reports it: SSLv3, TLSv1, TLSv1.2, TLSv1.3
    kx: str = ""  # OpenSSL Kx: RSA, DH, ECDH, PSK, DHEPSK, ECDHEPSK, RSAPSK, SRP, KRB5, any
    au: str = ""  # OpenSSL Au: RSA, ECDSA, DSS, PSK, SRP, KRB5, None (anonymous), any
    enc: str = ""  # OpenSSL Enc with key bits, e.g. AESGCM(128); "None" for NULL ciphers
    mac: str = ""  # AEAD, SHA1, SHA256, SHA384, MD5

    @property
    def enc_family(self) -> str:
        return self.enc.split("(")[0]

    @property
    def bits(self) -> int:
        m = re.search(r"\((\d+)\)", self.enc)
        return int(m[1]) if m else 0


@cache
def _ciphers() -> tuple[Cipher, ...]:
    return tuple(
        Cipher(
            iana_name=r["iana_name"],
            openssl_name=r["openssl_name"],
            go_name=r["go_name"],
            aead=r["aead"] == "yes",
            forward_secrecy=r["forward_secrecy"] == "yes",
            tls13=r["tls13_only"] == "yes",
            weak_flags=tuple(f for f in r["weakness_flags"].split(";") if f),
            grade=r["grade"],
            mozilla_intermediate=r["mozilla_intermediate"] == "Y",
            mozilla_modern=r["mozilla_modern"] == "Y",
            hex=r["hex"],
            min_protocol=r["min_protocol"],
            kx=r["kx"],
            au=r["au"],
            enc=r["enc"],
            mac=r["mac"],
        )
        for r in read_csv("ciphers.csv")
    )


def _fold(name: str) -> str:
    return name.strip().casefold()


@cache
def _indexes() -> dict[str, dict[str, Cipher]]:
    """Name -> suite per naming dialect, keys case-folded."""
    iana: dict[str, Cipher] = {}
    openssl: dict[str, Cipher] = {}
    go: dict[str, Cipher] = {}
    for c in _ciphers():
        iana[_fold(c.iana_name)] = c
        if c.iana_name.startswith("TLS_"):  # Java/old-RFC spelling SSL_RSA_WITH_…
            iana[_fold("SSL_" + c.iana_name[4:])] = c
        openssl[_fold(c.openssl_name)] = c
        if c.go_name:
            go[_fold(c.go_name)] = c
            if c.go_name.endswith("_CHACHA20_POLY1305_SHA256") and not c.tls13:
                go[_fold(c.go_name.removesuffix("_SHA256"))] = c  # Go's pre-1.16 names
    return {"iana": iana, "openssl": openssl, "go": go}


# Names providers use that are in no registry: Classic ELB's own cipher attribute spellings
_PROVIDER_ALIASES = {
    "tls_rsa_arcfour_128_sha1": "tls_rsa_with_rc4_128_sha",
}


@lru_cache(maxsize=4096)  # static data; nginx hooks ask for the same few names thousands of times
def _lookup(name: str, dialect: str) -> Cipher | None:
    idx = _indexes()
    key = _fold(name)
    key = _PROVIDER_ALIASES.get(key, key)
    if dialect in ("iana", "auto"):
        # AWS docs once wrote TLS 1.3 suites with hyphens: TLS-AES-128-GCM-SHA256
        alt = key.replace("-", "_") if key.startswith(("tls-", "ssl-")) else key
        if found := idx["iana"].get(alt):
            return found
    # Azure Front Door spells OpenSSL names with underscores: ECDHE_RSA_AES128_GCM_SHA256
    if dialect in ("openssl", "auto") and (
        found := idx["openssl"].get(key) or idx["openssl"].get(key.replace("_", "-"))
    ):
        return found
    if dialect in ("go", "auto"):
        return idx["go"].get(key)
    return None


def cipher(name: str) -> Cipher | None:
    """The suite called `name` in IANA, OpenSSL or Go spelling (case-insensitive)."""
    return _lookup(name, "auto")


_CIPHER_SETS: dict[str, Callable[[Cipher], bool]] = {
    "mozilla-intermediate": lambda c: c.mozilla_intermediate,
    "mozilla-modern": lambda c: c.mozilla_modern,
    "fs-aead": lambda c: c.forward_secrecy and c.aead,
    # grade "insecure" = weakness flags that always fail: NULL, EXPORT, RC4, RC2, DES, 3DES,
    # MD5 MAC, IDEA, anonymous (a test keeps grade and flags in step)
    "insecure": lambda c: c.grade == "insecure",
    "tls13": lambda c: c.tls13,
}


def cipher_set(name: str) -> frozenset[str]:
    """IANA names in a named set: mozilla-intermediate, mozilla-modern (Mozilla guideline 6.0,
    TLS 1.3 suites included), fs-aead, insecure (must always fail), tls13."""
    if name not in _CIPHER_SETS:
        raise KeyError(f"unknown cipher set {name!r}; known: {', '.join(_CIPHER_SETS)}")
    return _cipher_set(name)


@cache
def _cipher_set(name: str) -> frozenset[str]:
    test = _CIPHER_SETS[name]
    return frozenset(c.iana_name for c in _ciphers() if test(c))


def parse_cipher_list(items: list[str] | str, dialect: str) -> tuple[list[str], list[str]]:
    """Explicit cipher list -> (IANA names in order without repeats, unknown names).

    `dialect` is "iana", "openssl", "go" or "auto"; a string is split on `:`, `,` and spaces.
    """
    if dialect not in ("iana", "openssl", "go", "auto"):
        raise ValueError(f"unknown cipher dialect {dialect!r}; use iana, openssl, go or auto")
    names = re.split(r"[:,\s]+", items) if isinstance(items, str) else items
    found: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        c = _lookup(name, dialect)
        if c is None:
            unknown.append(name)
        elif c.iana_name not in found:
            found.append(c.iana_name)
    return found, unknown


def parse_cipher_items(items: Iterable[tuple[str, _Place]], dialect: str) -> tuple[list[str], list[_Place]]:
    """Cipher names each with where it is written (one list item, one flag value) -> the IANA
    names in order without repeats, and where each was written; unknown names are left out."""
    names: list[str] = []
    places: list[_Place] = []
    for raw, place in items:
        iana, _unknown = parse_cipher_list([raw], dialect)
        if iana and iana[0] not in names:
            names.append(iana[0])
            places.append(place)
    return names, places


# ---------------------------------------------------------------- OpenSSL cipher strings
#
# The model is "every suite in ciphers.csv is compiled in", so ALL also holds RC4, EXPORT and
# DES as on old or weak-cipher builds; a real server offers a subset.  Approximations:
# - HIGH / MEDIUM / LOW / EXPORT follow OpenSSL >= 1.1.0 by cipher: HIGH = AES (CBC, GCM, CCM),
#   ChaCha20, Camellia, ARIA; MEDIUM = 3DES, RC4-128, SEED, IDEA, RC2-128; LOW = single 56-bit
#   DES; EXPORT = the 40/56-bit export suites.  Checked against the nginx default
#   `HIGH:!aNULL:!MD5` expansion recorded from OpenSSL 3.0.19 in the shared data.
# - DEFAULT = ALL:!COMPLEMENTOFDEFAULT:!eNULL as OpenSSL >= 1.1.0 builds it: no anonymous,
#   DSS, Camellia, ARIA, SEED, IDEA, AES-CCM, RC4, 3DES, DES, RC2, KRB5 or export suites
#   (matches `openssl ciphers DEFAULT` on OpenSSL 3.0.19, recorded in the shared data).
# - The starting order imitates OpenSSL's: ECDHE first, AES-GCM then ChaCha20 then AES,
#   MD5 / anonymous / RSA and PSK key transport / RC4 moved last, then sorted by strength.
# - TLS 1.3 suites are configured separately (nginx `ssl_conf_command Ciphersuites`), so they
#   never appear in an expansion; naming them in the string is not an error.
# - Keywords and names are case-sensitive, as in OpenSSL; @STRENGTH and @SECLEVEL are ignored.

_HIGH = frozenset({"AES", "AESGCM", "AESCCM", "AESCCM8", "Camellia", "ARIAGCM", "ChaCha20"})
_MEDIUM = frozenset({"3DES", "RC4", "SEED", "IDEA", "RC2"})
_NOT_DEFAULT = frozenset({"Camellia", "ARIAGCM", "SEED", "IDEA", "AESCCM", "AESCCM8", "RC4", "3DES", "DES", "RC2"})


def _export(c: Cipher) -> bool:
    return "export" in c.weak_flags


def _dhe(c: Cipher) -> bool:
    return c.kx.startswith("DH") and c.kx != "DHEPSK"  # DH, DH(512)


def _ecdhe(c: Cipher) -> bool:
    return c.kx == "ECDH"


def _kx_rsa(c: Cipher) -> bool:
    return c.kx.startswith("RSA") and c.kx != "RSAPSK"  # RSA, RSA(512)


def _default(c: Cipher) -> bool:
    return (
        c.enc != "None"
        and c.au not in ("None", "DSS")
        and c.kx != "KRB5"
        and c.enc_family not in _NOT_DEFAULT
        and not _export(c)
    )


def _enc(*families: str) -> Callable[[Cipher], bool]:
    return lambda c: c.enc_family in families


def _enc_bits(family: str, bits: int) -> Callable[[Cipher], bool]:
    return lambda c: c.enc_family.startswith(family) and c.bits == bits


_KEYWORDS: dict[str, Callable[[Cipher], bool]] = {
    "ALL": lambda c: c.enc != "None",
    "COMPLEMENTOFALL": lambda c: c.enc == "None",
    "DEFAULT": _default,
    "COMPLEMENTOFDEFAULT": lambda c: c.enc != "None" and not _default(c),
    "HIGH": lambda c: c.enc_family in _HIGH and not _export(c),
    "MEDIUM": lambda c: c.enc_family in _MEDIUM and c.bits >= 128 and not _export(c),
    "LOW": lambda c: c.enc_family == "DES" and not _export(c),
    "EXPORT": _export,
    "EXP": _export,
    "aNULL": lambda c: c.au == "None",
    "eNULL": lambda c: c.enc == "None",
    "NULL": lambda c: c.enc == "None",
    "ADH": lambda c: _dhe(c) and c.au == "None",
    "AECDH": lambda c: _ecdhe(c) and c.au == "None",
    "kRSA": _kx_rsa,
    "RSA": _kx_rsa,
    "aRSA": lambda c: c.au == "RSA",
    "aECDSA": lambda c: c.au == "ECDSA",
    "ECDSA": lambda c: c.au == "ECDSA",
    "aDSS": lambda c: c.au == "DSS",
    "DSS": lambda c: c.au == "DSS",
    "kEECDH": _ecdhe,
    "kECDHE": _ecdhe,
    "ECDH": _ecdhe,
    "EECDH": lambda c: _ecdhe(c) and c.au != "None",
    "ECDHE": lambda c: _ecdhe(c) and c.au != "None",
    "kEDH": _dhe,
    "kDHE": _dhe,
    "DH": _dhe,
    "EDH": lambda c: _dhe(c) and c.au != "None",
    "DHE": lambda c: _dhe(c) and c.au != "None",
    "PSK": lambda c: c.kx.endswith("PSK"),
    "kPSK": lambda c: c.kx == "PSK",
    "kRSAPSK": lambda c: c.kx == "RSAPSK",
    "kDHEPSK": lambda c: c.kx == "DHEPSK",
    "kECDHEPSK": lambda c: c.kx == "ECDHEPSK",
    "aPSK": lambda c: c.au == "PSK",
    "SRP": lambda c: c.kx == "SRP",
    "kSRP": lambda c: c.kx == "SRP",
    "aSRP": lambda c: c.au == "SRP",
    "KRB5": lambda c: c.kx == "KRB5",
    "AESGCM": _enc("AESGCM"),
    "AESCCM": _enc("AESCCM", "AESCCM8"),
    "AESCCM8": _enc("AESCCM8"),
    "AES": _enc("AES", "AESGCM", "AESCCM", "AESCCM8"),
    "AES128": _enc_bits("AES", 128),
    "AES256": _enc_bits("AES", 256),
    "CHACHA20": _enc("ChaCha20"),
    "CAMELLIA": _enc("Camellia"),
    "CAMELLIA128": _enc_bits("Camellia", 128),
    "CAMELLIA256": _enc_bits("Camellia", 256),
    "ARIA": _enc("ARIAGCM"),
    "ARIAGCM": _enc("ARIAGCM"),
    "ARIA128": _enc_bits("ARIA", 128),
    "ARIA256": _enc_bits("ARIA", 256),
    "3DES": _enc("3DES"),
    "DES": _enc("DES"),
    "RC4": _enc("RC4"),
    "RC2": _enc("RC2"),
    "IDEA": _enc("IDEA"),
    "SEED": _enc("SEED"),
    "MD5": lambda c: c.mac == "MD5",
    "SHA1": lambda c: c.mac == "SHA1",
    "SHA": lambda c: c.mac == "SHA1",
    "SHA256": lambda c: c.mac == "SHA256",
    "SHA384": lambda c: c.mac == "SHA384",
    # Minimum protocol version of the suite, exactly as OpenSSL matches it.
    "SSLv3": lambda c: c.min_protocol == "SSLv3",
    "TLSv1": lambda c: c.min_protocol == "TLSv1",
    "TLSv1.0": lambda c: c.min_protocol == "TLSv1",
    "TLSv1.2": lambda c: c.min_protocol == "TLSv1.2",
}


def _move_last(order: list[Cipher], test: Callable[[Cipher], bool]) -> list[Cipher]:
    return [c for c in order if not test(c)] + [c for c in order if test(c)]


@cache
def _openssl_order() -> tuple[Cipher, ...]:
    """TLS <= 1.2 suites in (approximately) OpenSSL's built-in preference order."""
    pool = [c for c in _ciphers() if c.min_protocol not in ("SSLv2", "TLSv1.3")]
    # Within every group ECDHE-ECDSA comes first, then other ECDHE (stable sorts).
    pool.sort(key=lambda c: 0 if _ecdhe(c) and c.au == "ECDSA" else 1 if _ecdhe(c) else 2)
    groups = (_enc("AESGCM"), _enc("ChaCha20"), _enc("AES", "AESCCM", "AESCCM8"))
    order = [c for test in groups for c in pool if test(c)]
    order += [c for c in pool if c not in order]
    for test in (_KEYWORDS["MD5"], _KEYWORDS["aNULL"], _kx_rsa, _KEYWORDS["kPSK"], _enc("RC4")):
        order = _move_last(order, test)
    # Stable sort by strength; 3DES counts as 112 bits, as OpenSSL rates it.
    return tuple(sorted(order, key=lambda c: -(112 if c.enc_family == "3DES" else c.bits)))


def _is(suite: Cipher) -> Callable[[Cipher], bool]:
    return lambda c: c is suite


def _match_token(token: str) -> list[Cipher] | None:
    """Suites matching one term (`a+b` = intersection), in OpenSSL order; None if unknown."""
    tests: list[Callable[[Cipher], bool]] = []
    for part in token.split("+"):
        if part in _KEYWORDS:
            tests.append(_KEYWORDS[part])
            continue
        named = _indexes()["openssl"].get(part.casefold())
        if named is None or named.openssl_name != part:
            return None
        tests.append(_is(named))
    return [c for c in _openssl_order() if all(t(c) for t in tests)]


def expand_openssl_cipher_string(text: str) -> tuple[list[str], list[str]]:
    """Expand an OpenSSL cipher string (nginx `ssl_ciphers`, ingress-nginx `ssl-ciphers`).

    Returns (IANA names of the TLS <= 1.2 suites enabled, in order; unknown terms).
    """
    active: list[Cipher] = []
    banned: set[Cipher] = set()
    unknown: list[str] = []
    for term in re.split(r"[:,\s]+", text.strip()):
        if not term or term.startswith("@"):
            continue  # @STRENGTH, @SECLEVEL=n: ordering/security level, not membership
        op, body = (term[0], term[1:]) if term[0] in "!-+" else ("", term)
        matched = _match_token(body)
        if matched is None:
            unknown.append(term)
            continue
        if op == "!":
            banned.update(matched)
            active = [c for c in active if c not in banned]
        elif op == "-":
            active = [c for c in active if c not in matched]
        elif op == "+":
            moved = [c for c in active if c in matched]
            active = [c for c in active if c not in matched] + moved
        else:
            active += [c for c in matched if c not in active and c not in banned]
    return [c.iana_name for c in active], unknown


# ---------------------------------------------------------------- provider policies


@dataclass(frozen=True)
class TlsPolicy:
    table: str
    name: str
    min_version: str
    max_version: str | None
    ciphers: tuple[str, ...] | None  # IANA names incl. TLS 1.3 suites; None = not known
    forward_secrecy_only: bool | None
    aead_only: bool | None
    confidence: str
    source: str = ""
    notes: str = ""


@cache
def _policies() -> dict[str, tuple[dict[str, TlsPolicy], dict[str, TlsPolicy]]]:
    """table -> (exact name index, case-folded name index)."""
    doc = json.loads(read_text("tls_policies.json"))
    out: dict[str, tuple[dict[str, TlsPolicy], dict[str, TlsPolicy]]] = {}
    for table, entries in doc["tables"].items():
        exact: dict[str, TlsPolicy] = {}
        for name, e in entries.items():
            ciphers = e["ciphers"]
            exact[name] = TlsPolicy(
                table=table,
                name=name,
                min_version=e["min_tls"],
                max_version=e["max_tls"],
                ciphers=None if ciphers is None else tuple(ciphers),
                forward_secrecy_only=e["forward_secrecy_only"],
                aead_only=e["aead_only"],
                confidence=e["confidence"],
                source=e["source"],
                notes=e.get("notes", ""),
            )
        out[table] = (exact, {n.casefold(): p for n, p in exact.items()})
    return out


def policy_tables() -> list[str]:
    return sorted(_policies())


def lookup_policy(table: str, name: str) -> TlsPolicy | None:
    """A provider policy / minimum-version value by name: exact match first, then ignoring case.

    Tables: aws-elbv2, aws-elb-classic, aws-cloudfront-viewer, aws-cloudfront-origin,
    aws-apigateway, aws-opensearch, azure-min-tls, azure-appgw, gcp-ssl-policy-profile,
    gcp-min-tls.  Raises KeyError for an unknown table (a typo must not read as "unknown").
    """
    tables = _policies()
    if table not in tables:
        raise KeyError(f"unknown TLS policy table {table!r}; known: {', '.join(sorted(tables))}")
    exact, folded = tables[table]
    key = name.strip()
    return exact.get(key) or folded.get(key.casefold())
