from tests.factories import SYSTEM, make_request
from townhall.places.models import Area
from townhall.servicedesk.models import Department, RoutingRule, Service
from townhall.servicedesk.services import change_service


def _dept(city, code):
    return Department.objects.create(jurisdiction=city, code=code, name=code.title())


def test_without_rules_a_request_goes_to_its_services_department_and_says_why(city):
    request = make_request("STREETLIGHT")
    assert request.department.code == "DPW"
    assert request.routing_rule is None
    assert "Public Works" in request.routing_reason


def test_the_most_specific_rule_wins_and_is_shown(city):
    north_crew = _dept(city, "DPW-N")
    south_crew = _dept(city, "DPW-S")
    pothole = Service.objects.get(code="POTHOLE")
    RoutingRule.objects.create(jurisdiction=city, service=pothole, department=north_crew)
    rule = RoutingRule.objects.create(
        jurisdiction=city,
        service=pothole,
        area=Area.objects.get(code="south"),
        department=south_crew,
        queue="night",
    )
    south = make_request("POTHOLE", lat=40.01, lon=-75.13, attributes={"SIZE": "small"})
    north = make_request("POTHOLE", lat=40.01, lon=-75.18, attributes={"SIZE": "small"})
    assert (south.department, south.queue, south.routing_rule) == (south_crew, "night", rule)
    assert "Southside" in south.routing_reason and "DPW-S" not in south.routing_reason
    assert north.department == north_crew


def test_an_attribute_answer_can_route(city):
    big = _dept(city, "HEAVY")
    pothole = Service.objects.get(code="POTHOLE")
    RoutingRule.objects.create(
        jurisdiction=city,
        service=pothole,
        attribute_code="SIZE",
        attribute_value="large",
        department=big,
    )
    assert make_request("POTHOLE", attributes={"SIZE": "large"}).department == big
    assert make_request("POTHOLE", attributes={"SIZE": "small"}).department.code == "DPW"


def test_the_default_rule_catches_services_without_a_department(city):
    desk = _dept(city, "311")
    orphan = Service.objects.create(jurisdiction=city, code="OTHER", name="Other")
    RoutingRule.objects.create(jurisdiction=city, department=desk, note="catch-all")
    request = make_request("OTHER")
    assert request.department == desk and "Default rule" in request.routing_reason
    assert orphan.department is None
    # A service with its own department keeps it: the default is the last resort.
    assert make_request("STREETLIGHT").department.code == "DPW"


def test_inactive_rules_do_not_route(city):
    RoutingRule.objects.create(
        jurisdiction=city,
        service=Service.objects.get(code="STREETLIGHT"),
        department=_dept(city, "X"),
        is_active=False,
    )
    assert make_request("STREETLIGHT").department.code == "DPW"


def test_changing_the_category_routes_again(city):
    request = make_request("STREETLIGHT")
    moved = change_service(SYSTEM, request, Service.objects.get(code="HOMELESS_OUTREACH"))
    assert moved.department.code == "HS"
    assert moved.updates.filter(description__contains="Re-categorised").exists()
