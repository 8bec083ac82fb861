"""The audit hash chain on both backends: a clean chain verifies, tampering is named."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import text

from rescue.case import Case, open_case
from rescue.errors import InputError
from rescue.security import list_events, record, verify_chain
from rescue.security.audit import GENESIS, event_hash


def _six(case: Case) -> None:
    for n in range(1, 7):
        record(
            case, "ana", "read_person", target=f"P-forum:{n}", detail={"n": n}, source="10.0.0.1"
        )


def _sql(case: Case, statement: str, **params: object) -> None:
    with case.store.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_clean_chain_verifies(case: Case) -> None:
    assert verify_chain(case).ok and verify_chain(case).events == 0
    _six(case)
    report = verify_chain(case)
    assert (report.ok, report.events, report.problems) == (True, 6, [])
    events = list_events(case, 10)
    assert [e.id for e in events] == [6, 5, 4, 3, 2, 1]
    assert events[-1].prev_hash == GENESIS
    assert all(newer.prev_hash == older.hash for newer, older in itertools.pairwise(events))


def test_edited_event_is_named(case: Case) -> None:
    _six(case)
    _sql(case, """UPDATE audit_events SET detail = '{"n": 99}' WHERE id = 3""")
    report = verify_chain(case)
    assert not report.ok
    assert report.problems == ["event 3 was edited (its hash no longer matches)"]


def test_edit_with_a_recomputed_hash_breaks_the_next_link(case: Case) -> None:
    _six(case)
    e = next(e for e in list_events(case, 10) if e.id == 3)
    forged = event_hash(
        id=3, at=e.at, actor=e.actor, source=e.source, action=e.action, target="P-forum:77",
        result=e.result, detail=e.detail, prev_hash=e.prev_hash,
    )  # fmt: skip
    _sql(case, "UPDATE audit_events SET target = 'P-forum:77', hash = :h WHERE id = 3", h=forged)
    assert verify_chain(case).problems == ["event 4 does not follow event 3"]


def test_deleted_event_is_named(case: Case) -> None:
    _six(case)
    _sql(case, "DELETE FROM audit_events WHERE id = 4")
    report = verify_chain(case)
    assert not report.ok and report.events == 5
    assert report.problems == ["event 4 is missing (deleted)"]


def test_deleting_the_newest_events_shows_against_a_noted_head(case: Case) -> None:
    _six(case)
    noted = verify_chain(case)
    assert (noted.head_id, noted.head_hash) == (6, list_events(case, 1)[0].hash)
    record(case, "ana", "search", target="fox", source="10.0.0.1")
    assert verify_chain(case, expect_head=noted.head_hash).ok  # the log may grow past it
    _sql(case, "DELETE FROM audit_events WHERE id >= 6")
    assert verify_chain(case).ok  # the chain alone cannot see it...
    report = verify_chain(case, expect_head=noted.head_hash)
    assert not report.ok and "newest events were deleted" in report.problems[0]


def test_deleted_first_event_is_named(case: Case) -> None:
    _six(case)
    _sql(case, "DELETE FROM audit_events WHERE id = 1")
    assert verify_chain(case).problems == ["event 1 is missing (deleted)"]


def test_reordered_events_are_detected(case: Case) -> None:
    _six(case)
    # Swap events 2 and 5: each keeps its content and hash but takes the other's place.
    _sql(case, "UPDATE audit_events SET id = -1 WHERE id = 2")
    _sql(case, "UPDATE audit_events SET id = 2 WHERE id = 5")
    _sql(case, "UPDATE audit_events SET id = 5 WHERE id = -1")
    report = verify_chain(case)
    assert not report.ok
    assert "event 2 was edited (its hash no longer matches)" in report.problems
    assert "event 5 was edited (its hash no longer matches)" in report.problems
    assert "event 3 does not follow event 2" in report.problems


@pytest.mark.parametrize(
    "detail",
    [
        {"password": "x"},
        {"new_password": "x"},
        {"totpCode": "123456"},
        {"query": "a", "nested": {"api-token": "x"}},
        {"items": [{"client_secret": "x"}]},
    ],
)
def test_secrets_are_refused(case: Case, detail: dict[str, object]) -> None:
    with pytest.raises(InputError, match="may hold a secret"):
        record(case, "ana", "search", detail=detail)
    assert verify_chain(case).events == 0


def test_bad_result_is_refused(case: Case) -> None:
    with pytest.raises(InputError, match="not one of"):
        record(case, "ana", "search", result="maybe")


def test_filters(case: Case) -> None:
    _six(case)
    record(case, "bob", "export", target="REF-GB-1", result="denied")
    assert [e.action for e in list_events(case, 10, actor="bob")] == ["export"]
    assert len(list_events(case, 10, action="read_person")) == 6
    assert len(list_events(case, 2)) == 2


def test_concurrent_writers_keep_one_chain(case: Case) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        # Each thread its own connection pool, as separate web workers would have.
        c = open_case(case.root)
        try:
            for i in range(8):
                record(c, f"w{n}", "search", detail={"i": i})
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain(case)
    assert (report.ok, report.events) == (True, 32), report.problems
