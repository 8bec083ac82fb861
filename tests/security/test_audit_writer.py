"""Group commit of audit events: many threads, one chain, every event stored before its
caller goes on; a bad event fails only its own caller. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.security import list_events, verify_chain
from rescue.security.audit_writer import AuditWriter


def test_many_threads_write_one_intact_chain(case: Case) -> None:
    writer = AuditWriter(case)
    stored_before_return: list[bool] = []

    def analyst(n: int) -> None:
        for i in range(10):
            writer.record(f"user{n}", "read_person", target=f"P-{n}-{i}", source="10.0.0.1")
            # The caller's event is committed by the time record() returns.
            seen = list_events(case, limit=1000, actor=f"user{n}")
            stored_before_return.append(any(e.target == f"P-{n}-{i}" for e in seen))

    threads = [threading.Thread(target=analyst, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    report = verify_chain(case)
    assert report.ok and report.events == 200
    assert all(stored_before_return) and len(stored_before_return) == 200
    assert 1 <= writer.batches <= 200
    targets = {e.target for e in list_events(case, limit=1000)}
    assert targets == {f"P-{n}-{i}" for n in range(20) for i in range(10)}


def test_a_bad_event_fails_its_caller_only(case: Case) -> None:
    writer = AuditWriter(case)
    with pytest.raises(InputError, match=r"secret|password"):
        writer.record("ana", "search", detail={"password": "hunter2"})
    errors: list[BaseException] = []

    def bad() -> None:
        try:
            writer.record("ana", "search", result="maybe")  # not ok | denied | failed
        except InputError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bad)] + [
        threading.Thread(target=writer.record, args=("bob", "search")) for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert len(errors) == 1 and "maybe" in str(errors[0])
    assert [e.actor for e in list_events(case)] == ["bob"] * 5
    assert verify_chain(case).ok
