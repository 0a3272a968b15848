"""`schedule solve INSTANCE.json` prints a week's schedule as JSON; `schedule check INSTANCE.json
SCHEDULE.json` prints its hard-constraint violations and objective (exit status 1 on violations).

A thin shell around the pure core in openiop/scheduling/optimizer (docs/scheduling.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from openiop.scheduling.optimizer.checker import check
from openiop.scheduling.optimizer.cpsat import solve
from openiop.scheduling.optimizer.explain import explain
from openiop.scheduling.optimizer.greedy import greedy
from openiop.scheduling.optimizer.instance import InstanceError, assignments_from_dict, load_instance
from openiop.scheduling.optimizer.output import schedule_to_dict


class Command(BaseCommand):
    help = "Build or check a weekly schedule from an instance JSON file (docs/scheduling.md)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        solve_parser = actions.add_parser("solve", help="print the schedule as JSON")
        solve_parser.add_argument("instance")
        solve_parser.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
        solve_parser.add_argument("--seed", type=int, default=0)
        solve_parser.add_argument("--greedy", action="store_true", help="the greedy baseline only")
        check_parser = actions.add_parser("check", help="print violations and the objective")
        check_parser.add_argument("instance")
        check_parser.add_argument("schedule")

    def handle(self, *args, **options):
        try:
            instance = load_instance(options["instance"])
        except (OSError, InstanceError) as error:
            raise CommandError(str(error)) from error
        if options["action"] == "solve":
            self._solve(instance, options)
        else:
            self._check(instance, options["schedule"])

    def _solve(self, instance, options) -> None:
        if options["greedy"]:
            assignments = greedy(instance, seed=options["seed"])
            solver = {"solver": "greedy", "seed": options["seed"]}
        else:
            result = solve(instance, time_limit=options["time_limit"], seed=options["seed"])
            assignments = result.assignments
            solver = {
                "solver": "cp-sat",
                "seed": options["seed"],
                "status": result.status,
                "bound": result.bound,
                "gap": round(result.gap, 6),
            }
        data = schedule_to_dict(
            instance,
            assignments,
            solver=solver,
            report=check(instance, assignments),
            explanations=explain(instance, assignments),
        )
        self.stdout.write(json.dumps(data, indent=2))

    def _check(self, instance, schedule_path: str) -> None:
        try:
            with open(schedule_path, encoding="utf-8") as handle:
                assignments = assignments_from_dict(json.load(handle))
        except (OSError, ValueError) as error:  # InstanceError and JSONDecodeError are ValueErrors
            raise CommandError(f"{schedule_path}: {error}") from error
        report = check(instance, assignments)
        for violation in report.violations:
            self.stdout.write(f"{violation.kind}: {violation.message}")
        self.stdout.write(f"objective: {report.objective}")
        for term, value in report.terms.items():
            self.stdout.write(f"  {term}: {value}")
        if report.violations:
            raise CommandError(f"{len(report.violations)} hard-constraint violation(s)", returncode=1)
        self.stdout.write("no hard-constraint violations")
