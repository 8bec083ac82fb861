"""`make bench`: every benchmark, each printing its figures next to a named peer's."""

from __future__ import annotations

import sys

from bench import ingest_vs_mariadb


def main() -> int:
    ingest_vs_mariadb.main(sys.argv[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
