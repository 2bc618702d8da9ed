"""The register of personal data: every model field that holds it, why, and for how long.

Privacy features (subject access, erasure, retention, open-data filters) and an
architecture test walk this list; a new field that holds personal data and is not listed
here fails the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass


def _(text: str) -> str:
    """Marks text for the translation catalogue without importing Django; pages that show
    it (the privacy notice) translate it when they render."""
    return text


@dataclass(frozen=True)
class PersonalData:
    model: str  # app_label.ModelName
    fields: tuple[str, ...]
    purpose: str
    retention: str


REGISTRY: tuple[PersonalData, ...] = (
    PersonalData(
        "servicedesk.ReporterContact",
        ("email", "first_name", "last_name", "phone", "device_id", "account_id"),
        _("Tell the reporter about progress on their request; contact them for details."),
        _("Until two years after the request closes."),
    ),
    PersonalData(
        "accounts.User",
        ("username", "email", "first_name", "last_name", "password", "last_login"),
        _("Sign-in for staff and residents, and attribution of staff work."),
        _("While the account is active; staff accounts are deactivated, not deleted."),
    ),
    PersonalData(
        "audit.AuditEvent",
        ("actor", "actor_label", "ip", "data"),
        _("Accountability for staff actions and security investigations."),
        _("Seven years (records retention schedule)."),
    ),
    PersonalData(
        "servicedesk.ServiceRequest",
        ("description", "attributes", "lat", "lon", "address"),
        _(
            "Describe and locate the problem. Free text and exact location may identify a "
            "person; sensitive services never publish them."
        ),
        _("Kept with the request; open data publishes a coarsened copy."),
    ),
    PersonalData(
        "servicedesk.Follow",
        ("email", "language"),
        _("Email someone who asked to follow a request when its public timeline changes."),
        _(
            "Until they unfollow, or the request has been closed for 90 days; a follow "
            "nobody confirmed goes after 7 days."
        ),
    ),
    PersonalData(
        "accounts.SignInToken",
        ("email",),
        _("Send a one-time sign-in link to a resident who asked for one."),
        _("The link works for 20 minutes; the record is deleted after 7 days."),
    ),
    PersonalData(
        "servicedesk.Media",
        ("file",),
        _("Show the problem. Stored re-encoded without EXIF or GPS."),
        _("Kept with the request."),
    ),
    PersonalData(
        "assistant.Message",
        ("text", "author"),
        _(
            "The transcript of a conversation with the assistant, so that a person can take "
            "over and so that answers can be checked. Logs get a copy with emails, phone "
            "numbers and addresses masked."
        ),
        _("Deleted 90 days after the conversation's last message."),
    ),
    PersonalData(
        "assistant.Conversation",
        ("state", "resident", "phone"),
        _(
            "What the resident has told the assistant while a report is being put together "
            "(place, answers, contact details), who is signed in, and the phone number of a "
            "conversation by text message (to send the replies; masked in logs)."
        ),
        _("Cleared when the report is sent; deleted 90 days after the last message."),
    ),
    PersonalData(
        "assistant.Handover",
        ("claimed_by",),
        _("Which agent took over a conversation."),
        _("Deleted with the conversation."),
    ),
    PersonalData(
        "servicedesk.Notification",
        ("recipient", "body"),
        _(
            "The outbox of emails and text messages about requests (to reporters, followers "
            "and staff), so that failed sends can be seen and retried."
        ),
        _("Deleted 90 days after sending (kept while a send is failing)."),
    ),
    PersonalData(
        "servicedesk.AreaFollow",
        ("email",),
        _("Email alerts about new requests in an area, for whoever asked and confirmed."),
        _("Until the person stops the alerts; unconfirmed requests after 7 days."),
    ),
    PersonalData(
        "servicedesk.ServiceRequest",
        ("assignee",),
        _("Which staff member works a request."),
        _("Kept with the request."),
    ),
    PersonalData(
        "budgeting.Project",
        ("author", "description", "lat", "lon", "address"),
        _(
            "Who proposed an idea for participatory budgeting (never published; lets them "
            "withdraw it), and the idea's place and description, which are published."
        ),
        _("Kept with the process, as a public record of how the budget was decided."),
    ),
    PersonalData(
        "budgeting.ProjectPhoto",
        ("image",),
        _("Show the place of an idea. Stored re-encoded without EXIF or GPS."),
        _("Kept with the idea."),
    ),
    PersonalData(
        "budgeting.Comment",
        ("author", "body"),
        _("Public comments on ideas and projects; the author's name is never published."),
        _("Kept with the process; comments hidden by moderators are kept for the record."),
    ),
    PersonalData(
        "budgeting.Support",
        ("user",),
        _("Count one support per person for an idea during idea collection."),
        _("Kept with the process."),
    ),
    PersonalData(
        "budgeting.CensusEntry",
        ("digest", "area", "has_voted", "voted_on_paper"),
        _(
            "Who may vote in participatory budgeting, and whether they have (online or on "
            "paper), so that everyone votes once. Only a keyed digest of the identity number "
            "(and date of birth) is stored; how someone voted is never linked to it."
        ),
        _("Kept with the process, as the record of who took part."),
    ),
    PersonalData(
        "budgeting.PaperEntry",
        ("first_by", "second_by"),
        _("Which staff members typed in a paper ballot (double entry)."),
        _("Kept with the process."),
    ),
    PersonalData(
        "servicedesk.RequestUpdate",
        ("author_label", "description"),
        _(
            "A request's timeline: which staff member or channel changed it, and their "
            "notes. Public notes are shown with the request (not for sensitive services); "
            "internal ones only to staff."
        ),
        _("Kept with the request."),
    ),
    PersonalData(
        "servicedesk.ServiceRequest",
        ("status_notes",),
        _("The latest public note from staff, shown with the request."),
        _("Kept with the request."),
    ),
    PersonalData(
        "budgeting.DeliveryUpdate",
        ("author",),
        _("Which staff member posted an update on a funded project's delivery (not published)."),
        _("Kept with the process."),
    ),
    PersonalData(
        "admin.LogEntry",
        ("user",),
        _("Which administrator changed what in the administration site."),
        _("Seven years (records retention schedule)."),
    ),
    PersonalData(
        "sessions.Session",
        ("session_data",),
        _("Keep someone signed in, and a voter's or reporter's progress through a form."),
        _("Until sign-out or expiry; expired sessions are deleted daily."),
    ),
    PersonalData(
        "otp_totp.TOTPDevice",
        ("user", "key"),
        _("The second sign-in step for staff (an authenticator app)."),
        _("While the account is active; an administrator's reset deletes it."),
    ),
    PersonalData(
        "otp_static.StaticDevice",
        ("user",),
        _("The second sign-in step for staff (one-time recovery codes)."),
        _("While the account is active; an administrator's reset deletes it."),
    ),
    PersonalData(
        "axes.AccessAttempt",
        ("username", "ip_address", "user_agent"),
        _("Slow down password guessing: failed staff sign-ins by name and address."),
        _("Until a successful sign-in or the cool-off; deleted after 90 days at the latest."),
    ),
    PersonalData(
        "axes.AccessLog",
        ("username", "ip_address", "user_agent"),
        _("Security investigations: staff sign-ins and sign-outs."),
        _("Deleted after 90 days."),
    ),
    PersonalData(
        "axes.AccessFailureLog",
        ("username", "ip_address", "user_agent"),
        _("Security investigations: failed staff sign-ins."),
        _("Deleted after 90 days."),
    ),
)


def registered_fields() -> set[tuple[str, str]]:
    return {(entry.model.lower(), name) for entry in REGISTRY for name in entry.fields}
