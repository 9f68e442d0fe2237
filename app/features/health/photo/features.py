"""Image measurements shared by the region finder, the hints and the resident's k-NN model:
per-photo maps (CIE Lab, brightness-normalised lightness, local grain, orientation
coherence, edges), a region's texture and colour, its kind hint, and its feature vector.

Lab values are CIE L*a*b* (L* 0–100, a* and b* signed), converted from OpenCV's 8-bit Lab.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "FEATURE_SIZE",
    "KIND_HINTS",
    "MAX_GAIN",
    "PhotoMaps",
    "Texture",
    "describe",
    "feature_vector",
    "kind_hint",
    "photo_maps",
]

KIND_HINTS = ("white_grainy", "white", "brown_liquid", "strands", "green", "fried", "yellow",
              "orange", "dark", "other")
MAX_GAIN = 7.5  # a photo whose brightest pixels are under L* 12 is too dark to read
_HIST_BINS = (2, 4, 4)  # L*, a*, b*
_HIST_WEIGHT = 0.3
FEATURE_SIZE = _HIST_BINS[0] * _HIST_BINS[1] * _HIST_BINS[2] + 3 + 3 + 3 + 2


@dataclass(frozen=True, slots=True)
class Texture:
    grain: float  # mean local standard deviation of lightness (L* units, 5×5 window)
    edges: float  # share of edge pixels (Canny)
    coherence: float  # 0 (no direction) … 1 (strands all one way, locally)


@dataclass(frozen=True, slots=True)
class PhotoMaps:
    """What every measurement of one photo reads, computed once."""

    lab: np.ndarray  # float32 H×W×3, CIE L*a*b*, lightness normalised for dark photos
    grain: np.ndarray  # float32 H×W
    coherence: np.ndarray  # float32 H×W
    edges: np.ndarray  # uint8 H×W, 0/255
    gain: float  # the lightness gain applied (1.0 for a normally lit photo)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.lab.shape[0]), int(self.lab.shape[1])


def photo_maps(image: np.ndarray) -> PhotoMaps:
    lab8 = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
    lab = lab8.astype(np.float32)
    lightness = lab[..., 0] * (100.0 / 255.0)
    bright = float(np.percentile(lightness, 99.5))
    gain = float(min(MAX_GAIN, max(1.0, 90.0 / max(bright, 1.0))))
    lightness = np.minimum(lightness * gain, 100.0)
    a = (lab[..., 1] - 128.0) * gain
    b = (lab[..., 2] - 128.0) * gain
    lab = np.dstack([lightness, a, b]).astype(np.float32)
    mean = cv2.blur(lightness, (5, 5))
    sq = cv2.blur(lightness * lightness, (5, 5))
    grain = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur((gx * gx).astype(np.float32), (0, 0), 3)
    jyy = cv2.GaussianBlur((gy * gy).astype(np.float32), (0, 0), 3)
    jxy = cv2.GaussianBlur((gx * gy).astype(np.float32), (0, 0), 3)
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy) / (jxx + jyy + 50.0)
    edges = cv2.Canny(np.clip(lightness * 2.55, 0, 255).astype(np.uint8), 60, 140)
    return PhotoMaps(lab, grain.astype(np.float32), coherence.astype(np.float32), edges, gain)


def _interior(mask: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The region without its outline's band, where texture is the food's own (the whole
    region when it is too thin for that)."""
    core = cv2.erode(mask, np.ones((9, 9), np.uint8)) > 0
    return core if np.count_nonzero(core) >= 50 else inside


def describe(maps: PhotoMaps, mask: np.ndarray) -> tuple[int, tuple[float, float, float], Texture]:
    """(area in pixels, mean L*a*b*, texture) of the pixels where `mask` is set."""
    inside = mask > 0
    area = int(np.count_nonzero(inside))
    if area == 0:
        return 0, (0.0, 0.0, 0.0), Texture(0.0, 0.0, 0.0)
    pixels = maps.lab[inside]
    mean = pixels.mean(axis=0)
    core = _interior(mask, inside)
    core_area = max(1, int(np.count_nonzero(core)))
    texture = Texture(grain=round(float(maps.grain[core].mean()), 3),
                      edges=round(float(np.count_nonzero(maps.edges[core]) / core_area), 4),
                      coherence=round(float(maps.coherence[core].mean()), 4))
    return area, (round(float(mean[0]), 2), round(float(mean[1]), 2),
                  round(float(mean[2]), 2)), texture


def kind_hint(mean_lab: tuple[float, float, float], texture: Texture,
              vessel_kind: str | None) -> str:
    """A coarse description of how a region looks (one of `KIND_HINTS`), for the dish hints."""
    lightness, a, b = mean_lab
    chroma = math.hypot(a, b)
    hue = math.degrees(math.atan2(b, a)) % 360
    if lightness > 72 and chroma < 16 and texture.coherence < 0.5:
        return "white_grainy" if texture.grain > 3.2 else "white"
    if texture.coherence > 0.5 and lightness > 45 and texture.grain > 3 and a < 10:
        return "strands"
    if 100 <= hue <= 170 and chroma > 15:
        return "green"
    if lightness < 30:
        return "dark"
    if 70 <= hue < 100 and chroma > 35 and lightness > 62:
        return "yellow"
    if 20 <= hue < 56 and lightness > 58 and chroma > 25:
        return "orange"
    if 40 <= hue < 95 and chroma > 12:
        if texture.grain > 2.5 or (vessel_kind == "plate" and texture.edges > 0.08):
            return "fried"
        return "brown_liquid" if vessel_kind == "bowl" else "fried"
    return "other"


def feature_vector(maps: PhotoMaps, mask: np.ndarray, vessel_kind: str | None) -> np.ndarray:
    """A region's features for the k-NN: a coarse L*a*b* histogram (square roots of the
    shares of pixels, weighted down so that lighting moves it little), the mean and spread of
    the colour, the texture and the vessel; float32, `FEATURE_SIZE` long."""
    inside = mask > 0
    pixels = maps.lab[inside]
    if len(pixels) == 0:
        return np.zeros(FEATURE_SIZE, np.float32)
    core = _interior(mask, inside)
    hist, _ = np.histogramdd(pixels, bins=_HIST_BINS,
                             range=((0, 100), (-60, 60), (-60, 60)))
    hist = np.sqrt(hist.ravel() / len(pixels)) * _HIST_WEIGHT
    mean = pixels.mean(axis=0) / np.array([100.0, 60.0, 60.0])
    spread = pixels.std(axis=0) / 30.0
    texture = np.array([maps.grain[core].mean() / 20.0,
                        np.count_nonzero(maps.edges[core]) / max(1, np.count_nonzero(core)),
                        maps.coherence[core].mean()])
    vessel = np.array([vessel_kind == "bowl", vessel_kind == "plate"], np.float64) * 0.5
    return np.concatenate([hist, mean, spread, texture, vessel]).astype(np.float32)
