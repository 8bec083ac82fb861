"""Hash set formats: CSV with a header, plain lists, Project VIC JSON (1.x and 2.0)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rescue.errors import InputError
from rescue.media.hashsets import (
    BadRecord,
    KnownHash,
    detect_format,
    read_hash_set,
    write_vics,
)

MD5 = "0123456789abcdef0123456789abcdef"
SHA1 = "0123456789abcdef0123456789abcdef01234567"
SHA256 = "ab" * 32
PDQ = "f" * 64


def _read(path: Path, **kw: str) -> tuple[list[KnownHash], list[BadRecord]]:
    good, bad = [], []
    for item in read_hash_set(path, **kw):  # type: ignore[arg-type]
        (bad if isinstance(item, BadRecord) else good).append(item)
    return good, bad  # type: ignore[return-value]


def test_csv_with_header_any_case_and_order(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text(
        f"Category,PDQ,ID,SHA256,notes\nA,{PDQ},k1,{SHA256.upper()},x\nB,,k2,{SHA256},y\n"
    )
    assert detect_format(path) == "csv"
    good, bad = _read(path)
    assert bad == []
    assert good[0] == KnownHash("k1", sha256=SHA256, pdq=PDQ, category="A")
    assert good[1] == KnownHash("k2", sha256=SHA256, category="B")


def test_csv_malformed_rows_are_rejected_by_line(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text(
        "id,md5,sha1\n"
        f"1,{MD5},{SHA1}\n"
        f"2,{MD5[:-1]},\n"  # line 3: short md5
        "3,,\n"  # line 4: no hash
        f"4,{MD5}\n"  # line 5: a field missing
        f"5,{'z' * 32},\n"  # line 6: not hex
    )
    good, bad = _read(path)
    assert [g.known_id for g in good] == ["1"]
    assert [(b.line, b.reason.split()[0]) for b in bad] == [
        (3, "md5"),
        (4, "no"),
        (5, "2"),
        (6, "md5"),
    ]


def test_csv_without_hash_columns_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("name,value\na,b\n")
    with pytest.raises(InputError, match="names no hash column"):
        _read(path, fmt="csv")


def test_plain_list_types_by_length_and_pdq_on_request(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"# known files\n{MD5}\n\n{SHA1}  # a comment\n{SHA256}\nnot-a-hash\n")
    assert detect_format(path) == "plain"
    good, bad = _read(path)
    assert [g.md5 or g.sha1 or g.sha256 for g in good] == [MD5, SHA1, SHA256]
    assert [(b.line, "length" in b.reason) for b in bad] == [(6, True)]
    good, _ = _read(path, plain_type="pdq")
    assert good[2].pdq == SHA256 and good[2].sha256 is None


def test_vics_2_and_1_are_read(tmp_path: Path) -> None:
    v2 = tmp_path / "v2.json"
    v2.write_text(
        json.dumps(
            {
                "@odata.context": "x",
                "value": [
                    {"MediaID": 7, "Category": 1, "MD5": MD5.upper(), "SHA1": SHA1.upper()},
                    {"MediaID": 8, "Category": 2, "MD5": "bad"},
                ],
            }
        )
    )
    good, bad = _read(v2)
    assert good == [KnownHash("7", md5=MD5, sha1=SHA1, category="1")]
    assert [b.line for b in bad] == [2]
    v1 = tmp_path / "v1.json"
    v1.write_text(
        json.dumps(
            {
                "odata.metadata": "y",
                "value": [
                    {"CaseID": "c", "Media": [{"MediaID": 1, "Category": 0, "SHA1": SHA1}]},
                ],
            }
        )
    )
    good, _ = _read(v1)
    assert good == [KnownHash("1", sha1=SHA1, category="0")]


def test_broken_json_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"value": [{"MD5": ')
    with pytest.raises(InputError, match="not valid JSON"):
        _read(path, fmt="vics")


hexes = st.text(alphabet="0123456789abcdef", min_size=1, max_size=1)


@given(
    st.lists(
        st.builds(
            KnownHash,
            known_id=st.one_of(st.none(), st.integers(1, 10**6).map(str)),
            md5=st.one_of(st.none(), st.text("0123456789abcdef", min_size=32, max_size=32)),
            sha1=st.one_of(st.none(), st.text("0123456789abcdef", min_size=40, max_size=40)),
            sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
            pdq=st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64)),
            category=st.one_of(st.none(), st.sampled_from(["0", "1", "A", "B"])),
        ),
        max_size=20,
    )
)
def test_vics_export_round_trips(records: list[KnownHash]) -> None:
    buffer = io.StringIO()
    assert write_vics(records, buffer) == len(records)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.json"
        path.write_text(buffer.getvalue())
        good, bad = _read(path)
    assert bad == []
    expected = [
        KnownHash(r.known_id or str(n), r.md5, r.sha1, r.sha256, r.pdq, r.category)
        for n, r in enumerate(records, start=1)
    ]
    assert good == expected
