"""External providers, a patient's external care team, consents and the accounting of disclosures."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel

from . import consent_rules as cr

# HIPAA 45 CFR 164.528 asks 6 years of accounting; 42 CFR Part 2 (2024, §2.24/§2.25 via HITECH 13405(c))
# asks 3 years for TPO disclosures through an EHR. Issue 7 keeps every row at least 3 years: rows are never
# deleted by the application; `retain_until` says when a records-retention job may consider them.
ACCOUNTING_RETENTION_YEARS = 3


class ProviderRole(models.TextChoices):
    OUTPATIENT_THERAPIST = "outpatient_therapist", _("Outpatient therapist")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    PRIMARY_CARE = "primary_care", _("Primary care provider")
    RESIDENTIAL_PROGRAM = "residential_program", _("Residential program")
    INPATIENT_PROGRAM = "inpatient_program", _("Inpatient program")
    MAT_PRESCRIBER = "mat_prescriber", _("Medication for addiction treatment prescriber")
    CASE_MANAGER = "case_manager", _("Case manager")
    OTHER = "other", _("Other")


class Provider(AuditedModel):
    name = models.CharField(_("name"), max_length=160)
    role = models.CharField(_("role"), max_length=32, choices=ProviderRole.choices)
    organization = models.CharField(_("organization"), max_length=160, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    direct_address = models.EmailField(
        _("secure messaging (Direct) address"),
        blank=True,
        help_text=_("The provider's Direct address for secure messaging, e.g. name@direct.example.org."),
    )
    npi = models.CharField(_("NPI"), max_length=10, blank=True, help_text=_("Optional: 10 digits."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "organization", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})" if self.organization else self.name


class ExternalCareTeamMember(AuditedModel):
    """A provider outside the program who cares for the patient (their therapist, PCP, prescriber)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="external_care_team"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="patients")
    role = models.CharField(_("role for this patient"), max_length=32, choices=ProviderRole.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Ending a membership keeps the row as history (who cared for the patient, and until when); the FHIR
    # CareTeam shows it as participant.period.end.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)

    class Meta:
        ordering = ["provider__name", "id"]
        constraints = [
            # Once per patient while current; an ended membership may be followed by a new one.
            models.UniqueConstraint(
                fields=["patient", "provider"],
                condition=models.Q(ended_on__isnull=True),
                name="external_member_current_once_per_patient",
            )
        ]

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class ConsentKind(models.TextChoices):
    TREATMENT = cr.TREATMENT, _("Consent to treatment")
    HIPAA = cr.HIPAA, _("HIPAA authorization")
    PART2 = cr.PART2, _("42 CFR Part 2 consent")


class Category(models.TextChoices):
    ATTENDANCE = cr.ATTENDANCE, _("Attendance and hours")
    TREATMENT_PLAN = cr.TREATMENT_PLAN, _("Treatment plan")
    MEASURES = cr.MEASURES, _("Measures (questionnaire scores)")
    NOTES_SUMMARY = cr.NOTES_SUMMARY, _("Summary of progress notes")
    SUD_NOTES = cr.SUD_NOTES, _("SUD counselling notes")
    TRANSITION_PACKET = cr.TRANSITION_PACKET, _("Transition packet")


class Purpose(models.TextChoices):
    TREATMENT = cr.TREATMENT_PURPOSE, _("Treatment (continuity of care)")
    PAYMENT = cr.PAYMENT, _("Payment")
    OPERATIONS = cr.OPERATIONS, _("Health care operations")
    LEGAL = cr.LEGAL, _("Legal proceedings")


class SignatureMethod(models.TextChoices):
    ON_SCREEN = "on_screen", _("Signed on screen, in front of me")
    PAPER = "paper", _("Signed on a paper form, which I scan and upload")
    PORTAL = "portal", _("By the patient in the portal: I prepare it, they read and sign it there")


def discharge_moment(discharged_on: datetime.date, closed_at: datetime.datetime | None) -> datetime.datetime:
    """When a discharge ended the stay, as a consent expiring at discharge needs it: the moment the
    discharge was closed (discharge_close), but never later than the end of the discharge day, because a
    discharge may be closed days after the patient's last day. A discharge recorded with a day only (a
    change of level of care leaving the program) holds through that local day."""
    from django.utils import timezone

    end_of_day = timezone.make_aware(
        datetime.datetime.combine(discharged_on + datetime.timedelta(days=1), datetime.time())
    )
    return min(closed_at, end_of_day) if closed_at is not None else end_of_day


def _discharged_episodes():
    from openiop.patients.models import EpisodeOfCare

    return (
        EpisodeOfCare.objects.filter(discharged_on__isnull=False)
        .select_related("discharge")
        .only("patient_id", "discharged_on", "discharge__closed_at")
        .order_by("discharged_on", "pk")
    )


# Where `ConsentQuerySet.with_discharges` leaves the discharged episodes on each consent's patient.
DISCHARGES_ATTR = "consent_discharged_episodes"


class ConsentQuerySet(models.QuerySet):
    def with_discharges(self) -> "ConsentQuerySet":
        """Load the discharges of the consents' patients with them (two more queries for any number of
        consents), which `Consent.expires_at` needs for a consent expiring at discharge; without it each
        such consent loads its patient's discharges itself."""
        return self.prefetch_related(
            models.Prefetch("patient__episodes", queryset=_discharged_episodes(), to_attr=DISCHARGES_ATTR)
        )


class SignedConsentManager(models.Manager.from_queryset(ConsentQuerySet)):
    """Only consents the patient has signed. The default manager, so that every existing reader (the
    consent engine, disclosures, FHIR, the API, chart panels) can never meet a consent still waiting for
    the patient's signature in the portal; code about those uses `Consent.with_unsigned`."""

    def get_queryset(self):
        return super().get_queryset().filter(signed_at__isnull=False)


AllConsentsManager = models.Manager.from_queryset(ConsentQuerySet)


class Consent(AuditedModel):
    """A consent signed by the patient on screen, witnessed by the staff member who recorded it, or signed
    on paper, whose scan is kept with it (`ConsentDocument`) and recorded by `witnessed_by`, or prepared by
    staff and signed by the patient in the portal (no witness: the patient signs alone, with their account).

    A portal consent waits for the signature with no `signed_at`/`signed_on`/`signed_name`; until then it
    allows nothing (`as_record` gives no `valid_from`, which the engine refuses as not yet signed) and the
    default manager does not even return it."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(_("kind"), max_length=24, choices=ConsentKind.choices)
    # §2.31(a)(2): who may disclose. The program the patient is in, named when signed.
    disclosing_party = models.CharField(_("who may disclose"), max_length=200)
    recipient = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    tpo = models.BooleanField(
        _("single consent for treatment, payment and health care operations"), default=False
    )
    purposes = models.JSONField(_("purposes"), default=list)
    categories = models.JSONField(_("information"), default=list)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # §2.31(a)(7): the expiry event the system enforces (`expires_at`). `expiry_event` is any other event,
    # in the patient's words, which nothing checks (the staff screens say so).
    expires_at_discharge = models.BooleanField(
        _("expires when the patient is discharged from the program"), default=False
    )
    expiry_event = models.CharField(_("expires on this event"), max_length=200, blank=True)
    signed_name = models.CharField(_("name typed by the patient"), max_length=160, blank=True)
    # All three empty while a portal consent waits for the patient's signature (see the constraints).
    signed_on = models.DateField(_("date signed"), null=True, blank=True)
    signed_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signature_method = models.CharField(
        _("how it was signed"),
        max_length=16,
        choices=SignatureMethod.choices,
        default=SignatureMethod.ON_SCREEN,
    )
    paper_received_by = models.CharField(_("who received the signed paper form"), max_length=160, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_note = models.CharField(_("how the patient revoked"), max_length=300, blank=True)

    objects = SignedConsentManager()
    with_unsigned = AllConsentsManager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        base_manager_name = "with_unsigned"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_on__isnull=True, signed_name="")
                | models.Q(signed_at__isnull=False, signed_on__isnull=False),
                name="consent_signature_fields_together",
            ),
            # Only a portal consent may wait for its signature ...
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=False) | models.Q(signature_method="portal"),
                name="consent_unsigned_only_in_portal",
            ),
            # ... and only a portal signature has no staff witness (on screen) or recorder (paper).
            models.CheckConstraint(
                condition=models.Q(witnessed_by__isnull=False) | models.Q(signature_method="portal"),
                name="consent_witness_unless_portal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.signed_on or _('not signed yet')})"

    @property
    def awaiting_signature(self) -> bool:
        """Prepared for the patient to sign in the portal, not signed yet."""
        return self.signed_at is None

    @property
    def signed_in_portal(self) -> bool:
        return self.signature_method == SignatureMethod.PORTAL and self.signed_at is not None

    @property
    def is_authorization(self) -> bool:
        return self.kind in cr.AUTHORIZING_KINDS

    def date_expires_at(self) -> datetime.datetime | None:
        """A consent expiring on a date holds through that whole (local) day."""
        from django.utils import timezone

        if self.expires_on is None:
            return None
        next_day = self.expires_on + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time()))

    def discharges(self) -> list[datetime.datetime]:
        """The moments the patient's stays ended by discharge (`discharge_moment`), from the episodes
        `ConsentQuerySet.with_discharges` loaded, else from one query (kept on the consent)."""
        cached = getattr(self, "_discharges", None)
        if cached is not None:
            return cached
        patient = self.patient if Consent.patient.is_cached(self) else None
        episodes = getattr(patient, DISCHARGES_ATTR, None)
        if episodes is None:
            episodes = _discharged_episodes().filter(patient_id=self.patient_id)
        self._discharges = [
            discharge_moment(e.discharged_on, getattr(getattr(e, "discharge", None), "closed_at", None))
            for e in episodes
        ]
        return self._discharges

    def expires_at(self) -> datetime.datetime | None:
        """The first moment the consent no longer holds: the day after its expiry date, or for a consent
        expiring at discharge the first discharge after its signature, whichever comes first."""
        return cr.expiry(
            date_expiry=self.date_expires_at(),
            at_discharge=self.expires_at_discharge,
            signed_at=self.signed_at,
            discharges=self.discharges() if self.expires_at_discharge and self.signed_at else (),
        )

    def discharge_ended_at(self) -> datetime.datetime | None:
        """The discharge that ended this consent, when that (not its date) is what ended it."""
        expires = self.expires_at()
        if expires is None or not self.expires_at_discharge or expires == self.date_expires_at():
            return None
        return expires

    def status_at(self, moment: datetime.datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= moment:
            return "revoked"
        if self.signed_at is None:
            return "awaiting_signature"
        expires = self.expires_at()
        if expires is not None and expires <= moment:
            return "expired"
        return "active"

    def category_labels(self) -> list[str]:
        return [Category(c).label for c in self.categories if c in Category.values]

    def purpose_labels(self) -> list[str]:
        return [Purpose(p).label for p in self.purposes if p in Purpose.values]

    def recipient_text(self) -> str:
        if self.tpo:
            return str(
                _(
                    "My treating providers, health plans, third-party payers, and people helping to operate this program"
                )
            )
        return str(self.recipient) if self.recipient else ""

    @property
    def signed_on_paper(self) -> bool:
        return self.signature_method == SignatureMethod.PAPER

    @property
    def scan(self) -> "ConsentDocument | None":
        """The scan of the signed paper form, if any."""
        try:
            return self.document
        except ConsentDocument.DoesNotExist:
            return None

    def as_record(self) -> cr.ConsentRecord:
        return cr.ConsentRecord(
            id=str(self.uuid),
            kind=self.kind,
            valid_from=self.signed_at,
            purposes=frozenset(self.purposes),
            categories=frozenset(self.categories),
            recipient_id=str(self.recipient.uuid) if self.recipient_id else None,
            tpo=self.tpo,
            expires_at=self.expires_at(),
            revoked_at=self.revoked_at,
        )


def consent_document_path(instance, filename: str) -> str:
    # Never the uploaded name on disk: a random name under the private media root (as referral documents).
    return f"consents/{instance.consent.uuid}/{uuid.uuid4().hex}"


class ConsentDocument(AuditedModel):
    """The scan of a consent the patient signed on paper: PDF, PNG or JPEG, recognised by its first bytes;
    its SHA-256 goes into the copy of the consent that accompanies a disclosure."""

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="document")
    file = models.FileField(upload_to=consent_document_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    def __str__(self) -> str:
        return self.original_name


class Disclosure(AuditedModel):
    """One release of records that left the system: the accounting of disclosures row."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="disclosures")
    recipient = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="disclosures")
    recipient_text = models.CharField(_("recipient"), max_length=330)  # as it was named when disclosed
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    categories = models.JSONField(_("information"), default=list)
    description = models.CharField(_("description"), max_length=300)
    media_type = models.CharField(_("format"), max_length=80)
    part2 = models.BooleanField(_("contains Part 2 records"), default=False)
    consents = models.ManyToManyField(Consent, related_name="disclosures")
    disclosed_at = models.DateTimeField(_("disclosed at"))
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(_("SHA-256 of what left"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    retain_until = models.DateField(_("kept at least until"))

    class Meta:
        ordering = ["-disclosed_at", "-id"]

    def category_labels(self) -> list[str]:
        return [Category(c).label for c in self.categories if c in Category.values]


class TransmissionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Transmission(AuditedModel):
    """One electronic send of a disclosure's document (Direct secure messaging), and its attempts.

    The disclosure happened once (`disclose`); a failed send is retried with the very bytes that were
    disclosed, whose SHA-256 is on the accounting row. They are kept in `pending_content` until the send
    succeeds and cleared then: regenerating the document would give other bytes and another digest."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="transmissions")
    channel = models.CharField(_("channel"), max_length=16, default="direct")
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    attachment_name = models.CharField(_("attachment"), max_length=120)
    status = models.CharField(
        _("status"), max_length=12, choices=TransmissionStatus.choices, default=TransmissionStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    pending_content = models.BinaryField(_("bytes waiting to be sent"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address} ({self.status})"
