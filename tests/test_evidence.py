"""Evidence registration and verification, on both operations backends."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.errors import CaseError, EvidenceError
from rescue.evidence import check_unchanged, load_source, register_source, verify_case


@pytest.fixture
def seized(tmp_path: Path) -> Path:
    root = tmp_path / "seized"
    (root / "files" / "sub").mkdir(parents=True)
    (root / "dump.sql").write_bytes(b"-- a dump\n" * 1000)
    (root / "files" / "a_1").write_bytes(bytes(range(256)) * 10)
    (root / "files" / "sub" / "b_2").write_bytes(b"second file")
    return root


def _register(case: Case, seized: Path) -> None:
    register_source(
        case,
        "forum",
        "phpbb",
        {"dump": seized / "dump.sql", "attachment": seized / "files"},
        {"prefix": None},
    )


def test_registration_records_size_and_sha256_of_every_file(case: Case, seized: Path) -> None:
    _register(case, seized)
    source = load_source(case, "forum")
    assert source is not None
    by_rel = {(f.role, f.relpath): f for f in source.files}
    assert set(by_rel) == {("dump", "dump.sql"), ("attachment", "a_1"), ("attachment", "sub/b_2")}
    for (role, rel), f in by_rel.items():
        data = (seized / ("dump.sql" if role == "dump" else f"files/{rel}")).read_bytes()
        assert f.size == len(data)
        assert f.sha256 == hashlib.sha256(data).hexdigest()


def test_registering_again_is_idempotent_but_other_evidence_is_refused(
    case: Case, seized: Path
) -> None:
    _register(case, seized)
    _register(case, seized)
    source = load_source(case, "forum")
    assert source is not None and len(source.files) == 3
    with pytest.raises(CaseError, match="registered already"):
        register_source(case, "forum", "phpbb", {"dump": seized / "files" / "a_1"}, {})


def test_verify_passes_then_catches_a_changed_and_a_missing_file(case: Case, seized: Path) -> None:
    _register(case, seized)
    report = verify_case(case)
    assert report.ok and report.files == 3
    target = seized / "files" / "a_1"
    data = bytearray(target.read_bytes())
    data[100] ^= 1  # one flipped bit, same size
    stat = target.stat()
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a careful tamperer
    (seized / "files" / "sub" / "b_2").unlink()
    report = verify_case(case)
    assert not report.ok
    assert sorted(p.problem for p in report.problems) == ["content changed", "missing"]


def test_runner_guard_notices_a_touched_dump(case: Case, seized: Path) -> None:
    _register(case, seized)
    source = load_source(case, "forum")
    assert source is not None
    check_unchanged(source)
    with (seized / "dump.sql").open("ab") as handle:
        handle.write(b"-- appended\n")
    with pytest.raises(EvidenceError, match="changed since registration"):
        check_unchanged(source)
