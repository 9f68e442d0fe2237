"""Plates, bowls and the food regions in them, and the resident's edits (merge, split,
delete, add) as pure functions.

Vessels: bright, colourless areas (after the photo's lightness is normalised) whose outline
an ellipse fits well — a round plate or bowl seen at an angle. Food: inside each vessel, the
pixels that differ from the vessel's own colour or are grainy where it is smooth, cleaned up
and cut into connected parts; a part whose pixels form two compact areas of clearly
different colour (k-means in L*a*b*, k = 2, deterministic initialisation) is split in two.
No randomness, so the same photo always gives the same regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from app.features.health.photo.features import (
    MAX_GAIN,
    PhotoMaps,
    Texture,
    describe,
    kind_hint,
    photo_maps,
)

__all__ = [
    "EditRefused",
    "FoundRegions",
    "Line",
    "Point",
    "Polygon",
    "Region",
    "Vessel",
    "VesselKind",
    "add",
    "delete",
    "find_regions",
    "merge",
    "region_from_mask",
    "relabel",
    "split",
]

VesselKind = Literal["plate", "bowl"]
Point = tuple[int, int]
Polygon = tuple[Point, ...]
Line = tuple[tuple[float, float], tuple[float, float]]

_WHITE_L = 68.0  # L* of a vessel, after normalisation
_WHITE_CHROMA = 18.0
_FOOD_DELTA_E = 20.0
_FOOD_GRAIN = 3.0
_MIN_VESSEL_SHARE = 0.006  # of the photo
_MIN_REGION_SHARE = 0.02  # of its vessel
_SPLIT_DELTA_E = 28.0
_TABLE_DELTA_E = 9.0
_MIN_HALF_WIDTH = 6.0  # pixels: food is wider than 12 px at the working size


class EditRefused(ValueError):
    """An edit that cannot be made (unknown region, a line that does not cut it...)."""


@dataclass(frozen=True, slots=True)
class Vessel:
    id: int
    kind: VesselKind
    center: tuple[float, float]
    axes: tuple[float, float]  # semi-major, semi-minor (pixels)
    angle: float  # degrees from the x axis to the major axis
    bbox: tuple[int, int, int, int]  # x, y, width, height

    @property
    def tilt(self) -> float:
        """Minor over major axis: 1.0 seen from straight above."""
        return self.axes[1] / self.axes[0] if self.axes[0] else 1.0

    def mask(self, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
        out = np.zeros(shape, np.uint8)
        cv2.ellipse(out, ((self.center[0], self.center[1]),
                          (2 * self.axes[0] * scale, 2 * self.axes[1] * scale), self.angle),
                    (255,), -1)
        return out


@dataclass(frozen=True, slots=True)
class Region:
    id: int
    vessel: Vessel | None
    bbox: tuple[int, int, int, int]  # x, y, width, height
    polygons: tuple[Polygon, ...]  # outer outlines (one unless merged from apart pieces)
    area_px: int
    mean_lab: tuple[float, float, float]
    texture: Texture
    kind_hint: str

    @property
    def polygon(self) -> Polygon:
        """The largest outline."""
        return max(self.polygons, key=lambda p: abs(_polygon_area(p)))

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape, np.uint8)
        cv2.fillPoly(out, [np.array(p, np.int32).reshape(-1, 1, 2) for p in self.polygons], (255,))
        return out


@dataclass(frozen=True, slots=True)
class FoundRegions:
    vessels: tuple[Vessel, ...]
    regions: tuple[Region, ...]
    too_dark: bool = False


def _polygon_area(polygon: Polygon) -> float:
    return float(cv2.contourArea(np.array(polygon, np.int32).reshape(-1, 1, 2)))


def _outlines(mask: np.ndarray) -> tuple[Polygon, ...]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons: list[Polygon] = []
    for contour in sorted(contours, key=lambda c: (-cv2.contourArea(c), c[0][0][1], c[0][0][0])):
        if cv2.contourArea(contour) < 4:
            continue
        approx = cv2.approxPolyDP(contour, 1.0, True).reshape(-1, 2)
        polygons.append(tuple((int(x), int(y)) for x, y in approx))
    return tuple(polygons)


def region_from_mask(maps: PhotoMaps, mask: np.ndarray, region_id: int,
                     vessel: Vessel | None) -> Region | None:
    """A region of the pixels of `mask` (its outline is what is kept), None when empty."""
    polygons = _outlines(mask)
    if not polygons:
        return None
    filled = np.zeros(maps.shape, np.uint8)
    cv2.fillPoly(filled, [np.array(p, np.int32).reshape(-1, 1, 2) for p in polygons], (255,))
    area, mean_lab, texture = describe(maps, filled)
    if area == 0:
        return None
    x, y, w, h = cv2.boundingRect(cv2.findNonZero(filled))
    return Region(region_id, vessel, (int(x), int(y), int(w), int(h)), polygons, area, mean_lab,
                  texture, kind_hint(mean_lab, texture, vessel.kind if vessel else None))


_Ellipse = tuple[tuple[float, float], tuple[float, float], float]


def _find_vessels(maps: PhotoMaps) -> list[tuple[_Ellipse, np.ndarray]]:
    lab = maps.lab
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    whiteish = (lab[..., 0] > _WHITE_L) & (chroma < _WHITE_CHROMA)
    # A pale table (beige cloth) passes for white too: then a vessel must also differ from
    # the table, whose colour is taken from the photo's border.
    border = np.concatenate([lab[:12].reshape(-1, 3), lab[-12:].reshape(-1, 3),
                             lab[:, :12].reshape(-1, 3), lab[:, -12:].reshape(-1, 3)])
    table = np.median(border, axis=0)
    if table[0] > _WHITE_L - 15 and float(np.hypot(table[1], table[2])) < _WHITE_CHROMA + 10:
        whiteish &= ((np.linalg.norm(lab - table, axis=2) > _TABLE_DELTA_E)
                     & (lab[..., 0] > table[0]))
    white: np.ndarray = whiteish.astype(np.uint8) * 255
    white = cv2.morphologyEx(white, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    white = cv2.morphologyEx(white, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(white, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    height, width = maps.shape
    found: list[tuple[_Ellipse, np.ndarray]] = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < _MIN_VESSEL_SHARE * height * width or len(contour) < 20:
            continue
        ellipse = cv2.fitEllipse(contour)
        (_cx, _cy), (d1, d2), _angle = ellipse
        ellipse_area = np.pi * d1 * d2 / 4
        if ellipse_area <= 0 or not 0.85 <= area / ellipse_area <= 1.15:
            continue
        hull_area = cv2.contourArea(cv2.convexHull(contour))
        if hull_area <= 0 or area / hull_area < 0.93 or min(d1, d2) / max(d1, d2) < 0.35:
            continue
        box: _Ellipse = ((float(ellipse[0][0]), float(ellipse[0][1])),
                         (float(d1), float(d2)), float(ellipse[2]))
        found.append((box, white))
    found.sort(key=lambda item: (item[0][0][1], item[0][0][0]))
    return found


def _kmeans2(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two centres and labels; initialised at the darkest and lightest pixels, no randomness."""
    order = np.argsort(pixels[:, 0], kind="stable")
    centres = np.stack([pixels[order[len(order) // 10]], pixels[order[-len(order) // 10 - 1]]])
    labels = np.zeros(len(pixels), np.int32)
    for _ in range(8):
        distance = ((pixels[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = distance.argmin(axis=1).astype(np.int32)
        for k in range(2):
            chosen = pixels[labels == k]
            if len(chosen):
                centres[k] = chosen.mean(axis=0)
    return centres, labels


def _colour_split(maps: PhotoMaps, part: np.ndarray) -> list[np.ndarray]:
    """The part as one mask, or as two when it is two compact areas of different colour."""
    ys, xs = np.nonzero(part)
    step = max(1, len(ys) // 3000)
    sample = maps.lab[ys[::step], xs[::step]].astype(np.float64)
    if len(sample) < 50:
        return [part]
    centres, _ = _kmeans2(sample)
    if float(np.linalg.norm(centres[0] - centres[1])) < _SPLIT_DELTA_E:
        return [part]
    pixels = maps.lab[ys, xs].astype(np.float64)
    distance = ((pixels[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    labels: np.ndarray = np.zeros(maps.shape, np.uint8)
    labels[ys, xs] = distance.argmin(axis=1).astype(np.uint8) + 1
    labels = cv2.medianBlur(labels, 7)
    total = len(ys)
    pieces: list[np.ndarray] = []
    for k in (1, 2):
        cluster = ((labels == k) & (part > 0)).astype(np.uint8) * 255
        cluster = cv2.morphologyEx(cluster, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        count, cc, stats, _ = cv2.connectedComponentsWithStats(cluster, connectivity=8)
        if count < 2:
            return [part]
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        size = int(stats[biggest, cv2.CC_STAT_AREA])
        if size < 0.22 * total or size < 0.8 * np.count_nonzero(cluster):
            return [part]
        piece = (cc == biggest).astype(np.uint8) * 255
        contours, _ = cv2.findContours(piece, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.contourArea(cv2.convexHull(max(contours, key=cv2.contourArea)))
        if hull <= 0 or size / hull < 0.72:
            return [part]
        pieces.append(piece)
    # Give every pixel of the part to the nearer piece, so nothing is lost at the seam.
    dist = [cv2.distanceTransform(255 - p, cv2.DIST_L2, 3) for p in pieces]
    first = ((dist[0] <= dist[1]) & (part > 0)).astype(np.uint8) * 255
    second = ((dist[0] > dist[1]) & (part > 0)).astype(np.uint8) * 255
    return [first, second]


def find_regions(image: np.ndarray, maps: PhotoMaps | None = None) -> FoundRegions:
    """The vessels and food regions of a working image (BGR uint8, as `intake` gives)."""
    maps = maps or photo_maps(image)
    if maps.gain >= MAX_GAIN:
        return FoundRegions((), (), too_dark=True)
    shape = maps.shape
    vessels: list[Vessel] = []
    regions: list[Region] = []
    open3 = np.ones((3, 3), np.uint8)
    close9 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    # Share of grainy pixels around each pixel: high over rice or noodles, about 0.4 along
    # a drawn line such as a plate's rim.
    textured = cv2.blur((maps.grain > _FOOD_GRAIN).astype(np.float32), (15, 15))
    for ellipse, white in _find_vessels(maps):
        (cx, cy), (d1, d2), angle = ellipse
        major, minor = max(d1, d2) / 2, min(d1, d2) / 2
        inner = np.zeros(shape, np.uint8)
        cv2.ellipse(inner, ((cx, cy), (d1 * 0.9, d2 * 0.9), angle), (255,), -1)
        reference_pixels = maps.lab[(inner > 0) & (white > 0)]
        if len(reference_pixels) < 30:
            continue
        reference = np.median(reference_pixels, axis=0)
        delta = np.linalg.norm(maps.lab - reference, axis=2)
        # Grainy where the vessel is smooth: only areas, not the band along a line (the rim).
        grainy = ((textured > 0.5) & (inner > 0)).astype(np.uint8)
        food = ((delta > _FOOD_DELTA_E) & (inner > 0)).astype(np.uint8) | grainy
        food_mask: np.ndarray = cv2.morphologyEx(food * 255, cv2.MORPH_OPEN, open3)
        food_mask = cv2.morphologyEx(food_mask, cv2.MORPH_OPEN, open3)
        food_mask = cv2.morphologyEx(food_mask, cv2.MORPH_CLOSE, close9)
        food_mask = cv2.bitwise_and(food_mask, inner)
        inner_area = max(1, int(np.count_nonzero(inner)))
        fill = np.count_nonzero(food_mask) / inner_area
        kind: VesselKind = "bowl" if fill > 0.45 else "plate"
        outline = np.array(cv2.ellipse2Poly((round(cx), round(cy)), (round(d1 / 2), round(d2 / 2)),
                                            round(angle), 0, 360, 5), np.int32)
        x0, y0, w0, h0 = cv2.boundingRect(outline)
        major_angle = angle if d1 >= d2 else (angle + 90.0) % 180.0  # along the major axis
        vessel = Vessel(len(vessels) + 1, kind, (round(float(cx), 1), round(float(cy), 1)),
                        (round(float(major), 1), round(float(minor), 1)),
                        round(float(major_angle), 1), (x0, y0, w0, h0))
        vessels.append(vessel)
        count, cc, stats, _ = cv2.connectedComponentsWithStats(food_mask, connectivity=8)
        order = sorted(range(1, count), key=lambda i: (stats[i, cv2.CC_STAT_TOP],
                                                       stats[i, cv2.CC_STAT_LEFT]))
        for index in order:
            if stats[index, cv2.CC_STAT_AREA] < max(120, _MIN_REGION_SHARE * inner_area):
                continue
            part = (cc == index).astype(np.uint8) * 255
            if float(cv2.distanceTransform(part, cv2.DIST_L2, 3).max()) < _MIN_HALF_WIDTH:
                continue  # a thin band: a bowl's inner rim or a shadow, not food
            for piece in _colour_split(maps, part):
                region = region_from_mask(maps, piece, len(regions) + 1, vessel)
                if region is not None:
                    regions.append(region)
    return FoundRegions(tuple(vessels), tuple(regions))


# --- the resident's edits -------------------------------------------------------------------

def _by_id(regions: Sequence[Region], region_id: int) -> Region:
    for region in regions:
        if region.id == region_id:
            return region
    raise EditRefused(f"no region {region_id}")


def _next_id(regions: Sequence[Region]) -> int:
    return max((r.id for r in regions), default=0) + 1


def delete(regions: Sequence[Region], region_id: int) -> tuple[Region, ...]:
    """The regions without `region_id` (not food, or found twice)."""
    _by_id(regions, region_id)
    return tuple(r for r in regions if r.id != region_id)


def merge(image: np.ndarray, regions: Sequence[Region], a_id: int, b_id: int,
          maps: PhotoMaps | None = None) -> tuple[Region, ...]:
    """One region of two (one dish found as two); it keeps `a_id`, its place and its vessel."""
    if a_id == b_id:
        raise EditRefused("a region cannot be merged with itself")
    a, b = _by_id(regions, a_id), _by_id(regions, b_id)
    maps = maps or photo_maps(image)
    mask = a.mask(maps.shape) | b.mask(maps.shape)
    merged = region_from_mask(maps, mask, a.id, a.vessel or b.vessel)
    assert merged is not None
    return tuple(merged if r.id == a.id else r for r in regions if r.id != b.id)


def split(image: np.ndarray, regions: Sequence[Region], region_id: int, line: Line,
          maps: PhotoMaps | None = None) -> tuple[Region, ...]:
    """Two regions of one, cut along the straight line through the two points of `line` (two
    dishes found as one). The larger piece keeps the id; the other gets a new one."""
    region = _by_id(regions, region_id)
    (x1, y1), (x2, y2) = line
    if (x1, y1) == (x2, y2):
        raise EditRefused("a line needs two different points")
    maps = maps or photo_maps(image)
    mask = region.mask(maps.shape)
    ys, xs = np.mgrid[0:maps.shape[0], 0:maps.shape[1]]
    side = (x2 - x1) * (ys - y1) - (y2 - y1) * (xs - x1) < 0
    cut = np.zeros(maps.shape, np.uint8)
    cv2.line(cut, (round(x1), round(y1)), (round(x2), round(y2)), (255,), 1)
    left = np.where(side & (cut == 0), mask, 0).astype(np.uint8)
    right = np.where(~side & (cut == 0), mask, 0).astype(np.uint8)
    if np.count_nonzero(left) < np.count_nonzero(right):
        left, right = right, left  # the larger piece keeps the id
    first = region_from_mask(maps, left, region.id, region.vessel)
    second = region_from_mask(maps, right, _next_id(regions), region.vessel)
    if first is None or second is None or min(first.area_px, second.area_px) < 10:
        raise EditRefused("the line does not cut the region in two")
    out: list[Region] = []
    for r in regions:
        out.extend((first, second) if r.id == region.id else (r,))
    return tuple(out)


def add(image: np.ndarray, regions: Sequence[Region], polygon: Sequence[tuple[float, float]],
        vessels: Sequence[Vessel] = (), maps: PhotoMaps | None = None) -> tuple[Region, ...]:
    """A region the resident outlined (food the finder missed), in the vessel its centre is
    in, if any; it is clipped to the photo."""
    if len(polygon) < 3:
        raise EditRefused("an outline needs at least three points")
    maps = maps or photo_maps(image)
    mask = np.zeros(maps.shape, np.uint8)
    cv2.fillPoly(mask, [np.array(polygon, np.float64).round().astype(np.int32).reshape(-1, 1, 2)],
                 (255,))
    moments = cv2.moments(mask, binaryImage=True)
    if moments["m00"] == 0:
        raise EditRefused("the outline has no area")
    centre = (moments["m10"] / moments["m00"], moments["m01"] / moments["m00"])
    home = None
    for vessel in vessels:
        inside = vessel.mask(maps.shape)[min(maps.shape[0] - 1, round(centre[1])),
                                          min(maps.shape[1] - 1, round(centre[0]))]
        if inside:
            home = vessel
            break
    region = region_from_mask(maps, mask, _next_id(regions), home)
    if region is None:
        raise EditRefused("the outline has no area")
    return (*regions, region)


def relabel(regions: Sequence[Region]) -> tuple[Region, ...]:
    """The same regions numbered 1, 2, 3... in their order."""
    return tuple(replace(r, id=index) for index, r in enumerate(regions, 1))
