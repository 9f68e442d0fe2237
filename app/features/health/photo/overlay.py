"""The photo the resident reviews: each food region outlined and numbered on it (plain OpenCV;
the view shows the JPEG). The selected region is drawn thicker, in the accent colour."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from app.features.health.photo.regions import Region

OUTLINE_BGR = (255, 255, 255)
SHADOW_BGR = (20, 20, 20)
SELECTED_BGR = (0, 170, 255)  # orange


def overlay_jpeg(image: np.ndarray, regions: Sequence[Region], selected: int | None = None,
                 *, quality: int = 85) -> bytes:
    """The photo with every region's outline and number (1, 2, 3 as listed below it)."""
    canvas = image.copy()
    scale = max(canvas.shape[:2]) / 768
    thin, thick = max(2, round(2 * scale)), max(4, round(5 * scale))
    for number, region in enumerate(regions, 1):
        chosen = region.id == selected
        outlines = [np.asarray(p, np.int32).reshape(-1, 1, 2) for p in region.polygons]
        cv2.polylines(canvas, outlines, True, SHADOW_BGR, (thick if chosen else thin) + 2,
                      cv2.LINE_AA)
        cv2.polylines(canvas, outlines, True, SELECTED_BGR if chosen else OUTLINE_BGR,
                      thick if chosen else thin, cv2.LINE_AA)
        x, y, w, h = region.bbox
        centre = (int(x + w / 2), int(y + h / 2))
        radius = max(14, round(16 * scale))
        cv2.circle(canvas, centre, radius, SELECTED_BGR if chosen else SHADOW_BGR, -1,
                   cv2.LINE_AA)
        label = str(number)
        font_scale = 0.7 * scale
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thin)
        cv2.putText(canvas, label, (centre[0] - tw // 2, centre[1] + th // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), thin, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        raise RuntimeError("the overlay could not be encoded")
    return bytes(encoded.tobytes())
