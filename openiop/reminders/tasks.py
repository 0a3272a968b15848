"""The reminders' background task, run by the django-tasks worker (`manage.py db_worker`; at once in tests)."""

from django_tasks import task

from .models import ReminderSend


@task()
def send_reminder(send_id: int) -> str:
    """Send one queued reminder. A failure is recorded with its next attempt's time; the dispatcher
    re-queues it then (so retries work the same on every task backend, deferred or not)."""
    from .services import deliver

    send = ReminderSend.objects.filter(pk=send_id).first()
    if send is None:
        return "gone"
    return deliver(send).status
