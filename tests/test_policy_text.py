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
