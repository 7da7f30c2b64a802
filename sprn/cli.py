"""The ``sprn`` command.

Input errors (:class:`sprn.errors.SprnError`) become one line on stderr and exit status 2;
nothing is written when a run fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sprn.errors import SprnError


def _cmd_run(args: argparse.Namespace) -> int:
    from sprn import engagement, report, scenario

    scen = scenario.load(args.scenario)
    result = engagement.run_scenario(scen, seed=args.seed)
    files = report.run_files(result)
    out_dir = args.out or scen.out_dir
    report.write_atomic(out_dir, files)
    print(report.summary_text(result))
    print(f"\nwrote {', '.join(files)} to {out_dir}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sprn", description="Early-warning radar tracking simulator.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file and write its results")
    run.add_argument("scenario", help="scenario file (TOML), e.g. scenarios/kusong-2017-05-14.toml")
    run.add_argument("--out", help="output directory (default: the scenario's outputs.dir)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's seed)")
    run.set_defaults(func=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SprnError as exc:
        print(f"sprn: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
