"""Importing real city 311 exports: NYC and Boston as shipped, and any city by mapping file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from townhall.audit.models import AuditEvent
from townhall.cli import main as townhall_main
from townhall.lib.actors import Actor
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.importing import (
    ImportFailed,
    MappingError,
    import_requests,
    load_mapping,
    parse_mapping,
)
from townhall.servicedesk.importing.rows import DateReader
from townhall.servicedesk.models import Department, RequestUpdate, Service, ServiceRequest

PROJECT = Path(__file__).parents[2]
DATA = PROJECT.parent / "shared" / "data" / "open311"
NYC = DATA / "nyc_311_2011_sample.csv"
BOSTON = DATA / "boston_311_2022_sample.csv"
FIXTURES = Path(__file__).parent / "fixtures"
ACTOR = Actor(label="cli:import tests", channel="cli")


def run(path: Path, fmt: str = "nyc", **options):
    label, mapping = load_mapping(str(fmt))
    return import_requests(ACTOR, path, mapping, label=label, **options)


def data_rows(path: Path) -> int:
    """Rows in the file as Python's csv module counts them, independently of the importer."""
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for row in csv.reader(f) if any(cell.strip() for cell in row)) - 1


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def area_of(request: ServiceRequest) -> Area:
    assert request.area is not None
    return request.area


def department_of(obj: ServiceRequest | Service) -> Department:
    assert obj.department is not None
    return obj.department


def counts() -> dict[str, int]:
    models = (ServiceRequest, RequestUpdate, Service, Department, Area, Jurisdiction, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


# -- the real NYC export ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_nyc_row_is_imported_or_reported():
    report = run(NYC)
    assert report.rows == data_rows(NYC) == 2000
    assert report.created + report.skipped == report.rows
    assert ServiceRequest.objects.filter(source="nyc311").count() == report.created == 2000
    # The file is clean apart from two closed dates the importer refuses to believe.
    assert [(p.line, p.ref, p.reason, p.skipped) for p in report.problems] == [
        (1074, "21803150", "closed date on an open request", False),
        (1604, "19944912", "closed before created", False),
    ]
    assert report.rows_with_ignored_values == 2
    city = Jurisdiction.objects.get(slug="nyc.example")
    assert city.name == "New York City" and report.jurisdiction_created
    assert set(Area.objects.in_jurisdiction(city).values_list("name", flat=True)) == {
        "Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island",
    }  # fmt: skip
    loaded = AuditEvent.objects.get(action="requests.loaded")
    assert loaded.data["created"] == 2000 and loaded.data["source"] == "nyc311"
    assert loaded.actor_label == "cli:import tests"


@pytest.mark.django_db
def test_a_street_sign_report_from_brooklyn_keeps_its_history_in_utc_across_dst():
    run(NYC)
    request = ServiceRequest.objects.get(source="nyc311", source_ref="19937901")
    assert request.service.code == "STREET_SIGN" and request.service.name == "Street sign"
    assert department_of(request).code == "DOT"
    assert department_of(request).name == "Department of Transportation"
    assert area_of(request).name == "Brooklyn"
    assert request.status == "closed"
    # Created 10:41:13 EST (UTC-5); closed 04:14:19 PM EDT (UTC-4), after the 13 March switch.
    assert request.requested_at == utc(2011, 3, 1, 15, 41, 13)
    assert request.closed_at == utc(2011, 3, 15, 20, 14, 19)
    assert request.expected_at == utc(2011, 3, 15, 21, 32, 23)
    assert request.channel == "phone"
    assert request.address == "186 25 STREET, BROOKLYN"
    assert request.zipcode == "11232"
    assert request.lat == pytest.approx(40.660811976282695)
    assert request.lon == pytest.approx(-73.99859430999363)
    assert request.description == "Street Sign - Dangling; Street Cleaning - ASP; Street"
    notes = "The Department of Transportation has completed the request or corrected the condition."
    assert request.status_notes == notes
    timeline = list(request.updates.values_list("at", "status", "description"))
    assert timeline == [
        (request.requested_at, "new", "Request received"),
        (request.closed_at, "closed", notes),
    ]
    assert request.public_id.startswith("SR-2011-")


@pytest.mark.django_db
def test_nyc_statuses_and_resolutions_become_townhall_statuses():
    run(NYC)
    requests = ServiceRequest.objects.filter(source="nyc311")
    # "Assigned" is open; its 1900 closed date was refused.
    assigned = requests.get(source_ref="19944912")
    assert assigned.status == "acknowledged" and assigned.closed_at is None
    assert assigned.updated_at == utc(2011, 3, 2, 22, 45, 8)
    # "Pending" with a closed date stays open.
    assert requests.get(source_ref="21803150").closed_at is None
    # "This complaint does not fall under the Police Department's jurisdiction."
    outside = requests.filter(status_notes__contains="does not fall under")
    assert outside.exists() and set(outside.values_list("status", flat=True)) == {"not_responsible"}
    gone = requests.filter(status_notes__contains="observed no evidence of the violation")
    assert set(gone.values_list("status", flat=True)) == {"no_further_action"}
    assert not requests.exclude(status="closed").filter(
        status_notes__contains="completed the request"
    )
    # An intersection has no house number: both streets make the address.
    corner = requests.get(source_ref="19937902")
    assert corner.address == "158 STREET & NORTHERN BOULEVARD, FLUSHING"
    # Unspecified borough: no area rather than an area called "Unspecified".
    assert requests.filter(area__isnull=True).count() == 76


@pytest.mark.django_db
def test_nyc_types_map_onto_standard_services_and_new_ones_wait_inactive():
    run(NYC)
    services = {s.code: s for s in Service.objects.filter(jurisdiction__slug="nyc.example")}
    noise = ServiceRequest.objects.filter(service=services["NOISE"])
    assert noise.count() == 284  # every "Noise - ..." type, all handled by NYPD
    assert services["BLOCKED_DRIVEWAY"].name == "Blocked Driveway"
    assert services["BLOCKED_DRIVEWAY"].group == "Imported"
    assert department_of(services["DOF_PROPERTY_OWNER_ISSUE"]).code == "DOF"
    assert not any(s.is_active for s in services.values())
    # Outreach to a person is sensitive: it is never published with its location.
    assert services["HOMELESS_OUTREACH"].is_sensitive
    assert ServiceRequest.objects.filter(service=services["HOMELESS_OUTREACH"]).count() == 6
    assert AuditEvent.objects.filter(action="service.created").count() == len(services)


@pytest.mark.django_db
def test_reimporting_the_same_export_adds_nothing():
    first = run(NYC)
    before = counts()
    again = run(NYC)
    assert (again.created, again.already_imported, again.skipped) == (0, 2000, 0)
    assert first.created == 2000
    after = counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1  # one more requests.loaded
    assert after == before
    assert not again.new_services and not again.jurisdiction_created


@pytest.mark.django_db
def test_a_dry_run_checks_everything_and_writes_nothing():
    before = counts()
    report = run(NYC, dry_run=True)
    assert counts() == before
    assert (report.rows, report.created, report.skipped) == (2000, 2000, 0)
    assert len(report.problems) == 2
    assert "NOISE" in report.new_services and len(report.new_areas) == 5
    # After a real import, a dry run sees everything as already there.
    run(NYC)
    assert run(NYC, dry_run=True).already_imported == 2000


@pytest.mark.django_db
def test_limit_reads_only_the_first_rows():
    report = run(NYC, limit=10)
    assert report.rows == report.created == 10


# -- the real Boston export -------------------------------------------------------------


@pytest.mark.django_db
def test_every_boston_case_is_imported_with_its_closure():
    report = run(BOSTON, "boston")
    assert report.rows == data_rows(BOSTON) == 100
    assert (report.created, report.skipped, report.problem_count) == (100, 0, 0)
    cases = ServiceRequest.objects.filter(source="boston311")
    needle = cases.get(source_ref="101004130437")
    assert needle.service.code == "NEEDLE_PICKUP" and needle.service.group == "Needle Program"
    assert needle.status == "closed"
    assert needle.requested_at == utc(2022, 1, 19, 16, 18)  # 11:18 EST
    assert needle.closed_at == utc(2022, 1, 19, 16, 42, 16)
    assert (
        needle.status_notes == "Removed df"
    )  # the "Case Closed. Closed date : ..." prefix is gone
    assert area_of(needle).name == "Boston" and area_of(needle).kind == "neighbourhood"
    assert needle.address == "42 Cross St Boston MA 02113"
    assert needle.channel == "phone"
    assert department_of(needle).name == "Mayor's 24 Hour Hotline"
    assert cases.filter(status="duplicate").count() == 5
    assert cases.filter(status="no_further_action").count() == 3  # "Case Invalid"
    assert cases.filter(status="new").count() == 15
    assert cases.get(source_ref="101004143000").expected_at == utc(2022, 2, 4, 18, 47, 30)


@pytest.mark.django_db
def test_bostons_city_hall_stand_in_point_is_not_taken_as_a_location():
    run(BOSTON, "boston")
    cases = ServiceRequest.objects.filter(source="boston311")
    corner = cases.get(source_ref="101004113906")
    assert corner.lat is None and corner.lon is None
    assert corner.address == "INTERSECTION of Gallivan Blvd & Washington St Dorchester MA"
    # 47 W Cedar St has the stand-in latitude but its own longitude: a real point.
    assert cases.get(source_ref="101004113298").lon == pytest.approx(-71.07)
    assert cases.filter(lat__isnull=True).count() == 19


# -- broken files -----------------------------------------------------------------------


def _nyc_rows() -> tuple[list[str], list[list[str]]]:
    with NYC.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        return next(reader), list(reader)


def _write(path: Path, header: list[str], rows: list[list[str] | str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            if isinstance(row, str):
                f.write(row + "\n")
            else:
                writer.writerow(row)
    return path


@pytest.mark.django_db
def test_unusable_rows_are_reported_by_their_physical_line(tmp_path):
    header, real = _nyc_rows()
    col = {name: i for i, name in enumerate(header)}

    def row(n: int, key: str = "", **changes: str) -> list[str]:
        values = list(real[n])
        values[col["Unique Key"]] = key or f"9000{n:04d}"
        for name, value in changes.items():
            values[col[name.replace("_", " ")]] = value
        return values

    multi_line = "Inspected.\nCrew sent twice.\nFixed on the second visit."
    rows: list[list[str] | str] = [
        row(1),                                                   # line 2
        row(2, Resolution_Description=multi_line),                # lines 3-5
        row(3, Created_Date="13/45/2011 10:00:00 AM"),            # line 6
        row(4, Latitude="0", Longitude="0"),                      # line 7
        row(5, Latitude="91.5"),                                  # line 8
        row(6, Unique_Key=""),                                    # line 9
        row(1),                                                   # line 10: same id as line 2
        ",".join(real[7][:10]),                                   # line 11: cut short
        row(8, Status="Frobnicated"),                             # line 12
        row(9, Closed_Date="02/01/2011 10:00:00 AM"),             # line 13: closed before created
        "",                                                       # line 14: blank
        row(1, key="90000015", Latitude="", Longitude=""),        # line 15: address only
    ]  # fmt: skip
    path = _write(tmp_path / "broken.csv", header, rows)
    report = run(path)
    found = [(p.line, p.reason, p.skipped) for p in report.problems]
    assert found == [
        (6, "bad created date", True),
        (7, "bad coordinates", True),
        (8, "bad coordinates", True),
        (9, "missing id", True),
        (10, "duplicate id", True),
        (11, "wrong number of fields", True),
        (12, "unknown status", True),
        (13, "closed before created", False),
    ]
    assert report.rows == 11
    assert (report.created, report.skipped) == (4, 7)
    assert report.created + report.skipped == report.rows
    bad_date = next(p for p in report.problems if p.line == 6)
    assert "'13/45/2011 10:00:00 AM'" in bad_date.detail and "Created Date" in bad_date.detail
    assert ServiceRequest.objects.get(source_ref="90000002").status_notes == multi_line
    address_only = ServiceRequest.objects.get(source_ref="90000015")
    assert address_only.lat is None and address_only.address == "186 25 STREET, BROOKLYN"


@pytest.mark.django_db
def test_a_file_without_the_formats_columns_is_refused_naming_them(tmp_path):
    header, real = _nyc_rows()
    keep = [i for i, name in enumerate(header) if name not in {"Created Date", "Status"}]
    path = _write(tmp_path / "partial.csv", [header[i] for i in keep],
                  [[real[0][i] for i in keep]])  # fmt: skip
    with pytest.raises(ImportFailed) as caught:
        run(path)
    assert "'Created Date'" in str(caught.value) and "'Status'" in str(caught.value)
    assert not ServiceRequest.objects.exists() and not Jurisdiction.objects.exists()


@pytest.mark.django_db
def test_a_header_that_reads_as_one_column_suggests_the_delimiter(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("Unique Key;Created Date;Complaint Type\n1;03/01/2011 02:27:57 PM;Rodent\n")
    with pytest.raises(ImportFailed, match="is the delimiter ';'"):
        run(path)


def test_local_times_are_converted_with_the_zones_rules():
    reader = DateReader(["%Y-%m-%d %H:%M"], "America/New_York")
    assert reader.parse("2011-07-01 12:00") == utc(2011, 7, 1, 16)  # EDT
    assert reader.parse("2011-12-01 12:00") == utc(2011, 12, 1, 17)  # EST
    # The repeated autumn hour is taken as its first occurrence (still EDT).
    assert reader.parse("2011-11-06 01:30") == utc(2011, 11, 6, 5, 30)
    # A time inside the spring gap does not exist; it is read with the offset before it.
    assert reader.parse("2011-03-13 02:30") == utc(2011, 3, 13, 7, 30)
    iso = DateReader(["iso"], "America/New_York")
    assert iso.parse("2022-01-19T11:18:00+01:00") == utc(2022, 1, 19, 10, 18)
    assert iso.parse("2022-01-19T11:18:00Z") == utc(2022, 1, 19, 11, 18)


# -- another city's export, described by a mapping file ---------------------------------


@pytest.mark.django_db
def test_another_citys_export_imports_into_an_existing_city_by_mapping_file(city):
    report = run(FIXTURES / "riverton_export.csv", str(FIXTURES / "riverton.toml"))
    assert (report.rows, report.created, report.skipped) == (8, 5, 3)
    assert not report.jurisdiction_created and not report.new_services
    assert [(p.line, p.ref, p.reason, p.skipped) for p in report.problems] == [
        (5, "R-3", "point outside every area", False),
        (6, "R-4", "unknown request type", True),
        (7, "R-5", "bad created date", True),
        (9, "R-2", "duplicate id", True),
        (10, "R-8", "closed before created", False),
    ]
    requests = {
        r.source_ref: r for r in ServiceRequest.objects.filter(source="riverton-buergerservice")
    }
    pothole = requests["R-1"]
    assert pothole.service.code == "POTHOLE" and area_of(pothole).code == "north"  # by polygon
    assert pothole.requested_at == utc(2024, 1, 2, 13, 15)
    assert pothole.closed_at == utc(2024, 1, 3, 15, 0)
    assert pothole.description == "Tiefes Loch\nvor der Bäckerei"
    assert pothole.status_notes == "Loch gefüllt" and pothole.channel == "phone"
    assert pothole.lat == pytest.approx(40.02) and pothole.lon == pytest.approx(-75.18)
    light = requests["R-2"]
    assert light.service.code == "STREETLIGHT" and area_of(light).code == "south"
    assert light.requested_at == utc(2024, 7, 15, 2, 5)  # 22:05 EDT the evening before
    assert light.expected_at == utc(2024, 7, 20, 21, 0)
    assert light.status == "new" and light.channel == "app"
    assert area_of(requests["R-3"]).code == "north"  # outside the polygons: by its name, Nord
    assert requests["R-3"].status == "in_progress"
    assert area_of(requests["R-6"]).code == "south" and requests["R-6"].lat is None
    assert department_of(requests["R-6"]).code == "DPW"  # the service's, none in the row
    refused = requests["R-8"]
    assert refused.status == "not_responsible" and refused.closed_at is None
    assert Area.objects.count() == 2 and Service.objects.count() == 3  # nothing added


def test_the_documented_example_mappings_are_valid():
    example = parse_mapping((PROJECT / "docs" / "mappings" / "example.toml").read_text("utf-8"))
    assert example.csv.delimiter == ";" and example.service.codes["pothole"] == "POTHOLE"
    assert example.service.codes["street condition | pothole"] == "POTHOLE"
    guide = (PROJECT / "docs" / "importing.md").read_text("utf-8")
    block = guide.split("```toml\n", 1)[1].split("```", 1)[0]
    assert parse_mapping(block, "docs/importing.md") == example


def test_mapping_mistakes_are_named_before_anything_is_read():
    text = (FIXTURES / "riverton.toml").read_text("utf-8")
    with pytest.raises(MappingError, match=r"csv\.delimitor: unknown key"):
        parse_mapping(text.replace('delimiter = ";"', 'delimitor = ";"'))
    with pytest.raises(MappingError, match=r"status\.values\.offen"):
        parse_mapping(text.replace('offen = "new"', 'offen = "opened"'))
    with pytest.raises(MappingError, match="unknown time zone"):
        parse_mapping(text.replace("America/New_York", "Mars/Olympus"))
    with pytest.raises(MappingError, match="not valid TOML"):
        parse_mapping("name = ")
    with pytest.raises(MappingError, match="unknown format 'chicago'"):
        load_mapping("chicago")


# -- the command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_prints_a_summary_and_writes_every_problem_to_csv(tmp_path):
    out = io.StringIO()
    problems = tmp_path / "problems.csv"
    call_command("import_requests", str(NYC), "--format", "nyc", "--show-problems", "1",
                 "--problems-csv", str(problems), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "Imported nyc_311_2011_sample.csv (nyc) into New York City (nyc.example, new)" in text
    assert "data rows                       2000" in text
    assert "created                         2000" in text
    assert "First 1 of 2 problems:" in text
    assert "line 1074 (id 21803150)" in text and "line 1604" not in text
    with problems.open(newline="") as f:
        written = list(csv.DictReader(f))
    assert [(r["line"], r["reason"], r["outcome"]) for r in written] == [
        ("1074", "closed date on an open request", "value ignored"),
        ("1604", "closed before created", "value ignored"),
    ]
    assert AuditEvent.objects.get(action="requests.loaded").actor_label == (
        "cli:import nyc_311_2011_sample.csv"
    )


@pytest.mark.django_db
def test_the_command_dry_run_says_so_and_writes_nothing():
    out = io.StringIO()
    call_command("import_requests", str(BOSTON), "--format", "boston", "--dry-run",
                 "--jurisdiction", "boston.gov.example", stdout=out)  # fmt: skip
    assert out.getvalue().startswith("Dry run, nothing written: boston_311_2022_sample.csv")
    assert "boston.gov.example, new" in out.getvalue()
    assert not ServiceRequest.objects.exists() and not Jurisdiction.objects.exists()


@pytest.mark.django_db
def test_the_command_fails_with_exit_code_1_on_an_unusable_file_or_format(tmp_path):
    with pytest.raises(CommandError, match="unknown format"):
        call_command("import_requests", str(NYC), "--format", "nyc.csv")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_requests", str(tmp_path / "missing.csv"), "--format", "nyc")
    with pytest.raises(CommandError, match="not a jurisdiction id"):
        call_command("import_requests", str(NYC), "--format", "nyc", "--jurisdiction", "NYC!")


# Run from the command line, Django closes the database connections when a command ends:
# this test cannot live inside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_townhall_import_requests_exits_1_with_the_reason_or_0(capsys):
    with pytest.raises(SystemExit) as exited:
        townhall_main(["import-requests", str(BOSTON), "--format", "nyc"])
    assert exited.value.code == 1
    assert "missing columns 'Unique Key'" in capsys.readouterr().err
    assert (
        townhall_main(["import-requests", str(BOSTON), "--format", "boston", "--limit", "3"]) == 0
    )
    assert ServiceRequest.objects.count() == 3
