"""Event-description cleaning rule, as a pure, dependency-free Python function.

Spec rule (verbatim): *Clean description*: drop ``<script>``/``<style>`` elements
with their content; block tags (``p``, ``br``, ``div``, ``li``, headings) end a
paragraph, other tags become a space; decode every HTML entity exactly once (named
and numeric; ``&amp;lt;`` -> ``&lt;``, ``&lt;b&gt;`` -> the text ``<b>``); within a
paragraph collapse all Unicode whitespace (incl. U+00A0, U+2028, tabs, CR) to one
space and trim -- a line feed in the source ends a paragraph, like a block tag; drop
empty and repeated paragraphs (keep the first); join the paragraphs with a newline.
Null, empty or all-whitespace input gives null.

:func:`clean_description` is meant to be wrapped by a vectorised Spark pandas UDF,
so it is pure, uses only the standard library and compiles its regexes once, at
import time. Run time grows linearly with input length (checked on adversarial
input: unclosed tags, unbalanced quotes), and the regexes compile on Python 3.10+.

Algorithm (one pass per step, in this order):

1. Markup removal: one regex scan replaces every markup construct. Block tags
   become a paragraph break, every other construct becomes a single space.
2. Paragraph split on line feed (source line feeds and block tags alike).
3. Per paragraph: decode entities once with :func:`html.unescape`, collapse
   whitespace runs to one space, trim.
4. Drop empty paragraphs and exact repeats (first occurrence wins, order kept),
   join with ``"\\n"``; nothing left -> ``None``.

Decisions (each one is pinned by a test in ``tests/test_text_cleaning.py``):

Markup
    - Block tags: ``p br div li h1-h6 ul ol dl dt dd table caption thead tbody
      tfoot tr blockquote pre hr address article aside section header footer nav
      main figure figcaption details summary fieldset legend form dialog center
      menu``.
    - Table cells (``td``, ``th``) are NOT block tags: cells of one row stay in
      one paragraph separated by a space; the row (``tr``) ends the paragraph.
    - Opening, closing and self-closing forms (``<p>``, ``</p>``, ``<br/>``) of a
      block tag all end a paragraph.
    - Tag names are case-insensitive (ASCII only: ``<SCRIPT>``, ``<Br>``).
    - A tag is ``<`` or ``</`` + ASCII letter + name + attributes + ``>``.
      Quoted attribute values may contain ``>`` and ``<``
      (``<a href="x>y">`` is one tag). If a quote is never closed, the tag ends
      at the first ``>``.
    - A ``<`` that does not start a tag is kept as text: ``a < b``, ``I <3 it``,
      ``</ >`` and a would-be tag with no ``>`` anywhere after it (``x <y``)
      stay literally (an unclosed ``<!--`` later on is still dropped).
    - Every construct removed that is not a block tag becomes ONE space (so
      ``foo<b>bar</b>`` -> ``foo bar``); this includes ``<script>``/``<style>``
      elements, comments, doctype, ``<![CDATA[...]]>`` and ``<?...?>``.
    - ``<script>``/``<style>`` (any case, any attributes) are dropped up to the
      matching ``</script>``/``</style>``; an unclosed one drops everything to
      the end of the input.
    - Other elements keep their text content (``noscript``, ``template``,
      ``title``, ``textarea``...): only their tags are removed.
    - Comments ``<!-- ... -->`` (also ``<!-->``, ``<!--->``, ``--!>``) are dropped;
      an unclosed comment drops everything to the end of the input.
    - ``<!...>`` and ``<?...>`` (doctype, CDATA, processing instructions) are
      dropped up to the first ``>``; without a ``>`` they stay as text.
    - A line feed inside markup (a tag spanning lines, a comment, a script) does
      not end a paragraph: the whole construct is replaced first.

Entities
    - Decoded after markup removal and after the paragraph split, exactly once,
      with :func:`html.unescape` semantics: ``&amp;lt;`` -> ``&lt;``,
      ``&lt;b&gt;`` -> the text ``<b>`` (never re-parsed as a tag), ``&#39;``,
      ``&#x27;``, ``&eacute;``.
    - Missing trailing semicolon: as :func:`html.unescape` (``&amp`` -> ``&``,
      ``&#39`` -> ``'``, ``&eacute`` -> ``é``; ``&notit;`` -> ``¬it;``); unknown
      entities (``&foo;``) are kept verbatim; ``&#0;`` and out-of-range code
      points -> U+FFFD; ``&#128;``-``&#159;`` follow the Windows-1252 mapping.
    - A decoded line feed (``&#10;``) or ``&lt;br&gt;`` does NOT end a paragraph:
      only a line feed in the source (or a block tag) does; the decoded line
      feed is whitespace and collapses like any other.
    - Decoded ``&nbsp;`` (and any decoded whitespace) is collapsed like source
      whitespace.

Whitespace
    - Whitespace = every character for which ``str.isspace()`` is true (incl.
      tab, CR, VT, FF, U+001C-U+001F, U+0085, U+00A0, U+1680, U+2000-U+200A,
      U+2028, U+2029, U+202F, U+205F, U+3000) PLUS the zero-width space U+200B
      and U+FEFF (BOM / zero-width no-break space), which are invisible and
      would otherwise defeat emptiness and repeat detection.
    - Other format characters are kept (ZWNJ U+200C, ZWJ U+200D, word joiner
      U+2060: they carry meaning in some scripts and emoji).
    - Only LF (U+000A) ends a paragraph. CR is plain whitespace: CRLF ends a
      paragraph through its LF, a lone CR does not. U+2028 and U+2029 do not end
      a paragraph either (the spec names U+2028 as whitespace to collapse).
    - Within a paragraph every whitespace run becomes one U+0020; leading and
      trailing whitespace is removed.

Paragraphs and result
    - A paragraph that is empty after collapsing is dropped.
    - "Repeated" means exactly equal after collapsing and trimming:
      case-sensitive, no Unicode normalisation (NFC vs NFD forms differ), no
      punctuation folding. The first occurrence is kept, order is preserved.
    - Paragraphs are joined with a single ``"\\n"``; no leading or trailing
      newline.
    - ``None``, ``""``, all-whitespace input, and input that leaves no text
      (e.g. only markup or ``&nbsp;``) -> ``None``.
    - Any non-``str``, non-``None`` input (e.g. a float NaN) raises
      ``TypeError``: the UDF wrapper must map pandas/Arrow nulls to ``None``.
    - Non-ASCII text is preserved unchanged (no case folding, no
      transliteration, no normalisation).
"""

from __future__ import annotations

import re
from html import unescape

__all__ = ["BLOCK_TAGS", "clean_description"]

#: Tag names (lower case) whose opening or closing tag ends a paragraph.
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "div", "li",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "dl", "dt", "dd", "menu",
        "table", "caption", "thead", "tbody", "tfoot", "tr",
        "blockquote", "pre", "hr", "address", "center",
        "article", "aside", "section", "header", "footer", "nav", "main",
        "figure", "figcaption", "details", "summary",
        "fieldset", "legend", "form", "dialog",
    }
)  # fmt: skip

# Attributes then ">": quoted values may contain ">"; if a quote is never closed,
# fall back to "up to the first >". The three alternatives start with disjoint
# characters, so a failed attempt backtracks in linear time. No possessive
# quantifiers or atomic groups: the pattern must compile on Python 3.10.
_ATTRS_THEN_GT = r"""(?:(?:[^>"']|"[^"]*"|'[^']*')*>|[^>]*>)"""
# A tag name ends at ASCII whitespace, "/" or ">" (HTML tokenizer rule).
_NAME_END = r"(?=[\s/>])"


def _raw_text_element(name: str) -> str:
    """Regex (after the leading ``<``) for a raw-text element with its content.

    Unclosed element (or unclosed end tag) -> everything to the end of the input.
    """
    return (
        rf"{name}{_NAME_END}{_ATTRS_THEN_GT}"
        rf"(?:.*?</{name}{_NAME_END}[^>]*(?:>|\Z)|.*\Z)"
    )


_BLOCK_NAMES = "|".join(sorted(map(re.escape, BLOCK_TAGS), key=len, reverse=True))

# One scan, branches tried in order after a shared "<". Only two branches have a
# named group, so ``match.lastgroup`` tells the replacement what was matched.
# re.ASCII: case-insensitive matching of tag names stays ASCII-only (no
# "ſcript" / Kelvin-sign surprises) and \s is the HTML ASCII whitespace set.
_MARKUP_RE = re.compile(
    "<(?:"
    + "|".join(
        (
            r"!--(?:-?>|.*?--!?>|.*\Z)",  # comment; unclosed -> to the end
            _raw_text_element("script"),
            _raw_text_element("style"),
            r"[!?][^>]*>",  # doctype, CDATA, processing instruction
            rf"(?P<block>/?(?:{_BLOCK_NAMES}){_NAME_END}{_ATTRS_THEN_GT})",
            # Any other start or end tag. _NAME_END after the name makes giving back
            # name characters fail at once (no polynomial backtracking).
            rf"/?[a-z][^\s/>]*{_NAME_END}{_ATTRS_THEN_GT}",
            # A would-be tag with no ">" left in the input can never close: the
            # rest of the input is text. Matching it in one go keeps the scan
            # linear (otherwise every later "<" would rescan to the end).
            r"(?P<literal>[a-z/!?][^>]*\Z)",
        )
    )
    + ")",
    re.ASCII | re.IGNORECASE | re.DOTALL,
)

#: Extra characters treated as whitespace on top of ``str.isspace()``
#: (zero-width space, BOM); keep in sync with the membership test below.
_EXTRA_WHITESPACE_TO_SPACE = str.maketrans({"\u200b": " ", "\ufeff": " "})

_PARAGRAPH_BREAK = "\n"


def _replace_markup(match: re.Match[str]) -> str:
    """Block tag -> paragraph break; any other markup construct -> one space.

    The ``literal`` branch (an unclosable ``<`` up to the end of the input) is
    kept as text, except that an unclosed comment inside it still drops
    everything from ``<!--`` to the end.
    """
    kind = match.lastgroup
    if kind is None:
        return " "
    if kind == "block":
        return _PARAGRAPH_BREAK
    literal = match.group()
    comment_start = literal.find("<!--")
    return literal if comment_start < 0 else literal[:comment_start] + " "


def clean_description(text: str | None) -> str | None:
    """Clean an HTML event description into newline-separated plain paragraphs.

    See the module docstring for the exact rule and every edge-case decision.

    Args:
        text: Raw description (HTML fragment or plain text), or ``None``.

    Returns:
        The cleaned paragraphs joined with ``"\\n"``, or ``None`` when the input
        is ``None`` or no non-whitespace text remains.

    Raises:
        TypeError: If ``text`` is neither ``str`` nor ``None``.

    Examples:
        >>> clean_description("<p>Hi &amp; welcome</p>")
        'Hi & welcome'
        >>> clean_description("<p>a</p><p>b</p><p>a</p>")
        'a\\nb'
        >>> clean_description("  <br> ") is None
        True
    """
    if text is None:
        return None
    if not isinstance(text, str):
        msg = f"clean_description expects str or None, got {type(text).__name__}"
        raise TypeError(msg)
    if "<" in text:
        text = _MARKUP_RE.sub(_replace_markup, text)

    seen: set[str] = set()
    paragraphs: list[str] = []
    for raw in text.split(_PARAGRAPH_BREAK):
        decoded = unescape(raw) if "&" in raw else raw
        if "\u200b" in decoded or "\ufeff" in decoded:
            decoded = decoded.translate(_EXTRA_WHITESPACE_TO_SPACE)
        paragraph = " ".join(decoded.split())
        if paragraph and paragraph not in seen:
            seen.add(paragraph)
            paragraphs.append(paragraph)
    return _PARAGRAPH_BREAK.join(paragraphs) if paragraphs else None
