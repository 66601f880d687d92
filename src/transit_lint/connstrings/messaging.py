"""Classifiers for brokers that take URLs: AMQP, MQTT, NATS (Kafka properties live in kafka.py)."""

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


def classify_amqp(params: Params, scheme: str) -> Verdict:
    if scheme != "amqps":
        ssl = params.get("ssl")
        if ssl is not None and truth(ssl):
            return Verdict(
                UNV,
                f"ssl={ssl} without CA options encrypts but does not verify the server certificate",
                "kombu/py-amqp with ssl=true and no CA settings",
            )
        return Verdict(PLAIN, f"{scheme}:// is plaintext (amqps:// is the TLS form)")
    verify = params.get("verify")
    if verify is not None:
        word = value_word(verify)
        if word == "verifynone":
            return Verdict(UNV, f"verify={verify} accepts any server certificate")
        if word == "verifypeer":
            sni = params.get("server_name_indication")
            if sni is not None and value_word(sni) == "disable":
                return Verdict(
                    NOHOST, f"server_name_indication={sni} also turns off the host name check (Erlang client)"
                )
            return Verdict(VER, f"verify={verify} verifies the server certificate")
        return Verdict(UNK, f"verify={verify} is not a RabbitMQ verify value")
    return Verdict(
        UNV,
        "amqps:// without verify=verify_peer: the RabbitMQ Java client (useSslProtocol) and the Erlang client"
        " do not verify the server certificate",
        "RabbitMQ Java/Erlang client defaults; pika verifies",
    )


def classify_mqtt(params: Params, tls: bool, scheme: str) -> Verdict:
    if not tls:
        return Verdict(PLAIN, f"{scheme}:// MQTT is plaintext (mqtts://, ssl:// or wss:// on 8883/443 is the TLS form)")
    return Verdict(
        VER,
        f"{scheme}:// uses TLS; MQTT clients verify the server certificate by default",
        "paho default (tls_insecure_set not called)",
    )


def classify_nats(params: Params, scheme: str) -> Verdict:
    if scheme == "tls":
        return Verdict(VER, "tls:// requires TLS and verifies the server certificate (NATS)")
    return Verdict(OPP, "nats:// upgrades to TLS only when the server demands it", "NATS.Net default TlsMode=Prefer")
