"""Import real city 311 exports (NYC, Boston, or any CSV described by a mapping file).

One importer, many configurations: ``nyc`` and ``boston`` are TOML mappings shipped in
``mappings/``; any other city's export is described by a mapping file of the same shape.
See docs/importing.md.
"""

from townhall.servicedesk.importing.mapping import (
    BUILT_IN_FORMATS,
    Mapping,
    MappingError,
    load_mapping,
    parse_mapping,
    with_csv,
)
from townhall.servicedesk.importing.problems import RowProblem
from townhall.servicedesk.importing.reader import ImportFailed
from townhall.servicedesk.importing.run import ImportReport, import_requests

__all__ = [
    "BUILT_IN_FORMATS",
    "ImportFailed",
    "ImportReport",
    "Mapping",
    "MappingError",
    "RowProblem",
    "import_requests",
    "load_mapping",
    "parse_mapping",
    "with_csv",
]
