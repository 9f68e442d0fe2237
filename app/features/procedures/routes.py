"""The procedures tile's own URLs below /procedures (`FeatureSpec.sub_routes` "*"):

- /procedures                            the catalogue, drafts and my applications
- /procedures/<procedure id>             what the procedure is, and its form
- /procedures/submissions/<submission>   one application: status, history, fee, actions
- /procedures/handoff/<submission>       the 書かない窓口 QR code for the counter
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

ROUTE = "/procedures"
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class Screen(StrEnum):
    CATALOGUE = "catalogue"
    PROCEDURE = "procedure"
    SUBMISSION = "submission"
    HANDOFF = "handoff"


@dataclass(frozen=True)
class Where:
    screen: Screen
    id: str = ""


def parse(route: str) -> Where:
    """The screen of a route (an unknown or malformed one: the catalogue)."""
    path = route.split("?", 1)[0].rstrip("/")
    if not path.startswith(ROUTE):
        return Where(Screen.CATALOGUE)
    parts = [p for p in path[len(ROUTE):].split("/") if p]
    if len(parts) == 1 and _ID.fullmatch(parts[0]):
        return Where(Screen.PROCEDURE, parts[0])
    if len(parts) == 2 and _ID.fullmatch(parts[1]):
        if parts[0] == "submissions":
            return Where(Screen.SUBMISSION, parts[1])
        if parts[0] == "handoff":
            return Where(Screen.HANDOFF, parts[1])
    return Where(Screen.CATALOGUE)


def procedure_route(procedure_id: str) -> str:
    return f"{ROUTE}/{procedure_id}"


def submission_route(submission_id: str) -> str:
    return f"{ROUTE}/submissions/{submission_id}"


def handoff_route(submission_id: str) -> str:
    return f"{ROUTE}/handoff/{submission_id}"
