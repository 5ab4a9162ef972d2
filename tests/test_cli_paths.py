"""Every path the CLI reads or writes is checked first: a missing, unwritable or wrong-type path is
exit 2 with the path and the reason, never a traceback, and a store that does not exist is never
silently empty."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flowaudit.cli import main
from tests.conftest import SEED


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def places(tmp_path):
    a_file = tmp_path / "plain.txt"
    a_file.write_text("not a folder\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {
        "unwritable": ("/sys/flowaudit-test.json", "permission denied"),
        "under a file": (str(a_file / "x.json"), "is a file, not a folder"),
        "a folder": (str(folder), "this is a folder"),
        "missing folder": (str(tmp_path / "nope" / "deeper" / "x.html"), "does not exist"),
    }


@pytest.mark.parametrize("case", ["unwritable", "under a file", "a folder"])
def test_load_into_a_bad_store_path(capsys, places, case):
    path, reason = places[case]
    code, out, err = run(capsys, "load", str(SEED), "--store", path)
    assert code == 2 and out == "" and path in err and reason in err and "Traceback" not in err


@pytest.mark.parametrize("case", ["unwritable", "under a file", "a folder", "missing folder"])
def test_export_to_a_bad_output_path(capsys, places, case):
    path, reason = places[case]
    code, _, err = run(capsys, "export", str(SEED), "--format", "mermaid", "-o", path)
    assert code == 2 and path in err and reason in err


@pytest.mark.parametrize("args", [("matrix",), ("trace", "e-mail address"), ("recipients", "--list"),
                                  ("fields", "Facebook"), ("audit",), ("export", "--format", "html", "-o", "r.html")])
def test_a_store_that_does_not_exist_is_an_error_for_every_read_command(capsys, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args, "--store", "typo.json")
    assert code == 2 and out == ""
    assert "no store at typo.json; load sources first with `flowaudit load" in err
    assert not Path("typo.json").exists() and not Path("r.html").exists()


def test_the_default_store_must_exist_too(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOWAUDIT_STORE", raising=False)
    code, _, err = run(capsys, "matrix")
    assert code == 2 and "no store at .flowaudit/store.json" in err


@pytest.mark.parametrize("case", ["under a file", "a folder"])
def test_a_store_of_the_wrong_type_is_an_error(capsys, places, case):
    path, reason = places[case]
    code, _, err = run(capsys, "matrix", "--store", path)
    assert code == 2 and reason in err


def test_only_load_creates_a_store_and_its_folders(capsys, tmp_path):
    store = tmp_path / "new" / "dir" / "s.json"
    code, _, _ = run(capsys, "load", str(SEED), "--store", str(store))
    assert code == 0 and store.is_file()
    code, out, _ = run(capsys, "matrix", "--store", str(store))
    assert code == 0 and "payment processor" in out


def test_an_os_error_during_the_work_is_exit_2_with_the_path(capsys, tmp_path, monkeypatch):
    """A failure the checks cannot foresee (the disk fills, the folder goes away) is reported alike."""
    from flowaudit.graph import export

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "r.mmd"))

    monkeypatch.setattr(export, "export", fail)
    code, _, err = run(capsys, "export", str(SEED), "--format", "mermaid", "-o", str(tmp_path / "r.mmd"))
    assert code == 2 and "r.mmd: no space left on device" in err


def test_an_unexpected_error_is_one_line_not_a_traceback(capsys, monkeypatch):
    from flowaudit import cli

    def boom(_args):
        raise RuntimeError("something broke")

    monkeypatch.setitem(cli.COMMANDS, "matrix", dataclasses.replace(cli.COMMANDS["matrix"], run=boom))
    code, _, err = run(capsys, "matrix", str(SEED))
    assert code == 3 and err.startswith("flowaudit: internal error: RuntimeError: something broke")
    assert "Traceback" not in err
