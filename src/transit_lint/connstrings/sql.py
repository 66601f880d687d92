"""Classifiers for relational databases: PostgreSQL, MySQL/MariaDB and SQL Server.

Each returns a Verdict read from Params. When drivers disagree, the weakest plausible reading is
taken and named in `assumed` (research notes, part B2)."""

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

# ---------------------------------------------------------------- PostgreSQL

_PG_MODES: dict[str, tuple[TlsMode, str]] = {
    "disable": (PLAIN, "sends data in clear"),
    "allow": (OPP, "tries plaintext first and encrypts only if the server insists"),
    "prefer": (OPP, "falls back to plaintext when the server does not offer TLS"),
    "require": (UNV, "encrypts but does not verify the server certificate"),
    "noverify": (UNV, "encrypts but does not verify the server certificate"),
    "verifyca": (NOHOST, "checks the certificate chain but not the host name"),
    "verifyfull": (VER, "verifies the certificate chain and host name"),
}


def classify_postgres(params: Params, flavour: str) -> Verdict:
    """flavour: libpq (URIs and conninfo), jdbc (pgJDBC), npgsql (ADO.NET), pg8000."""
    raw = params.get("sslmode")
    if raw is not None:
        verdict = _pg_sslmode(raw, flavour, params)
    elif flavour == "jdbc":
        verdict = _pg_jdbc_default(params)
    elif flavour == "npgsql":
        verdict = _npgsql_default(params)
    else:
        verdict = _pg_libpq_default(params, flavour)
    if flavour == "jdbc" and verdict.mode in (NOHOST, VER):
        factory = params.get("sslfactory") or ""
        if factory.endswith("NonValidatingFactory"):
            return Verdict(UNV, "sslfactory=NonValidatingFactory accepts any server certificate (pgJDBC)")
    return verdict


def _pg_sslmode(raw: str, flavour: str, params: Params) -> Verdict:
    word = value_word(raw)
    found = _PG_MODES.get(word)
    if found is None:
        return Verdict(UNK, f"sslmode={raw} is not a PostgreSQL sslmode value")
    mode, effect = found
    driver = {"jdbc": "pgJDBC", "npgsql": "Npgsql"}.get(flavour, "libpq")
    reason = f"{params.name('sslmode')}={raw} {effect} ({driver})"
    assumed: str | None = None
    if word == "require" and flavour == "libpq":
        assumed = (
            "libpq reading; node-postgres verifies on require, and libpq verifies the chain"
            " if a root certificate file exists"
        )
    if flavour == "npgsql" and mode in (NOHOST, VER) and truth(params.get("trustservercertificate")):
        return Verdict(UNV, "Trust Server Certificate=true accepts any server certificate (Npgsql)")
    return Verdict(mode, reason, assumed)


def _pg_libpq_default(params: Params, flavour: str) -> Verdict:
    requiressl = params.get("requiressl")
    if requiressl is not None:
        if truth(requiressl):
            return Verdict(
                UNV, "requiressl=1 is the deprecated alias of sslmode=require: encrypts without verifying (libpq)"
            )
        return Verdict(OPP, f"requiressl={requiressl} means sslmode=prefer: falls back to plaintext (libpq)")
    ssl = params.get("ssl")
    if ssl is not None:
        word = value_word(ssl)
        if word in _PG_MODES:  # asyncpg: ?ssl=require
            mode, effect = _PG_MODES[word]
            return Verdict(mode, f"ssl={ssl} {effect} (asyncpg)")
        flag = truth(ssl)
        if flag:
            return Verdict(
                VER,
                f"ssl={ssl} verifies the server certificate",
                "node-postgres/pgJDBC reading of ssl=true (libpq rejects the parameter)",
            )
        if flag is False:
            return Verdict(PLAIN, f"ssl={ssl} turns TLS off")
        return Verdict(UNK, f"ssl={ssl} is not a value the PostgreSQL drivers agree on")
    if (params.get("sslrootcert") or "").strip().lower() == "system":
        return Verdict(VER, "sslrootcert=system makes libpq 16+ default to sslmode=verify-full")
    if flavour == "pg8000":
        return Verdict(PLAIN, "pg8000 does not use TLS unless given an ssl_context", "SQLAlchemy postgresql+pg8000")
    return Verdict(
        OPP,
        "no sslmode: libpq defaults to sslmode=prefer, which falls back to plaintext",
        "libpq default sslmode=prefer",
    )


def _pg_jdbc_default(params: Params) -> Verdict:
    ssl = params.get("ssl")
    if ssl is not None and (ssl.strip() == "" or truth(ssl)):
        return Verdict(VER, f"ssl={ssl} without sslmode means sslmode=verify-full (pgJDBC 42.2.5+)")
    if ssl is not None:
        return Verdict(OPP, f"ssl={ssl} leaves pgJDBC at its default sslmode=prefer, which falls back to plaintext")
    return Verdict(
        OPP,
        "no ssl or sslmode: pgJDBC defaults to sslmode=prefer, which falls back to plaintext",
        "pgJDBC default sslmode=prefer",
    )


def _npgsql_default(params: Params) -> Verdict:
    if truth(params.get("trustservercertificate")):
        return Verdict(
            PLAIN,
            "Trust Server Certificate=true and no SSL Mode: Npgsql before 6.0 does not use TLS at all",
            "Npgsql before 6.0 defaults to SSL Mode=Disable",
        )
    return Verdict(
        PLAIN,
        "no SSL Mode: Npgsql before 6.0 does not use TLS (6.0+ prefers it but falls back to plaintext)",
        "Npgsql before 6.0 defaults to SSL Mode=Disable",
    )


# ---------------------------------------------------------------- MySQL / MariaDB

_MYSQL_MODES: dict[str, TlsMode] = {
    "disabled": PLAIN, "disable": PLAIN, "none": PLAIN,
    "preferred": OPP, "prefer": OPP,
    "required": UNV, "require": UNV, "trust": UNV,
    "verifyca": NOHOST,
    "verifyidentity": VER, "verifyfull": VER,
}  # fmt: skip
_MODE_EFFECT = {
    PLAIN: "sends data in clear",
    OPP: "falls back to plaintext when the server does not offer TLS",
    UNV: "encrypts but does not verify the server certificate",
    NOHOST: "checks the certificate chain but not the host name",
    VER: "verifies the certificate chain and host name",
}
_SSL_MODE_KEYS = ("sslmode", "ssl-mode", "ssl_mode")


def classify_mysql(params: Params, flavour: str) -> Verdict:
    """flavour: server (mysql://, mysqlclient, Connector/Python), pymysql, connectorj (jdbc:mysql),
    mariadbj (jdbc:mariadb), mariadb (mariadb://), go (go-sql-driver DSN), connectornet (ADO.NET),
    mysqlx (UNK protocol)."""
    raw = params.get(*_SSL_MODE_KEYS)
    if raw is not None:
        return _mysql_mode(params.name(*_SSL_MODE_KEYS), raw, flavour)
    if flavour == "connectorj":
        return _connectorj_legacy(params)
    if flavour in ("mariadbj", "mariadb"):
        return _mariadb_legacy(params)
    if flavour == "pymysql":
        return _pymysql(params)
    tls = params.get("tls")
    if tls is not None or flavour == "go":
        return _go_tls(tls)
    if flavour == "mysqlx":
        return Verdict(UNV, "mysqlx:// defaults to ssl-mode=REQUIRED, which does not verify the server certificate")
    if flavour == "connectornet":
        return Verdict(
            OPP,
            "no SslMode: MySQL Connector/NET defaults to Preferred, which falls back to plaintext",
            "Connector/NET 8 default SslMode=Preferred",
        )
    disabled = params.get("ssl_disabled", "ssl-disabled")
    if disabled is not None and disabled.strip():
        return Verdict(PLAIN, f"ssl_disabled={disabled} turns TLS off (PyMySQL reads any non-empty string as true)")
    ca = params.get("ssl_ca", "ssl-ca", "sslca", "ssl_capath", "ssl-capath")
    if ca is not None:
        return Verdict(
            NOHOST,
            "ssl_ca without ssl-mode implies VERIFY_CA: the host name is not checked",
            "MySQL client reading of --ssl-ca without --ssl-mode",
        )
    ssl = params.get("ssl")
    if ssl is not None:
        if truth(ssl) is False:
            return Verdict(PLAIN, f"ssl={ssl} turns TLS off")
        return Verdict(
            UNV,
            f"ssl={ssl} without a CA encrypts but does not verify the server certificate",
            "PyMySQL/mysql2 reading of ssl without ssl_ca",
        )
    return Verdict(
        OPP,
        "no ssl-mode: the MySQL client default PREFERRED falls back to plaintext",
        "MySQL client default ssl-mode=PREFERRED (PyMySQL and node mysql2 do not try TLS at all)",
    )


def _mysql_mode(key: str, raw: str, flavour: str) -> Verdict:
    word = value_word(raw)
    mariadb = flavour in ("mariadbj", "mariadb")
    mode = _MYSQL_MODES.get(word)
    if mode is None and mariadb:
        flag = truth(raw)
        mode = None if flag is None else (VER if flag else PLAIN)
    if mode is None:
        return Verdict(UNK, f"{key}={raw} is not a MySQL ssl-mode value")
    if mariadb and word in ("required", "trust"):
        return Verdict(UNV, f"{key}={raw} is MariaDB's 'trust': encrypts but does not verify the server certificate")
    return Verdict(mode, f"{key}={raw} {_MODE_EFFECT[mode]}")


def _connectorj_legacy(params: Params) -> Verdict:
    use_ssl = truth(params.get("useSSL"))
    require_ssl = truth(params.get("requireSSL"))
    verify = truth(params.get("verifyServerCertificate"))
    trust = truth(params.get("trustServerCertificate"))
    if use_ssl is False:
        return Verdict(PLAIN, "useSSL=false turns TLS off (Connector/J sslMode=DISABLED)")
    if use_ssl is None and require_ssl is None and verify is None and trust is None:
        return Verdict(
            OPP,
            "no sslMode: Connector/J defaults to PREFERRED, which falls back to plaintext",
            "Connector/J 8 default sslMode=PREFERRED",
        )
    if trust:
        return Verdict(UNV, "trustServerCertificate=true accepts any server certificate")
    if verify:
        return Verdict(
            NOHOST, "verifyServerCertificate=true maps to sslMode=VERIFY_CA: the host name is not checked (Connector/J)"
        )
    if require_ssl:
        return Verdict(
            UNV,
            "requireSSL=true without verifyServerCertificate maps to sslMode=REQUIRED: no certificate check",
        )
    return Verdict(
        OPP, "useSSL=true without requireSSL maps to sslMode=PREFERRED, which falls back to plaintext (Connector/J)"
    )


def _mariadb_legacy(params: Params) -> Verdict:
    use_ssl = truth(params.get("useSsl", "useSSL", "ssl"))
    if not use_ssl:
        name = "useSsl=false" if use_ssl is False else "no sslMode"
        return Verdict(
            PLAIN,
            f"{name}: MariaDB Connector/J defaults to sslMode=disable",
            "MariaDB Connector/J 3 default sslMode=disable",
        )
    if truth(params.get("trustServerCertificate")):
        return Verdict(UNV, "trustServerCertificate=true accepts any server certificate (MariaDB)")
    if truth(params.get("disableSslHostnameVerification")):
        return Verdict(NOHOST, "disableSslHostnameVerification=true skips the host name check (MariaDB)")
    return Verdict(VER, "useSsl=true verifies the certificate and host name (MariaDB Connector/J, sslMode=verify-full)")


def _pymysql(params: Params) -> Verdict:
    disabled = params.get("ssl_disabled")
    if disabled is not None and disabled.strip():
        return Verdict(PLAIN, f"ssl_disabled={disabled} turns TLS off (PyMySQL reads any non-empty string as true)")
    ca = params.get("ssl_ca", "ssl_capath")
    verify_cert = params.get("ssl_verify_cert")
    check_hostname = params.get("ssl_check_hostname", "ssl_verify_identity")
    others = [params.get(k) for k in ("ssl", "ssl_cert", "ssl_key", "ssl_cipher")]
    if ca is None and verify_cert is None and check_hostname is None and all(v is None for v in others):
        return Verdict(PLAIN, "no ssl parameters: PyMySQL does not try TLS at all")
    if verify_cert is not None:
        chain = truth(verify_cert) is not False and value_word(verify_cert) not in ("none", "certnone")
    else:
        chain = ca is not None
    if not chain:
        what = f"ssl_verify_cert={verify_cert}" if verify_cert is not None else "ssl without ssl_ca"
        return Verdict(UNV, f"{what} encrypts but does not verify the server certificate (PyMySQL)")
    if ca is None:
        return Verdict(NOHOST, "ssl_verify_cert without ssl_ca: PyMySQL does not check the host name")
    if check_hostname is not None and truth(check_hostname) is not True:
        return Verdict(NOHOST, f"ssl_check_hostname={check_hostname} skips the host name check (PyMySQL)")
    return Verdict(VER, "ssl_ca makes PyMySQL verify the certificate and host name")


def _go_tls(tls: str | None) -> Verdict:
    if tls is None:
        return Verdict(PLAIN, "no tls parameter: go-sql-driver/mysql defaults to tls=false")
    word = value_word(tls)
    if word == "skipverify":
        return Verdict(UNV, f"tls={tls} encrypts but does not verify the server certificate (go-sql-driver/mysql)")
    if word == "preferred":
        return Verdict(OPP, f"tls={tls} falls back to plaintext and does not verify (go-sql-driver/mysql)")
    flag = truth(tls)
    if flag is False:
        return Verdict(PLAIN, f"tls={tls} turns TLS off")
    if flag:
        return Verdict(VER, f"tls={tls} verifies the certificate and host name (go-sql-driver/mysql)")
    return Verdict(UNK, f"tls={tls} names a custom TLS configuration registered in code")


# ---------------------------------------------------------------- SQL Server


def classify_sqlserver(params: Params, flavour: str, host: str | None) -> Verdict:
    """flavour: ado (ADO.NET, unknown client), odbc, jdbc (mssql-jdbc), jtds, go, url."""
    if flavour == "jtds":
        return _jtds(params)
    raw = params.get("encrypt")
    trust = truth(params.get("trustservercertificate", "trust_server_certificate"))
    azure = bool(host) and str(host).lower().rstrip(".").endswith(".database.windows.net")
    if raw is None:
        driver = params.get("driver") or ""
        if _odbc_major(driver) >= 18:
            encrypt: bool | None = True
            source = f"Driver={{{driver}}} defaults to Encrypt=yes"
        else:
            if azure:
                return Verdict(
                    UNV,
                    "no Encrypt setting: Azure SQL forces TLS, but older clients then skip certificate validation",
                    _OLD_DEFAULT,
                )
            return Verdict(
                PLAIN,
                "no Encrypt setting: older SQL Server drivers default to Encrypt=false (only the login is encrypted)",
                _OLD_DEFAULT,
            )
    else:
        word = value_word(raw)
        if word == "strict":
            return Verdict(VER, f"Encrypt={raw} (TDS 8) always validates the server certificate")
        if word in ("true", "yes", "mandatory", "1"):
            encrypt, source = True, f"Encrypt={raw}"
        elif word in ("false", "no", "optional", "0", "disable"):
            if azure and word != "disable":
                return Verdict(
                    UNV, f"Encrypt={raw}: Azure SQL forces TLS, but the client then skips certificate validation"
                )
            return Verdict(PLAIN, f"Encrypt={raw} sends data in clear (only the login is encrypted)")
        else:
            return Verdict(UNK, f"Encrypt={raw} is not a SQL Server Encrypt value")
    if encrypt and trust:
        return Verdict(UNV, "TrustServerCertificate=true accepts any server certificate")
    return Verdict(VER, f"{source} with certificate validation")


_OLD_DEFAULT = (
    "System.Data.SqlClient, ODBC Driver 17 and mssql-jdbc before 10.2 default to Encrypt=false"
    " (Microsoft.Data.SqlClient 4+ defaults to true)"
)


def _odbc_major(driver: str) -> int:
    words = driver.lower().replace("{", " ").replace("}", " ").replace("+", " ").split()
    for index, word in enumerate(words[:-1]):
        if word == "driver" and words[index + 1].isdigit():
            return int(words[index + 1])
    return 0


def _jtds(params: Params) -> Verdict:
    raw = params.get("ssl")
    word = value_word(raw) if raw is not None else "off"
    mapping = {
        "off": (PLAIN, "sends data in clear"),
        "request": (OPP, "falls back to plaintext and does not verify the certificate"),
        "require": (UNV, "encrypts but does not verify the server certificate"),
        "authenticate": (VER, "requires a valid server certificate"),
    }
    if word not in mapping:
        return Verdict(UNK, f"ssl={raw} is not a jTDS ssl value")
    mode, effect = mapping[word]
    name = f"ssl={raw}" if raw is not None else "no ssl property (jTDS default ssl=off)"
    return Verdict(mode, f"{name} {effect} (jTDS)")
