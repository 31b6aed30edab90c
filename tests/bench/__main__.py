"""Run the benchmarks: ``python -m tests.bench [--only 1,4] [--runs 3] [--seconds 4]``.

Needs ``wrk`` and ``taskset`` (Debian: ``apt-get install -y wrk util-linux``) and the bench extra
(``pip install '.[bench]'``). Prints a table of ratios and writes it as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from tests.bench import figures, harness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="1,2,3,4,5,6,7", help="figures to run, e.g. 1,4")
    parser.add_argument("--runs", type=int, default=5, help="repetitions; medians are reported")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each wrk run")
    parser.add_argument("--queue", type=int, default=100_000, help="tasks queued in figure 5")
    parser.add_argument("--json", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args()
    if not harness.have_wrk():
        print("the benchmarks need wrk and taskset: apt-get install -y wrk util-linux",
              file=sys.stderr)
        return 2
    rows: list[figures.Row] = []
    started = time.monotonic()
    for key in args.only.split(","):
        key = key.strip()
        fn = figures.FIGURES[key]
        t0 = time.monotonic()
        try:
            if key in ("1", "2", "3"):
                got = fn(args.runs, args.seconds)
            elif key == "5":
                got = fn(args.runs, args.seconds, args.queue)
            elif key == "7":
                got = fn()
            else:
                got = fn(args.runs)
        except Exception as exc:  # one broken figure must not hide the others
            got = [figures.Row(key, f"failed: {exc!r}"[:120], 0, None, None, "-", False)]
        rows.extend(got)
        print(f"figure {key}: {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
        print(render(got), file=sys.stderr, flush=True)
    table = render(rows)
    print(table)
    Path(args.json).write_text(json.dumps({
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "python": platform.python_version(), "runs": args.runs, "seconds": args.seconds,
        "took_s": round(time.monotonic() - started), "rows": [r.as_dict() for r in rows]},
        indent=2))
    return 0


def render(rows: list[figures.Row]) -> str:
    lines = ["| figure | measure | engine | baseline | ratio | target | met |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        base = "" if r.baseline is None else f"{r.baseline:g} {r.unit}"
        ratio = "" if r.ratio is None else f"{r.ratio:.3f}"
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.figure} | {r.measure} | {r.value:g} {r.unit} | {base} | {ratio} | "
                     f"{r.target} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
