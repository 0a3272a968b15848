"""The skills pages in the role walk (openiop/core/tests/test_role_walk.py merges ROUTES)."""

from openiop.core.tests.roles import BTG, CLINICAL, only

from .factories import a_lesson, homework_for

# Those who work sessions (treating roles and directors) of any program; session leads (alice leads the
# walk's session) and the program's director; the chart's readers; the treating care team and director.
WORK_SESSIONS = ("alice", "bob", "paul", "dana", "charlie")
LEAD_SESSION_A = ("alice", "dana")
CHART_A = ("alice", "paul", "ivan", "dana")
WORK_A = ("alice", "paul", "dana")

ROUTES = {
    # The curriculum: clinical staff read it; program directors write it.
    "skills:curriculum": ("get", lambda w: {}, only(*CLINICAL)),
    "skills:curriculum_load": ("post", lambda w: {}, only("dana")),
    "skills:module_add": ("get", lambda w: {}, only("dana")),
    "skills:module_detail": ("get", lambda w: {"module_uuid": a_lesson().module.uuid}, only(*CLINICAL)),
    "skills:module_edit": ("get", lambda w: {"module_uuid": a_lesson().module.uuid}, only("dana")),
    "skills:lesson_add": ("get", lambda w: {"module_uuid": a_lesson().module.uuid}, only("dana")),
    "skills:lesson_detail": ("get", lambda w: {"lesson_uuid": a_lesson().uuid}, only(*CLINICAL)),
    "skills:lesson_edit": ("get", lambda w: {"lesson_uuid": a_lesson().uuid}, only("dana")),
    # Group sessions and their lessons: the week for those who work sessions; one session for its leads
    # and its program's director. An empty homework POST re-renders the page with the form's errors.
    "skills:sessions": ("get", lambda w: {}, only(*WORK_SESSIONS)),
    "skills:session": ("get", lambda w: {"session_uuid": w.session.uuid}, only(*LEAD_SESSION_A)),
    "skills:session_homework": ("post", lambda w: {"session_uuid": w.session.uuid}, only(*LEAD_SESSION_A)),
    # A patient's skills record follows the chart (bob must break the glass); writes are the treating care
    # team's and the director's (no break-the-glass for homework).
    "skills:patient": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*CHART_A, bob=BTG)),
    "skills:homework_add": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*WORK_A)),
    "skills:practice_add": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*WORK_A)),
    "skills:homework_outcome": ("get", lambda w: {"homework_uuid": homework_for(w).uuid}, only(*WORK_A)),
}
