"""Usernames, e-mail addresses and signatures, with the small variations one person makes.

A person re-using a name across accounts rarely types it identically: digits move on by one,
separators change, capitals come and go. ``username_variant`` makes such a sibling name, which
is what account linking has to see through, and never returns the input unchanged.
"""

from __future__ import annotations

import random
import unicodedata

from .text import attr_escape, xml_escape

_ADJECTIVES = (
    "blue", "quiet", "rusty", "happy", "misty", "northern", "lazy", "brave", "amber", "silver",
    "little", "old", "green", "stormy", "sunny", "wild", "gentle", "swift", "cosy", "salty",
)  # fmt: skip
_NOUNS = (
    "fox", "heron", "kestrel", "otter", "badger", "pine", "river", "harbour", "lantern", "comet",
    "walker", "rider", "baker", "tinker", "pilot", "owl", "maple", "pebble", "tram", "kite",
)  # fmt: skip
_NAMES = (
    "tom", "anna", "lukas", "marie", "jan", "sofia", "pablo", "emma", "mateo", "lena", "noah",
    "chloe", "piotr", "ines", "olle", "freya", "marco", "giulia", "ruben", "aiko", "ravi", "zoe",
)  # fmt: skip
_SEPARATORS = ("", "_", ".", "-")
_SIG_PHRASES = (
    "Happy trails", "Keep pedalling", "Measure twice, cut once", "Clear skies",
    "Bake it till you make it", "Every train has a timetable", "Light is everything",
    "Slow and steady", "Grow your own", "Weather happens", "One more lap",
)  # fmt: skip


def username_clean(username: str) -> str:
    """Close to phpBB's utf8_clean_string: normalised, lower case, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", username).lower().split())


def username_base(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.45:
        parts = [rng.choice(_ADJECTIVES), rng.choice(_NOUNS)]
    elif style < 0.8:
        parts = [rng.choice(_NAMES), rng.choice(_NOUNS)]
    else:
        parts = [rng.choice(_NOUNS), rng.choice(_NAMES)]
    sep = rng.choice(_SEPARATORS)
    name = sep.join(parts)
    if rng.random() < 0.3:
        name = sep.join(part.title() for part in parts)
    if rng.random() < 0.7:
        name += str(rng.choice((rng.randrange(1, 100), rng.randrange(1960, 2010))))
    return name


def username_variant(name: str, rng: random.Random) -> str:
    """A sibling of ``name``: digits changed, separators swapped or case flipped."""
    for _ in range(20):
        head = name.rstrip("0123456789")
        digits = name[len(head) :]
        choice = rng.randrange(4)
        if choice == 0 and digits:
            candidate = head + str(int(digits) + rng.choice((-1, 1, 2, 10)))
        elif choice == 1:
            candidate = head + str(rng.randrange(1, 100))
        elif choice == 2:
            stripped = "".join(c for c in head if c not in "_.-")
            sep = rng.choice(("_", ".", ""))
            candidate = stripped[: len(stripped) // 2] + sep + stripped[len(stripped) // 2 :]
            candidate += digits
        else:
            candidate = name.swapcase() if rng.random() < 0.3 else name.capitalize() + "_"
        if candidate != name and candidate.strip("_.-"):
            return candidate
    return name + "2"


def email_local_part(username: str, rng: random.Random) -> str:
    local = "".join(c for c in username.lower() if c.isalnum() or c in "._-").strip("._-")
    if rng.random() < 0.4:
        local += str(rng.randrange(1, 1000))
    return local or f"user{rng.randrange(10**6)}"


def signature_text(rng: random.Random, extra: str = "") -> str:
    text = f"{rng.choice(_SIG_PHRASES)} #{rng.randrange(100, 10000)}"
    return f"{text}\n{extra}" if extra else text


def signature_xml(text: str, website: str = "") -> str:
    body = xml_escape(text).replace("\n", "<br/>\n")
    if not website:
        return f"<t>{body}</t>"
    link = f'<URL url="{attr_escape(website)}">{xml_escape(website)}</URL>'
    return f"<r>{body}<br/>\n{link}</r>"
