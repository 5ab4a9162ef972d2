"""What a person reads on a terminal: tables that fit, summaries that explain, names that can be
found, and help that describes each command."""

from __future__ import annotations

import re

import pytest

from flowaudit.cli import COMMANDS, main
from tests.conftest import ROOT, SEED

EVIDENCE = [str(p) for p in sorted((ROOT / "examples" / "plimus" / "evidence").iterdir())]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("store") / "plimus.json")
    assert main(["load", str(SEED), *EVIDENCE, "--store", path]) == 0
    return path


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


TABLE_COMMANDS = [
    ("audit",), ("audit", "--summary"), ("trace", "e-mail address"), ("trace", "e-mail address", "--paths"),
    ("recipients", "e-mail address"), ("fields", "Facebook"), ("recipients", "--list"), ("fields", "--list"),
    ("matrix",),
]


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=" ".join)
def test_every_table_fits_the_terminal(capsys, monkeypatch, store, width, args):
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = run(capsys, *args, "--store", store)
    assert code == 0 and out.strip()
    if "--paths" not in args:  # the paths are a listing of sentences, wrapped by the terminal
        assert max(len(line) for line in out.splitlines()) <= width
    assert "\x1b[" not in out  # plain text when piped


def test_audit_table_leads_with_one_verdict_per_organisation(capsys, monkeypatch, store):
    from flowaudit.graph.report_formats import VERDICT_ORDER

    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, "audit", "--store", store, "--summary")
    lines = out.splitlines()
    assert code == 0 and re.match(r"\d+ findings: \d+ errors, \d+ warnings, \d+ notes", lines[0])
    start = lines.index(next(ln for ln in lines if ln.startswith("recipient "))) + 2
    rows = [ln for ln in lines[start:] if ln.strip() and not ln.startswith("Details")]
    verdicts = [next(w for w in ln.split() if w in VERDICT_ORDER) for ln in rows]
    assert verdicts == sorted(verdicts, key=VERDICT_ORDER.index)  # the worst first
    by_name = {ln.split()[0]: ln for ln in rows}
    assert "omitted" in by_name["Facebook"] and "no statement of the policy covers" in by_name["Facebook"]
    assert re.search(r"vague .*line \d+: “", by_name["Kount"])  # the deciding statement, with its line
    assert len(lines) < 40  # one screen


def test_policy_findings_say_what_they_found(capsys, monkeypatch, store):
    monkeypatch.setenv("COLUMNS", "200")
    _, out, _ = run(capsys, "audit", "--store", store)
    fa107 = [ln for ln in out.splitlines() if ln.startswith("FA107")]
    assert len(fa107) == 2 and len(set(fa107)) == 2  # software and mobile, no longer two identical rows
    assert any("does not cover software" in ln for ln in fa107)


def test_trace_summarises_by_recipient(capsys, monkeypatch, store):
    monkeypatch.setenv("COLUMNS", "120")
    _, summary, _ = run(capsys, "trace", "e-mail address", "--store", store)
    _, paths, _ = run(capsys, "trace", "e-mail address", "--store", store, "--paths")
    assert summary.startswith("e-mail address reaches ") and "paths; --paths" in summary
    assert len(summary.splitlines()) < len(paths.splitlines()) / 10
    assert "CJ Affiliate" in summary and "declared" in summary


@pytest.mark.parametrize("what, name", [("fields", "cookie identifier"), ("recipients", "Authorize.Net")])
def test_names_can_be_listed_with_kinds_and_counts(capsys, store, what, name):
    code, out, _ = run(capsys, what, "--list", "--store", store)
    row = next(ln for ln in out.splitlines() if ln.startswith(name))
    assert code == 0 and int(row.split()[-1]) > 0
    code, out, _ = run(capsys, what, "--list", "--store", store, "--format", "csv")
    assert out.splitlines()[0] == f"{what[:-1]},kind,flows,id"


@pytest.mark.parametrize("args, suggestion", [
    (("trace", "credit card"), "'credit card number'"),
    (("recipients", "e-mail adress"), "'e-mail address'"),
    (("fields", "Facebok"), "'Facebook'"),
])
def test_a_name_that_is_not_found_gets_the_closest_names(capsys, store, args, suggestion):
    code, out, err = run(capsys, *args, "--store", store)
    assert code == 2 and out == "" and f"did you mean {suggestion}" in err and "--list" in err


def test_no_pandas_object_is_printed(capsys, tmp_path):
    code, out, _ = run(capsys, "extract", str(SEED))
    assert code == 0 and "Series(" not in out and "dtype" not in out and "flows" in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_description_and_an_example(capsys, name):
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "examples:\n  flowaudit " + name in out and "exit codes:" in out
    assert "``" not in out and ":class:" not in out  # no docstring markup
    if "--format" in out:
        assert "(default: " in out


def test_audit_help_states_the_exit_codes_and_the_classes(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "1 findings in a --fail-on class" in out and "2 bad input or usage" in out
    assert "incorrect, omitted, ambiguous, vague, clear" in out and "(default: table)" in out


def test_top_level_help_lists_the_commands_without_markup(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS) and "``" not in out and "examples:" in out
