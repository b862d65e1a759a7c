"""Benchmarks, run apart from the tests: `make bench` or `.venv/bin/python bench/run.py [coldstart|scale|web]`.

Each prints its numbers; docs/performance.md records them with the command that produced them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", nargs="*", choices=["coldstart", "scale", "web"], default=[])
    parser.add_argument("--sizes", default="1000,100000",
                        help="scale: demand counts to seed, comma-separated (default 1000,100000)")
    parser.add_argument("--instructions", action="store_true",
                        help="coldstart: also count the instructions of one app and one baseline process "
                             "(valgrind's callgrind)")
    parser.add_argument("--reports", type=Path, default=None,
                        help="web: keep Lighthouse's JSON reports in this folder")
    args = parser.parse_args()
    which = args.which or ["coldstart", "scale", "web"]

    if "web" in which:
        from bench import web
        if not web.run(args.reports):
            print("web: a target is not met (above)")
    if not {"coldstart", "scale"} & set(which):
        return
    server, endpoint = common.start_moto_server()
    common.apply(endpoint)
    try:
        if "coldstart" in which:
            from bench import coldstart
            coldstart.run(endpoint, instructions_too=args.instructions)
        if "scale" in which:
            from bench import scale
            scale.run(endpoint, [int(size) for size in args.sizes.split(",")])
    finally:
        server.stop()


if __name__ == "__main__":
    main()
