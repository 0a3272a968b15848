"""The skills curriculum (modules and lessons), the lesson of each group session, homework and the
skills-practice log.

Modules and lessons are copied from the shipped curriculum file (curriculum.py) by `curriculum_sync`, or
written by the organization's program directors. Which lessons a patient has had is not stored here: it is
derived from attendance (scheduling.SessionAttendee) of sessions tied to a lesson (SessionLesson), so there
is one record of who was there.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel

from .curriculum import MAX_CODE, MAX_TITLE, MAX_VERSION

DISTRESS_MIN, DISTRESS_MAX = 0, 10


class Origin(models.TextChoices):
    SHIPPED = "shipped", _("OpenIOP curriculum")
    LOCAL = "local", _("Written by this organization")


class CurriculumItem(AuditedModel):
    """What modules and lessons share: a stable code, where the text came from, and a version counter for
    optimistic concurrency (a save names the version it started from; a stale one is refused)."""

    code = models.CharField(max_length=MAX_CODE, unique=True)
    title = models.CharField(max_length=MAX_TITLE)
    position = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.LOCAL)
    # For shipped items: the curriculum file and version the text was last synced from.
    curriculum_id = models.CharField(max_length=MAX_CODE, blank=True)
    curriculum_version = models.CharField(max_length=MAX_VERSION, blank=True)
    # A shipped item changed by the organization: syncing a newer file never overwrites it.
    edited_locally = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def is_shipped(self) -> bool:
        return self.origin == Origin.SHIPPED


class ModuleQuerySet(models.QuerySet):
    def in_order(self):
        return self.order_by("position", "title", "id")


class Module(CurriculumItem):
    summary = models.TextField()

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]


class LessonQuerySet(models.QuerySet):
    def in_order(self):
        return self.select_related("module").order_by("module__position", "module__title", "position", "id")


class Lesson(CurriculumItem):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    objectives = models.JSONField(default=list)  # list of strings
    outline = models.JSONField(default=list)  # list of strings, in order
    exercise = models.TextField()
    homework = models.TextField()

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["module__position", "position", "title"]

    @property
    def label(self) -> str:
        return f"{self.module.title}: {self.title}"


class SessionLesson(AuditedModel):
    """The lesson a group session teaches. One per session; the scheduling app knows nothing of it."""

    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="skills_lesson"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="session_links")

    def __str__(self) -> str:
        return f"{self.session}: {self.lesson}"


class HomeworkStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Done")
    PARTLY = "partly", _("Partly done")
    NOT_DONE = "not_done", _("Not done")


COMPLETION_STATUSES = (HomeworkStatus.DONE, HomeworkStatus.PARTLY, HomeworkStatus.NOT_DONE)


class HomeworkQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=HomeworkStatus.ASSIGNED)

    def overdue(self, today):
        return self.open().filter(due_on__lt=today)


class Homework(AuditedModel):
    """Homework given to one patient: a lesson's (its text prefilled, then editable) or free."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="skills_homework")
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The group session it was given in, when assigned from a session.
    session = models.ForeignKey(
        "scheduling.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=MAX_TITLE)
    instructions = models.TextField()
    assigned_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=HomeworkStatus.choices, default=HomeworkStatus.ASSIGNED)
    completion_note = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completion_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = HomeworkQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("assigned_on")), name="homework_due_after_assigned"
            ),
        ]
        indexes = [models.Index(fields=["patient", "status", "due_on"], name="homework_patient_status_idx")]

    def __str__(self) -> str:
        return self.title

    def is_overdue_on(self, today) -> bool:
        return self.status == HomeworkStatus.ASSIGNED and self.due_on < today


class EntrySource(models.TextChoices):
    STAFF = "staff", _("Entered by staff")
    PATIENT = "patient", _("Entered by the patient")


class PracticeLogEntry(AuditedModel):
    """One time a patient used a skill: which skill, in what situation, distress before and after (0-10).

    Staff enter them now; the portal (issue 8) will let patients enter their own, so who entered an entry,
    and whether that was the patient, is recorded on each.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="skills_practice")
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    practiced_on = models.DateField()
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    skill_text = models.CharField(_("skill (in own words)"), max_length=200, blank=True)
    situation = models.TextField()
    distress_before = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(DISTRESS_MIN), MaxValueValidator(DISTRESS_MAX)]
    )
    distress_after = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(DISTRESS_MIN), MaxValueValidator(DISTRESS_MAX)]
    )
    notes = models.TextField(blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=EntrySource.choices, default=EntrySource.STAFF)

    class Meta:
        ordering = ["-practiced_on", "-created_at"]
        verbose_name_plural = "practice log entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(distress_before__lte=DISTRESS_MAX, distress_after__lte=DISTRESS_MAX),
                name="practice_distress_at_most_10",
            ),
            models.CheckConstraint(
                condition=models.Q(lesson__isnull=False)
                | models.Q(module__isnull=False)
                | ~models.Q(skill_text=""),
                name="practice_names_a_skill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_label} on {self.practiced_on}"

    @property
    def skill_label(self) -> str:
        if self.lesson_id:
            return self.lesson.title
        if self.module_id:
            return self.module.title
        return self.skill_text

    @property
    def change(self) -> int:
        """Distress after minus before: negative means it went down."""
        return self.distress_after - self.distress_before
