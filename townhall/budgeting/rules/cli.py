"""``townhall pb ...``: count a Pabulib file from the command line.

    townhall pb tally FILE.pb --rule mes --completion add1 [--satisfaction cost] [--json]

Exit codes: 0 counted, 1 the file cannot be read or parsed (the message names the line and
section), 2 usage errors (unknown option, a rule that does not apply to the ballots).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from townhall.budgeting.rules.election import Election
from townhall.budgeting.rules.pabulib import PabulibParseError, parse_pabulib
from townhall.budgeting.rules.profile import SATISFACTIONS, RuleError
from townhall.budgeting.rules.tally import COMPLETIONS, RULES, Result, tally

RULE_TITLES = {
    "greedy": "Greedy utilitarian welfare",
    "greedy-stop": "Greedy, stopping at the first project that does not fit",
    "mes": "Method of Equal Shares",
    "phragmen": "Sequential Phragmén",
}


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse would print and sys.exit(2) itself; main() must return its code instead.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}\n{self.format_usage()}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="townhall pb", description="Participatory-budgeting files (.pb).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    count = commands.add_parser(
        "tally", help="count a .pb file", description="Count a Pabulib .pb file."
    )
    count.add_argument("file", help="path to the .pb file")
    count.add_argument("--rule", choices=RULES, required=True)
    count.add_argument("--satisfaction", choices=SATISFACTIONS, default="cost")
    count.add_argument("--completion", choices=COMPLETIONS, default="none")
    count.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        err.write(str(exc))
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        election = parse_pabulib(args.file)
    except PabulibParseError as exc:
        err.write(f"townhall pb: {args.file}: {exc}\n")
        return 1
    except OSError as exc:
        err.write(f"townhall pb: {args.file}: {exc.strerror or exc}\n")
        return 1
    try:
        result = tally(election, args.rule, args.satisfaction, args.completion)
    except RuleError as exc:
        err.write(f"townhall pb: {exc}\n")
        return 2
    if args.json:
        out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(render_table(args.file, election, result))
    return 0


def _money(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_table(path: str, election: Election, result: Result) -> str:
    title = RULE_TITLES[result.rule]
    how = []
    if result.satisfaction != "-":
        how.append(f"{result.satisfaction} satisfaction")
    if result.completion != "none":
        how.append(f"{result.completion} completion")
    lines = [
        f"{path}",
        f"{title}{' (' + ', '.join(how) + ')' if how else ''}",
        f"{result.voters:,} voters, {result.projects} projects, budget {_money(result.budget)}",
        "",
    ]
    rows = [("#", "project", "cost", "name")]
    for k, project_id in enumerate(result.selected, start=1):
        project = election.project(project_id)
        name = (project.name or "").replace("\n", " ")
        rows.append((str(k), project_id, _money(project.cost), name[:60]))
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    for num, project_id, cost, name in rows:
        line = f"{num:>{widths[0]}}  {project_id:<{widths[1]}}  {cost:>{widths[2]}}  {name}"
        lines.append(line.rstrip())
    share = float(result.cost) / float(result.budget) * 100 if result.budget else 0.0
    lines += [
        "",
        f"{len(result.selected)} projects funded, {_money(result.cost)} of "
        f"{_money(result.budget)} ({share:.1f}%), counted in {result.time_ms:.0f} ms",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
