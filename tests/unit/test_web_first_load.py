"""The web server's first-load pieces (app/web/, ADR 0029): the font manifest, the preload
links, the page, gzip, and which fonts a page still loads itself."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

from app.design import theme
from app.design.theme import DEFAULT_FONT, FONTS, LANGUAGE_NAMES_FONT, engine_fonts, fonts_for
from app.paths import ASSETS_DIR
from app.web.compression import GzipResponses, accepts_gzip
from app.web.first_load import FONT_MANIFEST_PATH, FirstLoad, font_manifest, preload_links

FLET_MANIFEST = [
    {"family": "MaterialIcons", "fonts": [{"asset": "fonts/MaterialIcons-Regular.otf"}]},
    {"family": "packages/flutter_math_fork/KaTeX_Main",
     "fonts": [{"asset": "packages/flutter_math_fork/lib/katex_fonts/fonts/KaTeX_Main.ttf"}]},
    {"family": "packages/cupertino_icons/CupertinoIcons",
     "fonts": [{"asset": "packages/cupertino_icons/assets/CupertinoIcons.ttf"}]},
]


def test_pages_leave_out_the_fonts_the_engine_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "ENGINE_FONTS", {DEFAULT_FONT, LANGUAGE_NAMES_FONT})
    assert fonts_for("ja") == {}
    assert fonts_for("ko") == {"NanumGothic": FONTS["NanumGothic"]}


def test_without_the_web_server_pages_load_every_font_they_draw_with(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "ENGINE_FONTS", set())
    assert fonts_for("ja") == engine_fonts("ja") == {
        DEFAULT_FONT: FONTS[DEFAULT_FONT], LANGUAGE_NAMES_FONT: FONTS[LANGUAGE_NAMES_FONT]}
    assert set(fonts_for("ko")) == {DEFAULT_FONT, "NanumGothic", LANGUAGE_NAMES_FONT}


def test_manifest_keeps_the_icons_drops_unused_families_and_adds_the_language_fonts() -> None:
    manifest = font_manifest(FLET_MANIFEST, engine_fonts("ja"))
    families = [entry["family"] for entry in manifest]
    assert families == ["MaterialIcons", "Roboto", DEFAULT_FONT, LANGUAGE_NAMES_FONT]
    # Flutter asks for assets/../fonts/<file>: the browser's fonts/<file>, as page.fonts does
    assert manifest[-2]["fonts"] == [{"asset": f"../{FONTS[DEFAULT_FONT]}"}]
    assert "NanumGothic" not in families


def test_preload_links_name_the_addresses_flutter_fetches() -> None:
    links = preload_links(font_manifest(FLET_MANIFEST, engine_fonts("ja"))).decode()
    assert f'href="{FONTS[DEFAULT_FONT]}"' in links
    assert 'href="assets/fonts/MaterialIcons-Regular.otf"' in links
    assert f'href="{FONTS[LANGUAGE_NAMES_FONT]}"' in links
    assert links.count('as="fetch" crossorigin="anonymous"') == 4


@pytest.mark.parametrize(("header", "expected"), [
    ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True), ("*", True),
    ("gzip;q=0", False), ("br, zstd", False), ("", False), ("identity", False),
])
def test_accept_encoding(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def _served(tmp_path: Path) -> GzipResponses:
    (tmp_path / "index.html").write_text(
        "<html><head><!-- tsuyama:preload --></head><body>読み込んでいます…</body></html>",
        encoding="utf-8")
    (tmp_path / "main.dart.wasm").write_bytes(b"\0asm" + b"flutter " * 50_000)
    (tmp_path / "tiny.js").write_text("let a = 1;", encoding="utf-8")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 40)
    static = Starlette()
    static.mount("/", StaticFiles(directory=tmp_path, html=True))
    manifest = font_manifest(FLET_MANIFEST, engine_fonts("ja"))
    return GzipResponses(FirstLoad(static, manifest), warm_paths=["/main.dart.wasm"])


@pytest.fixture
def client(tmp_path: Path):
    app = _served(tmp_path)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t"), app


@pytest.mark.anyio
async def test_large_files_go_out_gzipped_once_with_a_weak_etag(client) -> None:
    http, app = client
    async with http:
        first = await http.get("/main.dart.wasm", headers={"accept-encoding": "gzip"})
        again = await http.get("/main.dart.wasm", headers={"accept-encoding": "gzip"})
        plain = await http.get("/main.dart.wasm", headers={"accept-encoding": "identity"})
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["vary"] == "Accept-Encoding"
    assert first.headers["etag"].startswith('W/"')
    assert int(first.headers["content-length"]) < len(plain.content) / 10
    assert first.content == plain.content  # httpx decoded it: the same bytes
    assert again.headers["etag"] == first.headers["etag"]
    assert len(app._cache) == 1  # compressed once
    assert "content-encoding" not in plain.headers


@pytest.mark.anyio
async def test_ranges_small_files_and_images_are_sent_as_they_are(client) -> None:
    http, _ = client
    async with http:
        ranged = await http.get("/main.dart.wasm",
                                headers={"accept-encoding": "gzip", "range": "bytes=0-99"})
        tiny = await http.get("/tiny.js", headers={"accept-encoding": "gzip"})
        image = await http.get("/logo.png", headers={"accept-encoding": "gzip"})
    assert ranged.status_code == 206 and "content-encoding" not in ranged.headers
    assert "content-encoding" not in tiny.headers
    assert "content-encoding" not in image.headers


@pytest.mark.anyio
async def test_the_page_gets_preload_links_and_is_not_cached(client) -> None:
    http, _ = client
    async with http:
        page = await http.get("/", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200
    assert "<!-- tsuyama:preload -->" not in page.text
    assert f'<link rel="preload" href="{FONTS[DEFAULT_FONT]}"' in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert "etag" not in page.headers


@pytest.mark.anyio
async def test_the_font_manifest_is_ours(client) -> None:
    http, _ = client
    async with http:
        answer = await http.get(FONT_MANIFEST_PATH)
    assert [e["family"] for e in answer.json()] == [
        "MaterialIcons", "Roboto", DEFAULT_FONT, LANGUAGE_NAMES_FONT]


@pytest.mark.anyio
async def test_warming_compresses_before_anyone_asks(client) -> None:
    _, app = client
    await app.warm()
    key = ("/main.dart.wasm",)
    assert [k[0] for k in app._cache] == list(key)
    body = await next(iter(app._cache.values()))
    assert gzip.decompress(body).startswith(b"\0asm")


def test_the_page_shows_a_japanese_loading_message_in_an_inline_font() -> None:
    page = (ASSETS_DIR / "index.html").read_text(encoding="utf-8")
    assert "読み込んでいます…" in page and "Loading…" in page
    assert "<!-- fletAppConfig -->" in page and "<!-- tsuyama:preload -->" in page
    assert '<div id="loading"' in page  # Flutter removes it at its first frame
    inline = page.split("/* loading-font */")[1].split("/* /loading-font */")[0]
    assert inline.startswith("url(data:font/ttf;base64,") and len(inline) > 1000
    assert "data-loading-overlay" in page


def test_demo_and_consent_text_is_in_the_japanese_font() -> None:
    """The subset (scripts/subset_japanese_font.py) keeps every character of the bundled demo
    and consent text (the catalogs and waste data: tests/unit/test_font_coverage.py). Fails
    when a new text needs a character outside it: run the script again."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    with ttlib.TTFont(str(ASSETS_DIR / FONTS[DEFAULT_FONT]), lazy=True) as font:
        cmap = set(font.getBestCmap())
    text = "".join(p.read_text(encoding="utf-8") for folder in ("demo", "consent")
                   for p in sorted((ASSETS_DIR / folder).rglob("*.json")))
    assert text
    assert sorted({c for c in text if c.isprintable() and ord(c) not in cmap}) == []


def test_manifest_json_of_flet_still_has_the_families_we_keep() -> None:
    from flet_web import get_package_web_dir

    from app.web.first_load import KEPT_FLET_FAMILIES, read_flet_manifest

    families = {e["family"] for e in read_flet_manifest(Path(get_package_web_dir()))}
    assert families >= KEPT_FLET_FAMILIES
    assert json.dumps(sorted(families))  # a list of families, as Flutter expects


@pytest.mark.anyio
async def test_font_fallback_slices_get_an_empty_font_not_the_apps_page() -> None:
    """A slice request is answered with a font that parses (so Flutter's engine keeps it and
    does not ask again after every relayout), never with the app's HTML page or a 404."""
    import io

    from fontTools.ttLib import TTFont
    from starlette.responses import HTMLResponse

    from app.web.font_fallback import EmptyFontFallback

    async def spa(scope, receive, send):  # Flet's static files: the page for any path
        await HTMLResponse("<html>app</html>")(scope, receive, send)

    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=EmptyFontFallback(spa)),
                             base_url="http://t")
    async with http:
        slice_ = await http.get("/assets/fonts/notosanssc/v36/k3kXo84M.0.woff2")
        icons = await http.get("/assets/fonts/MaterialIcons-Regular.otf")
        route = await http.get("/waste")
    assert slice_.status_code == 200
    assert slice_.headers["content-type"] == "font/ttf"
    font = TTFont(io.BytesIO(slice_.content))
    assert font.getGlyphOrder() == [".notdef", "space"]
    assert font.getBestCmap() == {0x20: "space"}  # draws nothing the page's fonts draw
    assert icons.status_code == 200 and route.text == "<html>app</html>"
