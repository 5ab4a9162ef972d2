"""A small shop served over HTTPS on 127.0.0.1, with third-party tags on the real hosts they use.

Every host (``shop.example``, ``connect.facebook.net``, ``www.facebook.com``, ``www.google-analytics.com``,
``bat.bing.com``) is answered by the same server, chosen by the Host header; the browser reaches them
through ``--resolve HOST=127.0.0.1``. HTTPS (a self-signed test certificate, :data:`CERTIFICATE`) because
Chromium upgrades HSTS-preloaded hosts such as www.google-analytics.com to https.

The pages use OneTrust's banner markup; the tags load only once the visitor accepts, while a Bing pixel
carrying the visitor's e-mail address in its path fires on every visit. Planted personal values
(:data:`PLANTED`) travel in paths, query strings, cookies, request bodies and storage.
"""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).parent / "data" / "scan-site"
HOSTS = ("shop.example", "connect.facebook.net", "www.facebook.com", "www.google-analytics.com", "bat.bing.com",
         "elsewhere.example")
PLANTED = {
    "e-mail": "jane.doe@example.org",
    "url-encoded e-mail": "jane.doe%40example.org",
    "phone": "555-123-4567",
    "name": "jane-doe-smith",
    "session id": "8f3a9c2e77b14d0a",
    "hashed e-mail": "9f2b6c1d8e7a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c",
}
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
       b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              cookies: tuple[str, ...] = ()) -> None:
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for c in cookies:
            self.send_header("Set-Cookie", c)
        self.end_headers()
        self.wfile.write(body)

    def _file(self, name: str, ctype: str = "text/html; charset=utf-8") -> None:
        text = (SITE / name).read_text(encoding="utf-8").replace("{PORT}", str(self.server.server_address[1]))
        self._send(200, text.encode(), ctype)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path.split("?")[0]
        self.server.seen.append((host, path, self.headers.get("Sec-GPC")))
        if host == "shop.example":
            if path == "/":
                self._file("index.html")
            elif path == "/about" or path.startswith("/u/"):
                self._file("about.html")
            elif path == "/consent.js":
                self._file("consent.js", "text/javascript")
            elif path == "/gpc-seen":
                self._send(204)
            elif path == "/api/newsletter":
                self._send(204, cookies=(f"session={PLANTED['session id']}; Path=/; Secure; HttpOnly",
                                         f"subscriber={PLANTED['url-encoded e-mail']}; Path=/; Max-Age=86400"))
            else:
                self._send(404, b"not found")
        elif host == "connect.facebook.net" and path == "/en_US/fbevents.js":
            self._file("fbevents.js", "text/javascript")
        elif host == "www.facebook.com" and path.startswith("/tr"):
            self._send(200, GIF, "image/gif", ("fr=0jane.doe.1700000000; Domain=.facebook.com; Path=/; "
                                               "Max-Age=7776000; Secure; SameSite=None; HttpOnly",))
        elif host == "www.google-analytics.com" and path == "/g/collect":
            self._send(204)
        elif host == "bat.bing.com" and path.startswith("/action/"):
            self._send(200, GIF, "image/gif")
        else:
            self._send(404, b"not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[tuple[str, str, str | None]]


#: A self-signed certificate made once for this test site (``openssl req -x509 -days 36500``); the key is
#: published with it on purpose and protects nothing.
CERTIFICATE = (SITE / "test-only-cert.pem", SITE / "test-only-key.pem")


class ShopSite:
    """The shop on an ephemeral port; use as a context manager."""

    def __init__(self, cert: Path = CERTIFICATE[0], key: Path = CERTIFICATE[1]):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.seen = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The shop's home page."""
        return f"https://shop.example:{self.port}/"

    @property
    def resolve(self) -> list[str]:
        """``--resolve`` options mapping every host of the site to the server."""
        return [a for host in HOSTS for a in ("--resolve", f"{host}=127.0.0.1")]

    def __enter__(self) -> ShopSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
