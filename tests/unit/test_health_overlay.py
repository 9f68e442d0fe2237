"""The reviewed photo's overlay (app/features/health/photo/overlay.py): a JPEG of the photo's
size with every region outlined and numbered, the selected one drawn in the accent colour."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.features.health.photo.overlay import SELECTED_BGR, overlay_jpeg
from app.features.health.photo.pipeline import MealAnalysis, analyse
from app.features.health.photo.regions import Region
from tests.health_meals.generate import draw_meal


@pytest.fixture(scope="module")
def analysis() -> MealAnalysis:
    """Meal 0 of the drawn meals: four regions."""
    return analyse(draw_meal(0).jpeg())


def decode(data: bytes) -> np.ndarray:
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def accent_pixels(image: np.ndarray, box: tuple[int, int, int, int]) -> int:
    """Pixels near the selected colour (orange: B 0, G 170, R 255) inside `box`, grown."""
    x, y, w, h = box
    part = image[max(0, y - 12):y + h + 12, max(0, x - 12):x + w + 12].astype(np.int32)
    distance = np.abs(part - np.array(SELECTED_BGR, np.int32)).sum(axis=2)
    return int(np.count_nonzero(distance < 90))


def test_the_overlay_is_a_jpeg_of_the_photos_size(analysis: MealAnalysis) -> None:
    image = analysis.photo.image
    before = image.copy()
    out = decode(overlay_jpeg(image, analysis.found.regions))
    assert out.shape == image.shape == (576, 768, 3)
    assert np.array_equal(image, before)  # the photo itself is not drawn on


def test_without_regions_the_photo_is_unchanged(analysis: MealAnalysis) -> None:
    image = analysis.photo.image
    out = decode(overlay_jpeg(image, (), quality=95))
    assert float(np.abs(out.astype(np.int32) - image.astype(np.int32)).mean()) < 3.0


def test_outlines_are_drawn_around_each_region(analysis: MealAnalysis) -> None:
    grey = np.full((576, 768, 3), 128, np.uint8)
    out = decode(overlay_jpeg(grey, analysis.found.regions, quality=95)).astype(np.int32)
    for region in analysis.found.regions:
        x, y, w, h = region.bbox
        part = out[y:y + h, x:x + w]
        white = np.count_nonzero((part > 220).all(axis=2))
        dark = np.count_nonzero((part < 40).all(axis=2))
        assert white > 50  # the white outline and the number
        assert dark > 50  # its shadow and the number's disc
    # far from every region the grey is left as it was
    assert float(np.abs(out[560:576, 0:16] - 128).mean()) < 3.0


def test_the_selected_region_is_drawn_in_the_accent_colour(analysis: MealAnalysis) -> None:
    grey = np.full((576, 768, 3), 128, np.uint8)
    regions: tuple[Region, ...] = analysis.found.regions
    first, second = regions[0], regions[1]
    plain = decode(overlay_jpeg(grey, regions))
    chosen = decode(overlay_jpeg(grey, regions, selected=first.id))
    assert accent_pixels(plain, first.bbox) == 0
    assert accent_pixels(chosen, first.bbox) > 200
    assert accent_pixels(chosen, second.bbox) == 0
    other = decode(overlay_jpeg(grey, regions, selected=second.id))
    assert accent_pixels(other, first.bbox) == 0
    assert accent_pixels(other, second.bbox) > 200
