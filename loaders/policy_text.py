"""Policy documents (markdown, HTML or plain text) as sections of numbered sentences."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from .errors import InputError, read_source


@dataclass(frozen=True)
class Sentence:
    """One sentence: its number in the document, its section, its first line in the file, whether
    it is an item of a list or a table row, the bold lead-in of its paragraph ("**With service
    providers:** We share ..."), and whether it belongs to a glossary entry rather than a practice."""

    number: int
    text: str
    section: str
    line: int
    item: bool = False
    lead: str = ""
    definition: bool = False


@dataclass
class PolicyDocument:
    """A policy split into sentences, with the file it came from."""

    source: str
    title: str
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All sentences joined, for document-level look-ups."""
        return " ".join(s.text for s in self.sentences)


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<![\w])_|_(?![\w]))")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|\((?:\d+|[a-z]|[ivx]+)\))\s+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LEAD_IN = re.compile(r"^\s*[_*]*\*\*(?P<lead>[^*]{2,90}?)\s*(?::\s*\*\*|\*\*\s*:)")
_ABBREVIATIONS = (
    "inc", "ltd", "co", "corp", "llc", "e.g", "i.e", "etc", "vs", "no", "mr", "mrs", "ms", "dr",
    "st", "blvd", "ave", "u.s", "u.k", "a.k.a", "approx", "dept", "jr", "sr", "p.o", "fig",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“(\[]?[A-Z0-9])")


def inline_text(text: str) -> str:
    """Markdown inline markup removed: links keep their text, emphasis marks go."""
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = html.unescape(text)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, not split after common abbreviations."""
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(paragraph):
        head = paragraph[start : m.start()].rstrip("\"'”’)")
        word = re.search(r"([\w.]+)\.$", head)
        abbrev = word.group(1) if word else ""
        if abbrev and (abbrev.lower() in _ABBREVIATIONS or len(abbrev) == 1 or "." in abbrev):
            continue
        parts.append(paragraph[start : m.start()].strip())
        start = m.end()
    parts.append(paragraph[start:].strip())
    return [p for p in parts if re.search(r"[A-Za-z]", p)]


class _HTMLText(HTMLParser):
    """HTML to markdown-like lines: headings become '#' lines, blocks become paragraphs."""

    BLOCKS: ClassVar[set[str]] = {"p", "div", "br", "tr", "ul", "ol", "table", "section", "article", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" | ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_lines(markup: str) -> str:
    """Visible text of an HTML page, laid out as markdown-like paragraphs."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


def _is_heading_line(raw: str, clean: str) -> bool:
    """A line that is wholly emphasised, or short, unpunctuated and title-like."""
    stripped = raw.strip()
    if not clean or len(clean) > 90:
        return False
    if re.fullmatch(r"[_*\s]*(\*\*|__)[^*_]+(\*\*|__)[_*\s:]*", stripped):
        return True
    words = clean.split()
    return (
        len(words) <= 8
        and not re.search(r"[.,;:!?]$", clean)
        and all(w[:1].isupper() or w.lower() in {"and", "of", "the", "to", "for", "in", "a", "our", "we", "you", "&"}
                for w in words)
    )


def _table_rows(lines: list[str]) -> list[str]:
    """Markdown table lines as 'Header: cell; Header: cell' sentences."""
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines if not _TABLE_SEP.match(ln)]
    if len(rows) < 2:
        return [" ".join(c for c in row if c) for row in rows]
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        cells = [f"{h}: {c}" if h else c for h, c in zip(header, row, strict=False) if c]
        out.append("; ".join(cells))
    return out


def parse_policy(source: str, raw: str) -> PolicyDocument:
    """Split policy text (markdown, HTML or plain) into titled sections of numbered sentences."""
    if re.search(r"<(html|body|p|div|h[1-6])\b", raw[:5000], re.I):
        raw = html_to_lines(raw)
    lines = raw.splitlines()
    doc = PolicyDocument(source=source, title="")
    section = ""
    para: list[tuple[int, str]] = []
    table: list[tuple[int, str]] = []
    number = 0
    item = False
    glossary = False  # inside a run of glossary entries ("**browser:** Short for web browser, ...")

    def emit(texts: list[str], line: int, is_item: bool, lead: str = "", definition: bool = False) -> None:
        nonlocal number
        for text in texts:
            for sent in split_sentences(text):
                number += 1
                doc.sentences.append(Sentence(number, sent, section, line, is_item, lead, definition))

    def flush() -> None:
        nonlocal item, glossary
        if para:
            lead_in = _LEAD_IN.match(para[0][1])
            lead = inline_text(lead_in.group("lead")) if lead_in else ""
            if lead_in:
                # a glossary writes its terms in lower case, or as acronyms among such terms ("SSL
                # (Secure Sockets Layer):"); a practice lead-in is a title
                first = lead.split()[0] if lead.split() else ""
                glossary = lead[:1].islower() or (glossary and len(first) > 1 and first.isupper())
            emit([inline_text(" ".join(t for _, t in para))], para[0][0], item, lead, glossary)
            para.clear()
        if table:
            emit([inline_text(r) for r in _table_rows([t for _, t in table])], table[0][0], True)
            table.clear()
        item = False

    for lineno, line in enumerate(lines, start=1):
        if line.lstrip().startswith("<!--") or not line.strip():
            flush()
            continue
        line = re.sub(r"^\s*>\s?", "", line)
        heading = _HEADING.match(line)
        clean = inline_text(line)
        if "|" in line and (table or _TABLE_SEP.match(lines[lineno] if lineno < len(lines) else "")):
            if para:
                flush()
            table.append((lineno, line))
            continue
        if heading or (not para and _is_heading_line(line, clean)):
            flush()
            glossary = False
            section = inline_text(heading.group(2) if heading else line).rstrip(":").strip()
            if not doc.title and heading:
                doc.title = section
            continue
        if _LIST_ITEM.match(line):
            flush()
            item = True
            line = _LIST_ITEM.sub("", line)
        para.append((lineno, line.strip()))
    flush()
    return doc


def read_policy(path: str | Path) -> PolicyDocument:
    """Read a policy file; a missing, empty or binary file raises :class:`InputError`."""
    data = read_source(path)
    if b"\x00" in data[:4096]:
        raise InputError(str(path), "binary data, not a policy text", "byte 0")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            raw = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(str(path), "not UTF-8 or Windows-1252 text", f"byte {exc.start}") from exc
    doc = parse_policy(str(path), raw)
    if not doc.sentences:
        raise InputError(str(path), "no sentences found: empty or not a policy text", "line 1")
    return doc
