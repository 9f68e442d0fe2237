"""Helpers of the transit tile's backend tests: variants of the demo feed (as folders and
zips), a feeds file, and a local HTTP server on 127.0.0.1 that serves canned answers."""

from __future__ import annotations

import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from backend.tiles.transit.startup import DEMO_DIR, DEMO_FEED


def demo_copy(folder: Path, version: str | None = None) -> Path:
    """The demo feed copied to `folder`, its feed_version changed to `version` (another
    feed, so another version id)."""
    shutil.copytree(DEMO_DIR, folder)
    if version is not None:
        info = folder / "feed_info.txt"
        info.write_text(info.read_text(encoding="utf-8").replace("demo-1", version),
                        encoding="utf-8")
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            if file.suffix == ".txt":
                archive.write(file, file.name)
    return target


def broken_demo_zip(tmp_path: Path) -> Path:
    """The demo feed as a zip whose stops.txt line 3 has stop_lat "north"."""
    folder = demo_copy(tmp_path / "broken")
    stops = folder / "stops.txt"
    lines = stops.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[3] = "north"  # stop_lat
    lines[2] = ",".join(cells)
    stops.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return zip_folder(folder, tmp_path / "broken.zip")


def demo_zip(tmp_path: Path, version: str = "demo-1", name: str = "feed") -> Path:
    folder = demo_copy(tmp_path / f"{name}-{version}", version)
    return zip_folder(folder, tmp_path / f"{name}-{version}.zip")


def feeds_file(tmp_path: Path, feeds: list[dict[str, Any]]) -> Path:
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps({"feeds": feeds}, ensure_ascii=False), encoding="utf-8")
    return path


def feed_entry(feed_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": feed_id, "name": f"{feed_id} バス", "licence": "CC BY 4.0",
            "attribution": f"津山市 {feed_id} GTFS-JP (CC BY 4.0)", **fields}


DEMO = DEMO_FEED


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/octet-stream"
    send_length: bool = True  # False: no Content-Length, the body ends with the connection


@dataclass
class LocalServer:
    """Answers by path; `hits` counts the requests per path."""

    port: int
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def local_server() -> Iterator[LocalServer]:
    """An HTTP server on 127.0.0.1 (a free port) in a thread, stopped afterwards."""
    state = LocalServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            answer = state.answers.get(self.path, Answer(404, b"not found", "text/plain"))
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            if answer.send_length:
                self.send_header("Content-Length", str(len(answer.body)))
            else:
                self.close_connection = True
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
