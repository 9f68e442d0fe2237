"""Draws the demo shop's static JPQR: assets/points/tsuyama_demo/gongo_static_jpqr.png.

The payload is the one the backend's builder makes for the demo shop ごんご商店
(`backend.tiles.points.demo_shop.demo_merchant`, `emv_qr.build_jpqr`), so the browser test
can show the page a code the backend accepts. Run it again when the demo shop or the builder
changes: `python scripts/make_demo_jpqr.py` (qrcode and Pillow); `--check` only says whether
the PNG's payload (kept beside it in `gongo_static_jpqr.txt`) is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "assets" / "points" / "tsuyama_demo" / "gongo_static_jpqr.png"
PAYLOAD_FILE = OUTPUT.with_suffix(".txt")


def demo_payload() -> str:
    sys.path.insert(0, str(ROOT))
    from backend.tiles.points.demo_shop import demo_merchant
    from backend.tiles.points.emv_qr import build_jpqr

    return build_jpqr(demo_merchant())


def draw(payload: str, path: Path) -> None:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    # One byte segment, the Japanese name as UTF-8 (OpenCV 4.10 reads nothing from a numeric
    # segment followed by non-ASCII bytes, which segment optimisation would make).
    code.add_data(payload.encode("utf-8"), optimize=0)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def main(argv: list[str]) -> int:
    payload = demo_payload()
    if "--check" in argv:
        current = PAYLOAD_FILE.exists() and PAYLOAD_FILE.read_text("utf-8").strip() == payload
        print("current" if current else f"out of date: run {Path(__file__).name}")
        return 0 if current else 1
    draw(payload, OUTPUT)
    PAYLOAD_FILE.write_text(payload + "\n", "utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {payload}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
