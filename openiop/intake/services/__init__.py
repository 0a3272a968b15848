"""Intake services: every write of the intake capability goes through one of these."""

from .admissions import (
    certification_record,
    due_item_complete,
    episode_admit,
    level_transition_record,
    waitlist_add,
    waitlist_for_program,
)
from .assessments import assessment_recommendation, assessment_record
from .referrals import (
    referral_create,
    referral_create_from_self_check,
    referral_document_add,
    referral_link_patient,
    referral_possible_patients,
    referral_transition,
)

__all__ = [
    "assessment_recommendation",
    "assessment_record",
    "certification_record",
    "due_item_complete",
    "episode_admit",
    "level_transition_record",
    "referral_create",
    "referral_create_from_self_check",
    "referral_document_add",
    "referral_link_patient",
    "referral_possible_patients",
    "referral_transition",
    "waitlist_add",
    "waitlist_for_program",
]
