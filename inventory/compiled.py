"""Packaged data files read once per machine: what a file gives is kept compiled, keyed by the file's hash.

Reading the registry, the vocabularies and the lexicons (YAML), the public suffix list and the word list
takes longer than decoding what they give from MessagePack. :func:`cached` runs ``build`` only when no
compiled copy exists for the current bytes of its source files, and keeps its result (MessagePack, written
by ``msgspec``) in the cache directory: ``$FLOWAUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/flowaudit``, else
``~/.cache/flowaudit``. A cache that cannot be written (a read-only home) or read (a damaged file) only
costs the time of ``build``: the value is the same either way.

>>> import tempfile
>>> src = Path(tempfile.mkdtemp()) / "words.yaml"
>>> _ = src.write_text("[a, b]")
>>> load_yaml(src)
['a', 'b']
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")
#: Bumped when what a cached ``build`` returns changes shape without its sources changing.
FORMAT = "1"


def cache_dir() -> Path:
    """Where compiled copies are kept."""
    explicit = os.environ.get("FLOWAUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flowaudit"


def _key(name: str, sources: Sequence[Path]) -> str:
    digest = hashlib.blake2b(f"{FORMAT}\0{name}".encode(), digest_size=16)
    for path in sources:
        digest.update(b"\0" + path.read_bytes())
    return digest.hexdigest()


def cached(name: str, sources: Sequence[Path], build: Callable[[], T], type: Any = Any) -> T:
    """``build()``, or what it gave before for the same bytes of ``sources`` (decoded as ``type``).

    ``name`` tells the cached values apart (one file per name is kept); ``build``'s value must survive
    MessagePack (dicts, lists, strings, numbers, booleans, None, datetimes, msgspec structs). Errors of
    ``build`` (a malformed source) propagate; errors of the cache itself are never seen.
    """
    slot = name.replace("/", "_")
    path = cache_dir() / f"{slot}-{_key(name, sources)}.msgpack"
    try:
        return msgspec.msgpack.decode(path.read_bytes(), type=type)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        pass
    value = build()
    try:
        data = msgspec.msgpack.encode(value)
        if msgspec.msgpack.decode(data, type=type) != value:   # would not come back the same: keep no copy
            return value
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{slot}-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in path.parent.glob(f"{slot}-*.msgpack"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, TypeError, msgspec.EncodeError, msgspec.DecodeError, msgspec.ValidationError):
        pass
    return value


class YamlError(ValueError):
    """A YAML file does not parse; the message is PyYAML's (the place in the file)."""


def load_yaml(path: Path) -> Any:
    """The YAML document at ``path`` as PyYAML's safe loader (libyaml's, when built) reads it, cached
    (so PyYAML is imported only for a file not read before).

    Raises :class:`YamlError` for a malformed file and ``OSError`` for one that cannot be read.
    """

    def build() -> Any:
        import yaml

        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise YamlError(str(exc)) from exc

    return cached(f"yaml-{path.parent.name}-{path.name}", [path], build)
