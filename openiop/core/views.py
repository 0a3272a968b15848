from django.shortcuts import render


def permission_denied(request, exception=None):
    """A refusal names no patient and no record: only that access was refused and what to do."""
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
