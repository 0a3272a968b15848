"""The treatment-plan objectives a group entry may link to: those of the person's active plan.

Treatment plans live in openiop.treatment; this is the one place notes ask it, so the rule "only
objectives of that person's active plan" is decided in one function.
"""


def active_objectives_of(episode) -> list:
    """The objectives of the episode's active treatment plan, in the plan's order; [] without one."""
    from openiop.treatment.selectors import active_objectives

    return list(active_objectives(episode))
