"""The objective's weights, shared by the solvers and the independent checker (docs/scheduling.md).

The objective is a cost to minimise, in integer points. Shortfall against the weekly hours target is the
heaviest term: one missing hour (60 x 100 = 6,000 points) outweighs every preference below it, because
reaching the target is what keeps a person in IOP (ASAM 2.1: 9-19 h/week for adults, 6-19 for adolescents).
"""

# Per minute below a patient's weekly target.
SHORTFALL_PER_MINUTE = 100
# Per prescribed individual/family/medication session not scheduled (worth 30 minutes of shortfall).
MISSING_REQUIRED_SESSION = 3_000
# Per session of a patient's current recurring group that they do not attend (continuity of group).
LEFT_CURRENT_GROUP_SESSION = 500
# Per individual or family session held by someone other than the patient's primary clinician.
NOT_PRIMARY_CLINICIAN = 400
# Per patient above a group session's ideal size (balances group sizes).
GROUP_OVER_IDEAL_SIZE = 50
# Per session on the busiest clinician's list (balances caseloads: the maximum load is charged).
MAX_CLINICIAN_LOAD = 20
# Per session in the modality (in person / telehealth) the patient did not prefer.
MODALITY_MISMATCH = 200
# Re-planning only (not part of the checked objective): reward per kept assignment of the previous week.
# Above every per-session preference (continuity 500, primary 400, modality 200), so a week is not
# reshuffled for them; far below an hour of shortfall or a prescribed session, which still win.
KEEP_PREVIOUS_ASSIGNMENT = 1_000

# Individual/family sessions for which the primary clinician is preferred; medication management goes to
# whoever prescribes.
PRIMARY_CLINICIAN_TYPES = frozenset({"individual_therapy", "family_therapy"})
