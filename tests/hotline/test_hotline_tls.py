"""HTTPS to a pinned address: the checker connects to the IP it checked, yet sends the host name
as TLS server name and verifies the certificate against that name. A test CA signs the loopback
server's certificate; nothing here leaves the machine."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from rescue.hotline.fetch import FetchRequest, HttpFetcher
from rescue.hotline.netguard import MappingResolver
from rescue.hotline.settings import HotlineSettings
from tests.hotline.conftest import HOST_A, Site, picture

NAME = "secure.host-a.test"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_pki(folder: Path, dns_name: str) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for ``dns_name`` signed by it: (ca, cert, key) files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Rescue test CA"))
        .issuer_name(_name("Rescue test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem_key(key))
    return paths


class TlsSite(Site):
    """The loopback site behind TLS; ``names`` records the server names clients sent (SNI)."""

    def __init__(self, address: str, cert: Path, key: Path) -> None:
        super().__init__(address)
        self.names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda _sock, name, _ctx: self.names.append(name)  # type: ignore[assignment, func-returns-value]
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    def https(self, host: str, path: str) -> str:
        return f"https://{host}:{self.port}{path}"


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[TlsSite, ssl.SSLContext]]:
    ca, cert, key = make_pki(tmp_path, NAME)
    site = TlsSite(HOST_A, cert, key)
    trust = ssl.create_default_context(cafile=str(ca))
    yield site, trust
    site.close()


def fetcher(trust: ssl.SSLContext, table: dict[str, str]) -> HttpFetcher:
    settings = HotlineSettings(allow_private=True, fetch_timeout_s=5)
    return HttpFetcher(settings, MappingResolver(table), tls=trust)


def test_https_to_the_pinned_address_verifies_the_name(
    tls_site: tuple[TlsSite, ssl.SSLContext],
) -> None:
    site, trust = tls_site
    site.serve("/s.png", picture(51))
    result = fetcher(trust, {NAME: HOST_A}).send(FetchRequest(site.https(NAME, "/s.png")))
    assert (result.status, result.http_status, result.ip) == ("answered", 200, HOST_A)
    assert result.content is not None and result.content.image
    assert site.names == [NAME]  # the name went out as SNI although the IP was dialled
    assert site.requests[0]["host"] == f"{NAME}:{site.port}"


def test_a_certificate_for_another_name_is_refused(
    tls_site: tuple[TlsSite, ssl.SSLContext],
) -> None:
    site, trust = tls_site
    site.serve("/s.png", picture(52))
    other = "other.host-a.test"
    result = fetcher(trust, {other: HOST_A}).send(FetchRequest(site.https(other, "/s.png")))
    assert result.status == "unreachable" and "certificate" in result.reason.lower()
    assert site.requests == []


def test_an_unknown_ca_is_refused(tls_site: tuple[TlsSite, ssl.SSLContext]) -> None:
    site, _ = tls_site
    site.serve("/s.png", picture(53))
    public_cas = HttpFetcher(HotlineSettings(allow_private=True, fetch_timeout_s=5),
                             MappingResolver({NAME: HOST_A}))  # fmt: skip
    result = public_cas.send(FetchRequest(site.https(NAME, "/s.png")))
    assert result.status == "unreachable" and "certificate verify failed" in result.reason
    assert ipaddress.ip_address(result.ip or "") == ipaddress.ip_address(HOST_A)
