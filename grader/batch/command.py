"""The ``grade batch`` command's options and body; ``grader.cli`` only registers it.

Exit codes (``grader.errors``): 0 every submission has its report (whatever the scores); 2 a
usage error; 3 a broken course; 4 an internal failure (a worker or the sandbox could not run, or
some report records a grader error); 5 isolation below ``--require-isolation`` (default
``partial``): nothing more is graded; 130 interrupted (finished reports stay; ``--resume`` goes on).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from grader import errors
from grader.batch.shard import BadShard, Shard
from grader.errors import UsageProblem

REQUIRE_DEFAULT = "partial"


class DeadlineType(click.ParamType):
    """An ISO 8601 time (``2026-12-01T23:59``, ``2026-12-01 23:59+01:00``); without a zone, this
    machine's local time."""

    name = "time"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            self.fail(f"{value!r} is not a time; write it as 2026-12-01T23:59 or 2026-12-01T23:59+00:00", param, ctx)
        return moment if moment.tzinfo else moment.astimezone()


def batch_options(function):
    options = [
        click.argument("submissions", type=click.Path(path_type=Path)),
        click.option("--exercises", default="all", show_default=True,
                     help="The exercises to grade: a comma-separated list (1,3,6 or exercise1,dydx) or all."),
        click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
                     help="Worker processes, each with its own torch and sandbox (default: the CPU count)."),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grades"),
                     show_default=True, help="Where reports, feedback and gradebook.csv go."),
        click.option("--resume", is_flag=True,
                     help="Skip submissions already graded from the same files, course, grader version and seed."),
        click.option("--deadline", type=DeadlineType(),
                     help="Git clones: grade the last commit before this time (ISO 8601; local time without a zone)."),
        click.option("--seed", type=click.IntRange(0, 2**31 - 1), help="Base seed of the drawn inputs (recorded)."),
        click.option("--template", type=click.Path(file_okay=False, path_type=Path),
                     help="The student release (`grade release OUT_DIR`): flag submissions that changed its "
                          "tests, workflow or configuration (report, gradebook, summary; scores unchanged)."),
        click.option("--require-isolation", "require", type=click.Choice(["strong", "partial", "weak", "none"]),
                     default=REQUIRE_DEFAULT, show_default=True,
                     help="Refuse to grade (exit 5) below this isolation level; see `grade doctor`."),
        click.option("--budget", type=click.FloatRange(1, None),
                     help="Seconds one submission may take in all before it is stopped (default: from the "
                          "exercises' wall limits)."),
        click.option("--progress", type=click.Choice(["bar", "jsonl", "quiet"]), default="bar", show_default=True,
                     help="bar: a progress bar and a summary; jsonl: one JSON object per line on stdout; "
                          "quiet: nothing."),
        click.option("--quiet", "-q", is_flag=True, help="Short for --progress quiet."),
        click.option("--shard", metavar="I/N", default="1/1", show_default=True,
                     help="Grade only shard I of N (every Nth submission in id order, from the Ith); join the "
                          "shards' --out folders with `grade merge`."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def run(course, options: dict) -> errors.GraderError | None:
    """Run the batch; the failure that decides the exit code, or None."""
    from grader.batch import engine, page, progress, tamper

    shard = parse_shard(options["shard"])
    exercises = pick_exercises(course, options["exercises"])
    if not options["submissions"].exists():
        raise UsageProblem(f"no such folder or zip: {options['submissions']}")
    template = tamper.load_template(options["template"]) if options["template"] else None
    settings = engine.Settings(
        submissions=options["submissions"], out=options["out"], exercises=tuple(exercises),
        jobs=options["jobs"] or os.cpu_count() or 1, resume=options["resume"], deadline=options["deadline"],
        seed=options["seed"], require=None if options["require"] == "none" else options["require"],
        budget_seconds=options["budget"], template=template, shard=shard)
    from grader.seeds import SECRET_ENV, read_secret

    if options["seed"] is None and read_secret() is None and any(e.hidden_tests for e in exercises):
        click.echo(f"grade: note: no course secret (${SECRET_ENV}): each submission's hidden inputs are drawn "
                   f"at random, and a re-grade draws others; set one to make them reproducible", err=True)
    if not page.plotting_available():
        click.echo(f"grade: note: the class summary page will have no plots: {page.PLOTS_MISSING}", err=True)
    try:
        result = engine.run_batch(course, settings, progress.reporter("quiet" if options["quiet"] else options["progress"]))
    except KeyboardInterrupt:
        click.echo(f"grade: note: the finished reports are in {settings.out}; add --resume to grade the rest",
                   err=True)
        raise
    return next(filter(None, map(errors.from_report, result.errors)), None)


def parse_shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except BadShard as error:
        raise UsageProblem(f"--shard {error}") from None


def pick_exercises(course, text: str) -> list:
    if text.strip().lower() == "all":
        return list(course.exercises)
    names = [name for name in (part.strip() for part in text.split(",")) if name]
    if not names:
        raise UsageProblem("--exercises is empty; give a list such as 1,3,6, or all")
    return list({e.id: e for e in (course.resolve(name) for name in names)}.values())
