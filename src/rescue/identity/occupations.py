"""Curated, neutral occupation phrases worth noting because they give access to children.

The list is deliberately short and plain: an analyst reads the phrase as written, and a
phrase outside it is not an identifier. Longer phrases come first in matching (see
``rescue.identity.extract``) so "paediatric nurse" wins over "nurse".
"""

from __future__ import annotations

OCCUPATIONS: tuple[str, ...] = (
    "teacher",
    "teaching assistant",
    "kindergarten teacher",
    "scout leader",
    "youth leader",
    "youth worker",
    "youth coach",
    "youth football coach",
    "sports coach",
    "swimming instructor",
    "lifeguard",
    "childminder",
    "nanny",
    "babysitter",
    "au pair",
    "tutor",
    "nurse",
    "paediatric nurse",
    "pediatric nurse",
    "paediatrician",
    "pediatrician",
    "social worker",
    "school caretaker",
    "school bus driver",
    "bus driver",
    "camp counsellor",
    "camp counselor",
    "librarian",
    "software developer",
    "electrician",
    "accountant",
    "baker",
    "postal worker",
)
