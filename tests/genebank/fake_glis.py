"""A fake GLIS XML registration server on 127.0.0.1 (a thread), for tests: it checks the
credentials, requires the elements GLIS requires (the holder's PID, sampleid, genus, method;
element names as in the GLIS Integration Toolkit, marcomarsella/GLIS-Toolkit), mints
``10.99999/FAKE.<n>`` DOIs and keeps every document received."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERNAME, PASSWORD = "iofs-test", "s3cret"


@dataclass
class FakeGlis:
    url: str = ""
    received: list[ET.Element] = field(default_factory=list)
    minted: dict[str, str] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)


def _answer(state: FakeGlis, root: ET.Element) -> str:
    if root.get("username") != USERNAME or root.get("password") != PASSWORD:
        return "<response><error>Authentication failed</error></response>"
    sampleid = root.findtext("sampleid", "")
    required = ("location/pid", "sampleid", "genus", "method")
    missing = [t for t in required if not root.findtext(t)]
    if missing:
        return f"<response><error>Missing {', '.join(missing)}</error></response>"
    if sampleid in state.refuse:
        return f"<response><sampleid>{sampleid}</sampleid><error>Refused</error></response>"
    if root.tag == "update":
        doi = root.findtext("sampledoi", "")
        if doi not in state.minted.values():
            return "<response><error>Unknown DOI</error></response>"
    else:
        doi = f"10.99999/FAKE.{len(state.minted) + 1}"
        state.minted[sampleid] = doi
    return (
        f"<response><sampleid>{sampleid}</sampleid><genus>{root.findtext('genus')}"
        f"</genus><doi>{doi}</doi></response>"
    )


@contextmanager
def fake_glis() -> Iterator[FakeGlis]:
    state = FakeGlis()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            root = ET.fromstring(body)
            state.received.append(root)
            answer = _answer(state, root).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/glis/xml/manager"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
