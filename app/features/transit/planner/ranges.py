"""Vectorised helpers for lists of index ranges."""

from __future__ import annotations

import numpy as np


def concat_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of range(starts[i], ends[i]) for every i, as one int64 array."""
    lengths = (ends - starts).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(lengths) - lengths
    return np.repeat(starts.astype(np.int64) - before, lengths) + np.arange(total)


def segment_ids(lengths: np.ndarray) -> np.ndarray:
    """0 repeated lengths[0] times, 1 repeated lengths[1] times, ..."""
    return np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
