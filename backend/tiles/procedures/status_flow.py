"""The statuses of a submission and the moves between them (docs/procedures.md §2)."""

from __future__ import annotations

RECEIVED = "received"
COUNTER = "counter"
REVIEWING = "reviewing"
RETURNED = "returned"
COMPLETED = "completed"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

STATUSES = (RECEIVED, COUNTER, REVIEWING, RETURNED, COMPLETED, REJECTED, WITHDRAWN)
STATUS_JA = {RECEIVED: "受付", COUNTER: "窓口で手続き", REVIEWING: "審査中", RETURNED: "差戻し",
             COMPLETED: "完了", REJECTED: "却下", WITHDRAWN: "取下げ"}
STATUS_EN = {RECEIVED: "received", COUNTER: "to finish at the counter",
             REVIEWING: "under review", RETURNED: "returned for changes",
             COMPLETED: "completed", REJECTED: "rejected", WITHDRAWN: "withdrawn"}

# What staff may do from each status. `returned → received` is the resident's resubmission
# and `→ withdrawn` the resident's withdrawal; neither is a staff move.
STAFF_MOVES: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({REVIEWING, RETURNED, COMPLETED, REJECTED}),
    COUNTER: frozenset({REVIEWING, COMPLETED, REJECTED}),
    REVIEWING: frozenset({RETURNED, COMPLETED, REJECTED}),
}
OPEN_STATUSES = frozenset({RECEIVED, COUNTER, REVIEWING, RETURNED})
NEEDS_REASON = frozenset({RETURNED, REJECTED})


def staff_may_move(from_status: str, to_status: str) -> bool:
    return to_status in STAFF_MOVES.get(from_status, frozenset())


def may_withdraw(status: str) -> bool:
    return status in OPEN_STATUSES


def may_resubmit(status: str) -> bool:
    return status == RETURNED
