"""Referral writes that span several services: a referral with its documents, or several documents at
once. All or nothing: if any file is refused, nothing is saved (and no stored file is left behind)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Referral, ReferralDocument
from .referrals import referral_create, referral_document_add


def referral_documents_add(*, referral: Referral, uploads, by, request=None) -> list[ReferralDocument]:
    """Attach every upload to the referral, or none of them: the first refused file raises
    ValidationError naming the file."""
    stored: list[ReferralDocument] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                try:
                    stored.append(
                        referral_document_add(referral=referral, upload=upload, by=by, request=request)
                    )
                except ValidationError as error:
                    raise ValidationError(f"{upload.name}: {' '.join(error.messages)}") from error
    except Exception:
        # The rows roll back with the transaction; the files written so far must go too.
        for document in stored:
            document.file.storage.delete(document.file.name)
        raise
    return stored


def referral_create_with_documents(*, created_by, uploads=(), request=None, **fields) -> Referral:
    """Record a referral (see `referral_create`) together with its documents, atomically."""
    with transaction.atomic():
        referral = referral_create(created_by=created_by, request=request, **fields)
        referral_documents_add(referral=referral, uploads=uploads, by=created_by, request=request)
    return referral
