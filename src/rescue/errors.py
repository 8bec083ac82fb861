"""Every error Rescue raises on purpose, as one tree.

    RescueError              base: the CLI prints its message and hint, and exits non-zero
    ├── CaseError            no case here, a broken case.toml, a case that exists already
    ├── EvidenceError        evidence missing or changed since it was registered
    ├── InputError           a source that cannot be read at all (bad file, unknown format)
    ├── StoreError           the operations database cannot be reached or migrated
    └── PipelineError        a stage failed; its run is recorded as failed

A bad *record* is never an exception: it is a reject, counted and reported, and the work goes on.
"""

from __future__ import annotations


class RescueError(Exception):
    """An error with a message for a person, and a hint saying what to do next."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CaseError(RescueError):
    pass


class EvidenceError(RescueError):
    pass


class InputError(RescueError):
    pass


class StoreError(RescueError):
    pass


class PipelineError(RescueError):
    pass
