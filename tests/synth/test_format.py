"""mysqldump's format: header, per-table blocks, escaping, statement size, trailer."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import ftfy
from dumprows import rows, table_dicts
from hypothesis import given
from hypothesis import strategies as st

from rescue.ingest.phpbb_schema import PHPBB_TABLES, table_columns
from rescue.synth import SynthConfig, SynthResult, generate
from rescue.synth.dumpwriter import NET_BUFFER_LENGTH, escape, mojibake, sql_value
from rescue.synth.gazetteer import CITY_COUNTRY
from rescue.synth.text import OCCUPATIONS


def test_header_and_trailer(dump_text: str) -> None:
    assert dump_text.startswith("-- MariaDB dump 10.19")
    assert "/*!40101 SET NAMES utf8mb4 */;" in dump_text
    last = dump_text.rstrip("\n").splitlines()[-1]
    assert last.startswith("-- Dump completed on 20")
    for table in PHPBB_TABLES:
        name = f"phpbb_{table}"
        assert f"DROP TABLE IF EXISTS `{name}`;" in dump_text
        assert f"LOCK TABLES `{name}` WRITE;" in dump_text
        assert f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;" in dump_text
    order = [line.split("`")[1] for line in dump_text.splitlines() if line.startswith("DROP TABLE")]
    assert order == sorted(order)


def test_counts_match_the_rows_in_the_dump(forum: SynthResult, dump_text: str) -> None:
    assert set(forum.counts) == set(PHPBB_TABLES)
    for table, count in forum.counts.items():
        parsed = rows(dump_text, f"phpbb_{table}")
        assert len(parsed) == count, table
        assert all(len(r) == len(table_columns(table)) for r in parsed), table


def test_statements_stay_below_net_buffer_length(dump_text: str) -> None:
    inserts = [line for line in dump_text.splitlines() if line.startswith("INSERT INTO")]
    assert inserts
    assert max(len(line) for line in inserts) <= NET_BUFFER_LENGTH


def test_statements_are_split_at_the_limit(tmp_path: Path) -> None:
    result = generate(tmp_path / "big", SynthConfig(members=60, posts_per_member=100, seed=3))
    text = result.dump_path.read_text(encoding="utf-8")
    posts = [line for line in text.splitlines() if line.startswith("INSERT INTO `phpbb_posts`")]
    assert len(posts) > 1
    assert all(len(line.encode()) <= NET_BUFFER_LENGTH * 4 for line in posts)
    assert all(len(line) <= NET_BUFFER_LENGTH for line in posts)


def test_escaping_is_mysqldumps() -> None:
    assert escape("a\\b'c\"d\0e\nf\rg\x1ah\ti") == "a\\\\b\\'c\\\"d\\0e\\nf\\rg\\Zh\ti"
    assert sql_value(-3) == "-3"
    assert sql_value("it's") == "'it\\'s'"


@given(st.text())
def test_escape_round_trips(text: str) -> None:
    from dumprows import _values

    parsed = next(_values("(" + sql_value(text) + ",1)"))
    assert parsed == [text, 1]


def test_mojibake_is_what_ftfy_repairs() -> None:
    for city in [*CITY_COUNTRY, *OCCUPATIONS, "Kraków, Łódź & Plzeň", "São Paulo"]:
        broken = mojibake(city)
        assert (broken == city) == city.isascii()
        assert ftfy.fix_encoding(broken) == city


def test_latin1_table_decodes_back_with_ftfy(dump_text: str, truth: dict[str, object]) -> None:
    assert (
        "DEFAULT CHARSET=latin1"
        in dump_text.split("CREATE TABLE `phpbb_profile_fields_data`")[1].split(";")[0]
    )
    profile = {int(r["user_id"]): r for r in table_dicts(dump_text, "phpbb_profile_fields_data")}
    disclosures = truth["disclosures"]
    assert isinstance(disclosures, list)
    checked = 0
    for item in disclosures:
        if item["where"] == "profile" and item["kind"] == "location":
            stored = str(profile[item["user_id"]]["pf_phpbb_location"])
            assert ftfy.fix_encoding(stored) == item["value"]
            checked += not item["value"].isascii()
    assert checked, "no non-ASCII location was disclosed in a profile"


def test_same_config_gives_identical_bytes(tmp_path: Path) -> None:
    config = SynthConfig(members=40, posts_per_member=5, seed=11, compress=True)
    first = generate(tmp_path / "a", config)
    second = generate(tmp_path / "b", config)

    def digest(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digest(first.out_dir) == digest(second.out_dir)
    assert first.dump_path.name == "forum.sql.gz"
    assert gzip.decompress(first.dump_path.read_bytes()).startswith(b"-- MariaDB dump")
    other = generate(tmp_path / "c", SynthConfig(members=40, posts_per_member=5, seed=12))
    assert other.counts != first.counts or digest(other.out_dir) != digest(first.out_dir)
