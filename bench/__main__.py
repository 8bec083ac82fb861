"""`make bench`: every benchmark, each printing its figures next to a named peer's.

python -m bench                 all of them
python -m bench ingest [...]    rescue ingest vs MariaDB loading the same dump
python -m bench hashing [...]   the hash stage vs a plain Pillow + pdqhash loop
python -m bench index [...]     Rescue's PDQ index vs faiss brute force and HMA's PDQIndex
python -m bench febrl [...]     linkage precision and recall on the FEBRL data sets
python -m bench link [...]      the link stage on 100,000 accounts vs recordlinkage
python -m bench network [...]   the network stage on 1,000,000 ties vs networkx
python -m bench web [...]       persons list and pages, 20 clients, p50/p95/p99 vs MariaDB
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _suites() -> dict[str, Callable[[list[str]], None]]:
    from bench import febrl, hashing, ingest_vs_mariadb, link_speed, network, pdq_index, web

    return {
        "ingest": ingest_vs_mariadb.main,
        "hashing": hashing.main,
        "index": pdq_index.main,
        "febrl": febrl.main,
        "link": link_speed.main,
        "network": network.main,
        "web": web.main,
    }


def main(argv: list[str]) -> int:
    suites = _suites()
    if argv and argv[0] in suites:
        suites[argv[0]](argv[1:])
        return 0
    if argv:
        print(f"unknown benchmark {argv[0]!r}; choose from {', '.join(suites)}", file=sys.stderr)
        return 2
    for run in suites.values():
        run([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
