"""Periodic jobs (`backend/jobs.py`): a job runs first after its delay, then at every turn;
a failing turn is logged and the next one runs; stopping cancels it. The points tile runs
its expiry as such a job, and the serving app starts and stops its jobs with its lifespan."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from backend.jobs import PeriodicJob, start_jobs, stop_jobs
from backend.tiles.points.expiry import EXPIRY_JOB
from backend.tiles.points.tile import TILE as POINTS


def test_a_job_runs_repeatedly_survives_a_failure_and_stops(
        caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    def work(_engine: Any, _settings: Any) -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("the database was away")

    job = PeriodicJob("test", every=timedelta(milliseconds=10), run=work,
                      first_after=timedelta(0))

    async def scenario() -> None:
        tasks = start_jobs([("tile.test", job)], engine=None, settings=None)  # type: ignore[arg-type]
        while len(runs) < 4:
            await asyncio.sleep(0.01)
        await stop_jobs(tasks)
        assert all(task.cancelled() for task in tasks)

    with caplog.at_level(logging.ERROR, logger="backend.jobs"):
        asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert len(runs) >= 4
    assert "job tile.test failed" in caplog.text


def test_a_job_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        PeriodicJob("never", every=timedelta(0), run=lambda e, s: None)


def test_the_points_tile_expires_points_every_hour() -> None:
    assert EXPIRY_JOB in POINTS.jobs
    assert EXPIRY_JOB.every == timedelta(hours=1)


def test_the_serving_app_starts_its_jobs_and_stops_them(make_app: Any, database_url: str
                                                        ) -> None:
    started: list[str] = []
    app: FastAPI = make_app(database_url, load_demo_data=False)

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("job ")]
            started.extend(t.get_name() for t in tasks)
        await asyncio.sleep(0)
        assert all(t.done() for t in tasks)

    asyncio.run(scenario())
    assert "job points.expire" in started
