"""Whose data a reader may see: every country, or a partner's own countries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """``countries`` None means every country (analysts); a partner gets its ISO alpha-2 codes.

    A person with no attributed country is outside every partner's scope: an unattributed
    person is not yet anyone's to act on.
    """

    countries: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, countries: tuple[str, ...] | list[str] | frozenset[str]) -> Scope:
        return cls(frozenset(c.upper() for c in countries))

    @property
    def unrestricted(self) -> bool:
        return self.countries is None

    def allows(self, country: str | None) -> bool:
        if self.countries is None:
            return True
        return country is not None and country.upper() in self.countries

    def sql_filter(self, column: str) -> tuple[str, list[str]]:
        """A WHERE fragment and its parameters limiting ``column`` to the scope."""
        if self.countries is None:
            return "TRUE", []
        if not self.countries:
            return "FALSE", []
        marks = ", ".join("?" for _ in self.countries)
        return f"{column} IN ({marks})", sorted(self.countries)
