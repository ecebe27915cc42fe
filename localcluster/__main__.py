"""`python -m localcluster up|down|status [--dir DIR]` (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from localcluster.cluster import Cluster
from localcluster.layout import ROOT, Layout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcluster", description=__doc__)
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument(
        "--dir", type=Path, default=ROOT / ".cluster", help="state directory (default .cluster)"
    )
    args = parser.parse_args(argv)
    cluster = Cluster.at(Layout(args.dir.resolve()))
    try:
        if args.command == "up":
            cluster.up()
        elif args.command == "down":
            cluster.down()
        else:
            running = cluster.running()
            print(f"running: {', '.join(running)}" if running else "not running")
            if running:
                print(f"KUBECONFIG={cluster.layout.kubeconfig}")
                print(cluster.kubectl("get", "nodes", "-o", "wide", check=False).stdout, end="")
            return 0 if running else 1
    except (RuntimeError, TimeoutError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("aborted (python -m localcluster down cleans up)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
