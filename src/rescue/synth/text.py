"""Neutral forum text: hobby talk built from word lists, and phpBB 3.3's stored s9e XML.

phpBB 3.2+ stores parsed text as s9e TextFormatter XML: ``<t>`` for plain text, ``<r>`` when
it holds markup, each BBCode as an element whose ``<s>``/``<e>`` children keep the original
tags, line breaks as ``<br/>`` followed by the newline. Everything here is everyday talk about
hobbies, weather, cameras, software and travel; nothing else is ever generated.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass

# forum name -> (nouns, things people do) ; the forum list in forum.py uses these names.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Introductions": (
        ("hobby", "weekend", "neighbourhood", "first post", "forum"),
        ("found this forum", "joined last week", "read along for months"),
    ),
    "Off-topic lounge": (
        ("coffee", "board game", "podcast", "crossword", "playlist", "sourdough starter"),
        ("tried a new recipe", "finished a puzzle", "started a book club"),
    ),
    "Hiking and trails": (
        ("trail", "boot", "rain jacket", "map", "summit", "ridge walk"),
        ("walked the ridge", "packed too much", "got lost near the lake"),
    ),
    "Cycling": (
        ("gravel bike", "chain", "saddle", "tyre", "headwind", "route"),
        ("rode a century", "fixed a puncture", "changed the cassette"),
    ),
    "Birdwatching": (
        ("heron", "binocular", "kestrel", "feeder", "wetland", "field guide"),
        ("spotted a kingfisher", "counted the geese", "built a nest box"),
    ),
    "Weather watching": (
        ("barometer", "thunderstorm", "cloud", "frost", "rain gauge", "forecast"),
        ("logged the rainfall", "saw a halo", "recorded a cold front"),
    ),
    "Woodworking": (
        ("chisel", "workbench", "dovetail", "oak board", "hand plane", "finish"),
        ("built a shelf", "sharpened the chisels", "glued up a tabletop"),
    ),
    "Baking": (
        ("rye loaf", "oven", "croissant", "crumb", "proofing basket", "scale"),
        ("baked a rye loaf", "tried laminated dough", "fed the starter"),
    ),
    "Gardening": (
        ("tomato", "raised bed", "compost", "seedling", "greenhouse", "hedge"),
        ("planted garlic", "turned the compost", "repotted the seedlings"),
    ),
    "Model railways": (
        ("locomotive", "layout", "turnout", "signal box", "DCC decoder", "viaduct"),
        ("wired the turnouts", "weathered a wagon", "ballasted the track"),
    ),
    "Cameras and lenses": (
        ("prime lens", "tripod", "sensor", "aperture", "raw file", "light meter"),
        ("shot the sunrise", "cleaned the sensor", "tested a fifty millimetre"),
    ),
    "Linux and software": (
        ("kernel", "laptop", "backup script", "text editor", "package manager", "driver"),
        ("upgraded the laptop", "wrote a backup script", "switched editors"),
    ),
    "Retro computing": (
        ("floppy drive", "home computer", "joystick", "cassette deck", "CRT", "BASIC listing"),
        ("recapped a board", "typed in a listing", "repaired a joystick"),
    ),
    "Trip reports": (
        ("train", "hostel", "ferry", "old town", "museum", "mountain hut"),
        ("took the night train", "visited a museum", "walked the old town"),
    ),
    "Rail travel": (
        ("sleeper car", "timetable", "rail pass", "branch line", "platform", "dining car"),
        ("caught the early train", "bought a rail pass", "rode a branch line"),
    ),
}

_OPENERS = (
    "Hi all,",
    "Hello everyone.",
    "Quick question.",
    "Small update from me.",
    "Morning all!",
    "",
    "",
)
_SENTENCES = (
    "This weekend I {act} and it went better than expected.",
    "Does anyone have advice on choosing a {noun}?",
    "My old {noun} finally gave up, so I am looking at a new one.",
    "I {act} yesterday; the {noun} made all the difference.",
    "The {noun} arrived today and it looks great.",
    "Last month I {act}, photos will follow.",
    "Is a second-hand {noun} worth it or should I buy new?",
    "Thanks for the tips about the {noun}, they really helped.",
    "I still think the {noun} is the best part of the hobby.",
    "We {act} with the local club on Saturday.",
    "Weather was mixed, but we {act} anyway.",
    "Has anyone compared the {noun} with the {noun2}?",
)
_REPLIES = (
    "Great work, thanks for sharing!",
    "Same here, the {noun} works fine for me.",
    "Nice one. I {act} last year and loved it.",
    "Good question, I would also like to know.",
    "Looks lovely, well done.",
    "I agree, the {noun} is underrated.",
    "Have you tried asking at the club? They know a lot about the {noun}.",
    "+1, very useful thread.",
)
_TITLES = (
    "Question about the {noun}",
    "My new {noun}",
    "How I {act}",
    "Which {noun} would you pick?",
    "Weekend report: {act}",
    "Help with a {noun}",
    "Show us your {noun}",
    "Thoughts on the {noun}?",
)

# Disclosure sentences; "{value}" is the disclosed thing, recorded in the ground truth.
LOCATION_TEMPLATES = (
    "Greetings from {value}!",
    "Here in {value} it rained all day.",
    "Anyone else from {value} on this board?",
    "The club in {value} meets every Tuesday.",
)
TRAVEL_TEMPLATES = ("I visited {value} last summer, lovely place.", "Passing through {value} soon.")
OCCUPATION_TEMPLATES = (
    "I work as a {value}, so weekends are my hobby time.",
    "As a {value} I do not get much free time.",
    "Being a {value}, I mostly read the forum in the evenings.",
)
OCCUPATIONS = (
    "teacher",
    "scout leader",
    "youth football coach",
    "childminder",
    "nurse",
    "bus driver",
    "librarian",
    "software developer",
    "electrician",
    "swimming instructor",
    "paediatric nurse",
    "school caretaker",
    "accountant",
    "baker",
    "postal worker",
    "camp counsellor",
)
# Arranging to meet in person: neutral wording, the kind of contact triage must notice.
MEETING_TEMPLATES = (
    "We could meet in person at {value} station next Saturday.",
    "Happy to meet up in {value} when you are around, just say when.",
    "Let us meet at the cafe by the {value} market on Sunday.",
)
# The occupations above that give access to children: what triage should weigh.
CHILD_ACCESS = frozenset(
    {
        "teacher", "scout leader", "youth football coach", "childminder", "swimming instructor",
        "paediatric nurse", "school caretaker", "camp counsellor",
    }
)  # fmt: skip
HANDLE_TEMPLATES = (
    "You can reach me on {service}: {value}",
    "{service}: {value} if you prefer chat.",
)
PHONE_TEMPLATES = ("Text me on {value} about the meetup.", "My number for the swap: {value}")
CRYPTO_TEMPLATES = (
    "If you want to chip in for the server, BTC: {value}",
    "Donations for the club fund: {value}",
)
PGP_TEMPLATES = ("My PGP fingerprint: {value}", "Verify with my key, fingerprint {value}")


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr_escape(text: str) -> str:
    return xml_escape(text).replace('"', "&quot;")


def _lines(text: str) -> str:
    return xml_escape(text).replace("\n", "<br/>\n")


@dataclass
class Rich:
    """Builds one s9e XML document; ``bbcodes`` collects phpBB's BBCode ids for the bitfield."""

    parts: list[str]
    bbcodes: set[int]

    @classmethod
    def new(cls) -> Rich:
        return cls([], set())

    def text(self, text: str) -> Rich:
        self.parts.append(_lines(text))
        return self

    def quote(self, author: str, post_id: int, time: int, user_id: int, body: str) -> Rich:
        tag = f"[quote={author} post_id={post_id} time={time} user_id={user_id}]"
        self.parts.append(
            f'<QUOTE author="{attr_escape(author)}" post_id="{post_id}" time="{time}" '
            f'user_id="{user_id}"><s>{xml_escape(tag)}</s>{_lines(body)}<e>[/quote]</e></QUOTE>'
        )
        self.bbcodes.add(0)
        return self

    def url(self, url: str) -> Rich:
        # A bare link turned into a URL by phpBB's magic URLs: no <s>/<e> tags.
        self.parts.append(f'<URL url="{attr_escape(url)}">{xml_escape(url)}</URL>')
        self.bbcodes.add(3)
        return self

    def attachment(self, index: int, filename: str) -> Rich:
        name = xml_escape(filename)
        self.parts.append(
            f'<ATTACHMENT filename="{attr_escape(filename)}" index="{index}">'
            f"<s>[attachment={index}]</s>{name}<e>[/attachment]</e></ATTACHMENT>"
        )
        self.bbcodes.add(12)
        return self

    def xml(self) -> str:
        body = "".join(self.parts)
        return f"<r>{body}</r>" if self.bbcodes else f"<t>{body}</t>"

    def bitfield(self) -> str:
        return bbcode_bitfield(self.bbcodes)


def plain_xml(text: str) -> str:
    return f"<t>{_lines(text)}</t>"


def bbcode_bitfield(ids: set[int]) -> str:
    """phpBB's base64 bitfield: BBCode id n sets bit 7 - n % 8 of byte n // 8."""
    if not ids:
        return ""
    data = bytearray(max(ids) // 8 + 1)
    for n in ids:
        data[n // 8] |= 1 << (7 - n % 8)
    return base64.b64encode(bytes(data)).decode("ascii")


class TextMaker:
    """Makes titles and bodies for one forum topic area from the run's RNG."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def _fill(self, template: str, forum: str) -> str:
        nouns, acts = TOPICS[forum]
        rng = self._rng
        first = int(rng.random() * len(nouns))
        second = (first + 1 + int(rng.random() * (len(nouns) - 1))) % len(nouns)
        act = acts[int(rng.random() * len(acts))]
        return template.format(noun=nouns[first], noun2=nouns[second], act=act)

    def title(self, forum: str) -> str:
        title = self._fill(self._rng.choice(_TITLES), forum)
        return title[0].upper() + title[1:]

    def opening_post(self, forum: str) -> str:
        rng = self._rng
        opener = rng.choice(_OPENERS)
        body = " ".join(self._fill(rng.choice(_SENTENCES), forum) for _ in range(rng.randint(2, 4)))
        return f"{opener}\n{body}" if opener else body

    def reply(self, forum: str) -> str:
        rng = self._rng
        first = self._fill(rng.choice(_REPLIES), forum)
        if rng.random() < 0.5:
            return first
        return f"{first} {self._fill(rng.choice(_SENTENCES), forum)}"

    def pm(self, forum: str) -> str:
        rng = self._rng
        return f"Hi, {self._fill(rng.choice(_SENTENCES), forum)} {rng.choice(_PM_CLOSERS)}"


_PM_CLOSERS = ("Cheers!", "Talk soon.", "Thanks again.", "See you at the meetup.", "Best wishes.")
