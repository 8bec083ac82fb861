"""i2 Analyst's Notebook: CSV to import with the Import wizard, and a guide to the mapping.

Three files, so an analyst can load the chart in two imports:

* ``<out>`` (links): one row per tie and kind, each end's attributes on the row (``from_*``,
  ``to_*``) and the tie's (``link_*``) between them: ANB's "entity - link - entity" layout.
* ``<stem>.entities.csv``: one row per person, so persons without ties reach the chart too.
* ``<stem>.i2-import.md``: which column goes where, step by step.

ANB's own import specification (.ximp) is an undocumented, version-specific XML format; a
specification written blind could import wrongly without saying so. The guide instead lets the
analyst build the specification once in the wizard, with every column named, and save it for
the next case: the files keep the same columns. Files are UTF-8 with a byte-order mark, which
ANB and Excel detect; times are UTC as "yyyy-MM-dd HH:mm:ss".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rescue.network.export import Node

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ENCODING = "utf-8-sig"
ENTITY_COLUMNS = (
    "person_id",
    "label",
    "usernames",
    "accounts",
    "country",
    "role",
    "role_reasons",
    "community",
    "community_size",
    "pagerank",
    "betweenness",
    "degree",
    "kcore",
    "posts",
    "messages",
    "known_files_posted",
    "new_clusters_seeded",
)
# On link rows each end carries the attributes a chart is read by, not every figure.
END_COLUMNS = ("person_id", "label", "usernames", "country", "role", "community", "pagerank")
LINK_COLUMNS = ("kind", "weight", "first_at", "last_at")
LINK_HEADER = (
    *(f"from_{c}" for c in END_COLUMNS),
    *(f"link_{c}" for c in LINK_COLUMNS),
    *(f"to_{c}" for c in END_COLUMNS),
)

GUIDE = """# Importing the person graph into i2 Analyst's Notebook

Files (UTF-8, comma-separated, first row = column names, times UTC "yyyy-MM-dd HH:mm:ss"):

* `{entities}`: one row per person ({persons:,} rows)
* `{links}`: one row per tie ({ties:,} rows), both persons' attributes on each row

In both imports the person's **identity is `person_id`**, so the second import merges its
link ends onto the persons of the first instead of duplicating them.

## 1. Persons: `{entities}`

Import > Import Data > select the file > New specification; design: **a single entity**.

| wizard field | column |
|---|---|
| Entity type | a constant: Person |
| Identity | `person_id` |
| Label | `label` (first username) |
| Attributes (text) | `usernames`, `accounts`, `country`, `role`, `role_reasons` |
| Attributes (number) | `community`, `community_size`, `pagerank`, `betweenness`, `degree` |
| Attributes (number) | `kcore`, `posts`, `messages`, `known_files_posted`, `new_clusters_seeded` |

Save the specification (e.g. "Rescue persons") to reuse it with the next case's export.

## 2. Ties: `{links}`

New specification; design: **entity - link - entity**.

| wizard field | column |
|---|---|
| Entity 1 type / identity / label | Person / `from_person_id` / `from_label` |
| Entity 1 attributes | `from_usernames`, `from_country`, `from_role` |
| Entity 1 attributes | `from_community`, `from_pagerank` |
| Link type | `link_kind` (reply, quote, message, thread, friend, media) |
| Link label | `link_kind` (or `link_weight`) |
| Link direction | with arrow, entity 1 -> entity 2 |
| Link strength/thickness | `link_weight` (number of events) |
| Link date and time | `link_first_at`, format yyyy-MM-dd HH:mm:ss (UTC) |
| Link attribute | `link_last_at` (text, or a date and time in the same format) |
| Entity 2 type / identity / label | Person / `to_person_id` / `to_label` |
| Entity 2 attributes | `to_usernames`, `to_country`, `to_role`, `to_community`, `to_pagerank` |

Set merging to "merge with existing entities" by identity. Friend ties carry no time.
Save the specification (e.g. "Rescue ties").

## What the columns mean

* `role`: administrator, moderator, producer, distributor, consumer or peripheral;
  `role_reasons` lists the facts behind it.
* `community`: Leiden community number (-1: no ties); `pagerank`, `betweenness` (0..1),
  `degree` (distinct persons tied to) and `kcore` measure position in the network.
* `link_kind`: reply (to the topic starter), thread (to the previous poster in a topic), quote,
  message, friend (phpBB friend list), media (re-posted a file first posted by the other).
"""


def _row(prefix: str, node: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{c}": node[c] for c in END_COLUMNS}


def write_i2(out: Path, nodes: list[Node], edges: Iterable[dict[str, Any]]) -> int:
    """Write the links CSV at ``out`` and its two companions; returns the ties written."""
    entities = out.with_name(f"{out.stem}.entities.csv")
    guide = out.with_name(f"{out.stem}.i2-import.md")
    by_id = {node.person_id: asdict(node) for node in nodes}
    with entities.open("w", newline="", encoding=ENCODING) as handle:
        writer = csv.DictWriter(handle, ENTITY_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(by_id.values())
    ties = 0
    with out.open("w", newline="", encoding=ENCODING) as handle:
        writer = csv.DictWriter(handle, LINK_HEADER)
        writer.writeheader()
        for edge in edges:
            start, end = by_id.get(edge["from_person"]), by_id.get(edge["to_person"])
            if start is None or end is None:
                continue
            link = {f"link_{c}": edge[c] for c in LINK_COLUMNS}
            writer.writerow(_row("from_", start) | link | _row("to_", end))
            ties += 1
    guide.write_text(
        GUIDE.format(entities=entities.name, links=out.name, persons=len(nodes), ties=ties),
        encoding="utf-8",
    )
    return ties
