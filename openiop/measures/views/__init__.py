"""The measures pages, one module per screen family: administrations.py (a patient's questionnaires,
entering a paper form, the result, entered in error), alerts.py (urgent alerts and closing them),
program.py (a director's schedules and cover), and the trajectory and outcomes modules."""
