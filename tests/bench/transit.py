"""`python -m tests.bench transit`: the trip planner against ferrobus (Rust RAPTOR) and
pyraptor (pure Python), side by side on the same synthetic feeds and queries, at city and
prefecture scale (tests/support/transit_synthetic.py).

For each preset: the feed is generated, read and compiled here (`compile_s`); the exact
reference (tests/support/transit_reference.py) answers a sample of the queries; then each
planner runs in its own process, so that `peak_mb` is that planner's alone (the process's
peak resident memory): it loads (`load_s`: ours from the compiled file on disk, as a phone
does; theirs from the GTFS folder for the query day) and answers every query (Pareto set of
arrival and trips, depart-at, at most 5 trips). One JSON line per planner and preset, then
the summary (the last line)."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

QUERIES = 200
REFERENCE_SAMPLE = {"city": 200, "prefecture": 40}
PYRAPTOR_PRESETS = ("city",)  # pyraptor cannot load the prefecture feed in reasonable time
PYRAPTOR_QUERIES = 15
AIM = {"p50_ms": 10.0, "p95_ms": 40.0, "load_s": 1.0}


def run(repeat: int | None = None, presets: tuple[str, ...] = ("city", "prefecture")
        ) -> dict[str, Any]:
    del repeat  # one run: every query is a sample already
    lines: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="transit-bench-") as tmp:
        for preset in presets:
            lines += _preset(Path(tmp), preset)
    ours = [line for line in lines if line["planner"] == "tsuyama"]
    return {
        "benchmark": "transit",
        "results": lines,
        "aim": AIM,
        "aim_met": all(line["p50_ms"] <= AIM["p50_ms"] and line["p95_ms"] <= AIM["p95_ms"]
                       and line["load_s"] <= AIM["load_s"] and line["exact_share"] == 1.0
                       for line in ours if line["preset"] == "prefecture"),
    }


def _preset(tmp: Path, preset: str) -> list[dict[str, Any]]:
    from backend.tiles.transit.gtfs.reader import read_feed
    from backend.tiles.transit.timetable.compile import compile_feed
    from tests.support.transit_reference import ReferencePlanner
    from tests.support.transit_synthetic import random_queries, write_synthetic_feed

    folder = tmp / preset
    summary = write_synthetic_feed(folder, preset, seed=1)
    day = _busy_weekday(summary.start_date, summary.end_date)
    queries = [(o, d, day, t) for o, d, _, t in random_queries(summary, QUERIES, seed=2)]
    started = time.perf_counter()
    feed = read_feed(folder)
    compiled = compile_feed(feed)
    compile_s = time.perf_counter() - started
    timetable = tmp / f"{preset}.npz"
    compiled.write(timetable)

    reference = ReferencePlanner(feed)
    index = feed.stop_index()
    sample = queries[:REFERENCE_SAMPLE.get(preset, 40)]
    expected = [[(p.time, p.trips) for p in reference.depart_at(
        reference.place_at_stop(index[o]), reference.place_at_stop(index[d]), day, t)]
        for o, d, day, t in sample]
    del feed, reference

    lines = []
    jobs: list[tuple[str, list[tuple[str, str, date, int]]]] = [("tsuyama", queries),
                                                                ("ferrobus", queries)]
    if preset in PYRAPTOR_PRESETS:
        jobs.append(("pyraptor", queries[:PYRAPTOR_QUERIES]))
    for planner, asked in jobs:
        answer = _worker(planner, folder, timetable, asked)
        times = sorted(answer["query_ms"])
        compared = min(len(sample), len(answer["points"]))
        equal = sum(_pareto(answer["points"][i]) == _pareto(expected[i])
                    for i in range(compared))
        line = {
            "planner": planner, "preset": preset, "stops": summary.stops,
            "stop_times": summary.stop_times, "queries": len(times),
            "p50_ms": round(statistics.median(times), 3) if times else None,
            "p95_ms": round(_percentile(times, 95), 3) if times else None,
            "exact_share": round(equal / compared, 3) if compared else None,
            "exact_compared": compared,
            "load_s": round(answer["load_s"], 3),
            "compile_s": round(compile_s, 3) if planner == "tsuyama" else None,
            "peak_mb": round(answer["peak_mb"], 1),
        }
        print(json.dumps(line), flush=True)
        lines.append(line)
    return lines


def _busy_weekday(first: date, last: date) -> date:
    """A Wednesday inside the feed's period (weekday services run)."""
    from datetime import timedelta
    day = first + timedelta(days=(2 - first.weekday()) % 7)
    return day if day <= last else first


def _pareto(points: list[Any]) -> list[tuple[int, int]]:
    return sorted((int(a), int(k)) for a, k in points)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _worker(planner: str, folder: Path, timetable: Path,
            queries: list[tuple[str, str, date, int]]) -> dict[str, Any]:
    job = {"planner": planner, "folder": str(folder), "timetable": str(timetable),
           "queries": [(o, d, day.isoformat(), t) for o, d, day, t in queries]}
    result = subprocess.run([sys.executable, "-m", "tests.bench.transit", "--worker"],
                            input=json.dumps(job), capture_output=True, text=True,
                            timeout=3600, cwd=Path(__file__).resolve().parents[2],
                            env=dict(os.environ))
    if result.returncode != 0:
        raise RuntimeError(f"{planner} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _work(job: dict[str, Any]) -> dict[str, Any]:
    queries = [(o, d, date.fromisoformat(day), t) for o, d, day, t in job["queries"]]
    if job["planner"] == "tsuyama":
        from app.features.transit.planner.planner import Planner
        from app.features.transit.planner.timetable import Timetable

        started = time.perf_counter()
        timetable = Timetable.load(Path(job["timetable"]))
        timetable.forward  # noqa: B018 - built on load, as the app does
        timetable.backward  # noqa: B018
        planner = Planner(timetable)
        ids = {s["id"]: i for i, s in enumerate(timetable.meta["stops"])}
        load_s = time.perf_counter() - started
        points, query_ms = [], []
        for o, d, day, t in queries:
            started = time.perf_counter()
            journeys = planner.depart_at(planner.place_at_stop(ids[o]),
                                         planner.place_at_stop(ids[d]), day, t)
            query_ms.append((time.perf_counter() - started) * 1000)
            points.append([(j.arrival, j.trips) for j in journeys])
    else:
        from tests.bench.transit_outside import FerrobusPlanner, PyraptorPlanner

        folder = Path(job["folder"])
        outside = (FerrobusPlanner(folder) if job["planner"] == "ferrobus"
                   else PyraptorPlanner(folder))
        load_s = outside.load(queries[0][2])
        points, query_ms = [], []
        for o, d, day, t in queries:
            answer = outside.earliest_arrival(o, d, day, t)
            query_ms.append(answer.query_seconds * 1000)
            points.append(list(answer.points))
    return {"load_s": load_s, "query_ms": query_ms, "points": points,
            "peak_mb": _peak_kb() / 1024}


def _peak_kb() -> int:
    """This process's peak resident memory: VmHWM belongs to the address space the exec
    made (getrusage's ru_maxrss keeps the forking parent's peak across exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        print(json.dumps(_work(json.loads(sys.stdin.read()))), flush=True)
