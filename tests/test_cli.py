"""The command line: the JSON contracts of extract and trace, formats, stores and exit codes."""

import csv
import io
import json
import subprocess
import sys

import pytest

from flowaudit.cli import main
from tests.conftest import SEED


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_extract_json_contract(capsys):
    code, out, _ = run(capsys, "extract", str(SEED), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert {"nodes", "flows"} <= set(doc)
    for node in doc["nodes"]:
        assert {"id", "kind", "label", "aliases"} <= set(node)
    ids = {n["id"] for n in doc["nodes"]}
    for flow in doc["flows"]:
        assert {"field", "source", "target", "action", "polarity", "purposes", "conditions", "basis",
                "evidence"} <= set(flow)
        assert flow["polarity"] in "+-" and flow["evidence"] and flow["evidence"][0]["text"]
        assert {flow["field"], flow["source"], flow["target"]} <= ids


def test_trace_json_contract(capsys):
    code, out, _ = run(capsys, "trace", "CREDIT CARD NUMBERS", str(SEED), "--format", "json")
    assert code == 0
    paths = json.loads(out)
    assert paths
    for path in paths:
        assert all({"id", "kind", "label"} <= set(n) for n in path["nodes"])
        assert len(path["edges"]) == len(path["nodes"]) - 1
        assert all({"action", "polarity", "evidence"} <= set(e) for e in path["edges"])
    assert any(p["nodes"][-1]["label"] == "payment processor" for p in paths)


def test_trace_table_and_csv(capsys):
    code, out, _ = run(capsys, "trace", "credit card number", str(SEED), "--paths")
    assert code == 0 and "→ Plimus → payment processor" in out and "“Personal payment information" in out
    code, out, _ = run(capsys, "trace", "credit card number", str(SEED), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {"path", "recipient", "match"} <= set(rows[0])


def test_load_then_query_the_store(capsys, tmp_path):
    store = str(tmp_path / "plimus.json")
    code, _, err = run(capsys, "load", str(SEED), "--store", store)
    assert code == 0 and "loaded" in err
    code, out, _ = run(capsys, "recipients", "e-mail address", "--store", store, "--format", "json")
    assert code == 0 and {r["recipient"]["label"] for r in json.loads(out)} >= {"payment processor", "supplier"}
    code, out, _ = run(capsys, "fields", "payment processor", "--store", store, "--format", "json")
    assert "credit card number" in {r["field"]["label"] for r in json.loads(out)}
    code, out, _ = run(capsys, "matrix", "--store", store, "--format", "csv")
    assert code == 0 and "credit card number" in out
    code, _, _ = run(capsys, "load", str(SEED), "--store", store, "--replace")
    assert code == 0


@pytest.mark.parametrize("content", [b"", b"\x00\xffbinary", b"   \n"])
def test_bad_input_exits_2_naming_the_file(capsys, tmp_path, content):
    bad = tmp_path / "broken.md"
    bad.write_bytes(content)
    store = tmp_path / "s.json"
    code, out, err = run(capsys, "load", str(bad), "--store", str(store))
    assert code == 2 and str(bad) in err and out == ""
    assert not store.exists()


def test_missing_file_and_unknown_field(capsys, tmp_path):
    code, _, err = run(capsys, "trace", "e-mail address", str(tmp_path / "nope.md"))
    assert code == 2 and "nope.md" in err
    code, _, err = run(capsys, "trace", "shoe size", str(SEED))
    assert code == 2 and "shoe size" in err


def test_console_script_runs():
    done = subprocess.run([sys.executable, "-m", "flowaudit.cli", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "flowaudit" in done.stdout
