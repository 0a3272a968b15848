from django.db import migrations, models
from django.db.models import Q

# The wording the demo and staff used for the one expiry event the system now enforces (the form's help
# text suggested "discharge from the program"): case aside, exactly these words and nothing more, so that
# no other event a patient wrote is reinterpreted.
DISCHARGE_WORDS = ("Discharge from the program", "Discharge from the program.")


def _matching(Consent):
    words = Q()
    for text in DISCHARGE_WORDS:
        words |= Q(expiry_event__iexact=text)
    return Consent.objects.filter(words)


def to_structured(apps, schema_editor):
    Consent = apps.get_model("coordination", "Consent")
    _matching(Consent).update(expires_at_discharge=True, expiry_event="")


def to_text(apps, schema_editor):
    Consent = apps.get_model("coordination", "Consent")
    Consent.objects.filter(expires_at_discharge=True, expiry_event="").update(
        expiry_event=DISCHARGE_WORDS[0]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0003_portal_signed_consents"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="expires_at_discharge",
            field=models.BooleanField(
                default=False, verbose_name="expires when the patient is discharged from the program"
            ),
        ),
        migrations.RunPython(to_structured, to_text),
    ]
