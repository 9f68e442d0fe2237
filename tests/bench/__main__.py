"""`python -m tests.bench NAME`: runs one benchmark and prints one JSON line of its figures."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

BENCHMARKS = {
    "startup": "tests.bench.startup",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    module = importlib.import_module(BENCHMARKS[args.name])
    result = module.run(repeat=args.repeat)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
