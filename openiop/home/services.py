from django.db import transaction
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record

from .models import Task, TaskStatus


def task_create(*, title: str, assigned_to, due_on, patient=None, created_by=None, request=None) -> Task:
    with transaction.atomic():
        task = Task.objects.create(
            title=title,
            assigned_to=assigned_to,
            due_on=due_on,
            patient=patient,
            created_by=created_by,
            updated_by=created_by,
        )
        audit_record(action=Action.CREATE, request=request, actor=created_by, patient=patient, obj=task)
    return task


def task_complete(*, task: Task, user, request=None) -> Task:
    """Mark a task done. Completing it twice changes nothing and records nothing new."""
    if task.status == TaskStatus.DONE:
        return task
    with transaction.atomic():
        task.status = TaskStatus.DONE
        task.completed_at = timezone.now()
        task.updated_by = user
        task.save(update_fields=["status", "completed_at", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=user,
            patient=task.patient,
            obj=task,
            detail={"status": TaskStatus.DONE},
        )
    return task
