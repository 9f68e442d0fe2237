"""Walks between nearby stops (docs/transit-planner.md, "Walking"): every pair of routable
stops at most `max_walk_m` apart, with the distance in whole metres. The app turns metres
into seconds at the resident's walking speed."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


def haversine_metres(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                     lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances rounded to the nearest metre (float64 throughout)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))).astype(np.int64)


def walk_pairs(lat: np.ndarray, lon: np.ndarray, routable: np.ndarray,
               max_walk_m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(from, to, metres) for every ordered pair of different routable stops within
    `max_walk_m`, sorted by from then to. Stops are put in grid cells about `max_walk_m`
    wide so only neighbouring cells are compared."""
    stops = np.flatnonzero(routable)
    if stops.size == 0:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, empty
    cell_lat = max_walk_m / 111_000.0 * 1.01
    mean_lat = float(np.mean(lat[stops]))
    cell_lon = cell_lat / max(0.1, math.cos(math.radians(mean_lat)))
    # Cells slightly larger than the walk so neighbours one cell away cover every pair.
    ci = np.floor(lat[stops] / cell_lat).astype(np.int64)
    cj = np.floor(lon[stops] / cell_lon).astype(np.int64)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (a, b) in enumerate(zip(ci.tolist(), cj.tolist(), strict=True)):
        cells[(a, b)].append(k)
    froms: list[np.ndarray] = []
    tos: list[np.ndarray] = []
    metres: list[np.ndarray] = []
    for (a, b), members in cells.items():
        here = np.array(members, dtype=np.int64)
        near = [k for da in (-1, 0, 1) for db in (-1, 0, 1)
                for k in cells.get((a + da, b + db), ())]
        there = np.array(near, dtype=np.int64)
        f = np.repeat(here, there.size)
        t = np.tile(there, here.size)
        keep = f != t
        f, t = f[keep], t[keep]
        d = haversine_metres(lat[stops[f]], lon[stops[f]], lat[stops[t]], lon[stops[t]])
        within = d <= max_walk_m
        froms.append(stops[f[within]])
        tos.append(stops[t[within]])
        metres.append(d[within])
    f_all = np.concatenate(froms)
    t_all = np.concatenate(tos)
    m_all = np.concatenate(metres)
    order = np.lexsort((t_all, f_all))
    return (f_all[order].astype(np.int32), t_all[order].astype(np.int32),
            m_all[order].astype(np.int32))
