import hashlib
import uuid

import rules
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE_COORDINATOR = "intake_coordinator", _("Intake coordinator")
    CLINICIAN = "clinician", _("Clinician")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    PROGRAM_DIRECTOR = "program_director", _("Program director")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    PATIENT = "patient", _("Patient")
    # A patient's family member with the patient's recorded consent (invitations.FamilyAccessGrant): sees
    # only the family sessions' times. Neither staff nor patient.
    FAMILY = "family", _("Family member")


STAFF_ROLES = frozenset(role for role in Role if role not in (Role.PATIENT, Role.FAMILY))
# Roles that treat patients and so may open charts of their programs' patients.
CLINICAL_ROLES = frozenset(
    {Role.INTAKE_COORDINATOR, Role.CLINICIAN, Role.PSYCHIATRIST, Role.PROGRAM_DIRECTOR}
)


class User(AbstractUser):
    """A person who signs in: staff of the organization or a patient with a portal account."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_perm(self, perm, obj=None) -> bool:
        """OpenIOP's own permissions come from the rules alone.

        Django lets a superuser pass every permission check; here a superuser is an administrator of
        configuration and gets no access to patients through that flag.
        """
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def display_name(self) -> str:
        profile = getattr(self, "staff_profile", None)
        credentials = profile.credentials if profile else ""
        name = self.get_full_name() or self.username
        return f"{name}, {credentials}" if credentials else name


class StaffProfile(models.Model):
    """What the program needs to know about a staff member: credentials and program membership."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    title = models.CharField(max_length=120, blank=True)
    credentials = models.CharField(
        max_length=60, blank=True, help_text=_("Licences and degrees as shown after the name, e.g. LCSW, MD.")
    )
    npi = models.CharField("NPI", max_length=10, blank=True)
    programs = models.ManyToManyField("programs.Program", related_name="staff_profiles", blank=True)
    supervisor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisees"
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.credentials})" if self.credentials else str(self.user)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class PersonalAccessTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class PersonalAccessToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text=_("First characters, to recognise the token."))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
