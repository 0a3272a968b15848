import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class Population(models.TextChoices):
    ADULT = "adult", _("Adults")
    ADOLESCENT = "adolescent", _("Adolescents")


class Focus(models.TextChoices):
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    CO_OCCURRING = "co_occurring", _("Co-occurring")


# ASAM Level 2.1 IOP: 9-19 h/week for adults, 6-19 h/week for adolescents (PRODUCT.md section 3).
MIN_WEEKLY_HOURS = {Population.ADULT: Decimal("9"), Population.ADOLESCENT: Decimal("6")}
MAX_WEEKLY_HOURS = Decimal("19")


def weekly_hours_problem(population: str, target: Decimal) -> str | None:
    """Why `target` is outside the IOP range for `population`, or None when it is inside."""
    low = MIN_WEEKLY_HOURS[Population(population)]
    if target < low or target > MAX_WEEKLY_HOURS:
        return _("An IOP for %(population)s runs %(low)s–%(high)s hours a week.") % {
            "population": Population(population).label.lower(),
            "low": low.normalize(),
            "high": MAX_WEEKLY_HOURS.normalize(),
        }
    return None


class ProgramQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Program(AuditedModel):
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(max_length=30, unique=True)
    population = models.CharField(max_length=20, choices=Population.choices)
    focus = models.CharField(max_length=20, choices=Focus.choices)
    weekly_hours_target = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_WEEKLY_HOURS)],
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Due dates created at admission (days after the admission date).
    baseline_measures_due_days = models.PositiveSmallIntegerField(
        default=3, help_text=_("Days after admission by which baseline measures are due.")
    )
    initial_plan_due_days = models.PositiveSmallIntegerField(
        default=7, help_text=_("Days after admission by which the initial treatment plan is due.")
    )
    certification_due_days = models.PositiveSmallIntegerField(
        default=3, help_text=_("Days after admission by which a physician certifies the need for IOP.")
    )
    # Medicare IOP: recertification of need at least every 60 days (PRODUCT.md section 2).
    recertification_interval_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("A certification is valid this many days; recertification falls due then."),
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.population and self.weekly_hours_target is not None:
            problem = weekly_hours_problem(self.population, self.weekly_hours_target)
            if problem:
                raise ValidationError({"weekly_hours_target": problem})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


WEEKDAY_ABBREVIATIONS = {
    0: _("Mon"),
    1: _("Tue"),
    2: _("Wed"),
    3: _("Thu"),
    4: _("Fri"),
    5: _("Sat"),
    6: _("Sun"),
}


class TrackQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, program__is_active=True)

    def meeting_on(self, day: datetime.date):
        """Tracks whose regular days include `day`. Weekdays are a short list, so filter in Python."""
        return [track for track in self.active() if day.weekday() in track.weekdays]


class Track(AuditedModel):
    """A fixed weekly rhythm within a program (e.g. "morning Mon/Wed/Fri 9-12") so people keep work and school."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tracks")
    name = models.CharField(max_length=80)
    weekdays = models.JSONField(help_text=_("Days the track meets: 0 = Monday … 6 = Sunday."))
    start_time = models.TimeField()
    end_time = models.TimeField()
    capacity = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(default=True)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["program__name", "start_time", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="unique_track_name_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.program.short_name}: {self.name}"

    def clean(self):
        errors = {}
        days = self.weekdays
        if not isinstance(days, list) or not days or any(d not in Weekday.values for d in days):
            errors["weekdays"] = _("Choose at least one day, as numbers 0 (Monday) to 6 (Sunday).")
        elif len(set(days)) != len(days):
            errors["weekdays"] = _("Each day may appear once.")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The track must end after it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def days_label(self) -> str:
        return "/".join(str(WEEKDAY_ABBREVIATIONS[d]) for d in sorted(self.weekdays))

    @property
    def hours_per_week(self) -> Decimal:
        start = datetime.datetime.combine(datetime.date.min, self.start_time)
        end = datetime.datetime.combine(datetime.date.min, self.end_time)
        per_day = Decimal((end - start).seconds) / Decimal(3600)
        return (per_day * len(self.weekdays)).quantize(Decimal("0.1"))
