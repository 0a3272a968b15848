"""`python manage.py score PHQ-9 '{"1": 2, "9": 1, ...}'`: score answers and print the result as JSON.

A handy check of an instrument file or a score by hand. ANSWERS_JSON is a path to a JSON file or an inline
JSON object of {item key: answer value}. Bad input (unknown instrument, unreadable or invalid JSON, answers
that do not fit) prints a clear error and exits with status 2. Nothing is stored and nothing is audited:
the command reads no patient data.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openiop.measures import registry
from openiop.measures.loader import InstrumentError
from openiop.measures.scoring import AnswersError, score

USAGE_ERROR = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


def _read_answers(argument: str) -> dict:
    text = argument.strip()
    if not text.startswith(("{", "[")):  # anything else is a path
        path = Path(argument)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise _fail(f"Cannot read answers file {argument}: {error.strerror or error}.") from error
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(f"ANSWERS_JSON is not valid JSON: {error}.") from error
    if not isinstance(answers, dict):
        raise _fail('ANSWERS_JSON must be a JSON object such as {"1": 2, "2": 0}.')
    return answers


def _read_context(pairs: list[str]) -> dict[str, str]:
    context = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise _fail(f"--context takes NAME=VALUE, e.g. sex=female; got {pair!r}.")
        context[name] = value
    return context


class Command(BaseCommand):
    help = "Score answers to an instrument and print the result as JSON (nothing is stored)."

    def add_arguments(self, parser):
        parser.add_argument(
            "instrument", metavar="INSTRUMENT_CODE", help="e.g. PHQ-9, GAD-7, PCL-5, AUDIT-C, ASQ"
        )
        parser.add_argument("answers", metavar="ANSWERS_JSON", help="a JSON file or an inline JSON object")
        parser.add_argument(
            "--instrument-version", help="score with this version of the file (default: the latest)"
        )
        parser.add_argument("--language", help="language for option labels (default: the instrument's first)")
        parser.add_argument(
            "--context",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="e.g. sex=female (AUDIT-C cut-offs)",
        )

    def handle(self, *args, **options):
        try:
            instrument = registry.get_instrument(options["instrument"], options["instrument_version"])
        except LookupError as error:
            raise _fail(str(error)) from error
        except (InstrumentError, FileNotFoundError) as error:
            raise _fail(f"The instrument library does not load:\n{error}") from error
        answers = _read_answers(options["answers"])
        context = _read_context(options["context"])
        try:
            result = score(instrument, answers, options["language"], context=context)
        except AnswersError as error:
            raise _fail(str(error)) from error
        self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
