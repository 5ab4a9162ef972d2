"""Reading a policy source: the language check, the reader, and each quote placed at its line and columns.

>>> records = read_policy_source("examples/plimus/policy.md")  # doctest: +SKIP
>>> sorted({(e.line, e.column) for f in records.flows.values() for e in f.evidence})[:1]  # doctest: +SKIP
[(12, 1)]
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from flowaudit.inventory.records import Evidence, Records

from . import language
from .errors import InputError
from .policy import extract_policy
from .policy_text import PolicyDocument, read_policy


def check_language(doc: PolicyDocument) -> None:
    """Raise :class:`InputError` when ``doc`` is written in a language the reader does not read."""
    lang = language.unsupported(doc.text)
    if lang:
        raise InputError(doc.source, f"looks {lang}; flowaudit reads English policies "
                                     "(give --force to read it anyway)", "line 1")


def read_policy_source(path: str | Path, force: bool = False) -> Records:
    """The records of the policy at ``path``; unless ``force``, a policy in a language flowaudit
    does not read raises :class:`InputError`."""
    doc = read_policy(path)
    if not force:
        check_language(doc)
    return place_quotes(extract_policy(path), doc)


def place_quotes(records: Records, doc: PolicyDocument) -> Records:
    """Every quote of ``doc`` in ``records`` with the columns its sentence spans."""
    by_number = {s.number: s for s in doc.sentences}

    def placed(ev: Evidence) -> Evidence:
        sent = by_number.get(ev.sentence or 0)
        if ev.source != doc.source or sent is None:
            return ev
        return dataclasses.replace(ev, line=sent.line, column=sent.column, end_line=sent.end_line,
                                   end_column=sent.end_column)

    for node in records.nodes.values():
        node.evidence = [placed(e) for e in node.evidence]
    for flow in records.flows.values():
        flow.evidence = [placed(e) for e in flow.evidence]
    return records
