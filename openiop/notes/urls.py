from django.urls import path

from .views import group, lists, notes, process

app_name = "notes"
urlpatterns = [
    path("patients/<uuid:patient_uuid>/", notes.patient_notes, name="patient_notes"),
    path("patients/<uuid:patient_uuid>/new/", notes.note_create_view, name="note_create"),
    path("<uuid:note_uuid>/", notes.note_detail, name="note_detail"),
    path("<uuid:note_uuid>/edit/", notes.note_edit, name="note_edit"),
    path("<uuid:note_uuid>/cosign/", notes.note_cosign_view, name="note_cosign"),
    path("<uuid:note_uuid>/addenda/", notes.note_addendum, name="note_addendum"),
    path("<uuid:note_uuid>/pdf/", notes.note_pdf, name="note_pdf"),
    path("sessions/<uuid:session_uuid>/group/", group.group_note, name="group_note"),
    path("group/<uuid:group_uuid>/cosign/", group.group_note_cosign_view, name="group_note_cosign"),
    path("group/<uuid:group_uuid>/addenda/", group.group_addendum, name="group_addendum"),
    path("entries/<uuid:entry_uuid>/", group.entry_detail, name="entry_detail"),
    path("entries/<uuid:entry_uuid>/addenda/", group.entry_addendum, name="entry_addendum"),
    path("entries/<uuid:entry_uuid>/pdf/", group.entry_pdf, name="entry_pdf"),
    path("unsigned/", lists.my_unsigned, name="my_unsigned"),
    path("programs/<uuid:program_uuid>/unsigned/", lists.program_unsigned, name="program_unsigned"),
    path("patients/<uuid:patient_uuid>/process/", process.process_notes, name="process_notes"),
    path("process/<uuid:process_uuid>/", process.process_note_edit, name="process_note_edit"),
]
