"""Policy documents: sections, sentences, lists, tables, HTML and bad files."""

import pytest
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.policy_text import parse_policy, read_policy, split_sentences


def test_sentences_do_not_split_after_abbreviations():
    text = "BlueSnap, Inc. complies with the U.S. – E.U. Safe Harbor framework. We use clear gifs (a.k.a. beacons)."
    assert split_sentences(text) == [
        "BlueSnap, Inc. complies with the U.S. – E.U. Safe Harbor framework.",
        "We use clear gifs (a.k.a. beacons).",
    ]


def test_markdown_sections_lists_and_lines():
    raw = ("# Policy\n\n**Cookies  **\n\nWe use cookies. They expire.\n\n"
           "- We collect your name.\n- We collect your zip code.\n")
    doc = parse_policy("p.md", raw)
    assert doc.title == "Policy"
    assert [(s.section, s.text, s.line) for s in doc.sentences] == [
        ("Cookies", "We use cookies.", 5),
        ("Cookies", "They expire.", 5),
        ("Cookies", "We collect your name.", 7),
        ("Cookies", "We collect your zip code.", 8),
    ]
    assert [s.number for s in doc.sentences] == [1, 2, 3, 4]


def test_markdown_links_and_emphasis_are_text():
    doc = parse_policy("p.md", "Contact **us** at [our page](http://x.example/a) or <mailto:a@b.example>.\n")
    assert doc.sentences[0].text == "Contact us at our page or mailto:a@b.example."


def test_markdown_table_rows_become_sentences():
    raw = "Data | Shared with\n---|---\nE-mail address | payment processors\n"
    doc = parse_policy("p.md", raw)
    assert [s.text for s in doc.sentences] == ["Data: E-mail address; Shared with: payment processors"]


def test_html_headings_and_paragraphs():
    raw = "<html><body><h2>Sharing</h2><p>We share your name with merchants.</p><script>x()</script></body></html>"
    doc = parse_policy("p.html", raw)
    assert [(s.section, s.text) for s in doc.sentences] == [("Sharing", "We share your name with merchants.")]


@pytest.mark.parametrize("content, place",
                         [(b"", "line 1"), (b"\x00\x01\x02garbage", "byte 0"), (b"\n\n  \n", "line 1")])
def test_bad_files_name_the_file_and_place(tmp_path, content, place):
    p = tmp_path / "bad.md"
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_policy(p)
    assert str(p) in str(err.value) and place in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.md"):
        read_policy(tmp_path / "missing.md")


def test_bold_lead_ins_and_glossary_entries():
    raw = ("## Sharing\n\n**With service providers:** We share your name with them.\n\n"
           "**browser:** Short for web browser.\n\nA browser shows pages.\n\n"
           "**With your consent:** We share data.\n\n## Next\n\nWe collect your name.\n")
    doc = parse_policy("p.md", raw)
    rows = [(s.lead, s.definition) for s in doc.sentences]
    assert rows == [("With service providers", False), ("browser", True), ("", True),
                    ("With your consent", False), ("", False)]


WRAPPED = ("# Policy\n\nWe collect your name when you\nregister. We share your e-mail\n"
           "address with **payment** processors. We do\nnot sell data.\n\n"
           "- We use [cookies](http://x.example/c).\n  They expire.\n\n"
           "| Data | With |\n|---|---|\n| name | processors |\n| email | partners |\n")


def _places(raw: str, source: str = "p.md") -> list[tuple[int, int, int, int, str]]:
    lines = raw.splitlines()
    out = []
    for s in parse_policy(source, raw).sentences:
        start = lines[s.line - 1][s.column - 1:]
        end = lines[s.end_line - 1][: s.end_column]
        out.append((s.line, s.column, s.end_line, s.end_column, start[:6] + "…" + end[-4:]))
    return out


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_sentences_of_wrapped_paragraphs_cite_the_line_and_columns_where_they_stand(newline):
    raw = WRAPPED.replace("\n", newline)
    assert _places(raw) == [
        (3, 1, 4, 9, "We col…ter."),
        (4, 11, 5, 36, "We sha…ors."),
        (5, 38, 6, 14, "We do…ata."),
        (8, 3, 8, 39, "We use…/c)."),  # a link's target is inside the span, never its end
        (9, 3, 9, 14, "They e…ire."),
        (13, 1, 13, 21, "| name…rs |"),  # a table row is placed on its own line
        (14, 1, 14, 20, "| emai…rs |"),
    ]


def test_html_sentences_cite_their_place_in_the_markup():
    raw = ("<html><body>\n<h2>Sharing</h2>\n<p>We share your name\n   with merchants. We &amp; they use\n"
           " cookies.</p>\n<ul><li>We sell nothing.</li></ul></body></html>")
    assert _places(raw, "p.html") == [
        (3, 4, 4, 18, "We sha…nts."),
        (4, 20, 5, 9, "We &am…ies."),
        (6, 9, 6, 24, "We sel…ing."),
    ]
