"""Candidate dishes for a food region: the resident's own confirmed dishes first (a small
k-nearest-neighbour model on the region's image features, `DishMemory`, which learns from
every confirmation and is kept on the device as bytes the caller stores), then hints from how
the region looks and what it is in (a bowl of brown liquid suggests 味噌汁), and always last
"search the food table" and "not food".

Dish ids are the nutrition core's recipe ids (`assets/health/recipes.json`) or five-digit
food codes of the food table; the model stores whatever id the resident confirmed.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.features.health.photo.features import FEATURE_SIZE

__all__ = [
    "HINTS",
    "Candidate",
    "CandidateKind",
    "DishMemory",
    "candidates",
    "dish_ids",
    "hint_candidates",
]

CandidateKind = Literal["mine", "hint", "search", "not_food"]

# kind hint → (dish id, score) in a bowl / on a plate. Scores are the project's guesses of
# how often that look is that dish, for ranking only.
HINTS: Mapping[str, Mapping[str, tuple[tuple[str, float], ...]]] = {
    "white_grainy": {"bowl": (("rice", 0.9), ("onigiri_ume", 0.2)),
                     "plate": (("rice", 0.7), ("onigiri_ume", 0.5))},
    "white": {"bowl": (("rice", 0.5), ("hiyayakko", 0.3), ("yogurt", 0.3), ("milk", 0.2)),
              "plate": (("hiyayakko", 0.5), ("rice", 0.4), ("boiled_egg", 0.3))},
    "brown_liquid": {"bowl": (("miso_soup", 0.9), ("tonjiru", 0.6), ("kake_udon", 0.3)),
                     "plate": (("curry_rice", 0.5), ("mapo_tofu", 0.4))},
    "strands": {"bowl": (("shoyu_ramen", 0.7), ("kake_udon", 0.7), ("zaru_soba", 0.3)),
                "plate": (("spaghetti_meat_sauce", 0.6), ("zaru_soba", 0.5),
                          ("kake_udon", 0.3))},
    "green": {"bowl": (("green_salad", 0.7), ("spinach_ohitashi", 0.5)),
              "plate": (("green_salad", 0.8), ("spinach_ohitashi", 0.4),
                        ("yasai_itame", 0.3))},
    "fried": {"bowl": (("gyudon", 0.4), ("oyakodon", 0.3), ("karaage", 0.3)),
              "plate": (("karaage", 0.8), ("tonkatsu", 0.6), ("croquette", 0.5),
                        ("hamburg_steak", 0.4), ("gyoza", 0.4), ("shogayaki", 0.3))},
    "yellow": {"bowl": (("oyakodon", 0.5), ("tamagoyaki", 0.3)),
               "plate": (("tamagoyaki", 0.8), ("oyakodon", 0.2))},
    "orange": {"bowl": (("curry_rice", 0.3),),
               "plate": (("grilled_salmon", 0.8), ("curry_rice", 0.3))},
    "dark": {"bowl": (("natto", 0.4), ("hijiki", 0.4), ("kinpira", 0.3)),
             "plate": (("hijiki", 0.4), ("kinpira", 0.4), ("hamburg_steak", 0.3))},
    "other": {},
}


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: CandidateKind  # "mine": confirmed before; "hint"; "search"; "not_food"
    dish_id: str | None  # recipe id or food code; None for "search" and "not_food"
    score: float  # 0…1, for ordering within its kind


def hint_candidates(kind_hint: str, vessel_kind: str | None) -> list[Candidate]:
    """Dishes that look like this, best first (on no vessel: as on a plate)."""
    table = HINTS.get(kind_hint, {}).get(vessel_kind or "plate", ())
    return [Candidate("hint", dish, score) for dish, score in table]


class DishMemory:
    """The resident's confirmed dishes as (feature vector, dish id) pairs; nearest neighbours
    by Euclidean distance. At most `capacity` pairs are kept (the oldest go first)."""

    VERSION = 1

    def __init__(self, capacity: int = 2000, max_distance: float = 0.55) -> None:
        self.capacity = capacity
        self.max_distance = max_distance
        self._features = np.zeros((0, FEATURE_SIZE), np.float32)
        self._dishes: list[str] = []

    def __len__(self) -> int:
        return len(self._dishes)

    def learn(self, features: np.ndarray, dish_id: str) -> None:
        """Remember that a region with these features was `dish_id` (a confirmation)."""
        vector = np.asarray(features, np.float32).reshape(1, FEATURE_SIZE)
        self._features = np.vstack([self._features, vector])[-self.capacity:]
        self._dishes = [*self._dishes, str(dish_id)][-self.capacity:]

    def forget(self, dish_id: str) -> None:
        keep = [i for i, d in enumerate(self._dishes) if d != dish_id]
        self._features = self._features[keep]
        self._dishes = [self._dishes[i] for i in keep]

    def nearest(self, features: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        """Up to `k` distinct dishes within `max_distance`, nearest first, as (id, distance)."""
        if not self._dishes:
            return []
        vector = np.asarray(features, np.float32).reshape(FEATURE_SIZE)
        distance = np.linalg.norm(self._features - vector, axis=1)
        out: list[tuple[str, float]] = []
        for index in np.argsort(distance, kind="stable"):
            if distance[index] > self.max_distance:
                break
            dish = self._dishes[int(index)]
            if all(dish != seen for seen, _ in out):
                out.append((dish, float(distance[index])))
            if len(out) == k:
                break
        return out

    def to_bytes(self) -> bytes:
        """The model as an .npz file's bytes (no pickled objects), for the caller to store."""
        buffer = io.BytesIO()
        meta = json.dumps({"version": self.VERSION, "capacity": self.capacity,
                           "max_distance": self.max_distance, "dishes": self._dishes})
        np.savez_compressed(buffer, features=self._features,
                            meta=np.frombuffer(meta.encode("utf-8"), np.uint8))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> DishMemory:
        """A model stored by `to_bytes`; raises ValueError when the bytes are not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                features = np.asarray(stored["features"], np.float32)
                meta = json.loads(bytes(stored["meta"]).decode("utf-8"))
        except (OSError, EOFError, KeyError, ValueError, UnicodeDecodeError,
                zipfile.BadZipFile) as exc:
            raise ValueError("not a stored dish memory") from exc
        dishes = meta.get("dishes") if isinstance(meta, dict) else None
        if (meta.get("version") != cls.VERSION or not isinstance(dishes, list)
                or features.shape != (len(dishes), FEATURE_SIZE)):
            raise ValueError("not a stored dish memory")
        memory = cls(int(meta.get("capacity", 2000)), float(meta.get("max_distance", 0.55)))
        memory._features = features
        memory._dishes = [str(d) for d in dishes]
        return memory


def candidates(features: np.ndarray, kind_hint: str, vessel_kind: str | None,
               memory: DishMemory | None = None, *, limit: int = 6,
               known: Iterable[str] | None = None) -> list[Candidate]:
    """The choices for one region: the resident's own dishes (nearest first), then the hints
    not already listed, at most `limit` of both, then "search" and "not food". `known`
    (recipe ids and food codes the nutrition core has) drops any dish it does not list."""
    allowed = set(known) if known is not None else None
    out: list[Candidate] = []
    if memory is not None:
        for dish, distance in memory.nearest(features, k=limit):
            score = round(max(0.0, 1.0 - distance / memory.max_distance), 4)
            out.append(Candidate("mine", dish, score))
    seen = {c.dish_id for c in out}
    for hint in hint_candidates(kind_hint, vessel_kind):
        if hint.dish_id not in seen:
            out.append(hint)
            seen.add(hint.dish_id)
    if allowed is not None:
        out = [c for c in out if c.dish_id in allowed]
    return [*out[:limit], Candidate("search", None, 0.0), Candidate("not_food", None, 0.0)]


def dish_ids(candidate_list: Sequence[Candidate]) -> list[str]:
    return [c.dish_id for c in candidate_list if c.dish_id is not None]
