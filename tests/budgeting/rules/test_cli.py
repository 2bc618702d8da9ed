"""`townhall pb tally`: what an operator sees in the terminal."""

from __future__ import annotations

import io
import json

from tests.budgeting.rules.helpers import DATA
from townhall.budgeting.rules.cli import main

SMALL = str(DATA / "Poland_Gdynia_2025_Maly_Kack__small.pb")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_json_output_lists_the_winners_cost_and_budget():
    code, out, err = run("tally", SMALL, "--rule", "mes", "--completion", "add1", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["selected"] and all(isinstance(p, str) for p in data["selected"])
    assert data["budget"] == 57103
    assert 0 < data["cost"] <= data["budget"]
    assert (data["rule"], data["completion"], data["voters"]) == ("mes", "add1", 1786)


def test_the_table_names_the_rule_and_each_funded_project():
    code, out, _ = run("tally", SMALL, "--rule", "greedy", "--satisfaction", "cardinality")
    assert code == 0
    assert "Greedy utilitarian welfare (cardinality satisfaction)" in out
    assert "2025/MAK/" in out
    assert "projects funded" in out


def test_a_broken_file_exits_1_and_names_line_and_section(tmp_path):
    broken = tmp_path / "broken.pb"
    text = (DATA / "Poland_Zabrze_2021_Maciejow.pb").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    votes = lines.index("VOTES")
    voter, _vote = lines[votes + 2].split(";", 1)
    lines[votes + 2] = f"{voter};no-such-project"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run("tally", str(broken), "--rule", "mes", "--json")
    assert code == 1 and out == ""
    assert f"line {votes + 3} in VOTES: unknown project id 'no-such-project'" in err


def test_a_missing_file_exits_1():
    code, _, err = run("tally", "/nonexistent/file.pb", "--rule", "mes")
    assert code == 1 and "file.pb" in err


def test_usage_errors_exit_2():
    assert run("tally", SMALL)[0] == 2  # --rule is required
    assert run("tally", SMALL, "--rule", "borda-count")[0] == 2
    assert run("frobnicate")[0] == 2
    code, _, err = run(
        "tally", str(DATA / "Poland_Katowice_2022_Zawodzie.pb"), "--rule", "phragmen"
    )
    assert code == 2 and "approval" in err


def test_help_exits_0(capsys):
    assert main(["tally", "--help"]) == 0
    assert "--completion" in capsys.readouterr().out
