"""`python -m tests.bench NAME`: runs one benchmark and prints one JSON line of its figures."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

BENCHMARKS = {
    "abuse": "tests.bench.abuse",
    "first_visit": "tests.bench.first_visit",
    "forms": "tests.bench.forms",
    "meal_photo": "tests.bench.meal_photo",
    "reservations": "tests.bench.reservations",
    "startup": "tests.bench.startup",
    "sync": "tests.bench.sync",
    "transit": "tests.bench.transit",
    "wallet": "tests.bench.wallet",
    "waste_search": "tests.bench.waste_search",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per figure (startup: 5 alternating rounds of the bare "
                        "Flet app and the portal, sync: 1, waste_search: 5)")
    parser.add_argument("--rows", type=int, default=None,
                        help="sync: records seeded and pulled (default 100000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default=None,
                        help="sync: the backend's database (default sqlite)")
    parser.add_argument("--items", type=int, default=None,
                        help="waste_search: items indexed (default 2000)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="abuse: seconds of refusing while /healthz is timed (default 20)")
    args = parser.parse_args(argv)
    options: dict[str, object] = {}
    if args.repeat is not None:
        options["repeat"] = args.repeat
    if args.name == "startup" and args.repeat is None:
        options["repeat"] = 5
    for name in ("rows", "database"):
        value = getattr(args, name)
        if value is not None:
            if args.name != "sync":
                parser.error(f"--{name} only applies to the sync benchmark")
            options[name] = value
    if args.items is not None:
        if args.name != "waste_search":
            parser.error("--items only applies to the waste_search benchmark")
        options["items"] = args.items
    if args.seconds is not None:
        if args.name != "abuse":
            parser.error("--seconds only applies to the abuse benchmark")
        options["seconds"] = args.seconds
    module = importlib.import_module(BENCHMARKS[args.name])
    result = module.run(**options)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
