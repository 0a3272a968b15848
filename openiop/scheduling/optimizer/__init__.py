"""The weekly schedule optimizer: a pure core (plain data in, plain data out; no Django).

instance.py (data and JSON), candidates.py (what may go where), cpsat.py (the CP-SAT model), aggregate.py (identical slots and rooms counted), greedy.py
(the baseline), checker.py (independent verification), explain.py (why someone is below target),
weights.py (the objective's weights). See docs/scheduling.md.
"""
