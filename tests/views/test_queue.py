"""The new-material queue for the web: the media stage's order, spread, and hashes only."""

from __future__ import annotations

import json
import re

import pytest

from rescue.errors import InputError
from rescue.media.reports import new_material_queue
from rescue.views.queue import QueueEntry, material_queue, queue_item
from rescue.views.reader import Reader
from tests.lakehelp import rows

SHA256 = re.compile(r"[0-9a-f]{64}")


def everything(reader: Reader, per_page: int) -> list[QueueEntry]:
    found: list[QueueEntry] = []
    page = material_queue(reader, per_page=per_page)
    found += page.items
    while page.page < page.pages:
        page = material_queue(reader, page=page.page + 1, per_page=per_page)
        found += page.items
    return found


def test_the_queue_is_the_media_stages_in_its_order(full: Reader) -> None:
    expected = new_material_queue(full.case)
    assert expected, "the synthetic forum has new material"
    entries = everything(full, per_page=4)
    assert [e.cluster_id for e in entries] == [q["cluster_id"] for q in expected]
    assert [e.priority for e in entries] == list(range(1, len(expected) + 1))
    for entry, queued in zip(entries, expected, strict=True):
        assert (entry.files, entry.attachments, entry.posters) == (
            queued["files"], queued["attachments"], queued["posters"])  # fmt: skip
        assert entry.first_username == queued["first_username"]
        assert entry.first_place == queued["first_place"]
    assert material_queue(full, per_page=200).total == len(expected)


def test_spread_counts_persons_by_country(full: Reader) -> None:
    for entry in everything(full, per_page=200):
        assert sum(c.persons for c in entry.countries) == entry.persons
        if entry.attachments:
            assert 1 <= entry.persons <= entry.posters
            assert entry.first_person_id is not None


def test_an_item_lists_hashes_appearances_and_accounts(full: Reader) -> None:
    entries = everything(full, per_page=200)
    for entry in entries:
        item = queue_item(full, entry.cluster_id)
        assert item is not None and item.entry == entry
        assert len(item.files) == entry.files
        assert all(f.sha256 and SHA256.fullmatch(f.sha256) and f.size for f in item.files)
        attached = [p for p in item.places if p.kind != "avatar"]
        assert len(attached) == entry.attachments
        assert len({p.account_id for p in attached}) == entry.posters
        times = [p.seen_at for p in item.places if p.seen_at]
        assert times == sorted(times)
        if attached:
            assert attached[0].seen_at == entry.first_seen_at
        assert sum(a.appearances for a in item.accounts) == len(item.places)
        assert {p.file for p in item.places} <= {f.file for f in item.files}


def test_an_item_carries_no_content_and_no_uploaders_file_name(full: Reader) -> None:
    [entry] = material_queue(full, per_page=1).items
    item = queue_item(full, entry.cluster_id)
    assert item is not None
    text = json.dumps(item.to_dict())
    names = [r["real_filename"] for r in rows(full.case, "SELECT real_filename FROM attachments")]
    assert not any(name and name in text for name in names)
    assert "real_filename" not in text and "comment" not in text


def test_an_unknown_cluster_is_none(full: Reader) -> None:
    assert queue_item(full, "no-such-cluster") is None


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, 201)])
def test_paging_is_checked(full: Reader, page: int, per_page: int) -> None:
    with pytest.raises(InputError):
        material_queue(full, page=page, per_page=per_page)
