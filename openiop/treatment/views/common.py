import functools

from django.shortcuts import redirect

from openiop.patients.selectors import BreakGlassRequired


def breaks_glass(view):
    """Send staff who may read plans only by breaking the glass to the break-the-glass page, as the chart."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BreakGlassRequired as needed:
            return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)

    return wrapped
