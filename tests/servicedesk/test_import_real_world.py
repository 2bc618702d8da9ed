"""The real NYC and Boston exports as people actually hand them over: re-saved by a
spreadsheet, with Windows line ends and byte-order marks, a stray byte or quote, the API's
snake_case and ISO dates, UTF-16, tab-separated. Each either imports like the original or
is reported by line, never a traceback and never a silent drop."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.servicedesk.test_importer import (
    BOSTON,
    FIXTURES,
    NYC,
    PROJECT,
    _nyc_rows,
    _write,
    run,
    utc,
)
from townhall.servicedesk.importing import ImportFailed
from townhall.servicedesk.models import ServiceRequest

NYC_DATES = ("Created Date", "Closed Date", "Due Date", "Resolution Action Updated Date")


def _rewritten(path: Path, dates: tuple[str, ...], style, header=None) -> tuple[Path, list]:
    """The real NYC sample (first 200 rows) with its dates written another way."""
    header_in, rows = _nyc_rows()
    col = {name: i for i, name in enumerate(header_in)}
    rows = [list(r) for r in rows[:200]]
    for row in rows:
        for name in dates:
            text = row[col[name]]
            if text:
                row[col[name]] = style(datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p"))
    return _write(path, header or header_in, rows), rows


def _by_ref(source: str = "nyc311") -> dict[str, ServiceRequest]:
    return {r.source_ref: r for r in ServiceRequest.objects.filter(source=source)}


def _snapshot(source: str = "nyc311") -> dict[str, tuple]:
    fields = ("requested_at", "closed_at", "expected_at", "updated_at", "status", "lat",
              "address", "description", "status_notes", "channel")  # fmt: skip
    return {ref: tuple(getattr(r, f) for f in fields) for ref, r in _by_ref(source).items()}


# -- saved again by a spreadsheet, or fetched from the API -------------------------------


@pytest.mark.django_db
def test_a_spreadsheet_resaved_nyc_export_keeps_its_times_to_the_minute(tmp_path):
    # Opened and saved in a spreadsheet: "3/1/2011 14:27", no seconds, 24-hour clock.
    def spreadsheet(d: datetime) -> str:
        return f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}"

    path, _ = _rewritten(tmp_path / "excel.csv", NYC_DATES, spreadsheet)
    report = run(path)
    assert (report.rows, report.created, report.skipped) == (200, 200, 0)
    sign = _by_ref()["19937901"]  # 03/01/2011 10:41:13 AM EST, closed 03/15 04:14:19 PM EDT
    assert sign.requested_at == utc(2011, 3, 1, 15, 41)
    assert sign.closed_at == utc(2011, 3, 15, 20, 14)


@pytest.mark.django_db
def test_the_apis_snake_case_export_with_iso_dates_imports_like_the_download(tmp_path):
    run(NYC, limit=200)
    download = _snapshot()
    ServiceRequest.objects.all().delete()
    header, _ = _nyc_rows()
    snake = [name.lower().replace(" ", "_").replace("(", "").replace(")", "") for name in header]
    path, _ = _rewritten(tmp_path / "api.csv", NYC_DATES,
                         lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000"), header=snake)  # fmt: skip
    report = run(path)
    assert (report.created, report.skipped) == (200, 0)
    assert _snapshot() == download


@pytest.mark.django_db
def test_a_bom_and_windows_line_ends_change_nothing_not_even_the_line_numbers(tmp_path):
    path = tmp_path / "windows.csv"
    path.write_bytes(b"\xef\xbb\xbf" + NYC.read_bytes().replace(b"\n", b"\r\n"))
    report = run(path)
    assert (report.rows, report.created, report.skipped) == (2000, 2000, 0)
    assert [(p.line, p.ref) for p in report.problems] == [(1074, "21803150"), (1604, "19944912")]


@pytest.mark.django_db
def test_nycs_doubly_encoded_no_break_space_does_not_reach_the_notes():
    run(NYC)
    requests = ServiceRequest.objects.filter(source="nyc311")
    assert not requests.filter(status_notes__contains="Â")
    finance = requests.get(source_ref="19937942")
    assert "provided the assistance requested. No further updates" in finance.status_notes


# -- a stray byte, a stray quote ---------------------------------------------------------


@pytest.mark.django_db
def test_a_row_with_windows_1252_bytes_is_imported_and_noted(tmp_path):
    header, real = _nyc_rows()
    col = {name: i for i, name in enumerate(header)}
    rows = [list(r) for r in real[:5]]
    rows[2][col["Descriptor"]] = "Ruido en el café"  # line 4, pasted from a spreadsheet
    rows[2][col["Location Type"]] = "Señal"  # valid UTF-8 on the same line stays as it is
    text = "\n".join(",".join(f'"{v}"' for v in r) for r in [header, *rows]) + "\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(text.encode("utf-8").replace("café".encode(), "café".encode("cp1252")))
    report = run(path)
    assert (report.created, report.skipped, report.rows_with_ignored_values) == (5, 0, 1)
    [problem] = report.problems
    assert (problem.line, problem.ref, problem.skipped) == (4, real[2][0], False)
    assert "not UTF-8" in problem.detail and "'café'" in problem.detail
    assert "--encoding cp1252" in problem.detail
    request = _by_ref()[real[2][0]]
    assert "Ruido en el café" in request.description and "Señal" in request.description


@pytest.mark.django_db
def test_a_windows_1252_file_imports_cleanly_with_the_encoding_option(tmp_path):
    header, real = _nyc_rows()
    col = {name: i for i, name in enumerate(header)}
    rows = [list(r) for r in real[:20]]
    for row in rows:
        row[col["City"]] = "NUEVA YORK ñ"
    path = tmp_path / "cp1252.csv"
    with path.open("w", newline="", encoding="cp1252") as f:
        csv.writer(f).writerows([header, *rows])
    out = io.StringIO()
    call_command("import_requests", str(path), "--format", "nyc", "--encoding", "cp1252",
                 stdout=out)  # fmt: skip
    assert "created                           20" in out.getvalue()
    assert "Problems" not in out.getvalue()
    assert _by_ref()["19937901"].address == "186 25 STREET, NUEVA YORK ñ"
    with pytest.raises(CommandError, match="--encoding: unknown encoding 'latin-9x'"):
        call_command("import_requests", str(path), "--format", "nyc", "--encoding", "latin-9x")


@pytest.mark.django_db
def test_a_nul_character_is_removed_and_noted_not_a_database_error(tmp_path):
    # PostgreSQL refuses NUL in text: unremoved, the whole import failed with a traceback.
    lines = NYC.read_text("utf-8").split("\n")[:4]
    lines[2] = lines[2].replace("Street Sign - Dangling", "Street Sign\x00 - Dangling")
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run(path)
    assert (report.created, report.skipped) == (3, 0)
    assert [(p.line, p.reason, p.skipped) for p in report.problems] == [
        (3, "NUL characters", False)
    ]
    assert _by_ref()["19937901"].service.code == "STREET_SIGN"


@pytest.mark.django_db
def test_a_stray_quote_costs_its_rows_not_the_file(tmp_path):
    header, real = _nyc_rows()
    rows = [list(r) for r in real[:30]]  # lines 2-31
    rows[21] = list(real[1])  # line 23 has a point, so a quoted "(lat, lon)" location
    path = _write(tmp_path / "quotes.csv", header, rows)
    lines = path.read_text("utf-8").split("\n")
    lines[10] = lines[10].replace(",Closed,", ',"Closed"x,', 1)  # line 11: text after a quote
    lines[20] = lines[20].replace(",PHONE,", ',"PHONE,', 1)  # line 21: a quote left open ...
    assert lines[22].endswith('"') and '"' not in lines[21]  # ... that line 23 closes
    path.write_text("\n".join(lines), encoding="utf-8")
    report = run(path)
    assert [(p.line, p.reason, p.skipped) for p in report.problems] == [
        (11, "malformed row", True),
        (21, "malformed row", True),
    ]
    assert "from line 21 to line 23" in report.problems[1].detail
    # 30 data lines: line 11 skipped, lines 21-23 read as one broken row, 26 rows imported.
    assert (report.rows, report.created, report.skipped) == (28, 26, 2)
    refs = set(_by_ref())
    assert {rows[8][0], rows[22][0]} <= refs  # lines 10 and 24, around the broken rows
    assert not {rows[9][0], rows[19][0], rows[20][0]} & refs


@pytest.mark.django_db
def test_a_quote_never_closed_stops_the_import_at_its_line_and_writes_nothing(tmp_path):
    header, real = _nyc_rows()
    lines = [",".join(header), *(",".join(f'"{v}"' for v in r) for r in real[:3])]
    lines.append('"12345","03/01/2011 02:27:57 PM,never closed')
    (tmp_path / "quote.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="line 5"):
        run(tmp_path / "quote.csv")
    assert not ServiceRequest.objects.exists()


# -- other encodings and delimiters ------------------------------------------------------


@pytest.mark.django_db
def test_utf16_from_a_spreadsheet_is_read_by_its_byte_order_mark_or_refused(tmp_path):
    text = "\n".join(NYC.read_text("utf-8").split("\n")[:11]) + "\n"
    marked = tmp_path / "unicode.csv"
    marked.write_bytes(text.encode("utf-16"))
    report = run(marked)
    assert (report.rows, report.created, report.skipped) == (10, 10, 0)
    assert _by_ref()["19937901"].address == "186 25 STREET, BROOKLYN"
    bare = tmp_path / "bare.csv"
    bare.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(ImportFailed, match="NUL characters in its header: is it UTF-16"):
        run(bare)


@pytest.mark.django_db
def test_a_tab_separated_boston_export_imports_with_the_delimiter_option(tmp_path):
    with BOSTON.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    path = tmp_path / "boston.tsv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter="\t").writerows(rows)
    with pytest.raises(CommandError, match=r"is the delimiter '\\t'\? \(use --delimiter"):
        call_command("import_requests", str(path), "--format", "boston")
    out = io.StringIO()
    call_command("import_requests", str(path), "--format", "boston", "--delimiter", "tab",
                 stdout=out)  # fmt: skip
    assert "created                          100" in out.getvalue()


@pytest.mark.django_db
def test_a_spreadsheet_resaved_boston_export_imports_like_the_original(tmp_path):
    run(BOSTON, "boston")
    original = _snapshot("boston311")
    ServiceRequest.objects.all().delete()
    with BOSTON.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    col = {name: i for i, name in enumerate(header)}
    for row in rows:
        for name in ("open_dt", "target_dt", "closed_dt"):
            if row[col[name]].strip():
                d = datetime.fromisoformat(row[col[name]])
                row[col[name]] = (
                    f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}:{d.second:02d}"
                )
    path = _write(tmp_path / "boston.csv", header, rows)
    report = run(path, "boston")
    assert (report.created, report.skipped) == (100, 0)
    assert _snapshot("boston311") == original


# -- a third city's layout, from the documentation alone ---------------------------------


@pytest.mark.django_db
def test_chicagos_export_imports_with_the_documented_example_mapping(tmp_path):
    # Made up in the layout of the city's download; the mapping is the one in the docs.
    report = run(
        FIXTURES / "chicago_export.csv", str(PROJECT / "docs" / "mappings" / "chicago.toml")
    )
    assert (report.rows, report.created, report.skipped) == (7, 6, 1)
    [bad] = report.problems
    assert (bad.line, bad.ref, bad.reason) == (8, "SR23-00012350", "bad created date")
    requests = _by_ref("chicago311")
    pothole = requests["SR23-00012345"]
    assert pothole.service.code == "POTHOLE" and pothole.status == "closed"
    assert pothole.requested_at == utc(2023, 1, 3, 14, 15, 22)  # CST, UTC-6
    assert pothole.closed_at == utc(2023, 1, 5, 20, 1, 10)
    assert pothole.address == "100 N STATE ST, Chicago" and pothole.zipcode == "60602"
    assert pothole.area is not None and pothole.area.name == "Loop"
    assert pothole.department is not None
    assert pothole.department.name == "CDOT - Department of Transportation"
    assert (pothole.channel, requests["SR23-00012348"].channel) == ("phone", "app")
    assert requests["SR23-00012348"].status == "duplicate"  # DUPLICATE true
    light = requests["SR23-00012346"]  # 10:05 PM CDT: the next day in UTC
    assert light.requested_at == utc(2023, 7, 16, 3, 5) and light.status == "new"
    # 01:30 CST, 03:31 CDT: the clocks went forward between them, one hour and one minute.
    info = requests["SR23-00012347"]
    assert info.closed_at - info.requested_at == timedelta(hours=1, minutes=1)
    assert info.lat is None and info.address == "" and info.area is None
    rodent = requests["SR23-00012349"]  # the address spans two lines of the file
    assert rodent.status == "no_further_action" and rodent.channel == "import"
    assert rodent.address == "600 N LAKE SHORE DR UNIT 2, Chicago"
    assert rodent.area is not None and rodent.area.name == "Near North Side"
    unnamed = requests["SR23-00012351"].area  # a community area without a name: its number
    assert unnamed is not None and unnamed.name == "77"
