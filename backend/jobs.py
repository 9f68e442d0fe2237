"""Periodic jobs the tiles declare (`TileSpec.jobs`), run by the backend process while it
serves (the app's lifespan): each in a worker thread, first `first_after` after start, then
every `every`. A job must be safe to run at any moment and in several processes at once (a
deployment may run more than one backend); a failure is logged and the job runs again at
its next turn. Tests drive the app without a lifespan, so no job runs there by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from backend.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # shown in the log: "<tile>.<name>"
    every: timedelta
    run: Callable[[Engine, Settings], object]
    first_after: timedelta = timedelta(seconds=30)

    def __post_init__(self) -> None:
        if self.every <= timedelta(0) or self.first_after < timedelta(0):
            raise ValueError(f"job {self.name!r}: `every` must be positive")


async def run_periodically(label: str, job: PeriodicJob, engine: Engine,
                           settings: Settings) -> None:
    """Run `job` until cancelled."""
    delay = job.first_after.total_seconds()
    while True:
        await asyncio.sleep(delay)
        try:
            await asyncio.to_thread(job.run, engine, settings)
        except Exception:  # logged; the next turn tries again
            logger.exception("job %s failed", label)
        delay = job.every.total_seconds()


def start_jobs(jobs: Iterable[tuple[str, PeriodicJob]], engine: Engine,
               settings: Settings) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(run_periodically(label, job, engine, settings),
                                name=f"job {label}")
            for label, job in jobs]


async def stop_jobs(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
