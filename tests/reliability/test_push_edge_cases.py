"""`POST /sync/push` edge cases against the running backend over HTTP (docs/sync.md):
a replayed batch, batches out of seq order, a gap in the seqs, a seq reused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.reliability.conftest import RunningBackend, signed_in

pytestmark = pytest.mark.anyio


def mutation(seq: int, key: str, value: Any) -> dict[str, Any]:
    return {"seq": seq, "mutation_id": str(uuid.uuid4()), "collection": "preferences",
            "name": "set", "args": {"key": key, "value": value},
            "created_at": "2026-11-26T09:00:00+09:00"}


async def test_replay_reorder_gap_and_seq_conflict(backend: RunningBackend) -> None:
    client_id = f"edge-{uuid.uuid4().hex[:8]}"
    device = await signed_in(backend.url, "dev-hana", client_id)
    headers = {"Authorization": f"Bearer {await device.token()}"}
    key = f"edge-{client_id}"
    async with httpx.AsyncClient(base_url=backend.url, headers=headers, timeout=10) as http:

        async def push(mutations: list[dict[str, Any]]) -> dict[str, Any]:
            response = await http.post("/sync/push",
                                       json={"client_id": client_id, "mutations": mutations})
            assert response.status_code == 200, response.text
            return response.json()

        async def pref() -> Any:
            pulled = await http.get("/sync/pull", params={"cursor": 0, "limit": 1000})
            changes = [c for c in pulled.json()["changes"] if c["key"] == key]
            return changes[-1]["data"]["value"] if changes else None

        one = [mutation(1, key, "a")]
        first = await push(one)
        assert [r["status"] for r in first["results"]] == ["applied"]
        assert first["last_seq"] == 1

        # The same batch again: answered from the receipt, applied once.
        replay = await push(one)
        (result,) = replay["results"]
        assert result["status"] == "duplicate" and result["original_status"] == "applied"
        assert result["result"] == first["results"][0]["result"]
        assert replay["last_seq"] == 1

        # Reordered batches: seq 3 arrives before seq 2. Each is applied when it arrives;
        # the server order (arrival), not the seq, decides the last writer.
        three, two = mutation(3, key, "three"), mutation(2, key, "two")
        assert (await push([three]))["last_seq"] == 3
        late = await push([two])
        assert [r["status"] for r in late["results"]] == ["applied"]
        assert late["last_seq"] == 3  # the highest processed, not the last received
        assert await pref() == "two"

        # Within one batch the server sorts by seq: 5 before 4 in the body, 4 applied first.
        four, five = mutation(4, key, "four"), mutation(5, key, "five")
        sorted_batch = await push([five, four])
        assert [r["seq"] for r in sorted_batch["results"]] == [4, 5]
        assert await pref() == "five"

        # A gap (7 with 6 missing) is accepted; 6 may come later.
        gap = await push([mutation(7, key, "seven")])
        assert [r["status"] for r in gap["results"]] == ["applied"]
        assert gap["last_seq"] == 7
        six = await push([mutation(6, key, "six")])
        assert [r["status"] for r in six["results"]] == ["applied"]
        assert six["last_seq"] == 7

        # Another mutation id under a used seq: rejected seq_conflict, nothing applied,
        # and no receipt kept (the same mutation may come back under a new seq).
        clash = mutation(7, key, "clash")
        rejected = await push([clash])
        (result,) = rejected["results"]
        assert result["status"] == "rejected" and result["error"]["code"] == "seq_conflict"
        assert await pref() == "six"
        again = await push([{**clash, "seq": 8}])
        assert [r["status"] for r in again["results"]] == ["applied"]
        assert await pref() == "clash"

        # seq 0 invalidates the whole request: 422 and nothing applied.
        bad = await http.post("/sync/push", json={
            "client_id": client_id, "mutations": [mutation(9, key, "x"), mutation(0, key, "y")]})
        assert bad.status_code == 422
        assert await pref() == "clash"
