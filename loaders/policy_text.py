"""Policy documents (markdown, HTML or plain text) as sections of numbered sentences."""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from .errors import InputError, read_source


@dataclass(frozen=True)
class Sentence:
    """One sentence: its number in the document, its section, the line of the file where it starts,
    whether it is an item of a list or a table row, the bold lead-in of its paragraph ("**With service
    providers:** We share ..."), whether it belongs to a glossary entry rather than a practice, and
    where in the file it stands: ``line``:``column`` to ``end_line``:``end_column`` (1-based, in
    characters, the end inclusive; for HTML, places in the markup)."""

    number: int
    text: str
    section: str
    line: int
    item: bool = False
    lead: str = ""
    definition: bool = False
    column: int = 1
    end_line: int = 0
    end_column: int = 0


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
_LINK_TARGET = re.compile(r"(?<=\])\([^)]*\)")
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
        self.size = 0  # characters written to ``out``
        self.anchors: list[tuple[int, int, int]] = []  # (offset in the text, line, column) of each word
        self._skip = 0

    def _write(self, text: str) -> None:
        self.out.append(text)
        self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._write("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self._write("\n- ")
        elif tag in ("td", "th"):
            self._write(" | ")
        elif tag in self.BLOCKS:
            self._write("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self._write("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        line, col = self.getpos()
        pos = 0
        for m in re.finditer(r"\s+|\S+", data):
            chunk = m.group()
            # where the chunk starts in the markup (character references were already decoded, so a
            # word after one is placed approximately)
            newlines = data.count("\n", pos, m.start())
            if newlines:
                line, col = line + newlines, m.start() - data.rindex("\n", pos, m.start()) - 1
            else:
                col += m.start() - pos
            pos = m.start()
            if chunk.isspace():
                self._write(" ")
            else:
                self.anchors.append((self.size, line, col + 1))
                self._write(chunk)


def html_to_lines(markup: str) -> str:
    """Visible text of an HTML page, laid out as markdown-like paragraphs."""
    return _html_text(markup)[0]


def _html_text(markup: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The visible text and, for each word of it, its offset there and its line and column in ``markup``."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out), parser.anchors


class _Places:
    """Maps a place in the text being split (line, column) to the place in the file, through the
    words' anchors when the text was made from HTML."""

    def __init__(self, text: str, anchors: list[tuple[int, int, int]] | None):
        self.anchors = anchors
        self.keys = [a[0] for a in anchors or []]
        self.starts = [0]
        for ln in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(ln))

    def __call__(self, line: int, col: int) -> tuple[int, int]:
        if not self.anchors:
            return line, col
        offset = self.starts[line - 1] + col - 1
        i = bisect.bisect_right(self.keys, offset) - 1
        if i < 0:
            return 1, 1
        at, src_line, src_col = self.anchors[i]
        return src_line, src_col + (offset - at)


def _align(clean: str, raw: str, window: int = 400) -> list[int]:
    """For each character of ``clean`` (``raw`` with its markup removed and spaces collapsed), the
    offset of the same character in ``raw``; a character markup created (a decoded entity) takes
    the offset reached so far."""
    out, j = [], 0
    for ch in clean:
        k = j
        end = min(len(raw), j + window)
        while k < end and not (raw[k] == ch or (ch.isspace() and raw[k].isspace())):
            k += 1
        if k < end:
            out.append(k)
            j = k + 1
        else:
            out.append(min(j, max(len(raw) - 1, 0)))
    return out


def _is_heading_line(raw: str, clean: str, titles: bool = True) -> bool:
    """A line that is wholly emphasised, or (with ``titles``) short, unpunctuated and title-like."""
    stripped = raw.strip()
    if not clean or len(clean) > 90:
        return False
    if re.fullmatch(r"[_*\s]*(\*\*|__)[^*_]+(\*\*|__)[_*\s:]*", stripped):
        return True
    words = clean.split()
    return (
        titles
        and len(words) <= 8
        and not re.search(r"[.,;:!?]$", clean)
        and all(w[:1].isupper() or w.lower() in {"and", "of", "the", "to", "for", "in", "a", "our", "we", "you", "&"}
                for w in words)
    )


def _table_rows(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Markdown table lines (line number, text) as 'Header: cell; Header: cell' sentences, each with its line."""
    rows = [(n, [c.strip() for c in ln.strip().strip("|").split("|")]) for n, ln in lines if not _TABLE_SEP.match(ln)]
    if len(rows) < 2:
        return [(n, " ".join(c for c in row if c)) for n, row in rows]
    header, body = rows[0][1], rows[1:]
    out = []
    for n, row in body:
        cells = [f"{h}: {c}" if h else c for h, c in zip(header, row, strict=False) if c]
        out.append((n, "; ".join(cells)))
    return out


def parse_policy(source: str, raw: str) -> PolicyDocument:
    """Split policy text (markdown, HTML or plain) into titled sections of numbered sentences."""
    anchors = None
    if re.search(r"<(html|body|p|div|h[1-6])\b", raw[:5000], re.I):
        raw, anchors = _html_text(raw)
    place = _Places(raw, anchors)
    lines = raw.splitlines()
    doc = PolicyDocument(source=source, title="")
    section = ""
    para: list[tuple[int, int, str]] = []  # (line, column where the kept text starts, text)
    table: list[tuple[int, str]] = []
    number = 0
    item = False
    glossary = False  # inside a run of glossary entries ("**browser:** Short for web browser, ...")

    def emit(parts: list[tuple[int, int, str]], is_item: bool, lead: str = "", definition: bool = False,
             span: tuple[int, int] | None = None) -> None:
        """Split the lines ``parts`` (line, column, text) into sentences placed where they stand, or
        all at ``span`` (a line and its length)."""
        nonlocal number
        joined, where = "", []
        for line, col, text in parts:
            if joined:
                joined += " "
                where.append(where[-1])
            joined += text
            where += [(line, col + i) for i in range(len(text))]
        clean = inline_text(joined)
        # a link's target is markup: masked, so that nothing of the sentence is matched inside it
        at = _align(clean, _LINK_TARGET.sub(lambda m: "\0" * len(m.group()), joined))
        cursor = 0
        for sent in split_sentences(clean):
            start = clean.find(sent, cursor)
            start = max(start, cursor)
            end = min(start + len(sent), len(clean)) - 1
            cursor = end + 1
            if span:
                (line, col), (end_line, end_col) = place(span[0], 1), place(span[0], max(span[1], 1))
            else:
                (line, col), (end_line, end_col) = place(*where[at[start]]), place(*where[at[end]])
            number += 1
            doc.sentences.append(Sentence(number, sent, section, line, is_item, lead, definition, col, end_line,
                                          end_col))

    def flush() -> None:
        nonlocal item, glossary
        if para:
            lead_in = _LEAD_IN.match(para[0][2])
            lead = inline_text(lead_in.group("lead")) if lead_in else ""
            if lead_in:
                # a glossary writes its terms in lower case, or as acronyms among such terms ("SSL
                # (Secure Sockets Layer):"); a practice lead-in is a title
                first = lead.split()[0] if lead.split() else ""
                glossary = lead[:1].islower() or (glossary and len(first) > 1 and first.isupper())
            emit(list(para), item, lead, glossary)
            para.clear()
        if table:
            for row_line, row in _table_rows(table):
                # a row's sentence is rebuilt from its header and cells: it is placed at the whole row
                emit([(row_line, 1, row)], True, span=(row_line, len(lines[row_line - 1])))
            table.clear()
        item = False

    for lineno, line in enumerate(lines, start=1):
        if line.lstrip().startswith("<!--") or not line.strip():
            flush()
            continue
        col = 1
        quote = re.match(r"^\s*>\s?", line)
        if quote:
            col, line = col + quote.end(), line[quote.end():]
        heading = _HEADING.match(line)
        clean = inline_text(line)
        if "|" in line and (table or _TABLE_SEP.match(lines[lineno] if lineno < len(lines) else "")):
            if para:
                flush()
            table.append((lineno, line))
            continue
        # an item of a list is a heading only if it is wholly emphasised ("* Mixpanel" names a party)
        if heading or (not para and _is_heading_line(line, clean, titles=not _LIST_ITEM.match(line))):
            flush()
            glossary = False
            section = inline_text(heading.group(2) if heading else line).rstrip(":").strip()
            if not doc.title and heading:
                doc.title = section
            continue
        bullet = _LIST_ITEM.match(line)
        if bullet:
            flush()
            item = True
            col, line = col + bullet.end(), line[bullet.end():]
        indent = len(line) - len(line.lstrip())
        para.append((lineno, col + indent, line.strip()))
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
