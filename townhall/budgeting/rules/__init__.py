"""Pure participatory-budgeting counting: Pabulib files in, funded projects out.

No Django here (an import-linter contract enforces it): the same code counts a live vote,
a published ``.pb`` file and the benchmarks, and is checked against pabutools.

    from townhall.budgeting.rules import parse_pabulib, tally
    result = tally(parse_pabulib("city.pb"), rule="mes", completion="add1")
    result.selected  # project ids, in the order the rule funded them
"""

from townhall.budgeting.rules.election import Election, Project, anonymised
from townhall.budgeting.rules.pabulib import (
    PabulibParseError,
    dumps_pabulib,
    parse_pabulib,
    parse_pabulib_text,
    write_pabulib,
)
from townhall.budgeting.rules.profile import RuleError, satisfactions_for
from townhall.budgeting.rules.tally import COMPLETIONS, RULES, Result, tally

__all__ = [
    "COMPLETIONS",
    "RULES",
    "Election",
    "PabulibParseError",
    "Project",
    "Result",
    "RuleError",
    "anonymised",
    "dumps_pabulib",
    "parse_pabulib",
    "parse_pabulib_text",
    "satisfactions_for",
    "tally",
    "write_pabulib",
]
