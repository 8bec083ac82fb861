"""Hash, match and queue on the synthetic forum, checked against its ground truth."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli.main import app
from rescue.errors import CaseError
from rescue.media.hash_stage import HashCache
from rescue.media.hashset_stage import import_hash_set
from rescue.media.reports import MATCH_COLUMNS, export_matches, media_summary
from rescue.pipeline import run_pipeline
from rescue.synth import SynthResult
from tests.lakehelp import ingest, rejects, rows


@pytest.fixture
def matched(case: Case, media_forum: SynthResult) -> Case:
    ingest(case, media_forum.dump_path, media_forum.files_dir, media_forum.avatars_dir)
    import_hash_set(case, media_forum.known_hashes_path, name="known", origin="synthetic")
    run_pipeline(case)
    return case


def _truth(forum: SynthResult) -> dict[str, Any]:
    return json.loads(forum.ground_truth_path.read_text())  # type: ignore[no-any-return]


def _present(forum: SynthResult, kind: str) -> list[dict[str, Any]]:
    return [
        a
        for a in _truth(forum)["attachments"]
        if a["kind"] == kind and (forum.files_dir / a["physical_filename"]).exists()
    ]


def _matches_by_attachment(case: Case) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in rows(case, "SELECT * FROM matches WHERE attachment_id IS NOT NULL"):
        found[m["attachment_id"]].append(m)
    return found


def test_known_files_match_exactly(matched: Case, media_forum: SynthResult) -> None:
    found = _matches_by_attachment(matched)
    known = _present(media_forum, "known")
    assert known
    for a in known:
        hits = {(m["known_id"], m["match_type"], m["matched_on"]) for m in found[a["attach_id"]]}
        assert (a["known_id"], "exact", "sha256") in hits, a


def test_transformed_copies_match_perceptually(matched: Case, media_forum: SynthResult) -> None:
    found = _matches_by_attachment(matched)
    transformed = _present(media_forum, "transformed")
    kinds = {a["transform"].split()[0] for a in transformed}
    assert {"rotate", "flip", "resize", "crop", "jpeg"} & kinds >= {"rotate", "flip"}, kinds
    for a in transformed:
        hits = [m for m in found[a["attach_id"]] if m["known_id"] == a["known_id"]]
        assert hits, f"transformed copy {a} was not recognised"
        assert all(m["match_type"] == "perceptual" and m["distance"] <= 31 for m in hits)


def test_new_material_matches_nothing_and_is_clustered(
    matched: Case, media_forum: SynthResult
) -> None:
    found = _matches_by_attachment(matched)
    new = _present(media_forum, "new")
    assert new and not any(found[a["attach_id"]] for a in new)
    clusters = rows(matched, "SELECT * FROM media_clusters ORDER BY priority")
    member_of = {m.split(":", 1)[1]: c["cluster_id"] for c in clusters for m in c["members"]}
    by_image: dict[int, set[str]] = defaultdict(set)
    for a in new:
        by_image[a["image_id"]].add(member_of[a["physical_filename"]])
    assert all(len(ids) == 1 for ids in by_image.values())  # one picture, one cluster
    assert len({next(iter(ids)) for ids in by_image.values()}) == len(by_image)  # and apart
    assert [c["priority"] for c in clusters] == list(range(1, len(clusters) + 1))
    spread = [c for c in clusters if c["attachments"] > 1]
    assert spread, "the generator re-posts some new pictures"


def test_first_appearance_is_the_earliest_post(matched: Case, media_forum: SynthResult) -> None:
    times = {
        r["attach_id"]: r["at"]
        for r in rows(
            matched,
            "SELECT a.attach_id, coalesce(p.posted_at, m.sent_at, a.filetime) AS at "
            "FROM attachments a "
            "LEFT JOIN posts p ON NOT a.in_message AND p.post_id = a.post_msg_id "
            "LEFT JOIN messages m ON a.in_message AND m.msg_id = a.post_msg_id",
        )
    }
    by_file = defaultdict(list)
    for a in _truth(media_forum)["attachments"]:
        by_file[a["physical_filename"]].append(times[a["attach_id"]])
    for c in rows(matched, "SELECT * FROM media_clusters WHERE attachments > 0"):
        seen = [t for m in c["members"] for t in by_file.get(m.split(":", 1)[1], [])]
        assert c["first_seen_at"] == min(seen)
        assert c["attachments"] == len(seen)


def test_corrupt_files_are_rejects_with_a_reason(matched: Case, media_forum: SynthResult) -> None:
    corrupt = {
        a["physical_filename"]
        for a in _truth(media_forum)["anomalies"]
        if a["kind"] == "corrupt_file"
    }
    assert corrupt
    noted = {r["location"]: r["detail"] for r in rejects(matched, "no perceptual hash")}
    assert corrupt <= set(noted)
    assert all("crypto hashes kept" in noted[f] for f in corrupt)
    hashed = rows(matched, "SELECT file, sha256, error FROM media_hashes")
    assert all(h["sha256"] for h in hashed)


def test_export_matches_csv(matched: Case, tmp_path: Path) -> None:
    out = tmp_path / "matches.csv"
    n = export_matches(matched, out)
    with out.open() as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == MATCH_COLUMNS
        body = list(reader)
    assert n == len(body) > 0
    assert {r["match_type"] for r in body} == {"exact", "perceptual"}
    summary = media_summary(matched)
    assert summary["known_exact"] > 0 and summary["known_perceptual"] > 0


def test_queue_cli_lists_clusters_without_media(matched: Case) -> None:
    result = CliRunner().invoke(app, ["queue", "--case", str(matched.root)])
    assert result.exit_code == 0, result.output
    assert "victim identification queue" in result.output
    assert "no media shown" in result.output


def test_rerun_is_up_to_date_and_new_hash_set_rematches(
    matched: Case, media_forum: SynthResult, tmp_path: Path
) -> None:
    assert {s.stage: s.status for s in run_pipeline(matched)}["match"] == "skipped"
    extra = tmp_path / "extra.txt"
    extra.write_text(rows(matched, "SELECT sha256 FROM media_hashes LIMIT 1")[0]["sha256"] + "\n")
    import_hash_set(matched, extra, name="extra")
    statuses = {(s.stage, s.target): s.status for s in run_pipeline(matched)}
    assert statuses[("match", "all")] == "ok" and statuses[("hash", "forum")] == "skipped"
    assert rows(matched, "SELECT count(*) AS n FROM matches WHERE hash_set = 'extra'")[0]["n"] >= 1


def test_hash_cache_survives_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    cache = HashCache(path)
    cache.add("aa", {"x": 1})
    cache.close()
    with path.open("a") as handle:
        handle.write('{"key": "bb", "resu')  # killed mid-write
    again = HashCache(path)
    assert again.known == {"aa": {"x": 1}}
    again.add("cc", {"x": 3})
    again.close()
    reread = HashCache(path)
    reread.close()
    assert set(reread.known) == {"aa", "cc"}


def test_threshold_comes_from_case_toml(matched: Case) -> None:
    toml = matched.root / "case.toml"
    assert "[match]\nthreshold = 31" in toml.read_text()
    before = rows(matched, "SELECT count(*) AS n FROM matches WHERE match_type = 'perceptual'")
    toml.write_text(toml.read_text().replace("threshold = 31", "threshold = 0"))
    from rescue.case import open_case

    strict = open_case(matched.root)
    try:
        statuses = {s.stage: s.status for s in run_pipeline(strict)}
        assert statuses["match"] == "ok"  # a changed setting re-runs the stage
        after = rows(
            strict, "SELECT max(distance) AS d FROM matches WHERE match_type = 'perceptual'"
        )
        assert after[0]["d"] in (None, 0)
        assert before[0]["n"] > 0
    finally:
        strict.close()
    toml.write_text(toml.read_text().replace("threshold = 0", "threshold = 999"))
    broken = open_case(matched.root)
    try:
        with pytest.raises(CaseError, match="not a whole number"):
            run_pipeline(broken)
    finally:
        broken.close()


def test_hashes_list_and_vics_export_cli(matched: Case, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["hashes", "list", "--case", str(matched.root)])
    assert listed.exit_code == 0, listed.output
    assert "known" in listed.output and "synthetic" in listed.output
    out = tmp_path / "known.json"
    exported = runner.invoke(
        app, ["hashes", "export", "known", "--case", str(matched.root), "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    doc = json.loads(out.read_text())
    lake = rows(matched, "SELECT count(*) AS n FROM known_hashes WHERE source = 'known'")
    assert len(doc["value"]) == lake[0]["n"] > 0
    assert all("SHA256" in item and "PDQ" in item for item in doc["value"])
    missing = runner.invoke(
        app, ["hashes", "export", "nope", "--case", str(matched.root), "-o", str(out)]
    )
    assert missing.exit_code == 2 and "no hash set named 'nope'" in missing.output
