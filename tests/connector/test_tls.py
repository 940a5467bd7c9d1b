"""https URLs: TLS with verification (system CAs or ``ca_bundle``), through a loopback TLS proxy
in front of odoosim, with a throw-away self-signed certificate made by the openssl CLI."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connector_helpers import client_for

from connector.errors import ConfigError

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


class TlsProxy:
    """Terminates TLS on a loopback port and pipes bytes to ``target_port``."""

    def __init__(self, target_port: int, cert: Path, key: Path) -> None:
        self._target = target_port
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._open: list[socket.socket] = []
        self.accepted = 0
        self._lock = threading.Lock()
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            tls = self._ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self._target))
        with self._lock:
            self._open += [tls, upstream]
        threading.Thread(target=self._pump, args=(upstream, tls), daemon=True).start()
        self._pump(tls, upstream)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for s in self._open:
                s.close()


@pytest.fixture(scope="module")
def tls_proxy(
    sim17: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TlsProxy, Path]]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    proxy = TlsProxy(sim17.port, cert, key)
    try:
        yield proxy, cert
    finally:
        proxy.close()


@pytest.fixture
def tls_sim(sim17: Any, tls_proxy: tuple[TlsProxy, Path]) -> tuple[Any, str, Path]:
    proxy, cert = tls_proxy
    return sim17, f"https://localhost:{proxy.port}", cert


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_https_with_a_ca_bundle(tls_sim: tuple[Any, str, Path], protocol: str) -> None:
    sim, url, cert = tls_sim
    with client_for(sim, protocol, url=url, ca_bundle=cert) as client:
        client.connect()
        assert client.search_read("res.partner", [], ["name"], limit=2)


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_unknown_certificate_is_refused_by_default(
    tls_sim: tuple[Any, str, Path], protocol: str
) -> None:
    sim, url, _ = tls_sim
    with pytest.raises(ConfigError, match="TLS") as info, client_for(sim, protocol, url=url) as c:
        c.connect()
    assert f"url={url}" in str(info.value)


def test_verification_can_be_turned_off(tls_sim: tuple[Any, str, Path]) -> None:
    sim, url, _ = tls_sim
    with client_for(sim, "jsonrpc", url=url, verify_tls=False) as client:
        client.connect()
        assert client.search_count("res.partner", []) > 0


# JSON-RPC only: odoosim answers XML-RPC with "Connection: close", so no client can reuse
# those connections (our XML-RPC transport keeps them when the server allows it).
@pytest.mark.parametrize("protocol", ["jsonrpc"])
def test_connections_are_reused(
    sim17: Any, tls_proxy: tuple[TlsProxy, Path], protocol: str
) -> None:
    proxy, cert = tls_proxy
    url = f"https://localhost:{proxy.port}"
    with client_for(sim17, protocol, url=url, ca_bundle=cert) as client:
        client.connect()
        before = proxy.accepted
        for _ in range(10):
            client.search_count("res.partner", [])
        assert proxy.accepted == before  # ten calls, no new TCP/TLS connection
