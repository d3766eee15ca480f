"""The ``grade merge`` command's options and body; ``grader.cli`` only registers it.

Exit codes (``grader.errors``): 0 merged; 2 a usage error, including folders that are not the
shards of one class's batch (``merge.MergeRefused``: one line naming the folder and what differs);
3 a broken course; 4 some merged report records a grader error, as ``grade batch`` would exit.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader import errors


def merge_options(function):
    options = [
        click.argument("folders", nargs=-1, required=True, metavar="OUT...",
                       type=click.Path(file_okay=False, path_type=Path)),
        click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Where the merged reports, feedback and gradebook.csv go (a new folder, or an "
                          "earlier merge's)."),
        click.option("--allow-partial", is_flag=True,
                     help="Merge even if some shards are missing; the summary and batch.json name them."),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def run(course, options: dict) -> errors.GraderError | None:
    """Merge, print the class summary; the failure that decides the exit code, or None."""
    from grader.batch import merge, progress, summary

    merged = merge.merge(course, list(options["folders"]), options["out"], options["allow_partial"])
    reporter = progress.reporter("quiet" if options["quiet"] else "bar")
    reporter.finish(summary.summarise(merged.exercises, [document for _, document in merged.rows]),
                    str(options["out"]))
    count = merged.manifest["merged"]["count"]
    if merged.missing and not options["quiet"]:
        click.echo(f"missing shards (not in the gradebook): {', '.join(f'{i}/{count}' for i in merged.missing)}")
    reports = [report for _, document in merged.rows for report in document["reports"]]
    return next(filter(None, (errors.from_report(report["error"]) for report in reports)), None)
