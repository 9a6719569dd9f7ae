"""Exact-value tests for the event-description cleaning rule.

Each test is named after the rule (or documented decision) it pins; see the
docstring of :mod:`motors_meetup.text_cleaning` for the decisions.
"""

from __future__ import annotations

import pytest

from motors_meetup.text_cleaning import BLOCK_TAGS, clean_description

# --------------------------------------------------------------------------- nulls


def test_none_gives_none() -> None:
    assert clean_description(None) is None


def test_empty_string_gives_none() -> None:
    assert clean_description("") is None


def test_all_whitespace_gives_none() -> None:
    assert clean_description("   \n\t") is None


def test_unicode_whitespace_only_gives_none() -> None:
    assert clean_description("\u00a0\u2028\r\u3000") is None


def test_only_markup_gives_none() -> None:
    assert clean_description("<p></p><br/><div> </div>") is None


def test_only_nbsp_entities_gives_none() -> None:
    assert clean_description("<p>&nbsp;&#160;</p>") is None


def test_only_script_gives_none() -> None:
    assert clean_description("<script>alert(1)</script>") is None


def test_only_comment_gives_none() -> None:
    assert clean_description("<!-- nothing here -->") is None


def test_only_zero_width_spaces_gives_none() -> None:
    assert clean_description("\u200b&#8203;\ufeff") is None


def test_non_string_input_raises_type_error() -> None:
    with pytest.raises(TypeError):
        clean_description(float("nan"))  # type: ignore[arg-type]


# ------------------------------------------------------------------ spec example


def test_spec_worked_example_hi_amp_welcome() -> None:
    assert clean_description("<p>Hi &amp; welcome</p>") == "Hi & welcome"


def test_plain_text_passes_through() -> None:
    assert clean_description("Just text") == "Just text"


# ------------------------------------------------------------------ script/style


def test_script_dropped_with_content() -> None:
    assert clean_description("a<script>var x = 1;</script>b") == "a b"


def test_style_dropped_with_content() -> None:
    assert clean_description("a<style>p { color: red }</style>b") == "a b"


def test_uppercase_script_with_attributes_dropped() -> None:
    text = '<SCRIPT type="text/javascript" src="x.js">alert("hi")</SCRIPT>ok'
    assert clean_description(text) == "ok"


def test_mixed_case_style_with_attributes_dropped() -> None:
    assert clean_description('<Style media="all">b{}</sTyLe>ok') == "ok"


def test_script_content_containing_tags_dropped() -> None:
    text = "<p>a</p><script>document.write('<p>x</p>');</script><p>b</p>"
    assert clean_description(text) == "a\nb"


def test_script_attribute_with_gt_inside_quotes_dropped() -> None:
    assert clean_description('<script data-x="a>b">code</script>ok') == "ok"


def test_script_end_tag_with_whitespace_dropped() -> None:
    assert clean_description("<script>code</script >ok") == "ok"


def test_script_content_with_newlines_does_not_split() -> None:
    assert clean_description("a<script>\nx\ny\n</script>b") == "a b"


def test_unclosed_script_drops_to_end() -> None:
    assert clean_description("keep<script>var x;\n<p>lost</p>") == "keep"


def test_unclosed_style_drops_to_end() -> None:
    assert clean_description("keep<style>p {}\nmore") == "keep"


def test_unclosed_script_end_tag_drops_to_end() -> None:
    assert clean_description("keep<script>x</script") == "keep"


def test_two_scripts_each_dropped_text_between_kept() -> None:
    text = "<script>a</script>mid<script>b</script>"
    assert clean_description(text) == "mid"


def test_tag_merely_starting_with_script_is_not_script() -> None:
    assert clean_description("<scripts>kept</scripts>") == "kept"


def test_title_and_textarea_content_is_kept() -> None:
    assert clean_description("<title>T</title><textarea>U</textarea>") == "T U"


def test_noscript_content_is_kept() -> None:
    assert clean_description("<noscript>Enable JS</noscript>") == "Enable JS"


# -------------------------------------------------------------------- block tags


def test_br_splits_paragraphs() -> None:
    assert clean_description("a<br>b") == "a\nb"


def test_self_closing_br_splits_paragraphs() -> None:
    assert clean_description("a<br/>b") == "a\nb"


def test_self_closing_br_with_space_splits_paragraphs() -> None:
    assert clean_description("a<br />b") == "a\nb"


def test_uppercase_br_splits_paragraphs() -> None:
    assert clean_description("a<BR>b") == "a\nb"


def test_div_splits_paragraphs() -> None:
    assert clean_description("<div>a</div><div>b</div>") == "a\nb"


def test_li_splits_paragraphs() -> None:
    assert clean_description("<ul><li>a</li><li>b</li></ul>") == "a\nb"


def test_h2_splits_paragraphs() -> None:
    assert clean_description("<h2>Title</h2>Body") == "Title\nBody"


def test_p_splits_paragraphs() -> None:
    assert clean_description("<p>a</p><p>b</p>") == "a\nb"


def test_opening_block_tag_alone_splits() -> None:
    assert clean_description("a<p>b") == "a\nb"


def test_closing_block_tag_alone_splits() -> None:
    assert clean_description("a</div>b") == "a\nb"


def test_block_tag_with_attributes_splits() -> None:
    assert clean_description("a<div class=\"x\" id='y'>b") == "a\nb"


@pytest.mark.parametrize("tag", ["h1", "h2", "h3", "h4", "h5", "h6"])
def test_every_heading_level_splits(tag: str) -> None:
    assert clean_description(f"a<{tag}>b</{tag}>c") == "a\nb\nc"


@pytest.mark.parametrize(
    "tag",
    ["ul", "ol", "tr", "blockquote", "pre", "hr", "section", "table", "dd"],
)
def test_extra_block_tags_split(tag: str) -> None:
    assert clean_description(f"a<{tag}>b") == "a\nb"


def test_table_cells_are_inline_rows_are_blocks() -> None:
    text = "<table><tr><td>Date</td><td>Mon</td></tr><tr><td>Venue</td></tr></table>"
    assert clean_description(text) == "Date Mon\nVenue"


def test_tag_name_merely_starting_with_block_name_is_inline() -> None:
    assert clean_description("a<param>b<progress>c<h7>d") == "a b c d"


def test_block_tag_set_contains_spec_minimum() -> None:
    required = {"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
    assert required <= BLOCK_TAGS


def test_block_tag_set_excludes_inline_tags() -> None:
    assert not {"b", "i", "a", "span", "em", "strong", "td", "th"} & BLOCK_TAGS


# ------------------------------------------------------------------- inline tags


def test_inline_tag_becomes_space() -> None:
    assert clean_description("foo<b>bar</b>") == "foo bar"


def test_inline_tag_space_collapses_with_neighbours() -> None:
    assert clean_description("foo <b> bar </b> baz") == "foo bar baz"


def test_anchor_attribute_with_gt_in_double_quotes_is_one_tag() -> None:
    assert clean_description('see <a href="x>y">link</a>') == "see link"


def test_anchor_attribute_with_gt_in_single_quotes_is_one_tag() -> None:
    assert clean_description("see <a title='1 > 0'>link</a>") == "see link"


def test_attribute_with_lt_in_quotes_is_one_tag() -> None:
    assert clean_description('<img alt="<b>">x') == "x"


def test_unbalanced_quote_tag_ends_at_first_gt() -> None:
    assert clean_description('<a title="x>y') == "y"


def test_tag_spanning_lines_does_not_split() -> None:
    assert clean_description('a<span\nclass="x">b</span>') == "a b"


def test_uppercase_inline_tag_becomes_space() -> None:
    assert clean_description("foo<SPAN>bar</SPAN>") == "foo bar"


# ------------------------------------------------------------------ literal "<"


def test_lt_followed_by_space_is_text() -> None:
    assert clean_description("a < b") == "a < b"


def test_lt_followed_by_digit_is_text() -> None:
    assert clean_description("I <3 cars") == "I <3 cars"


def test_lt_letter_without_closing_gt_is_text() -> None:
    assert clean_description("x <y") == "x <y"


def test_unclosable_lt_keeps_rest_including_line_feeds() -> None:
    assert clean_description("x <y\nz &amp; w") == "x <y\nz & w"


def test_unclosed_comment_after_unclosable_lt_still_dropped() -> None:
    assert clean_description("x <y <!-- gone") == "x <y"


def test_bare_end_tag_without_letter_is_text() -> None:
    assert clean_description("a </ > b") == "a </ > b"


# -------------------------------------------------------- comments and doctype


def test_comment_dropped() -> None:
    assert clean_description("a<!-- hidden -->b") == "a b"


def test_comment_with_tags_and_newline_dropped_without_split() -> None:
    assert clean_description("a<!-- <p>x</p>\n -->b") == "a b"


def test_empty_comment_forms_dropped() -> None:
    assert clean_description("a<!-->b<!--->c") == "a b c"


def test_unclosed_comment_drops_to_end() -> None:
    assert clean_description("keep<!-- never closed\n<p>x</p>") == "keep"


def test_doctype_dropped() -> None:
    assert clean_description("<!DOCTYPE html>hello") == "hello"


def test_comment_closed_with_bang_dropped() -> None:
    assert clean_description("a<!-- x --!>b") == "a b"


def test_cdata_dropped_up_to_first_gt() -> None:
    assert clean_description("a<![CDATA[x]]>b") == "a b"


def test_bang_without_gt_is_text() -> None:
    assert clean_description("wow<!") == "wow<!"


def test_processing_instruction_dropped() -> None:
    assert clean_description('<?xml version="1.0"?>hello') == "hello"


# -------------------------------------------------------------------- entities


def test_amp_lt_decodes_once_to_literal_lt_entity_text() -> None:
    assert clean_description("&amp;lt;") == "&lt;"


def test_escaped_tag_decodes_to_literal_text_not_tag() -> None:
    assert clean_description("&lt;b&gt;") == "<b>"


def test_escaped_script_is_text_not_dropped() -> None:
    text = "&lt;script&gt;x&lt;/script&gt;"
    assert clean_description(text) == "<script>x</script>"


def test_escaped_br_does_not_split() -> None:
    assert clean_description("a&lt;br&gt;b") == "a<br>b"


def test_numeric_decimal_apostrophe() -> None:
    assert clean_description("it&#39;s") == "it's"


def test_numeric_hex_apostrophe() -> None:
    assert clean_description("it&#x27;s") == "it's"


def test_named_eacute() -> None:
    assert clean_description("caf&eacute;") == "café"


def test_double_encoded_amp_decodes_once() -> None:
    assert clean_description("&amp;amp;") == "&amp;"


def test_entity_without_semicolon_follows_html_unescape() -> None:
    assert clean_description("R&amp D &#39quote&eacute") == "R& D 'quoteé"


def test_entity_prefix_match_follows_html_unescape() -> None:
    assert clean_description("&notit;") == "\u00acit;"


def test_numeric_zero_entity_becomes_replacement_char() -> None:
    assert clean_description("a&#0;b") == "a\ufffdb"


def test_numeric_c1_entity_follows_windows_1252() -> None:
    assert clean_description("a&#150;b&#x80;") == "a\u2013b\u20ac"


def test_uppercase_hex_numeric_entity() -> None:
    assert clean_description("&#X41;") == "A"


def test_unknown_entity_kept_verbatim() -> None:
    assert clean_description("&foo; bar") == "&foo; bar"


def test_bare_ampersand_kept() -> None:
    assert clean_description("Tom & Jerry") == "Tom & Jerry"


def test_decoded_nbsp_is_collapsed_whitespace() -> None:
    assert clean_description("a&nbsp;&nbsp; b") == "a b"


def test_decoded_line_feed_is_whitespace_not_paragraph_break() -> None:
    assert clean_description("a&#10;&#10;b") == "a b"


def test_entity_split_by_tag_is_not_decoded() -> None:
    assert clean_description("&am<b>p;") == "&am p;"


def test_tag_chars_inside_attribute_entities_irrelevant() -> None:
    assert clean_description('<a title="&lt;p&gt;">x</a>') == "x"


# ------------------------------------------------------------------ whitespace


def test_whitespace_collapse_nbsp() -> None:
    assert clean_description("a\u00a0\u00a0b") == "a b"


def test_whitespace_collapse_line_separator_u2028() -> None:
    assert clean_description("a\u2028b") == "a b"


def test_whitespace_collapse_paragraph_separator_u2029() -> None:
    assert clean_description("a\u2029b") == "a b"


def test_whitespace_collapse_tabs() -> None:
    assert clean_description("a\t\tb") == "a b"


def test_whitespace_collapse_carriage_return() -> None:
    assert clean_description("a\rb") == "a b"


def test_whitespace_collapse_mixed_run() -> None:
    assert clean_description("a \t\u00a0\u2028\r\u3000\u2009 b") == "a b"


def test_whitespace_collapse_zero_width_space() -> None:
    assert clean_description("a\u200bb") == "a b"


def test_whitespace_collapse_bom() -> None:
    assert clean_description("\ufeffhello") == "hello"


def test_zero_width_joiner_is_not_whitespace() -> None:
    assert clean_description("a\u200db") == "a\u200db"


def test_word_joiner_is_not_whitespace() -> None:
    assert clean_description("a\u2060b") == "a\u2060b"


def test_information_separators_are_whitespace() -> None:
    assert clean_description("a\x1c\x1fb") == "a b"


def test_next_line_u0085_is_whitespace_not_break() -> None:
    assert clean_description("a\u0085b") == "a b"


def test_decoded_zero_width_space_entity_is_whitespace() -> None:
    assert clean_description("a&#8203;b") == "a b"


def test_paragraph_is_trimmed() -> None:
    assert clean_description("<p>  \u00a0 hi \t </p>") == "hi"


# -------------------------------------------------------------- line feeds


def test_source_line_feed_ends_paragraph() -> None:
    assert clean_description("a\nb") == "a\nb"


def test_crlf_ends_paragraph_and_cr_collapsed() -> None:
    assert clean_description("a\r\nb") == "a\nb"


def test_line_feed_and_block_tag_together_give_one_break() -> None:
    assert clean_description("a<br>\nb") == "a\nb"


# ---------------------------------------------------------------- paragraphs


def test_empty_paragraphs_dropped() -> None:
    assert clean_description("<p>a</p><p> </p><p></p>\n\n<p>b</p>") == "a\nb"


def test_repeated_paragraphs_keep_first() -> None:
    assert clean_description("<p>a</p><p>b</p><p>a</p><p>c</p>") == "a\nb\nc"


def test_repeated_paragraphs_keep_first_occurrence_order() -> None:
    assert clean_description("b\na\nb\nc\na") == "b\na\nc"


def test_repeat_after_whitespace_collapse_is_dropped() -> None:
    assert clean_description("<p>Hello  world</p><p> Hello\u00a0world\t</p>") == (
        "Hello world"
    )


def test_repeat_after_entity_decoding_is_dropped() -> None:
    assert clean_description("<p>A &amp; B</p><p>A & B</p>") == "A & B"


def test_repeat_detection_is_case_sensitive() -> None:
    assert clean_description("Hello\nhello") == "Hello\nhello"


def test_repeat_detection_does_not_normalise_unicode() -> None:
    assert clean_description("caf\u00e9\ncafe\u0301") == "caf\u00e9\ncafe\u0301"


def test_joined_with_newline_no_trailing_newline() -> None:
    result = clean_description("<p>a</p><p>b</p>\n")
    assert result == "a\nb"
    assert not result.endswith("\n")


def test_no_leading_newline() -> None:
    assert clean_description("\n<br><p>a</p>") == "a"


# ------------------------------------------------------------------- non-ASCII


def test_non_ascii_preserved() -> None:
    text = "<p>Zürich – 東京 🚗 Ελλάδα</p>"
    assert clean_description(text) == "Zürich – 東京 🚗 Ελλάδα"


def test_non_ascii_case_not_folded() -> None:
    assert clean_description("ÉVÉNEMENT") == "ÉVÉNEMENT"


# ----------------------------------------------------------------- realistic


def test_realistic_meetup_description() -> None:
    text = (
        "<h2>Motors &amp; Coffee</h2>\r\n"
        "<p>Join us\u00a0at <b>the garage</b>!</p>"
        "<script>track()</script>"
        "<ul><li>Bring your car</li><li>Bring   your car</li></ul>"
        "<p>Q&amp;A: &lt;tbd&gt;</p>"
    )
    assert clean_description(text) == (
        "Motors & Coffee\nJoin us at the garage !\nBring your car\nQ&A: <tbd>"
    )
