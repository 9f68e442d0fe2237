"""Draws labelled meals: a table (wood or cloth), white plates and bowls seen at an angle
(ellipses), foods of plausible colours and textures in them, and the true mask of every food
region with its dish id. Deterministic for a seed. Edge cases: the table alone, a very dark
meal, a cat on the table (not food).

`python -m tests.health_meals.generate DIR` writes the meals as JPEG files and their masks as
PNG files, to look at them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 1024, 768
SEED = 1717
MEALS = 36

BOWL_FOODS = ("rice", "miso_soup", "kake_udon", "shoyu_ramen", "rice", "miso_soup")
PLATE_FOODS = ("karaage", "green_salad", "grilled_salmon", "tamagoyaki")


@dataclass(frozen=True)
class TruthRegion:
    dish_id: str
    vessel_kind: str  # "plate" | "bowl"
    mask: np.ndarray  # uint8 0/255, HEIGHT × WIDTH


@dataclass(frozen=True)
class Meal:
    name: str
    image: np.ndarray  # BGR uint8
    truth: tuple[TruthRegion, ...]
    vessels: tuple[tuple[str, tuple[float, float], tuple[float, float]], ...] = field(default=())

    def jpeg(self, quality: int = 90) -> bytes:
        ok, data = cv2.imencode(".jpg", self.image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return data.tobytes()


def _table(rng: np.random.Generator, light: bool = False) -> np.ndarray:
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    if light:  # a pale beige table cloth, close to a plate's white
        base = np.array([185, 205, 215], np.float32)
        shade = 1.0 + 0.03 * (np.sin(xs / 2.0) * np.sin(ys / 2.0))[..., None]
    elif rng.random() < 0.6:  # wood
        base = np.array([40, 80, 130], np.float32) * rng.uniform(0.7, 1.1)
        grain = np.sin(ys / rng.uniform(6, 14) + 3 * np.sin(xs / rng.uniform(80, 200)))
        shade = 1.0 + 0.12 * grain[..., None]
    else:  # cloth: dark blue, green or grey
        base = np.array(rng.choice([[90, 60, 40], [60, 90, 50], [80, 80, 80], [50, 50, 110]]),
                        np.float32)
        weave = np.sin(xs / 2.0) * np.sin(ys / 2.0)
        shade = 1.0 + 0.05 * weave[..., None]
    table = base * shade + rng.normal(0, 5, (HEIGHT, WIDTH, 3)).astype(np.float32)
    return np.clip(table, 0, 255)


def _ellipse_mask(center: tuple[float, float], axes: tuple[float, float]) -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(mask, (round(center[0]), round(center[1])), (round(axes[0]), round(axes[1])),
                0, 0, 360, 255, -1)
    return mask


def _paint(canvas: np.ndarray, mask: np.ndarray, colour: np.ndarray | tuple[float, ...]) -> None:
    canvas[mask > 0] = colour if isinstance(colour, tuple) else colour[mask > 0]


def _vessel(canvas: np.ndarray, kind: str, center: tuple[float, float],
            axes: tuple[float, float], rng: np.random.Generator,
            lacquer: bool = False) -> tuple[tuple[float, float], tuple[float, float]]:
    """Draws a plate or bowl; returns the (center, axes) of the area food may fill."""
    cx, cy = center
    ax, ay = axes
    shadow = _ellipse_mask((cx + 6, cy + ay * 0.1), (ax, ay))
    canvas[shadow > 0] *= 0.55
    body = _ellipse_mask(center, axes)
    tint = np.array([245, 245, 245], np.float32) + rng.uniform(-8, 4, 3)
    if lacquer:  # a black and red lacquered soup bowl (漆器)
        tint = np.array([25, 25, 70], np.float32)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    light = 1.0 - 0.06 * ((ys - cy) / max(ay, 1)) - 0.04 * ((xs - cx) / max(ax, 1))
    _paint(canvas, body, np.clip(tint * light[..., None], 0, 255))
    rim = np.zeros((HEIGHT, WIDTH), np.uint8)
    if kind == "plate":
        cv2.ellipse(rim, (round(cx), round(cy)), (round(ax * 0.8), round(ay * 0.8)), 0, 0, 360,
                    255, 2)
        canvas[rim > 0] *= 0.93
        return (cx, cy), (ax * 0.76, ay * 0.76)
    inner_center = (cx, cy - ay * 0.1)
    inner_axes = (ax * 0.86, ay * 0.8)
    cv2.ellipse(rim, (round(inner_center[0]), round(inner_center[1])),
                (round(inner_axes[0]), round(inner_axes[1])), 0, 0, 360, 255, 3)
    canvas[rim > 0] *= 0.88
    return inner_center, (inner_axes[0] * 0.96, inner_axes[1] * 0.95)


def _noise(rng: np.random.Generator, sigma: float) -> np.ndarray:
    return rng.normal(0, sigma, (HEIGHT, WIDTH, 1)).astype(np.float32)


def _blob(rng: np.random.Generator, center: tuple[float, float], radius: float,
          squash: float, points: int = 14, wobble: float = 0.25) -> np.ndarray:
    angles = np.sort(rng.uniform(0, 2 * np.pi, points))
    radii = radius * (1 + rng.uniform(-wobble, wobble, points))
    xs = center[0] + radii * np.cos(angles)
    ys = center[1] + radii * np.sin(angles) * squash
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.fillPoly(mask, [np.stack([xs, ys], 1).round().astype(np.int32)], 255)
    return mask


def _food(canvas: np.ndarray, dish: str, center: tuple[float, float], axes: tuple[float, float],
          rng: np.random.Generator) -> np.ndarray:
    """Draws one dish in the area (center, axes); returns its true mask."""
    cx, cy = center
    ax, ay = axes
    squash = ay / ax
    if dish in ("rice", "miso_soup", "kake_udon", "shoyu_ramen"):
        mask = _ellipse_mask(center, axes)
        if dish == "rice":
            layer = np.full((HEIGHT, WIDTH, 3), (222, 236, 240), np.float32)
            for _ in range(int(ax * ay / 9)):  # grains, each lit a little differently
                gx = rng.uniform(cx - ax, cx + ax)
                gy = rng.uniform(cy - ay, cy + ay)
                shade = float(rng.uniform(0.8, 1.04))
                angle = rng.uniform(0, 180)
                cv2.ellipse(layer, (round(gx), round(gy)), (5, 3), angle, 0, 360,
                            (222 * shade, 236 * shade, 240 * shade), -1)
                cv2.ellipse(layer, (round(gx), round(gy)), (5, 3), angle, 0, 360,
                            (170, 182, 188), 1)
            layer += _noise(rng, 4)
        elif dish == "miso_soup":
            layer = np.full((HEIGHT, WIDTH, 3), (60, 115, 170), np.float32)
            cloud = cv2.GaussianBlur(_noise(rng, 40)[..., 0], (0, 0), 6)[..., None]
            layer += cloud
            for _ in range(rng.integers(3, 7)):  # wakame and tofu
                colour = (40, 80, 30) if rng.random() < 0.5 else (200, 220, 225)
                px, py = cx + rng.uniform(-0.6, 0.6) * ax, cy + rng.uniform(-0.6, 0.6) * ay
                size = rng.uniform(5, 11)
                cv2.rectangle(layer, (round(px), round(py)), (round(px + size), round(py + size)),
                              colour, -1)
        else:
            broth = (70, 120, 165) if dish == "shoyu_ramen" else (150, 185, 205)
            layer = np.full((HEIGHT, WIDTH, 3), broth, np.float32)
            noodle = (90, 205, 235) if dish == "shoyu_ramen" else (215, 235, 240)
            count = int(ax / 2.5) if dish == "shoyu_ramen" else int(ax / 4)
            for _ in range(count):
                start = rng.uniform(cy - ay, cy + ay)
                phase = rng.uniform(0, 6.3)
                xs = np.linspace(cx - ax, cx + ax, 40)
                ys = (start + 6 * np.sin(xs / rng.uniform(10, 18) + phase)
                      + rng.uniform(-0.1, 0.1) * (xs - cx))
                points = [np.stack([xs, ys], 1).round().astype(np.int32)]
                if dish == "kake_udon":  # thick noodles with a shaded edge
                    cv2.polylines(layer, points, False, (120, 150, 165), 7)
                cv2.polylines(layer, points, False, noodle, 4 if dish == "kake_udon" else 3)
            layer += _noise(rng, 5)
        _paint(canvas, mask, layer)
        return mask
    if dish == "green_salad":
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        for _ in range(26):
            px = cx + rng.uniform(-0.55, 0.55) * ax
            py = cy + rng.uniform(-0.55, 0.55) * ay
            leaf = _blob(rng, (px, py), rng.uniform(0.22, 0.35) * ax, squash, 9, 0.35)
            green = np.array((rng.uniform(30, 70), rng.uniform(140, 200), rng.uniform(60, 120)))
            _paint(canvas, leaf, tuple(float(v) for v in green))
            mask |= leaf
        for _ in range(3):  # tomato
            px = cx + rng.uniform(-0.4, 0.4) * ax
            py = cy + rng.uniform(-0.4, 0.4) * ay
            cv2.circle(canvas, (round(px), round(py)), round(0.12 * ax), (40, 40, 200), -1)
        canvas[mask > 0] += _noise(rng, 6)[mask > 0]
        return mask
    if dish == "karaage":
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        pieces = rng.integers(4, 6)
        for index in range(pieces):
            angle = 2 * np.pi * index / pieces + rng.uniform(-0.3, 0.3)
            px = cx + 0.4 * ax * np.cos(angle)
            py = cy + 0.4 * ay * np.sin(angle)
            piece = _blob(rng, (px, py), 0.42 * ax, squash, 12, 0.3)
            _paint(canvas, piece, (35 + rng.uniform(-5, 5), 95 + rng.uniform(-10, 10), 165))
            mask |= piece
        crust = rng.normal(0, 22, (HEIGHT, WIDTH, 1)).astype(np.float32)
        canvas[mask > 0] += crust[mask > 0]
        return mask
    if dish == "grilled_salmon":
        mask = _blob(rng, center, 0.8 * ax, squash * 0.7, 8, 0.12)
        layer = np.full((HEIGHT, WIDTH, 3), (105, 145, 235), np.float32) + _noise(rng, 6)
        for index in range(5):  # fat lines
            x = round(cx - 0.6 * ax + index * 0.3 * ax)
            cv2.line(layer, (x, round(cy - ay)), (x + 15, round(cy + ay)), (185, 205, 245), 2)
        _paint(canvas, mask, layer)
        return mask
    # tamagoyaki: two or three slices side by side
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    slices = int(rng.integers(2, 4))
    width = 1.5 * ax / slices
    for index in range(slices):
        x0 = cx - 0.75 * ax + index * width
        cv2.rectangle(mask, (round(x0), round(cy - 0.45 * ay)), (round(x0 + width - 1),
                      round(cy + 0.45 * ay)), 255, -1)
    layer = np.full((HEIGHT, WIDTH, 3), (70, 200, 240), np.float32) + _noise(rng, 4)
    _paint(canvas, mask, layer)
    for index in range(1, slices):
        x = round(cx - 0.75 * ax + index * width)
        cv2.line(canvas, (x, round(cy - 0.45 * ay)), (x, round(cy + 0.45 * ay)), (50, 150, 190), 1)
    return mask


def _cat(canvas: np.ndarray, center: tuple[float, float], size: float,
         rng: np.random.Generator) -> None:
    """An orange tabby seen from above: not food, on the table."""
    cx, cy = center
    fur = (60, 140, 215)
    body = _ellipse_mask(center, (size, size * 0.55))
    head = _ellipse_mask((cx + size * 1.05, cy - size * 0.1), (size * 0.38, size * 0.34))
    mask = body | head
    ears = np.array([[cx + size * 0.85, cy - size * 0.35], [cx + size * 0.95, cy - size * 0.62],
                     [cx + size * 1.05, cy - size * 0.4], [cx + size * 1.12, cy - size * 0.38],
                     [cx + size * 1.25, cy - size * 0.6], [cx + size * 1.3, cy - size * 0.25]])
    cv2.fillPoly(mask, [ears[:3].round().astype(np.int32), ears[3:].round().astype(np.int32)], 255)
    cv2.ellipse(mask, (round(cx - size), round(cy + size * 0.3)), (round(size * 0.5),
                round(size * 0.3)), 0, 90, 270, 255, round(size * 0.1))
    layer = np.full((HEIGHT, WIDTH, 3), fur, np.float32) + _noise(rng, 8)
    for index in range(7):
        x = round(cx - size * 0.8 + index * size * 0.25)
        cv2.line(layer, (x, round(cy - size * 0.5)), (x + 10, round(cy + size * 0.5)),
                 (30, 80, 150), 6)
    _paint(canvas, mask, layer)
    for dx in (0.95, 1.15):
        cv2.circle(canvas, (round(cx + size * dx), round(cy - size * 0.15)), 5, (40, 160, 60), -1)


def _place(rng: np.random.Generator, placed: list[tuple[float, float, float, float]],
           ax: float, ay: float, gap: float = 16, inside: float = 10) -> tuple[float, float] | None:
    for _ in range(200):
        cx = rng.uniform(ax + inside, WIDTH - ax - inside)
        cy = rng.uniform(ay + inside, HEIGHT - ay - inside)
        if all(abs(cx - px) > ax + pax + gap or abs(cy - py) > ay + pay + gap
               for px, py, pax, pay in placed):
            placed.append((cx, cy, ax, ay))
            return cx, cy
    return None


def _finish(canvas: np.ndarray, rng: np.random.Generator, dark: bool = False) -> np.ndarray:
    _ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    light = rng.uniform(0.88, 1.06) + 0.08 * (xs / WIDTH - 0.5) * rng.choice([-1, 1])
    cast = 1 + rng.uniform(-0.04, 0.04, 3).astype(np.float32)
    image = canvas * light[..., None] * cast
    if dark:
        image = image * 0.22
    image = cv2.GaussianBlur(image, (0, 0), 0.7) + _noise(rng, 2.5)
    return np.clip(image, 0, 255).astype(np.uint8)


def draw_meal(index: int, seed: int = SEED, *, dark: bool = False, cat: bool | None = None,
              empty: bool = False, hard: str = "") -> Meal:
    """Meal `index` of the set made with `seed`; `hard` makes it one of the hard cases:
    "light_table", "lacquer" (soup bowls), "touching" (vessels touch) or "edge" (vessels cut
    by the photo's edge)."""
    rng = np.random.default_rng([seed, index])
    canvas = _table(rng, light=hard == "light_table")
    gap, inside = {"touching": (-4.0, 10.0), "edge": (16.0, -50.0)}.get(hard, (16.0, 10.0))
    tilt = rng.uniform(0.62, 0.92)  # minor/major axis: the camera's angle to the table
    placed: list[tuple[float, float, float, float]] = []
    truth: list[TruthRegion] = []
    vessels: list[tuple[str, tuple[float, float], tuple[float, float]]] = []
    count = 0 if empty else int(rng.integers(1, 5))
    for number in range(count):
        kind = "bowl" if (number % 2 == 0) == (index % 2 == 0) else "plate"
        major = rng.uniform(95, 135) if kind == "bowl" else rng.uniform(150, 215)
        axes = (major, major * tilt)
        center = _place(rng, placed, *axes, gap=gap, inside=inside)
        if center is None:
            continue
        inner_center, inner_axes = _vessel(canvas, kind, center, axes, rng,
                                           lacquer=hard == "lacquer" and kind == "bowl")
        vessels.append((kind, center, axes))
        if kind == "bowl":
            dish = str(rng.choice(BOWL_FOODS))
            if rng.random() < 0.15:
                dish = "green_salad"
            if dish == "green_salad":
                small = (inner_axes[0] * 0.6, inner_axes[1] * 0.6)
                mask = _food(canvas, dish, inner_center, small, rng)
            else:
                mask = _food(canvas, dish, inner_center, inner_axes, rng)
            truth.append(TruthRegion(dish, kind, mask))
            continue
        dishes = [str(d) for d in rng.choice(PLATE_FOODS, size=int(rng.integers(1, 3)),
                                              replace=False)]
        iax, iay = inner_axes
        if len(dishes) == 1:
            spots = [(inner_center, (iax * 0.55, iay * 0.55))]
        else:
            # apart, almost touching, or touching (the later dish lies on the earlier one)
            gap = float(rng.choice([0.5, 0.5, 0.42, 0.22]))
            spots = [((inner_center[0] - iax * gap, inner_center[1]), (iax * 0.36, iay * 0.5)),
                     ((inner_center[0] + iax * gap, inner_center[1]), (iax * 0.36, iay * 0.5))]
        for dish, (spot, spot_axes) in zip(dishes, spots, strict=True):
            mask = _food(canvas, dish, spot, spot_axes, rng)
            for other in truth:  # a later dish covers an earlier one
                other.mask[mask > 0] = 0
            truth.append(TruthRegion(dish, kind, mask))
    if cat if cat is not None else (rng.random() < 0.15 and not empty):
        size = 80.0
        spot = _place(rng, placed, size * 1.6, size * 0.8)
        if spot is not None:
            _cat(canvas, spot, size, rng)
    image = _finish(canvas, rng, dark=dark)
    name = f"meal_{index:02d}" + ("_dark" if dark else "") + (f"_{hard}" if hard else "")
    return Meal(name, image, tuple(truth), tuple(vessels))


def generate_meals(count: int = MEALS, seed: int = SEED) -> list[Meal]:
    """The labelled meals (≥ 30 for the bench and the tests)."""
    return [draw_meal(index, seed) for index in range(count)]


HARD_KINDS = ("light_table", "lacquer", "touching", "edge")


def hard_meals(count: int = 12, seed: int = SEED) -> list[Meal]:
    """Meals the finder is known to find hard, reported apart (docs/health.md)."""
    return [draw_meal(500 + index, seed, hard=HARD_KINDS[index % len(HARD_KINDS)])
            for index in range(count)]


def edge_cases(seed: int = SEED) -> dict[str, Meal]:
    """A photo of nothing (the table only), a very dark meal, a cat alone (not food)."""
    nothing = draw_meal(1000, seed, empty=True, cat=False)
    dark = draw_meal(3, seed, dark=True)
    cat = draw_meal(1001, seed, empty=True, cat=True)
    return {"nothing": nothing, "dark": dark, "cat": cat}


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "test-artifacts/health_meals")
    out.mkdir(parents=True, exist_ok=True)
    for meal in [*generate_meals(), *hard_meals(), *edge_cases().values()]:
        (out / f"{meal.name}.jpg").write_bytes(meal.jpeg())
        truth = np.zeros((HEIGHT, WIDTH), np.uint8)
        for number, region in enumerate(meal.truth, 1):
            truth[region.mask > 0] = min(255, number * 40)
        cv2.imwrite(str(out / f"{meal.name}_truth.png"), truth)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
