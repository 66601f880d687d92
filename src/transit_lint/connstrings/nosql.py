"""Classifiers for MongoDB, Redis, ClickHouse and Cassandra."""

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


def classify_mongodb(params: Params, srv: bool) -> Verdict:
    values = [(params.name(k), params.get(k)) for k in ("tls", "ssl")]
    written = [(k, v) for k, v in values if v is not None]
    flags = [truth(v) for _, v in written]
    if any(flag is None for flag in flags):
        key, raw = written[flags.index(None)]
        return Verdict(UNK, f"{key}={raw} is not a boolean")
    if False in flags:
        key, raw = written[flags.index(False)]
        return Verdict(PLAIN, f"{key}={raw} turns TLS off")
    if not flags and not srv:
        return Verdict(PLAIN, "mongodb:// without tls=true sends data in clear")
    source = f"{written[0][0]}={written[0][1]}" if written else "mongodb+srv:// turns TLS on"
    for key, mode, effect in (
        ("tlsInsecure", UNV, "accepts any server certificate"),
        ("tlsAllowInvalidCertificates", UNV, "accepts any server certificate"),
        ("sslAllowInvalidCertificates", UNV, "accepts any server certificate"),
        ("tlsAllowInvalidHostnames", NOHOST, "skips the host name check"),
        ("sslInvalidHostNameAllowed", NOHOST, "skips the host name check"),
    ):
        flag = params.get(key)
        if flag is not None and truth(flag):
            return Verdict(mode, f"{params.name(key)}={flag} {effect}")
    return Verdict(VER, f"{source}, and drivers verify the certificate and host name by default")


def classify_redis(params: Params, tls: bool, scheme: str) -> Verdict:
    if not tls:
        return Verdict(PLAIN, f"{scheme}:// is plaintext (rediss:// is the TLS form)")
    reqs = params.get("ssl_cert_reqs")
    if reqs is not None and value_word(reqs) in ("none", "certnone"):
        return Verdict(UNV, f"ssl_cert_reqs={reqs} accepts any server certificate (redis-py)")
    peer = params.get("verifyPeer")
    if peer is not None:
        word = value_word(peer)
        if word in ("none", "false", "0"):
            return Verdict(UNV, f"verifyPeer={peer} accepts any server certificate (Lettuce)")
        if word == "ca":
            return Verdict(NOHOST, f"verifyPeer={peer} skips the host name check (Lettuce)")
    hostname = params.get("ssl_check_hostname")
    if hostname is not None and truth(hostname) is False:
        return Verdict(NOHOST, f"ssl_check_hostname={hostname} skips the host name check (redis-py)")
    return Verdict(
        VER,
        f"{scheme}:// verifies the certificate and host name",
        "redis-py/Lettuce/ioredis defaults (ssl_cert_reqs=required, check_hostname)",
    )


def classify_stackexchange_redis(params: Params, port: int | None) -> Verdict:
    raw = params.get("ssl")
    flag = truth(raw)
    if flag:
        return Verdict(VER, f"ssl={raw} (StackExchange.Redis validates the server certificate)")
    if raw is not None and flag is None:
        return Verdict(UNK, f"ssl={raw} is not a boolean")
    note = " although port 6380 is the TLS port" if port == 6380 else ""
    return Verdict(
        PLAIN,
        f"ssl={raw} sends data in clear{note}"
        if raw is not None
        else f"no ssl=True: StackExchange.Redis connects in clear{note}",
    )


def classify_clickhouse(params: Params, scheme: str, port: int | None) -> Verdict:
    if scheme in ("https", "clickhouses", "clickhouse+https"):
        secure: bool | None = True
        source = f"{scheme}://"
    else:
        raw = params.get("secure", "ssl")
        secure = truth(raw)
        source = f"{params.name('secure', 'ssl')}={raw}"
        if raw is None:
            note = " (port 9440 is the TLS port, but the driver will not use TLS there)" if port == 9440 else ""
            return Verdict(
                PLAIN,
                f"no secure=true: the ClickHouse native/HTTP protocol is plaintext{note}",
                "clickhouse-driver default secure=False",
            )
        if secure is None:
            return Verdict(UNK, f"{source} is not a boolean")
        if not secure:
            return Verdict(PLAIN, f"{source} sends data in clear")
    verify = params.get("verify")
    if verify is not None and truth(verify) is False:
        return Verdict(UNV, f"verify={verify} accepts any server certificate (clickhouse-driver)")
    mode = params.get("sslmode")
    if mode is not None and value_word(mode) == "none":
        return Verdict(UNV, f"sslmode={mode} accepts any server certificate (ClickHouse JDBC)")
    return Verdict(VER, f"{source} verifies the server certificate")


def classify_cassandra(params: Params) -> Verdict:
    mode = params.get("sslmode")
    if mode is not None:
        word = value_word(mode)
        mapping = {"disable": PLAIN, "require": UNV, "verifyca": NOHOST, "verifyfull": VER}
        if word not in mapping:
            return Verdict(UNK, f"sslmode={mode} is not a recognised value")
        return Verdict(mapping[word], f"sslmode={mode} (golang-migrate cassandra)")
    for key in ("ssl", "tls", "enablessl", "usessl", "ssl_enabled"):
        raw = params.get(key)
        if raw is None:
            continue
        flag = truth(raw)
        if flag is None:
            return Verdict(UNK, f"{params.name(key)}={raw} is not a boolean")
        if not flag:
            return Verdict(PLAIN, f"{params.name(key)}={raw} sends data in clear")
        validate = params.get("validate", "sslhostnameverification", "hostnameverification")
        if validate is not None and truth(validate) is False:
            name = params.name("validate", "sslhostnameverification", "hostnameverification")
            return Verdict(UNV, f"{name}={validate} weakens certificate checks")
        return Verdict(VER, f"{params.name(key)}={raw} turns TLS on", "driver default certificate validation")
    return Verdict(PLAIN, "no ssl option: Cassandra client connections are plaintext by default")
