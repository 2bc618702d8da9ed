"""Participatory budgeting: processes, budget units, projects, eligibility, ballots, results.

The privacy shape matters more than anything else here:

- a **ballot** carries no voter identity, no timestamp and a random UUID key, so neither
  a column nor the order of rows ties it to a voter;
- the voter's side is a census entry or a voting code, each stored only as a keyed digest
  (HMAC) and marked ``has_voted``;
- a voter may change their ballot until voting closes: the ballot is found again through
  ``locator``, an HMAC of the voter's own credential under a different key. The database
  alone cannot compute it (it holds no credential in clear); the voter re-entering their
  credential can;
- when voting has closed, the ballot box is sealed before counting (``sealing.py``): every
  ballot is rewritten in random order with a new key and no locator, so neither the
  locator nor the database's own write order (row ids, transaction ids) links a ballot to
  a voter or to when it was cast any more.

Money is integer minor units (cents) like everywhere in Townhall; Pabulib costs are whole
currency units, converted on import and export (see ``pabulib_io``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from townhall.places.models import Area, Jurisdiction


class Phase(models.TextChoices):
    DRAFT = "draft", _("Not published")
    UPCOMING = "upcoming", _("Starting soon")
    IDEAS = "ideas", _("Idea collection")
    REVIEW = "review", _("Review")
    VOTING = "voting", _("Voting")
    COUNTING = "counting", _("Counting")
    RESULTS = "results", _("Results and delivery")


class BallotKind(models.TextChoices):
    APPROVAL = "approval", _("Approval: choose the projects you support")
    KNAPSACK = "knapsack", _("Knapsack: choose projects within the budget")
    CUMULATIVE = "cumulative", _("Cumulative: share out your points")
    RANKED = "ranked", _("Ranked: put projects in order of preference")
    CHOOSE_ONE = "choose_one", _("Choose one project")


# The Pabulib vote type each ballot is published as (and counted as).
PABULIB_VOTE_TYPE = {
    BallotKind.APPROVAL: "approval",
    BallotKind.KNAPSACK: "approval",
    BallotKind.CUMULATIVE: "cumulative",
    BallotKind.RANKED: "ordinal",
    BallotKind.CHOOSE_ONE: "choose-1",
}


class Rule(models.TextChoices):
    MES = "mes", _("Method of Equal Shares")
    GREEDY = "greedy", _("Greedy (most votes first)")
    PHRAGMEN = "phragmen", _("Sequential Phragmén")


class Satisfaction(models.TextChoices):
    COST = "cost", _("Cost (money spent on what a voter chose)")
    CARDINALITY = "cardinality", _("Cardinality (number of chosen projects funded)")
    POINTS = "points", _("Points given")
    BORDA = "borda", _("Borda score of the ranking")


class Completion(models.TextChoices):
    NONE = "none", _("None")
    ADD1 = "add1", _("Add1, then greedy (spend what equal shares leaves)")


def _new_salt() -> str:
    return uuid.uuid4().hex


class ProcessQuerySet(models.QuerySet["Process"]):
    def published(self) -> ProcessQuerySet:
        return self.filter(is_published=True)


class Process(models.Model):
    """One participatory-budgeting edition: its calendar, its ballot and its counting rule."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    is_published = models.BooleanField(_("published"), default=False)

    ideas_open_at = models.DateTimeField(_("idea collection opens"))
    ideas_close_at = models.DateTimeField(_("idea collection closes"))
    voting_open_at = models.DateTimeField(_("voting opens"))
    voting_close_at = models.DateTimeField(_("voting closes"))
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    # When the ballots were rewritten without locators, in random order (see sealing.py).
    ballots_sealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by the first census file: whether its people are known with a date of birth.
    census_with_birth_date = models.BooleanField(null=True, blank=True, editable=False)

    ballot_kind = models.CharField(
        _("ballot"), max_length=20, choices=BallotKind.choices, default=BallotKind.APPROVAL
    )
    min_choices = models.PositiveIntegerField(_("minimum projects per ballot"), default=1)
    max_choices = models.PositiveIntegerField(
        _("maximum projects per ballot"), null=True, blank=True
    )
    points_total = models.PositiveIntegerField(_("points to distribute"), null=True, blank=True)
    max_points_per_project = models.PositiveIntegerField(
        _("maximum points per project"), null=True, blank=True
    )
    min_spend_percent = models.PositiveIntegerField(
        _("minimum share of the budget to spend (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    # Warsaw-style: every voter may vote in the citywide unit(s) and in one district.
    one_district_per_voter = models.BooleanField(_("one district per voter"), default=True)

    rule = models.CharField(
        _("counting rule"), max_length=20, choices=Rule.choices, default=Rule.MES
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, default=Satisfaction.COST
    )
    completion = models.CharField(
        _("completion"), max_length=10, choices=Completion.choices, default=Completion.ADD1
    )

    # Set when the process came from a Pabulib file: the file's digest, for provenance.
    source = models.CharField(max_length=200, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    # Per-process salt for the census and code digests.
    salt = models.CharField(max_length=32, default=_new_salt, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        ordering = ["-voting_close_at", "pk"]
        verbose_name = _("participatory budgeting process")

    def __str__(self) -> str:
        return self.title

    def phase_at(self, moment: datetime) -> Phase:
        if not self.is_published:
            return Phase.DRAFT
        if self.results_published_at is not None:
            return Phase.RESULTS
        if moment < self.ideas_open_at:
            return Phase.UPCOMING
        if moment < self.ideas_close_at:
            return Phase.IDEAS
        if moment < self.voting_open_at:
            return Phase.REVIEW
        if moment < self.voting_close_at:
            return Phase.VOTING
        return Phase.COUNTING

    @property
    def phase(self) -> Phase:
        return self.phase_at(timezone.now())

    @property
    def pabulib_vote_type(self) -> str:
        return PABULIB_VOTE_TYPE[BallotKind(self.ballot_kind)]


class BudgetUnit(models.Model):
    """A separately counted budget: citywide, or one district's (Warsaw-style)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for a citywide budget."),
    )
    budget = models.BigIntegerField(_("budget (minor units)"), validators=[MinValueValidator(1)])
    position = models.PositiveIntegerField(default=0)
    # META of an imported Pabulib file, kept so that a re-export says where it came from.
    pabulib_meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["process", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["process", "name"], name="budgetunit_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_citywide(self) -> bool:
        return self.area_id is None


class Category(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["process", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["process", "name"], name="category_name_unique")
        ]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ON_BALLOT = "on_ballot", _("On the ballot")
    REJECTED = "rejected", _("Not feasible")
    MERGED = "merged", _("Merged into another project")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DeliveryStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PLANNING = "planning", _("Planning and design")
    IN_PROGRESS = "in_progress", _("Being built")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible(self) -> ProjectQuerySet:
        """What the public sees: everything not hidden by moderation."""
        return self.filter(hidden=False)

    def on_ballot(self) -> ProjectQuerySet:
        return self.filter(status=ProjectStatus.ON_BALLOT, hidden=False)

    def with_support(self) -> ProjectQuerySet:
        return self.annotate(support_count=Count("supports", distinct=True))

    def funded(self) -> ProjectQuerySet:
        return self.filter(is_funded=True)


class Project(models.Model):
    """A resident's idea, then (after review) a project on the ballot, then a funded project."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="projects")
    unit = models.ForeignKey(BudgetUnit, on_delete=models.PROTECT, related_name="projects")
    categories = models.ManyToManyField(Category, blank=True, related_name="projects")
    # The project id in Pabulib files; unique within the process, stable once voting opens.
    code = models.CharField(max_length=40)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    address = models.CharField(_("place"), max_length=300, blank=True)
    estimated_cost = models.BigIntegerField(
        _("estimated cost (minor units)"), validators=[MinValueValidator(1)]
    )
    assessed_cost = models.BigIntegerField(
        _("assessed cost (minor units)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED
    )
    # Public reason given by reviewers (why rejected, what changed in the cost, why merged).
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    hidden = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Pabulib PROJECTS columns other than id/cost/name/category (target, votes, ...).
    extra = models.JSONField(default=dict, blank=True)

    is_funded = models.BooleanField(default=False)
    delivery_status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.NOT_STARTED
    )
    delivery_progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)]
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["process", "unit", "code"]
        constraints = [
            models.UniqueConstraint(fields=["process", "code"], name="project_code_unique")
        ]
        indexes = [models.Index(fields=["process", "status"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def cost(self) -> int:
        """The cost that counts: the reviewers' figure when there is one."""
        return self.assessed_cost if self.assessed_cost is not None else self.estimated_cost


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="budgeting/%Y/%m/")
    alt_text = models.CharField(_("description of the photo"), max_length=300)
    content_type = models.CharField(max_length=50, default="image/jpeg")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "position", "pk"]

    def __str__(self) -> str:
        return self.alt_text


class Comment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["project", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.project_id}"


class Support(models.Model):
    """A signed-in resident's "I support this idea" during idea collection (one each)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="support_once")]

    def __str__(self) -> str:
        return f"Support for {self.project_id}"


class DeliveryUpdate(models.Model):
    """One entry of a funded project's public delivery timeline."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="delivery_updates")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices)
    progress = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.status} {self.progress}%"


# --- Eligibility -----------------------------------------------------------------------


class CensusEntry(models.Model):
    """One eligible resident, known only by a keyed digest of their identifier."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="census")
    digest = models.CharField(max_length=64)
    # District of residence, when the census says; it decides which district ballot they get.
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    has_voted = models.BooleanField(default=False)
    voted_on_paper = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "digest"], name="census_digest_unique")
        ]

    def __str__(self) -> str:
        return f"Census entry {self.pk}"


class VotingCode(models.Model):
    """A single-use voting code printed on a letter; only its keyed digest is stored."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    batch = models.CharField(max_length=100)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    has_voted = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "digest"], name="code_digest_unique")
        ]

    def __str__(self) -> str:
        return f"Voting code {self.pk} ({self.batch})"


# --- Ballots and results --------------------------------------------------------------


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")
    IMPORTED = "imported", _("Imported from a Pabulib file")


class Ballot(models.Model):
    """One voter's choices in one budget unit, with nothing that says who the voter is.

    ``projects`` lists project primary keys in ballot order (preference order for ranked
    ballots); ``points`` is aligned with it for cumulative ballots and empty otherwise.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ballots")
    unit = models.ForeignKey(BudgetUnit, on_delete=models.CASCADE, related_name="ballots")
    locator = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, choices=BallotChannel.choices)
    projects = models.JSONField(default=list)
    points = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "locator"],
                condition=~Q(locator=""),
                name="ballot_locator_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Ballot {self.id}"


class PaperEntryStatus(models.TextChoices):
    AWAITING_SECOND = "awaiting_second", _("Waiting for the second entry")
    MATCHED = "matched", _("Both entries agree: counted")
    MISMATCH = "mismatch", _("Entries disagree: a supervisor must resolve")
    RESOLVED = "resolved", _("Resolved by a supervisor: counted")
    SPOILED = "spoiled", _("Spoiled ballot: not counted")


class PaperEntry(models.Model):
    """A paper ballot typed in twice by two different staff members (double entry)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="paper_entries")
    unit = models.ForeignKey(BudgetUnit, on_delete=models.CASCADE, related_name="+")
    sheet = models.CharField(_("sheet number"), max_length=40)
    first = models.JSONField()
    first_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    second = models.JSONField(null=True, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        max_length=20, choices=PaperEntryStatus.choices, default=PaperEntryStatus.AWAITING_SECOND
    )
    ballot = models.OneToOneField(
        Ballot, null=True, blank=True, on_delete=models.SET_NULL, related_name="paper_entry"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "sheet"], name="paper_sheet_unique")
        ]

    def __str__(self) -> str:
        return f"Paper sheet {self.sheet}"


class UnitResult(models.Model):
    """The count of one budget unit: the official rule's winners, the comparison with the
    other rules, and the published anonymised ballots (.pb) with their SHA-256."""

    unit = models.ForeignKey(BudgetUnit, on_delete=models.CASCADE, related_name="results")
    counted_at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=20, choices=Rule.choices)
    satisfaction = models.CharField(max_length=20, choices=Satisfaction.choices)
    completion = models.CharField(max_length=10, choices=Completion.choices)
    voters = models.PositiveIntegerField()
    selected = models.JSONField(default=list)  # project codes, in the order funded
    cost = models.BigIntegerField()
    budget = models.BigIntegerField()
    # {"rules": {name: {selected, cost, leftover, voters_with_winner, ...}}, "projects": {...}}
    comparison = models.JSONField(default=dict)
    pb_file = models.TextField()
    pb_sha256 = models.CharField(max_length=64)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit", "-counted_at", "-pk"]

    def __str__(self) -> str:
        return f"Result of {self.unit_id} at {self.counted_at:%Y-%m-%d %H:%M}"
