"""Port table: what each well-known port carries and its secure equivalent."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from transit_lint.data import read_csv, read_text
from transit_lint.ports import PortInfo, port_info, port_set

SHARED_PORTS = Path(__file__).resolve().parent.parent.parent / "shared" / "standards" / "iana-ports.csv"


@pytest.mark.parametrize(
    ("port", "tls", "secure"),
    [
        (80, "plaintext", 443),
        (23, "plaintext", 22),  # telnet: replace with SSH
        (21, "starttls", 990),
        (110, "starttls", 995),
        (143, "starttls", 993),
        (389, "starttls", 636),
        (1883, "plaintext", 8883),
        (5672, "plaintext", 5671),
        (8080, "plaintext", 8443),
        (2375, "plaintext", 2376),
        (6379, "optional", None),
        (9092, "optional", 9093),
        (513, "plaintext", 22),
        (443, "tls", None),
        (636, "tls", None),
        (22, "encrypted", None),
    ],
)
def test_port_info(port: int, tls: str, secure: int | None) -> None:
    info = port_info(port)
    assert isinstance(info, PortInfo)
    assert (info.port, info.transport, info.tls, info.secure_equivalent) == (port, "tcp", tls, secure)
    assert info.description


def test_transport_matters() -> None:
    assert port_info(465).tls == "tls"  # type: ignore[union-attr]  # SMTP submissions
    assert port_info(465, "udp").tls == "plaintext"  # type: ignore[union-attr]  # unrelated IGMP service
    assert port_info(514, "udp").secure_equivalent == 6514  # type: ignore[union-attr]  # syslog
    assert port_info(514, "TCP").secure_equivalent == 22  # type: ignore[union-attr]  # rsh
    assert port_info(443, "udp").tls == "tls"  # type: ignore[union-attr]  # QUIC
    assert port_info(12345) is None


def test_port_sets() -> None:
    tls = port_set("tls")
    assert {443, 8443, 636, 993, 995, 990, 465, 5671, 8883, 6443} <= tls
    assert not {80, 21, 22, 6379} & tls
    plaintext = port_set("plaintext")
    assert {21, 23, 80, 110, 143, 389, 1883, 5672, 6379, 9092, 11211, 512, 513, 514} <= plaintext
    assert not {22, 443, 636, 8883} & plaintext
    assert {21, 25, 110, 143, 389, 587, 5432} <= port_set("starttls") <= plaintext
    assert {6379, 9092, 2379, 27017} <= port_set("optional") <= plaintext
    assert port_set("encrypted") == tls | {22}
    assert not plaintext & port_set("encrypted")
    assert 6514 in port_set("tls", "udp") and 514 in port_set("plaintext", "udp")
    with pytest.raises(KeyError):
        port_set("nope")


def test_secure_equivalents_are_not_plaintext() -> None:
    for row in read_csv("ports.csv"):
        # tcp only: udp rows mirror the tcp pairing (587/udp -> 465/udp is another service);
        # 631 (IPP) names itself, as IPPS shares the port.
        if row["transport"] == "tcp" and row["secure_equivalent"] not in ("", row["port"]):
            target = port_info(int(row["secure_equivalent"]))
            if target is not None:  # some equivalents (15671, 2281) are not in the table
                # 9093 (Kafka's SSL listener by convention) is only "optional" in the data
                assert target.tls in ("tls", "encrypted", "optional"), row["port"]


def test_table_is_one_row_per_port_and_names_its_source() -> None:
    rows = read_csv("ports.csv")
    keys = [(r["port"], r["transport"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["tls"] for r in rows} == {"tls", "starttls", "optional", "plaintext", "encrypted"}
    assert "iana-ports.csv" in read_text("ports.csv").split("\n", 2)[1]


@pytest.mark.skipif(not SHARED_PORTS.is_file(), reason="shared standards not present")
def test_classes_follow_the_shared_table() -> None:
    """Membership comes from the source's columns, not from a hand list."""
    with SHARED_PORTS.open(newline="") as f:
        source = list(csv.DictReader(f))
    for r in source:
        info = port_info(int(r["port"]), r["transport"])
        assert info is not None
        if info.service != r["service_name"]:
            continue  # a port IANA lists twice (631 ipp/ipps): the table keeps one row
        if r["tls"] == "yes":
            assert int(r["port"]) in port_set("tls", r["transport"])
        if r["encrypted_by_default"] != "yes":
            assert int(r["port"]) in port_set("plaintext", r["transport"]), r["port"]
