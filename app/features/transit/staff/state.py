"""The transit staff screen's state in plain Python: the feeds as the backend reports them,
which feed a new zip goes to, and the last upload's outcome with its report (a refused feed
names file, line and field; the current version stays)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.features.transit.staff.repository import TransitStaffSource
from backend_client import BackendError, BackendRejected, BackendUnavailable

log = logging.getLogger(__name__)
FEED_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@dataclass
class Upload:
    feed_id: str
    outcome: str  # imported, unchanged, refused, unreachable, offline, failed
    report: list[str] = field(default_factory=list)


class TransitStaffState:
    def __init__(self, source: TransitStaffSource) -> None:
        self._source = source
        self.loading = False
        self.loaded = False
        self.error = ""
        self.offline = False
        self.feeds: list[Mapping[str, Any]] = []
        self.feeds_file: str | None = None
        self.feeds_file_error: str | None = None
        self.target = ""  # the feed id a new zip is imported as
        self.upload: Upload | None = None
        self.uploading = False
        self.revision = 0

    def claim_load(self) -> bool:
        if self.loading or self.loaded:
            return False
        self.loading = True
        return True

    async def load(self) -> None:
        self.loading = True
        try:
            data = await self._source.feeds()
            self.feeds = [f for f in data.get("feeds", []) if isinstance(f, Mapping)]
            self.feeds_file = data.get("feeds_file")
            self.feeds_file_error = data.get("feeds_file_error")
            self.error, self.offline = "", False
            if not self.target and self.feeds:
                self.target = str(self.feeds[0].get("id", ""))
                self.revision += 1
        except BackendUnavailable:
            self.offline = True
        except BackendError as exc:
            self.error = str(exc)
        finally:
            self.loading = False
            self.loaded = True

    def set_target(self, feed_id: str) -> None:
        self.target = feed_id.strip()

    def target_problem(self) -> str:
        return "" if FEED_ID.fullmatch(self.target) else "bad_feed_id"

    async def send(self, filename: str, body: bytes) -> None:
        if self.target_problem():
            self.upload = Upload(self.target, "bad_feed_id")
            return
        self.uploading = True
        try:
            answer = await self._source.upload(self.target, filename, body)
            report = answer.get("report")
            self.upload = Upload(self.target, str(answer.get("outcome", "failed")),
                                 [str(line) for line in report] if isinstance(report, list)
                                 else [])
            self.loaded = False  # the list changed: read it again
        except BackendUnavailable:
            self.upload = Upload(self.target, "offline")
        except BackendRejected as exc:
            report = (exc.info or {}).get("report")
            self.upload = Upload(self.target, "refused",
                                 [str(line) for line in report] if isinstance(report, list)
                                 else [exc.detail])
        except (BackendError, ValueError) as exc:
            log.warning("a feed upload failed: %s", exc)
            self.upload = Upload(self.target, "failed", [str(exc)])
        finally:
            self.uploading = False
