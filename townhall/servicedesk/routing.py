"""One rule engine for every channel: which department (and queue) gets a request, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from townhall.lib.memo import ExpiringMemo
from townhall.servicedesk.models import RoutingRule, Service

# A jurisdiction's active rules (a few dozen), kept per worker for a few seconds and
# dropped when a rule, department, service or area is saved here (apps.py).
rule_sets = ExpiringMemo(30.0)


@dataclass(frozen=True)
class Decision:
    department_id: int | None
    queue: str
    rule: RoutingRule | None
    reason: str


def _specificity(rule: RoutingRule) -> tuple[int, int, int]:
    # More specific wins; among equals the lower priority number, then the older rule.
    score = (4 if rule.service_id else 0) + (2 if rule.area_id else 0)
    score += 1 if rule.attribute_code else 0
    return (-score, rule.priority, rule.pk)


def _matches(rule: RoutingRule, attributes: dict[str, Any]) -> bool:
    if not rule.attribute_code:
        return True
    answer = attributes.get(rule.attribute_code)
    if isinstance(answer, list):
        return rule.attribute_value in [str(a) for a in answer]
    return answer is not None and str(answer) == rule.attribute_value


def route(service: Service, area_id: int | None, attributes: dict[str, Any]) -> Decision:
    """The department for a request of ``service`` in ``area_id`` with these answers.

    One indexed query for the few rules that could apply; the choice is made here so
    that the reason shown to staff is exactly the rule that decided.
    """
    rules = [
        r
        for r in _active_rules(service.jurisdiction_id)
        if r.service_id in (None, service.pk)
        and r.area_id in (None, area_id)
        and _matches(r, attributes)
    ]
    if rules:
        rule = min(rules, key=_specificity)
        if rule.service_id is None and rule.area_id is None and not rule.attribute_code:
            # A catch-all rule only applies when the service names no department itself.
            if service.department_id is not None:
                return _service_default(service)
            reason = _("Default rule: %(rule)s") % {"rule": rule.describe()}
        else:
            reason = _("Rule: %(rule)s") % {"rule": rule.describe()}
        return Decision(rule.department_id, rule.queue, rule, reason[:300])
    return _service_default(service)


def _active_rules(jurisdiction_id: int) -> list[RoutingRule]:
    def load() -> list[RoutingRule]:
        return list(
            RoutingRule.objects.active()
            .filter(jurisdiction_id=jurisdiction_id)
            .select_related("department", "service", "area")
            .order_by()
        )

    rules: list[RoutingRule] = rule_sets.get(jurisdiction_id, load)
    return rules


def _service_default(service: Service) -> Decision:
    if service.department_id is None:
        return Decision(None, "", None, _("No rule matched and the service has no department"))
    name = service.department.name if service.department else ""
    reason = _("No rule matched: the service's own department (%(name)s)") % {"name": name}
    return Decision(service.department_id, "", None, reason[:300])
