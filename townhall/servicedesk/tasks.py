"""Background work for the service desk, run by `townhall worker`."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from townhall.servicedesk.models import ServiceRequest


@task()
def acknowledge_request(request_pk: int) -> bool:
    """Email the reporter that their request arrived, with its public id. False: no email."""
    request = ServiceRequest.objects.select_related("service", "contact").get(pk=request_pk)
    contact = getattr(request, "contact", None)
    if contact is None or not contact.email:
        return False
    base = settings.TOWNHALL["PUBLIC_BASE_URL"]
    # Residents' language preference arrives with the portal (issue 4); English until then.
    with translation.override("en"):
        subject = _("We received your request %(id)s") % {"id": request.public_id}
        body = _(
            "Thank you for reporting: %(service)s.\n"
            "Your request number is %(id)s. Follow it at %(url)s\n"
        ) % {
            "service": request.service.localized("name"),
            "id": request.public_id,
            "url": f"{base}/open311/v2/requests/{request.public_id}.json",
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [contact.email])
    return True
