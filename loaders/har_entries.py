"""Fast streaming of the entries of a HAR file: only the parts the HAR loader reads are decoded.

The file is mapped into memory and read through a window widened by :data:`CHUNK_BYTES` at a time (no
copy: msgspec decodes the mapped pages, and pages behind the window are given back to the system); the
entries array is cut into runs of whole entries
and each run is decoded at once by ``msgspec`` into small typed structs that name only what the loader
looks at (the URL, method, headers, cookies and post data of the request; the status, headers, cookies
and content type and size of the response; the resource-type keys of the beacon lexicon). The header and
cookie lists stay raw JSON (``msgspec.Raw``, checked but not built), for the loader to search for the few
names it reads; everything else (timings, query-string lists, initiator stacks, response bodies) is skipped
by msgspec's C scanner without building a Python object, and a response body is only looked at when it
may be a 1×1 GIF.

Where a run ends is found without parsing it in Python: the bytes between the first two entries (the
closing brace, comma, opening brace and first key, with their whitespace) are learnt once, and the last
occurrence of that separator in the window is tried as the end of a run. A JSON value starting at an
entry's first byte has exactly one end, so a run that decodes is a run of whole entries; a run that does
not decode is cut entry by entry with a small scanner of strings and brackets. Memory holds the window
and the structs of one run, whatever the size of the file.

Anything this reader does not expect (the ``entries`` key not found where the header says, a run that
does not decode even entry by entry, an entry of a shape the structs refuse) raises :class:`Unexpected`;
the loader then reads the file again with its general streaming parser, which reports the exact problem.
"""

from __future__ import annotations

import contextlib
import mmap
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

CHUNK_BYTES = 1 << 20
#: An entry (or a header before the entries) larger than this is left to the general parser.
MAX_ENTRY_BYTES = 32 << 20
BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
# A string (possessive, so a string the buffer cuts off is one match to its end, group q unset, instead of
# a retry from every quote inside it) or a bracket.
_TOKEN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?P<q>")?|[{}\[\]]')
_ENTRIES = re.compile(rb'"entries"\s*:\s*\[')
_AFTER = re.compile(rb'\s*,\s*\{\s*"[^"\\]*(?:\\.[^"\\]*)*"')
_OPEN = frozenset(b"{[")
_SEQUENTIAL = getattr(mmap, "MADV_SEQUENTIAL", None)
_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)


class Unexpected(Exception):
    """The file is not shaped the way the fast reader expects; read it with the general parser."""


EMPTY = msgspec.Raw(b"")


class Content(msgspec.Struct, gc=False):
    """``response.content``: the body itself stays raw JSON (looked at only for a 1×1 GIF)."""

    size: Any = None
    mimeType: Any = None
    encoding: Any = None
    text: msgspec.Raw = EMPTY


class Request(msgspec.Struct, gc=False):
    """What the loader reads of ``request``; the header and cookie lists stay raw JSON (searched for the few
    names the loader reads before anything is decoded)."""

    url: Any = None
    method: Any = None
    headers: msgspec.Raw = EMPTY
    cookies: msgspec.Raw = EMPTY
    postData: Any = None


class Response(msgspec.Struct, gc=False):
    """What the loader reads of ``response`` (header and cookie lists raw, as in :class:`Request`)."""

    status: Any = None
    headers: msgspec.Raw = EMPTY
    cookies: msgspec.Raw = EMPTY
    content: Content | None = None
    bodySize: Any = None


@cache
def entry_type(extra_keys: tuple[str, ...]) -> type[msgspec.Struct]:
    """The struct of one entry: request, response, ``startedDateTime`` and the ``extra_keys`` (strings)."""
    fields: list[tuple[str, Any, Any]] = [("request", Request | None, None), ("response", Response | None, None),
                                          ("startedDateTime", Any, None)]
    fields += [(f"x{k}", Any, msgspec.field(default=None, name=key)) for k, key in enumerate(extra_keys)]
    return msgspec.defstruct("Entry", fields, gc=False)   # no cycles: not tracked by the collector


def _raw(value: Any) -> msgspec.Raw:
    return EMPTY if value is None else msgspec.Raw(msgspec.json.encode(value))


def from_dict(entry: dict[str, Any], extra_keys: tuple[str, ...]) -> Any:
    """The struct :func:`iter_entries` gives for an entry already parsed into dicts (by the general parser or
    built by another loader); ``entry["request"]`` is a dict and ``entry["response"]`` a dict or None.

    >>> e = from_dict({"request": {"url": "https://a.example/", "headers": []}}, ("_resourceType",))
    >>> e.request.url, bytes(e.request.headers), e.response
    ('https://a.example/', b'[]', None)
    """
    req, resp = entry["request"], entry.get("response")
    request = Request(url=req.get("url"), method=req.get("method"), headers=_raw(req.get("headers")),
                      cookies=_raw(req.get("cookies")), postData=req.get("postData"))
    response = None
    if resp is not None:
        c = resp.get("content")
        content = None
        if isinstance(c, dict):
            content = Content(size=c.get("size"), mimeType=c.get("mimeType"), encoding=c.get("encoding"),
                              text=_raw(c["text"]) if isinstance(c.get("text"), str) else EMPTY)
        response = Response(status=resp.get("status"), headers=_raw(resp.get("headers")),
                            cookies=_raw(resp.get("cookies")), content=content, bodySize=resp.get("bodySize"))
    extra = {f"x{k}": entry.get(key) for k, key in enumerate(extra_keys)}
    return entry_type(extra_keys)(request=request, response=response, startedDateTime=entry.get("startedDateTime"),
                                  **extra)


def _decoded(raw: msgspec.Raw) -> Any:
    return msgspec.json.decode(raw) if raw else None


def as_dict(entry: msgspec.Struct, extra_keys: tuple[str, ...]) -> dict[str, Any]:
    """The entry as the nested dicts the loader reads (only the decoded parts, absent ones left out)."""
    out: dict[str, Any] = {}
    req = entry.request
    if req is not None:
        out["request"] = {k: v for k, v in (("url", req.url), ("method", req.method),
                                            ("headers", _decoded(req.headers)), ("cookies", _decoded(req.cookies)),
                                            ("postData", req.postData)) if v is not None}
    resp = entry.response
    if resp is not None:
        r: dict[str, Any] = {k: v for k, v in (("status", resp.status), ("headers", _decoded(resp.headers)),
                                               ("cookies", _decoded(resp.cookies)), ("bodySize", resp.bodySize))
                             if v is not None}
        c = resp.content
        if c is not None:
            content = {k: v for k, v in (("size", c.size), ("mimeType", c.mimeType), ("encoding", c.encoding))
                       if v is not None}
            if memoryview(c.text)[:7].tobytes() == b'"R0lGOD':   # a GIF: decode its body
                content["text"] = msgspec.json.decode(c.text)
            r["content"] = content
        out["response"] = r
    if entry.startedDateTime is not None:
        out["startedDateTime"] = entry.startedDateTime
    for k, key in enumerate(extra_keys):
        value = getattr(entry, f"x{k}")
        if value is not None:
            out[key] = value
    return out


def value_end(buf: Any, pos: int, endpos: int | None = None) -> int | None:
    """The index just past the JSON object or array starting at ``buf[pos]``, or None if ``buf`` (or
    ``buf[:endpos]``) ends first."""
    depth = 0
    for m in _TOKEN.finditer(buf, pos, len(buf) if endpos is None else endpos):
        c = buf[m.start()]
        if c == 0x22:   # a string: skipped whole, unless the buffer ends inside it
            if m.group("q") is None:
                return None
            continue
        depth += 1 if c in _OPEN else -1
        if depth == 0:
            return m.end()
    return None


class _Window:
    """A window ``data[pos:end]`` on the file mapped into memory copy-on-write (a run is decoded in place
    by writing ``[`` before it and ``]`` after it, which never reaches the file). Nothing is copied: msgspec
    decodes the mapped pages, and the pages before the window are given back to the system as it moves on,
    so the memory in use is the window's, whatever the size of the file."""

    def __init__(self, fh: BinaryIO, progress: Callable[[int], object] | None = None):
        try:
            self.data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        except (OSError, ValueError) as exc:   # empty, or not a regular file
            raise Unexpected(f"cannot map the file: {exc}") from exc
        if _SEQUENTIAL is not None:
            self.data.madvise(_SEQUENTIAL)
        self.size = len(self.data)
        self.progress = progress
        self.pos = len(BOM) if self.data[:len(BOM)] == BOM else 0
        self.end = 0
        self.released = 0   # pages before this offset were given back
        self.eof = False

    def more(self) -> bool:
        """Widen the window by a chunk (giving back the pages before it); False at the end of the file."""
        if self.end >= self.size:
            self.eof = True
            return False
        end = min(self.size, self.end + CHUNK_BYTES)
        if self.progress is not None:
            self.progress(end - self.end)
        self.end = end
        self.eof = end >= self.size
        done = (self.pos - 1) // mmap.PAGESIZE * mmap.PAGESIZE
        if _DONTNEED is not None and done - self.released >= CHUNK_BYTES:
            self.data.madvise(_DONTNEED, self.released, done - self.released)
            self.released = done
        return True

    def skip_ws(self) -> int | None:
        """Skip whitespace; the next byte, or None at the end of the file."""
        while True:
            data, pos, end = self.data, self.pos, self.end
            while pos < end and data[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < end:
                return data[pos]
            if not self.more():
                return None

    def close(self) -> None:
        """Unmap the file, unless decoded raw values still point into it (then it goes with the last one)."""
        with contextlib.suppress(BufferError):
            self.data.close()


def iter_entries(path: Path, extra_keys: tuple[str, ...], progress: Callable[[int], object] | None = None,
                 structs: bool = False) -> Iterator[Any]:
    """The entries of the HAR at ``path``, in order, as dicts of the parts the loader reads (with ``structs``,
    as the structs of :func:`entry_type`, which the loader reads without building dicts); ``progress`` is
    called with the size of each chunk read."""
    entry = entry_type(extra_keys)
    one = msgspec.json.Decoder(entry)
    run = msgspec.json.Decoder(list[entry])
    with path.open("rb") as fh:
        buf = _Window(fh, progress)
    try:
        _seek_entries(buf)
        if buf.skip_ws() == 0x5D:   # "]": no entries
            return
        sep: bytes | None = None
        single_until = 0   # after a run failed to decode: entry by entry up to where it was cut
        data = buf.data
        while True:
            start, end = buf.pos, buf.end
            if sep is not None and start >= single_until:
                cut = data.rfind(sep, start, end)
                if cut > start:
                    close = cut + sep.index(b"}") + 1
                    before, after = data[start - 1], data[close]
                    data[start - 1], data[close] = 0x5B, 0x5D   # "[" run "]", decoded in place
                    try:
                        decoded = run.decode(memoryview(data)[start - 1:close + 1])
                    except (msgspec.DecodeError, msgspec.ValidationError):
                        decoded = None
                        single_until = close
                    finally:
                        data[start - 1], data[close] = before, after
                    if decoded is not None:
                        if structs:
                            yield from decoded
                        else:
                            for e in decoded:
                                yield as_dict(e, extra_keys)
                        del decoded
                        buf.pos = cut + sep.index(b",")
                        if _next(buf) is None:
                            return
                        continue
            if sep is not None and not buf.eof and end - start <= MAX_ENTRY_BYTES \
                    and data.find(sep, start, end) < 0:   # no whole entry in the window: widen it first
                buf.more()
                continue
            stop = value_end(data, start, end)
            decoded_one = None
            if stop is not None:
                try:
                    decoded_one = one.decode(memoryview(data)[start:stop])
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    if buf.eof or end - start > MAX_ENTRY_BYTES:
                        raise Unexpected(str(exc)) from exc
            if decoded_one is None:   # the entry goes on past the window (or was cut inside a string)
                if end - start > MAX_ENTRY_BYTES or not buf.more():
                    raise Unexpected("the entries array ends inside an entry")
                continue
            yield decoded_one if structs else as_dict(decoded_one, extra_keys)
            if sep is None:
                sep = _separator(data, stop, end)
            buf.pos = stop
            if _next(buf) is None:
                return
    finally:
        buf.close()


def _separator(data: Any, end: int, endpos: int) -> bytes | None:
    """The bytes from the whitespace before an entry's closing brace (at ``end - 1``) to the first key of
    the next entry, if they are in ``data[:endpos]``."""
    m = _AFTER.match(data, end, endpos)
    if m is None:
        return None
    begin = end - 1
    while begin > 0 and data[begin - 1] in _WS:
        begin -= 1
    return bytes(data[begin:m.end()])


def _next(buf: _Window) -> int | None:
    """After an entry: skip the comma to the next entry's start (its position), or None after the last."""
    c = buf.skip_ws()
    if c == 0x5D:
        return None
    if c != 0x2C:
        raise Unexpected("expected , or ] after an entry")
    buf.pos += 1
    if buf.skip_ws() != 0x7B:
        raise Unexpected("an entry is not an object")
    return buf.pos


def _seek_entries(buf: _Window) -> None:
    """Move to the first byte inside ``log.entries``: the first ``"entries": [`` at object depth 2."""
    first = buf.pos
    while True:
        before = buf.end
        if not buf.more():
            raise Unexpected("no entries array")
        m = _ENTRIES.search(buf.data, max(first, before - 64), buf.end)
        if m is not None:
            break
        if buf.end - first > MAX_ENTRY_BYTES:
            raise Unexpected("no entries array near the start")
    depth = 0
    for t in _TOKEN.finditer(buf.data, first, m.start()):
        c = buf.data[t.start()]
        if c != 0x22:
            depth += 1 if c in _OPEN else -1
    if depth != 2:
        raise Unexpected("the entries array is not where a HAR keeps it")
    buf.pos = m.end()
