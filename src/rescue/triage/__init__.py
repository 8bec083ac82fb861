"""Triage: a transparent priority per person, from indicators with documented weights."""
