"""Tests for phpBB post text conversion, both storage formats.

The property tests build posts with a small generator of their own (words, links and
quotes rendered as s9e XML or as legacy BBCode) and check that the words and quotes
come back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rescue.ingest import phpbb_text
from rescue.ingest.phpbb_text import AttachmentRef, PostText, Quote, parse_post_text

UID = "3kq9xb2m"

BRIEF_EXAMPLE = (
    '<r><QUOTE author="alice" post_id="12" time="1600000000" user_id="5">'
    "<s>[quote=alice post_id=12 time=1600000000 user_id=5]</s>quoted words<e>[/quote]</e>"
    '</QUOTE>my reply <URL url="http://example.org/a"><s>[url]</s>http://example.org/a'
    '<e>[/url]</e></URL> <ATTACHMENT filename="pic.png" index="0"><s>[attachment=0]</s>'
    "pic.png<e>[/attachment]</e></ATTACHMENT></r>"
)


def quote_xml(inner: str, attrs: str = "", markup: str = "[quote]") -> str:
    return f"<QUOTE{attrs}><s>{markup}</s>{inner}<e>[/quote]</e></QUOTE>"


def url_xml(url: str, label: str | None = None) -> str:
    start = f"[url={url}]" if label is not None else "[url]"
    return f'<URL url="{url}"><s>{start}</s>{label or url}<e>[/url]</e></URL>'


def test_public_api_is_curated() -> None:
    assert sorted(phpbb_text.__all__) == ["AttachmentRef", "PostText", "Quote", "parse_post_text"]


# --- s9e (phpBB 3.2/3.3) -------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "<t></t>", "<r></r>", "<t><br/>\n</t>"])
def test_empty_input_gives_empty_post(raw: str | None) -> None:
    assert parse_post_text(raw) == PostText("", (), (), (), ())


def test_brief_example() -> None:
    post = parse_post_text(BRIEF_EXAMPLE)
    assert post == PostText(
        text="my reply http://example.org/a",
        quotes=(Quote("alice", 12, 5, 1600000000, "quoted words"),),
        urls=("http://example.org/a",),
        emails=(),
        attachments=(AttachmentRef(0, "pic.png"),),
    )


def test_plain_text_with_line_breaks_and_entities() -> None:
    raw = "<t>one &lt;b&gt; &amp; &quot;two&quot;<br/>\nthree &amp;amp;</t>"
    assert parse_post_text(raw).text == 'one <b> & "two"\nthree &amp;'


@pytest.mark.parametrize("entity", ["&#128512;", "&#x1F600;", "&#x1f600;"])
def test_astral_numeric_entities_decode(entity: str) -> None:
    # phpBB on utf8mb3 MySQL stores characters beyond the BMP as numeric references.
    assert parse_post_text(f"<t>smile {entity} ok</t>").text == "smile \U0001f600 ok"
    rich = f'<r>a <EMOJI seq="1f600" tseq="1f600">{entity}</EMOJI> b</r>'
    assert parse_post_text(rich).text == "a \U0001f600 b"


def test_whitespace_is_tidied() -> None:
    raw = "<t><br/>\nfirst   <br/>\n<br/>\n  <br/>\n<br/>\n<br/>\n  indented\t<br/>\n</t>"
    assert parse_post_text(raw).text == "first\n\n  indented"


def test_carriage_returns_become_newlines() -> None:
    assert parse_post_text("<t>a\r\nb\rc</t>").text == "a\nb\nc"


def test_formatting_elements_vanish_and_keep_their_text() -> None:
    raw = (
        "<r><B><s>[b]</s>bold<e>[/b]</e></B> <I><s>[i]</s>italic<e>[/i]</e></I> "
        "<U><s>[u]</s>under<e>[/u]</e></U> "
        '<COLOR color="red"><s>[color=red]</s>red<e>[/color]</e></COLOR> '
        '<SIZE size="150"><s>[size=150]</s>big<e>[/size]</e></SIZE></r>'
    )
    assert parse_post_text(raw).text == "bold italic under red big"


def test_ignored_whitespace_is_dropped_and_is_not_italic() -> None:
    # Lowercase <i> is s9e's "ignored text"; uppercase <I> is the [i] BBCode.
    quoted = quote_xml("<i>\n</i>inside<i>\n</i>")
    raw = f"<r>{quoted}<i>\n</i><I><s>[i]</s>kept<e>[/i]</e></I></r>"
    post = parse_post_text(raw)
    assert post.text == "kept"
    assert post.quotes[0].text == "inside"


def test_quote_attributes() -> None:
    attrs = ' author="bob &amp; co" post_id="7" time="1650000000" user_id="42"'
    post = parse_post_text(f"<r>{quote_xml('hello', attrs)}reply</r>")
    assert post.quotes == (Quote("bob & co", 7, 42, 1650000000, "hello"),)
    assert post.text == "reply"


def test_quote_without_attributes() -> None:
    post = parse_post_text(f"<r>{quote_xml('hello')}reply</r>")
    assert post.quotes == (Quote(None, None, None, None, "hello"),)


def test_quote_with_non_numeric_ids_keeps_the_author() -> None:
    # Ids too big for int64 would break the Arrow columns downstream.
    quoted = quote_xml("x", ' author="a" post_id="x1" time="" user_id="99999999999999999999"')
    post = parse_post_text(f"<r>{quoted}</r>")
    assert post.quotes == (Quote("a", None, None, None, "x"),)


def test_nested_quotes_are_removed_from_quote_and_own_text() -> None:
    inner = quote_xml("deepest words", ' author="carol"')
    outer = quote_xml(f"before<br/>\n{inner}<br/>\nafter", ' author="bob"')
    post = parse_post_text(f"<r>{outer}my answer</r>")
    assert post.text == "my answer"
    assert post.quotes == (Quote("bob", None, None, None, "before\n\nafter"),)


def test_several_quotes_in_order_and_words_between_them() -> None:
    one, two = quote_xml("one", ' author="a"'), quote_xml("two", ' author="b"')
    raw = f"<r>{one}mine{two}</r>"
    post = parse_post_text(raw)
    assert [q.author for q in post.quotes] == ["a", "b"]
    assert [q.text for q in post.quotes] == ["one", "two"]
    assert post.text == "mine"


def test_removed_quote_leaves_a_paragraph_break() -> None:
    post = parse_post_text(f"<r>first part {quote_xml('q')} second part</r>")
    assert post.text == "first part\n\nsecond part"


def test_url_with_label_keeps_label_and_records_target() -> None:
    post = parse_post_text(f"<r>see {url_xml('http://example.org/?a=1&amp;b=2', 'the page')}</r>")
    assert post.text == "see the page"
    assert post.urls == ("http://example.org/?a=1&b=2",)


def test_magic_link_with_link_text() -> None:
    raw = (
        '<r>go <URL url="http://example.org/a/long/path">'
        '<LINK_TEXT text="example.org/a/…/path">http://example.org/a/long/path</LINK_TEXT>'
        "</URL> now</r>"
    )
    post = parse_post_text(raw)
    assert post.text == "go http://example.org/a/long/path now"
    assert post.urls == ("http://example.org/a/long/path",)


def test_image_source_is_a_url() -> None:
    raw = '<r><IMG src="http://example.org/i.png"><s>[img]</s>http://example.org/i.png<e>[/img]</e></IMG></r>'
    post = parse_post_text(raw)
    assert post.urls == ("http://example.org/i.png",)
    assert post.text == "http://example.org/i.png"


def test_urls_are_ordered_deduplicated_and_exclude_quotes() -> None:
    raw = (
        f"<r>{quote_xml(url_xml('http://quoted.example/'))}"
        f"{url_xml('http://b.example/')} {url_xml('http://a.example/')} "
        f"{url_xml('http://b.example/', 'again')}</r>"
    )
    assert parse_post_text(raw).urls == ("http://b.example/", "http://a.example/")


def test_image_inside_link_keeps_document_order() -> None:
    raw = (
        '<r><URL url="http://a.example/"><s>[url=http://a.example/]</s>'
        '<IMG src="http://b.example/i.png"><s>[img]</s>http://b.example/i.png<e>[/img]</e></IMG>'
        "<e>[/url]</e></URL></r>"
    )
    assert parse_post_text(raw).urls == ("http://a.example/", "http://b.example/i.png")


def test_email_tag_and_magic_email() -> None:
    raw = (
        '<r>write <EMAIL email="a@example.org"><s>[email]</s>a@example.org<e>[/email]</e></EMAIL>'
        ' or <EMAIL email="b@example.org">b@example.org</EMAIL></r>'
    )
    post = parse_post_text(raw)
    assert post.emails == ("a@example.org", "b@example.org")
    assert post.text == "write a@example.org or b@example.org"
    assert post.urls == ()


def test_attachments_leave_the_text_and_quoted_ones_are_ignored() -> None:
    raw = (
        '<r>look <ATTACHMENT filename="a &amp; b.png" index="1"><s>[attachment=1]</s>'
        "a &amp; b.png<e>[/attachment]</e></ATTACHMENT> here"
        + quote_xml('<ATTACHMENT filename="q.png" index="0">q.png</ATTACHMENT>')
        + '<ATTACHMENT filename="c.png" index="0"/></r>'
    )
    post = parse_post_text(raw)
    assert post.attachments == (AttachmentRef(1, "a & b.png"), AttachmentRef(0, "c.png"))
    assert post.text == "look  here"


def test_smilies_and_emoji_keep_their_text() -> None:
    raw = '<r>hi <E>:)</E> and <EMOJI seq="1f44d" tseq="1f44d">👍</EMOJI></r>'
    assert parse_post_text(raw).text == "hi :) and 👍"


def test_unordered_list() -> None:
    raw = (
        "<r>items:<br/>\n<LIST><s>[list]</s><LI><s>[*]</s>one</LI>\n<LI><s>[*]</s>two</LI>\n"
        "<e>[/list]</e></LIST>after</r>"
    )
    assert parse_post_text(raw).text == "items:\n- one\n- two\nafter"


def test_ordered_list() -> None:
    raw = (
        '<r><LIST type="decimal"><s>[list=1]</s><LI><s>[*]</s>first</LI>'
        "<LI><s>[*]</s>second</LI><e>[/list]</e></LIST></r>"
    )
    assert parse_post_text(raw).text == "1. first\n2. second"


def test_code_block_keeps_indentation_and_literal_markup() -> None:
    raw = (
        "<r>run:<CODE><s>[code]</s><i>\n</i>if x:\n    y = &lt;b&gt;[b]\n"
        "<e>[/code]</e></CODE>done</r>"
    )
    assert parse_post_text(raw).text == "run:\nif x:\n    y = <b>[b]\ndone"


def test_unknown_custom_bbcode_keeps_text_and_links() -> None:
    raw = (
        '<r><SPOILER title="x"><s>[spoiler=x]</s>hidden words<e>[/spoiler]</e></SPOILER> '
        '<YOUTUBE id="abc" url="https://video.example/abc"><s>[youtube]</s>'
        "https://video.example/abc<e>[/youtube]</e></YOUTUBE></r>"
    )
    post = parse_post_text(raw)
    assert post.text == "hidden words https://video.example/abc"
    assert post.urls == ("https://video.example/abc",)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("<t>cut off mid", "cut off mid"),
        ('<r>a <B><s>[b]</s>b <URL url="http://x.example/">c', "a b c"),
        ("<r>a </QUOTE></B>b</r>", "a b"),
        ("<r>a < b and c > d</r>", "a  d"),
        ("<r>x <", "x <"),
        ("<r>&#99999999; &bogus; &", "\ufffd &bogus; &"),
    ],
)
def test_malformed_s9e_degrades_to_text(raw: str, text: str) -> None:
    assert parse_post_text(raw).text == text


def test_unclosed_quote_is_still_a_quote() -> None:
    post = parse_post_text('<r>mine<QUOTE author="a"><s>[quote=a]</s>theirs')
    assert post.text == "mine"
    assert post.quotes == (Quote("a", None, None, None, "theirs"),)


_HOSTILE = [
    "<r>" + "a" + " " * 30_000 + "b" + quote_xml("q") + "<LIST>" + " " * 30_000 + "x</r>",
    "<r>" + "<QUOTE>" * 20_000 + "</URL>" * 20_000 + "</r>",
    "<r><LIST>" + "<LI>" * 20_000 + "</r>",
    "<r>" + "<" * 30_000 + "</r>",
    "[quote=a" + " " * 30_000 + f"b:{UID}]" + "x" * 30_000 + "=",
    "[" * 30_000 + f":{UID}]",
    "<!--" * 20_000 + '<img alt="' * 20_000 + '<!-- m --><a href="' * 10_000,
]


@pytest.mark.parametrize("raw", _HOSTILE, ids=range(len(_HOSTILE)))
def test_hostile_input_is_parsed(raw: str) -> None:
    # These shapes made earlier versions backtrack for minutes; no timed assertion here (speed
    # belongs in bench/), but a regression turns this test into a hang that CI cannot miss.
    for post in (parse_post_text(raw, UID), parse_post_text(raw.replace(f":{UID}", ""))):
        assert isinstance(post.text, str)
        assert len(post.text) <= len(raw)


def test_unexpected_error_falls_back_to_stripped_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(raw: str) -> PostText:
        raise RuntimeError("boom")

    monkeypatch.setattr(phpbb_text, "_walk_s9e", broken)
    assert parse_post_text("<r><B>bold</B> &amp; x</r>") == PostText("bold & x")


# --- legacy BBCode (phpBB 3.0/3.1) ---------------------------------------------------


def test_legacy_quote_author_and_nested_quote() -> None:
    raw = (
        f"[quote=&quot;alice&quot;:{UID}]outer [quote=&quot;bob&quot;:{UID}]inner"
        f"[/quote:{UID}] tail[/quote:{UID}]<br />my reply"
    )
    post = parse_post_text(raw, UID)
    assert post.text == "my reply"
    assert post.quotes == (Quote("alice", None, None, None, "outer\n\ntail"),)


def test_legacy_quote_without_author_and_with_ids() -> None:
    raw = f"[quote:{UID}]a[/quote:{UID}][quote=bob post_id=3 time=9 user_id=4:{UID}]b[/quote:{UID}]"
    post = parse_post_text(raw, UID)
    assert post.quotes == (Quote(None, None, None, None, "a"), Quote("bob", 3, 4, 9, "b"))


def test_legacy_formatting_and_line_breaks() -> None:
    raw = (
        f"[b:{UID}]bold[/b:{UID}] [i:{UID}]it[/i:{UID}]<br />"
        f"[color=#FF0000:{UID}]red[/color:{UID}] [size=150:{UID}]big[/size:{UID}]"
    )
    assert parse_post_text(raw, UID).text == "bold it\nred big"


def test_legacy_urls_images_and_emails() -> None:
    raw = (
        f"[url=http://a.example/?x=1&amp;y=2:{UID}]label[/url:{UID}] "
        f"[url:{UID}]http://b.example/[/url:{UID}] [img:{UID}]http://c.example/i.png[/img:{UID}] "
        f"[email:{UID}]a@example.org[/email:{UID}] [email=b@example.org:{UID}]me[/email:{UID}]"
    )
    post = parse_post_text(raw, UID)
    assert post.urls == ("http://a.example/?x=1&y=2", "http://b.example/", "http://c.example/i.png")
    assert post.emails == ("a@example.org", "b@example.org")
    assert post.text == "label http://b.example/ http://c.example/i.png a@example.org me"


def test_legacy_url_with_port_and_brackets() -> None:
    raw = f"[url=http://a.example:8080/q?k[]=1:{UID}]t[/url:{UID}]"
    assert parse_post_text(raw, UID).urls == ("http://a.example:8080/q?k[]=1",)


def test_legacy_magic_links() -> None:
    raw = (
        '<!-- m --><a class="postlink" href="http://a.example/p?x=1&amp;y=2">'
        "http://a.example/p?x=1&amp;y=2</a><!-- m --> "
        '<!-- w --><a class="postlink" href="http://www.b.example">www.b.example</a><!-- w --> '
        '<!-- l --><a class="postlink-local" href="http://board.example/viewtopic.php?t=1">'
        "viewtopic.php?t=1</a><!-- l --> "
        '<!-- e --><a href="mailto:c@example.org">c@example.org</a><!-- e -->'
    )
    post = parse_post_text(raw, "")
    assert post.urls == (
        "http://a.example/p?x=1&y=2",
        "http://www.b.example",
        "http://board.example/viewtopic.php?t=1",
    )
    assert post.emails == ("c@example.org",)
    assert post.text == "http://a.example/p?x=1&y=2 www.b.example viewtopic.php?t=1 c@example.org"


def test_legacy_magic_link_with_brackets_in_target() -> None:
    link = '<a class="postlink" href="http://a.example/[1]">http://a.example/[1]</a>'
    raw = f"[b:{UID}]x[/b:{UID}] <!-- m -->{link}<!-- m -->"
    post = parse_post_text(raw, UID)
    assert post.urls == ("http://a.example/[1]",)
    assert post.text == "x http://a.example/[1]"


def test_legacy_smilies() -> None:
    raw = (
        'hi <!-- s:) --><img src="{SMILIES_PATH}/icon_e_smile.gif" alt=":)" title="Smile" />'
        '<!-- s:) --> and <!-- s:&gt; --><img src="{SMILIES_PATH}/x.gif" alt=":&gt;" />'
        "<!-- s:&gt; -->"
    )
    assert parse_post_text(raw).text == "hi :) and :>"


def test_legacy_attachment() -> None:
    raw = (
        f"see [attachment=2:{UID}]<!-- ia2 -->plan &amp; map.png<!-- ia2 -->[/attachment:{UID}]"
        f" ok [quote:{UID}][attachment=0:{UID}]<!-- ia0 -->q.png<!-- ia0 -->[/attachment:{UID}]"
        f"[/quote:{UID}]"
    )
    post = parse_post_text(raw, UID)
    assert post.attachments == (AttachmentRef(2, "plan & map.png"),)
    assert post.text == "see  ok"


def test_legacy_lists() -> None:
    raw = (
        f"[list:{UID}][*:{UID}]one[/*:m:{UID}][*:{UID}]two[/*:m:{UID}][/list:u:{UID}]"
        f"[list=1:{UID}][*:{UID}]first[/*:m:{UID}][*:{UID}]second[/*:m:{UID}][/list:o:{UID}]"
    )
    assert parse_post_text(raw, UID).text == "- one\n- two\n1. first\n2. second"


def test_legacy_code_block() -> None:
    raw = f"code:[code:{UID}]if x&#58;<br />&nbsp; &nbsp; y = &#91;b&#93;<br />[/code:{UID}]end"
    assert parse_post_text(raw, UID).text == "code:\nif x:\n    y = [b]\nend"


def test_legacy_entities() -> None:
    raw = "&lt;tag&gt; &quot;q&quot; &amp;amp; caf&eacute; &#128512;"
    assert parse_post_text(raw).text == '<tag> "q" &amp; café \U0001f600'


@pytest.mark.parametrize("uid", ["", "wronguid", "zz"])
def test_legacy_uid_missing_or_wrong_is_found_in_the_text(uid: str) -> None:
    raw = f"[quote=&quot;a&quot;:{UID}]q[/quote:{UID}][b:{UID}]mine[/b:{UID}]"
    post = parse_post_text(raw, uid)
    assert post.text == "mine"
    assert post.quotes == (Quote("a", None, None, None, "q"),)


def test_legacy_without_any_uid_parses_known_bbcode_only() -> None:
    raw = '[quote="a"]q[/quote]see [url=http://x.example/]x[/url] [1] [sic] [b]b[/b]'
    post = parse_post_text(raw)
    assert post.text == "see x [1] [sic] b"
    assert post.urls == ("http://x.example/",)


def test_legacy_tags_with_another_uid_stay_literal() -> None:
    raw = f"[b:{UID}]ours[/b:{UID}] [b:aaaaaaaa]theirs[/b:aaaaaaaa] [x] a]b"
    assert parse_post_text(raw, UID).text == "ours [b:aaaaaaaa]theirs[/b:aaaaaaaa] [x] a]b"


def test_legacy_plain_text_and_url_content_with_spaces() -> None:
    assert parse_post_text("one<br />two &amp; three").text == "one\ntwo & three"
    post = parse_post_text(f"[url:{UID}]not a url[/url:{UID}]", UID)
    assert (post.text, post.urls) == ("not a url", ())


def test_legacy_truncated_post() -> None:
    post = parse_post_text(f"mine [quote=&quot;a&quot;:{UID}]theirs [b:{UID}]cut", UID)
    assert post.text == "mine"
    assert post.quotes == (Quote("a", None, None, None, "theirs cut"),)


# --- properties ----------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "<r>", "</r>", "<t>", "</t>", "<QUOTE author=\"a\" post_id=\"1\">", "</QUOTE>",
        "<s>", "</s>", "<e>", "</e>", "<i>", "</i>", "<URL url=\"http://x\">", "</URL>",
        "<ATTACHMENT index=\"0\"/>", "<ATTACHMENT index=\"x\">", "</ATTACHMENT>", "<LIST>",
        "<LI>", "</LI>", "</LIST>", "<CODE>", "</CODE>", "<EMAIL>", "</EMAIL>", "<br/>\n",
        "<", ">", "&", "&#x1F600;", "&#99999999;", "&amp;", "\x00", "\x01", "word", " ", "\n",
        f"[quote:{UID}]", f"[/quote:{UID}]", f"[url:{UID}]", f"[/url:{UID}]", "[*]",
        f"[attachment=0:{UID}]", f"[/attachment:{UID}]", f"[list=1:{UID}]", f"[*:{UID}]",
        "[quote=&quot;", "<!-- m --><a href=\"", "<!-- s:) -->", "[", "]", "[/list:u:",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(st.text(), st.lists(_FRAGMENTS, max_size=30).map("".join)),
    prefix=st.sampled_from(["", "<t>", "<r>"]),
    uid=st.sampled_from(["", UID, "zz"]),
)
def test_never_raises(raw: str, prefix: str, uid: str) -> None:
    post = parse_post_text(prefix + raw, uid)
    assert isinstance(post.text, str)
    for marker in "\x00\x01":  # the walker's internal markers never leak out
        assert marker in raw or marker not in post.text
    assert all(isinstance(q.text, str) for q in post.quotes)


def s9e_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LINE = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x00")).map(
    lambda line: line.rstrip(" \t\f\v")
)
_TIDY_TEXT = st.lists(
    st.tuples(_LINE.filter(bool), st.sampled_from(["\n", "\n\n"])), max_size=5
).map(lambda lines: "".join(line + sep for line, sep in lines).rstrip("\n"))


@settings(max_examples=300, deadline=None)
@given(text=_TIDY_TEXT, astral_as_entities=st.booleans())
def test_plain_s9e_round_trip(text: str, astral_as_entities: bool) -> None:
    body = s9e_escape(text)
    if astral_as_entities:  # as phpBB stores them on utf8mb3 MySQL
        body = "".join(f"&#{ord(c)};" if ord(c) > 0xFFFF else c for c in body)
    raw = "<t>" + body.replace("\n", "<br/>\n") + "</t>"
    assert parse_post_text(raw) == PostText(text)


@settings(max_examples=200, deadline=None)
@given(text=_TIDY_TEXT.filter(lambda t: "[" not in t and not t.startswith(("<t>", "<r>"))))
def test_plain_legacy_round_trip(text: str) -> None:
    # phpBB 3.0 stores htmlspecialchars() output with <br /> for newlines.
    raw = s9e_escape(text).replace('"', "&quot;").replace("\n", "<br />")
    assert parse_post_text(raw, UID) == PostText(text)


# A small independent model of a post: segments of the author's words between quotes.
@dataclass(frozen=True)
class Link:
    url: str
    label: str | None


Word = str | Link


@dataclass(frozen=True)
class QuoteNode:
    author: str | None
    post_id: int | None
    user_id: int | None
    time: int | None
    segments: tuple[tuple[Word, ...], ...]  # one more segment than there are quotes
    nested: tuple[QuoteNode, ...]
    seps: tuple[str, ...]


_WORD = st.text(st.sampled_from("abcxyz019&<>\"'[]é😀#;"), min_size=1, max_size=6)
_URL = st.builds(
    lambda path, query: f"http://example.org/{path}" + (f"?a={query}&b=2" if query else ""),
    st.text(st.sampled_from("abc123/"), max_size=6),
    st.text(st.sampled_from("xyz9"), max_size=3),
)
_WORDS = st.lists(
    st.one_of(_WORD, st.builds(Link, _URL, st.none() | _WORD.filter(lambda w: "[" not in w))),
    max_size=4,
).map(tuple)
_SEP = st.sampled_from(["", " ", "\n"])
_AUTHOR = st.none() | st.text(st.sampled_from("abz &<>é_"), min_size=1, max_size=6).filter(
    lambda a: a.strip() == a
)
_ID = st.none() | st.integers(0, 2**31)


def _quotes(depth: int) -> st.SearchStrategy[QuoteNode]:
    nested = st.lists(_quotes(depth - 1), max_size=2) if depth > 0 else st.just([])
    return nested.flatmap(
        lambda inner: st.builds(
            QuoteNode,
            _AUTHOR,
            _ID,
            _ID,
            _ID,
            st.lists(_WORDS, min_size=len(inner) + 1, max_size=len(inner) + 1).map(tuple),
            st.just(tuple(inner)),
            st.lists(_SEP, min_size=2 * len(inner) + 2, max_size=2 * len(inner) + 2).map(tuple),
        )
    )


def words_text(words: tuple[Word, ...]) -> str:
    return " ".join(w if isinstance(w, str) else (w.label or w.url) for w in words)


def expected_text(node: QuoteNode) -> str:
    return "\n\n".join(t for t in map(words_text, node.segments) if t)


def render_s9e(node: QuoteNode, legacy: bool) -> str:
    def words(ws: tuple[Word, ...]) -> str:
        out = []
        for w in ws:
            if isinstance(w, str):
                out.append(s9e_escape(w))
            elif legacy:
                url = s9e_escape(w.url)
                out.append(
                    f"[url={url}:{UID}]{s9e_escape(w.label)}[/url:{UID}]"
                    if w.label
                    else f"[url:{UID}]{url}[/url:{UID}]"
                )
            else:
                out.append(url_xml(s9e_escape(w.url), s9e_escape(w.label) if w.label else None))
        return " ".join(out)

    br = "<br />" if legacy else "<br/>\n"
    parts = [words(node.segments[0])]
    for i, child in enumerate(node.nested):
        inner = render_s9e(child, legacy)
        if legacy:
            name = f"=&quot;{s9e_escape(child.author)}&quot;" if child.author else ""
            quoted = f"[quote{name}:{UID}]{inner}[/quote:{UID}]"
        else:
            attrs = "".join(
                f' {key}="{s9e_escape(str(value))}"'
                for key, value in vars(child).items()
                if key in ("author", "post_id", "time", "user_id") and value is not None
            )
            quoted = quote_xml(inner, attrs)
        before, after = (s.replace("\n", br) for s in node.seps[2 * i : 2 * i + 2])
        parts.append(before + quoted + after + words(node.segments[i + 1]))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(post=_quotes(2), legacy=st.booleans())
def test_generated_posts_give_back_words_and_quotes(post: QuoteNode, legacy: bool) -> None:
    body = render_s9e(post, legacy)
    raw = body if legacy else f"<r>{body}</r>"
    parsed = parse_post_text(raw, UID if legacy else "")
    assert parsed.text == expected_text(post)
    assert parsed.quotes == tuple(
        Quote(
            q.author,
            None if legacy else q.post_id,
            None if legacy else q.user_id,
            None if legacy else q.time,
            expected_text(q),
        )
        for q in post.nested
    )
    own_urls = [w.url for seg in post.segments for w in seg if isinstance(w, Link)]
    assert parsed.urls == tuple(dict.fromkeys(own_urls))
