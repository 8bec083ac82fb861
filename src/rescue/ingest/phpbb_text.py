"""Turn stored phpBB post, private-message and signature text into plain text.

phpBB has stored message text in two formats, and a seized board may hold both when it was
upgraded without reparsing old posts:

* **phpBB 3.2/3.3 (s9e TextFormatter XML).** Text with no markup is ``<t>...</t>``; anything
  else is ``<r>...</r>``. Each BBCode is an uppercase element (``<QUOTE author="alice">``)
  whose original markup sits in lowercase ``<s>`` (start) and ``<e>`` (end) children, and
  ``<i>`` holds whitespace the parser ignored. A line break is ``<br/>`` followed by the
  newline itself. Text and attributes are XML-escaped and may carry numeric entities.
* **phpBB 3.0/3.1 (legacy BBCode).** HTML-escaped text with BBCode tags stamped with the
  post's uid (``[b:3kq9xb2m]``, ``[/list:u:3kq9xb2m]``, ``[/*:m:3kq9xb2m]``), newlines as
  ``<br />``, and phpBB-generated HTML between marker comments for smilies
  (``<!-- s:) -->``), magic links (``<!-- m -->``, ``<!-- w -->``, ``<!-- l -->``) and
  e-mail links (``<!-- e -->``).

Both formats are cut at their tag brackets with str methods and fed to one walker, so every
rule below holds for both. About a million posts go through here per import, often
malformed or truncated: an XML parser (or a regex tokeniser, whose match objects are costly)
would be slower and less forgiving. A ``<t>`` post, the common case, takes a fast path.

Decisions:

* ``text`` is the author's own words. A removed quote leaves a paragraph break (so the words
  either side do not run together); code blocks, lists and list items start new lines; list
  items get ``- `` or ``1. `` so their structure survives. Link, image and e-mail texts stay.
* Quotes, URLs, e-mails and attachments are taken from the author's own words only: what sits
  inside a quote belongs to the quoted post. Quote text drops nested quotes the same way.
* An inline attachment's text is the file name phpBB inserted, not something the author
  wrote, so it goes to ``attachments`` and not to ``text``.
* Tidying strips trailing spaces on each line, collapses runs of blank lines to one and drops
  blank lines at both ends; leading spaces stay because code indentation matters. Legacy
  ``[code]`` stores indentation as ``&nbsp;``, so in legacy posts it becomes a space.
* A wrong or empty legacy uid is replaced by the uid found in the text; with none, known
  BBCode names without a uid are parsed. BBCode carrying a different uid stays literal text,
  which is how phpBB itself displays it.
* Nothing raises: unbalanced tags are closed when their parent closes or at the end, and any
  unexpected error falls back to stripping tags and decoding entities.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["AttachmentRef", "PostText", "Quote", "parse_post_text"]


@dataclass(frozen=True, slots=True)
class Quote:
    author: str | None
    post_id: int | None
    user_id: int | None
    time: int | None
    text: str


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    index: int
    filename: str


@dataclass(frozen=True, slots=True)
class PostText:
    text: str
    quotes: tuple[Quote, ...] = ()
    urls: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    attachments: tuple[AttachmentRef, ...] = ()


# Structural markers the walker writes into the still-escaped text and resolves after
# decoding. Neither can come from the input: both are invalid in XML, html.unescape never
# produces them and we delete them from raw text first.
_PARA = "\x00"  # a removed quote
_LINE = "\x01"  # a block edge: a line break unless one is already there
# Seized text can be hostile: the lookbehinds start a match only where a run of spaces
# starts, and tags end at the next "<", so no pattern here goes quadratic on long runs.
_PARA_RE = re.compile(r"(?<![ \t\f\v\n\x01])[ \t\f\v\n\x01]*\x00[ \t\f\v\n\x00\x01]*")
_LINE_RE = re.compile(r"(?<![ \t\f\v])[ \t\f\v]*\n?(?:\x01\n?)+")
_TRAILING_WS = re.compile(r"(?<![ \t\f\v])[ \t\f\v]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_ANY_TAG = re.compile(r"<[^<>]*>")

_MARKUP = frozenset({"s", "e", "i"})  # s9e's original BBCode and ignored whitespace
_MARKUP_RE = re.compile(r"<[sei]>[^<]*</[sei]>")
_LINKS = frozenset({"URL", "IMG", "EMAIL"})
# Elements with a rule below; every other element (B, COLOR, E, EMOJI, LINK_TEXT, custom
# BBCodes) just gives its text, unless it links somewhere (a video embed with url="...").
_SEMANTIC = _LINKS | {"QUOTE", "ATTACHMENT", "CODE", "LIST", "LI"}

_MAGIC_LINK = re.compile(
    r'<!-- ([mwle]) --><a [^<>]*?href="([^"<>]*)"[^<>]*>([^<]*)</a><!-- \1 -->'
)
# A smiley is <!-- s:) --><img ... alt=":)" ... /><!-- s:) -->: keeping the alt text and
# dropping comments and other tags (<!-- ia0 -->, stray HTML) is one sub.
_LEGACY_HTML = re.compile(r'<img [^<>]*?alt="([^"<>]*)"[^<>]*>|<!--[^<>]*-->|</?[a-zA-Z][^<>]*>')
_UID_PROBE = re.compile(r"\[/?(?:\*|[a-z][\w-]*)(?:=[^\[\]\n]*?)?(?::[a-z])?:([a-z0-9]{5,8})\]")
# Without a uid only these are taken as tags, so "[sic]" or "[1]" in prose stays text.
_PLAIN_NAMES = frozenset(
    {name.lower() for name in _SEMANTIC - {"LI"}} | {"*", "b", "i", "u", "color", "size", "flash"}
)
_TAG_START = re.compile(r"/?(?:\*|[a-z][a-z0-9_-]*)(?=[=:]|\Z)")
_QUOTE_SPLIT = re.compile(r"(?<!\s)\s+(?=[a-z_]+=)")
_QUOTE_PAIR = re.compile(r"(?<![a-z_])([a-z_]+)=(\S+)")


def parse_post_text(raw: str | None, bbcode_uid: str = "") -> PostText:
    """Parse either phpBB format; never raises, whatever the input."""
    if not raw:
        return PostText("")
    try:
        if raw.startswith(("<t>", "<r>")):
            # The root and <br/> (always followed by the newline itself) carry nothing.
            body = raw[3:-4] if raw.endswith(("</t>", "</r>")) else raw[3:]
            body = body.replace("<br/>", "")
            if "<" not in body:
                return PostText(_tidy(_decode(body)))
            return _walk_s9e(body)
        return _walk_legacy(raw, bbcode_uid or "")
    except Exception:  # a bad post must never stop an import
        return PostText(_tidy(html.unescape(_ANY_TAG.sub("", raw))))


def _decode(text: str) -> str:
    if "&" not in text:
        return text
    # Most posts hold only the entities escaping adds, and str.replace is several times
    # faster than html.unescape. &amp; goes last so that "&amp;lt;" becomes "&lt;".
    fast = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    if fast.count("&") == fast.count("&amp;"):
        return fast.replace("&amp;", "&")
    return html.unescape(text)


def _tidy(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The membership tests are much cheaper than running the regex on every post.
    if " \n" in text or "\t\n" in text or "\f" in text or "\v" in text or text[-1:] in " \t":
        text = _TRAILING_WS.sub("", text)
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


def _render(parts: list[str]) -> str:
    text = _decode("".join(parts))
    if _PARA in text:
        text = _PARA_RE.sub("\n\n", text)
    if _LINE in text:
        text = _LINE_RE.sub("\n", text)
    return _tidy(text)


def _int(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) < 19:  # fits int64
        return int(value)
    return None


def _strip_markers(raw: str) -> str:
    if _PARA in raw or _LINE in raw:
        return raw.replace(_PARA, "").replace(_LINE, "")
    return raw


class _Frame:
    __slots__ = ("attrs", "name", "sink", "slot", "start")

    def __init__(self, name: str, sink: list[str] | None, attrs: dict[str, str]) -> None:
        self.name = name
        self.sink = sink  # where text went before this element opened
        self.attrs = attrs
        self.start = 0  # where the element's content begins in sink; a LIST's item count
        self.slot = -1  # reserved index in urls/emails, so nested links keep their order


class _Walker:
    """Builds a PostText from either tokeniser's elements. open() and close() return where
    text goes now: a list, or None inside a nested quote, whose text is dropped."""

    def __init__(self) -> None:
        self.own: list[str] = []
        self.sink: list[str] | None = self.own
        self.frames: list[_Frame] = []
        self.open_names: dict[str, int] = {}  # so a stray close tag costs no stack scan
        self.lists: list[_Frame] = []
        self.depth = 0
        self.quotes: list[Quote] = []
        self.quote_attrs: dict[str, str] = {}
        self.urls: list[str | None] = []
        self.emails: list[str | None] = []
        self.attachments: list[AttachmentRef] = []

    def open(self, name: str, attrs: dict[str, str]) -> list[str] | None:
        frame = _Frame(name, self.sink, attrs)
        self.frames.append(frame)
        self.open_names[name] = self.open_names.get(name, 0) + 1
        sink = self.sink
        if name == "QUOTE":
            self.depth += 1
            if self.depth == 1:
                self.quote_attrs = attrs
                self.sink = []
            else:
                if sink is not None:
                    sink.append(_PARA)
                self.sink = None
        elif name in _LINKS or "url" in attrs or "src" in attrs:
            frame.start = len(sink) if sink is not None else 0
            if sink is self.own:
                found = self.emails if name == "EMAIL" else self.urls
                frame.slot = len(found)
                found.append(None)
        elif name == "ATTACHMENT":
            self.sink = []  # capture the legacy file name, keep it out of the text
        elif name == "LIST":
            self.lists.append(frame)
        if sink is not None and name in ("CODE", "LIST"):
            sink.append(_LINE)
        elif sink is not None and name == "LI":
            sink.append(_LINE + self._bullet())
        return self.sink

    def _bullet(self) -> str:
        if not self.lists or self.lists[-1].attrs.get("type") != "decimal":
            return "- "
        self.lists[-1].start += 1
        return f"{self.lists[-1].start}. "

    def close(self, name: str) -> list[str] | None:
        # A close tag that was never opened is ignored, as phpBB would.
        if self.open_names.get(name):
            while (frame := self.frames.pop()).name != name:
                self._pop(frame)
            self._pop(frame)
        return self.sink

    def _pop(self, frame: _Frame) -> None:
        name = frame.name
        prev = frame.sink
        self.open_names[name] -= 1
        if name == "LIST":
            self.lists.pop()
        if name == "QUOTE":
            if self.depth == 1 and self.sink is not None:
                get = self.quote_attrs.get
                author = html.unescape(get("author") or "") or None
                ids = (_int(get("post_id")), _int(get("user_id")), _int(get("time")))
                self.quotes.append(Quote(author, *ids, _render(self.sink)))
            self.depth -= 1
            self.sink = prev
            if prev is not None:
                prev.append(_PARA)
        elif frame.slot >= 0 and prev is not None:
            attrs = frame.attrs
            target = attrs.get("email") or attrs.get("url") or attrs.get("src")
            if target is None:  # legacy [url]x[/url]: the content is the target
                target = "".join(prev[frame.start :]).strip(" \n\x00\x01")
                if not target or any(c in target for c in " \n\x00\x01"):
                    return
            target = html.unescape(target)
            if name == "EMAIL":
                self.emails[frame.slot] = target.removeprefix("mailto:")
            else:
                self.urls[frame.slot] = target
        elif name == "ATTACHMENT":
            captured, self.sink = self.sink, prev
            index = _int(frame.attrs.get("index"))
            if prev is self.own and index is not None:
                filename = frame.attrs.get("filename") or "".join(captured or ()).strip()
                self.attachments.append(AttachmentRef(index, html.unescape(filename)))
        if name in ("CODE", "LIST") and prev is not None:
            prev.append(_LINE)

    def finish(self) -> PostText:
        while self.frames:  # a truncated post: close what is still open
            self._pop(self.frames.pop())
        urls = tuple(dict.fromkeys(filter(None, self.urls))) if self.urls else ()
        emails = tuple(dict.fromkeys(filter(None, self.emails))) if self.emails else ()
        return PostText(
            _render(self.own), tuple(self.quotes), urls, emails, tuple(self.attachments)
        )


def _s9e_attrs(text: str) -> dict[str, str]:
    # s9e always double-quotes values and escapes any quote inside them.
    parts = text.split('"')
    return {key.strip(" =/"): value for key, value in zip(parts[::2], parts[1::2], strict=False)}


def _walk_s9e(raw: str) -> PostText:
    # s9e never nests elements in <s>, <e> or <i>: one sub drops them, and in a malformed
    # post dropping the text after their start tag does.
    walker = _Walker()
    open_names = walker.open_names
    pieces = _MARKUP_RE.sub("", _strip_markers(raw)).split("<")
    sink: list[str] | None = walker.own
    walker.own.append(pieces[0])
    for piece in itertools.islice(pieces, 1, None):
        tag, gt, text = piece.partition(">")
        if not gt:
            text = "&lt;" + piece  # a stray "<" in a malformed post is text
        elif tag in _MARKUP:
            continue
        elif tag[:1] == "/":
            if open_names.get(tag[1:]):  # plain elements open no frame: skip the call
                sink = walker.close(tag[1:])
        else:
            name, _, attr_text = tag.partition(" ")
            name = name.rstrip("/")
            if name in _SEMANTIC or "url=" in attr_text or "src=" in attr_text:
                sink = walker.open(name, _s9e_attrs(attr_text) if attr_text else {})
                if tag.endswith("/"):
                    sink = walker.close(name)
        if text and sink is not None:
            sink.append(text)
    return walker.finish()


def _legacy_attrs(name: str, value: str | None) -> dict[str, str]:
    if value is None:
        return {}
    if name == "QUOTE":
        return _legacy_quote(value)
    if name == "LIST":
        return {"type": "decimal" if value == "1" else value}
    key = {"URL": "url", "EMAIL": "email", "ATTACHMENT": "index"}.get(name)
    return {key: value} if key else {}


def _legacy_quote(value: str) -> dict[str, str]:
    # phpBB 3.0 writes [quote=&quot;alice&quot;]; boards with 3.2-style quote extensions
    # add post_id=, time= and user_id= after the name.
    mark = next((m for m in ("&quot;", '"') if value.startswith(m)), "")
    if mark and mark in value[len(mark) :]:
        author, _, rest = value[len(mark) :].partition(mark)
    else:
        author, *tail = _QUOTE_SPLIT.split(value, maxsplit=1)
        rest = tail[0] if tail else ""
    attrs = dict(_QUOTE_PAIR.findall(rest)) if rest else {}
    attrs["author"] = author
    return attrs


def _legacy_html(raw: str, suffix: str) -> str:
    """Turn phpBB's generated HTML into text and BBCode the tag walker understands."""
    raw = raw.replace("<br />\n", "\n").replace("<br />", "\n")
    if "<a " in raw:

        def link(match: re.Match[str]) -> str:
            tag = "email" if match[1] == "e" else "url"
            # Brackets would end the pseudo-tag early; as entities they decode back later.
            href, label = (g.replace("[", "&#91;").replace("]", "&#93;") for g in match.group(2, 3))
            return f"[{tag}={href}{suffix}]{label}[/{tag}{suffix}]"

        raw = _MAGIC_LINK.sub(link, raw)
    return _LEGACY_HTML.sub(r"\1", raw) if "<" in raw else raw


def _walk_legacy(raw: str, uid: str) -> PostText:
    if "&nbsp;" in raw:  # phpBB 3.0 keeps [code] indentation as &nbsp;
        raw = raw.replace("&nbsp;", " ")
    if "[" in raw and (not uid or f":{uid}]" not in raw):
        probe = _UID_PROBE.search(raw)
        uid = probe[1] if probe else ""
    suffix = f":{uid}" if uid else ""
    if "<" in raw:
        raw = _legacy_html(raw, suffix)
    if "[" not in raw:
        return PostText(_tidy(_decode(raw)))
    walker = _Walker()
    sink: list[str] | None = walker.own
    for text, tag in _legacy_tokens(_strip_markers(raw), suffix):
        if text and sink is not None:
            sink.append(text)
        if tag is None:
            continue
        closing = tag[:1] == "/"
        # Closing tags may carry a modifier: [/list:u:uid], [/*:m:uid].
        name, eq, value = tag[1:].partition(":") if closing else tag.partition("=")
        name = "LI" if name == "*" else name.upper()
        if name in _SEMANTIC:
            if closing:
                sink = walker.close(name)
            else:
                sink = walker.open(name, _legacy_attrs(name, value if eq else None))
    return walker.finish()


def _legacy_tokens(raw: str, suffix: str) -> Iterator[tuple[str, str | None]]:
    """Yield text up to a tag, then the tag without brackets or uid (None at the end).
    Brackets that are not this post's tags stay in the text, as phpBB shows them."""
    text = ""
    if suffix:
        # Every tag of the post ends in ":uid]". Splitting there and looking back for the
        # "[" that starts a tag name copes with brackets in values ([url=...?k[]=1:uid]).
        chunks = raw.split(suffix + "]")
        for chunk in itertools.islice(chunks, len(chunks) - 1):
            at = chunk.rfind("[")
            while at >= 0 and not _TAG_START.match(chunk, at + 1):
                at = chunk.rfind("[", 0, at)
            if at < 0:
                text += chunk + suffix + "]"
            else:
                yield text + chunk[:at], chunk[at + 1 :]
                text = ""
        yield text + chunks[-1], None
        return
    pieces = raw.split("[")
    text = pieces[0]
    for piece in itertools.islice(pieces, 1, None):
        tag, bracket, after = piece.partition("]")
        name = tag[1:].partition(":")[0] if tag[:1] == "/" else tag.partition("=")[0]
        if bracket and name in _PLAIN_NAMES:
            yield text, tag
            text = after
        else:
            text += "[" + piece
    yield text, None
