"""Rescue: turn a lawfully seized forum into persons, countries, priorities and referrals."""

__version__ = "0.1.0"
