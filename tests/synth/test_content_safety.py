"""Everything the generator writes is neutral everyday text."""

from __future__ import annotations

import re

from rescue.synth import SynthResult

# A small, benign-minded blocklist: the generator must never produce such words.
BLOCKLIST = ("nude", "naked", "sex", "porn", "explicit", "nsfw", "lolita", "underage", "kill")


def test_no_blocklisted_words(forum: SynthResult, dump_text: str) -> None:
    texts = [dump_text, forum.ground_truth_path.read_text(encoding="utf-8")]
    for text in texts:
        for word in BLOCKLIST:
            assert not re.search(rf"\b{word}", text, re.IGNORECASE), word


def test_no_real_mail_domains(dump_text: str) -> None:
    for domain in re.findall(r"@([a-z0-9.-]+\.[a-z]+)'", dump_text):
        assert domain.endswith(".example"), domain
