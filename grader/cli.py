"""The ``grade`` command: parse, call the session, pick a format, echo.

    grade list                      the course's exercises
    grade exercise1 [FILE...]       grade your file (or the given files) for one exercise
    grade all                       grade every exercise in this repository

An exercise may be named ``exercise3``, ``3``, ``ex3`` or by its slug. Exit codes: 0 grading
completed (whatever the score), 2 usage error (unknown exercise, missing file), 3 broken course
(malformed exercise metadata, tests that do not load), 4 internal failure (sandbox, grader bug),
5 isolation below what ``--require-isolation`` asks for.

    grade doctor                    what isolation this machine gives, and how to get more
    grade validate [EXERCISE...]    prove each exercise sound (instructor); exit 1 on any failure
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from grader.errors import GraderError, IsolationTooWeak, UsageProblem

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_COURSE, EXIT_INTERNAL, EXIT_ISOLATION = 0, 1, 2, 3, 4, 5


class GradeGroup(click.Group):
    """Built-in commands, and any other name is an exercise to grade."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        return make_exercise_command(name)

    def format_usage(self, ctx, formatter):
        formatter.write_usage("grade", "[--course DIR] EXERCISE [FILE]... | all | list")

    def format_commands(self, ctx, formatter):
        rows = [("EXERCISE [FILE]...", "Grade one exercise: your file in this repository, or each FILE given.")]
        rows += [(name, self.commands[name].get_short_help_str(60)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def remember_course(ctx, _param, value):
    if value is not None:
        ctx.meta["grader.course"] = value


course_option = click.option(
    "--course", type=click.Path(file_okay=False, path_type=Path), expose_value=False,
    callback=remember_course,
    help="The course folder (default: the nearest folder with exercises/, or $GRADER_COURSE).",
)


@click.group(cls=GradeGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="EXERCISE: exercise3, 3, ex3 or the exercise's slug. "
                    "Exit codes: 0 graded, 2 usage error, 3 broken course, 4 internal failure, "
                    "5 isolation below --require-isolation.")
@course_option
@click.version_option(package_name="autograd-grader", prog_name="grade")
def main():
    """Grade PyTorch autograd exercises; your code runs in a sandbox, the checks outside it."""


def grading_options(function):
    function = course_option(function)
    function = click.option("--seed", type=click.IntRange(0, 2**31 - 1),
                            help="Base seed for the drawn inputs (default: fixed per exercise; recorded "
                                 "in the report, so it reproduces a run). With $GRADER_SECRET set, hidden "
                                 "checks' inputs are keyed by the secret and the submission, from this base.")(function)
    function = click.option("--json", "as_json", is_flag=True,
                            help="Print the JSON report alone on stdout.")(function)
    function = click.option("-v", "--verbose", is_flag=True,
                            help="Also show your code's output and tracebacks.")(function)
    function = click.option("--require-isolation", "require", type=click.Choice(["strong", "partial", "weak"]),
                            help="Refuse to grade (exit 5) below this isolation level; see `grade doctor`.")(function)
    return function


@main.command("list")
@course_option
@click.pass_context
def list_command(ctx):
    """List the exercises of this course."""
    from rich.console import Console
    from rich.table import Table

    from grader.exercises import display

    course = load_course(ctx)
    table = Table(pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("slug", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("your file", no_wrap=True)
    for exercise in course.exercises:
        files = ", ".join(display(p) for p in exercise.student_paths())
        table.add_row(exercise.id, exercise.slug, exercise.title, str(exercise.points), files)
    Console().print(table)


@main.command("all")
@grading_options
@click.pass_context
def all_command(ctx, seed, as_json, verbose, require):
    """Grade every exercise, each from its file in this repository."""
    course = load_course(ctx)
    jobs = [(exercise, exercise.student_paths()) for exercise in course.exercises]
    grade(course, jobs, seed, as_json, verbose, bundle=True, require=require)


@main.command("doctor")
@course_option
@click.pass_context
def doctor_command(ctx):
    """Show what isolation this machine gives student code, and how to get more."""
    from rich.console import Console
    from rich.table import Table

    from grader import doctor
    from grader.exercises import find_course

    try:
        course_root = load_course(ctx).root if ctx.meta.get("grader.course") else find_course().root
    except (GraderError, OSError):
        course_root = None
    info = run_guarded(lambda: doctor.examine(course_root))
    console = Console(highlight=False)
    console.print(f"{info['platform']}, Python {info['python']}" + (", running as root" if info["root"] else ""))
    table = Table(pad_edge=False)
    for column in ("layer", "here", "detail", "how to get it"):
        table.add_column(column, overflow="fold")
    for row in info["layers"]:
        table.add_row(row["layer"], "yes" if row["ok"] else ("no" if row["applies"] else "n/a"),
                      row["detail"], row["how"])
    if info["layers"]:
        console.print(table)
    isolation = info["isolation"]
    console.print(f"isolation level here: {isolation['level']} (hidden files "
                  f"{'readable' if isolation['hidden_files_readable'] else 'unreadable'}, network "
                  f"{'reachable' if isolation['network_reachable'] else 'cut'}); "
                  "strong = hidden files unreadable + network cut + seccomp, partial = hidden files unreadable")
    console.print(bounds_line(isolation))
    if info.get("note"):
        console.print(info["note"])


@main.command("validate")
@click.argument("names", nargs=-1, metavar="[EXERCISE]...")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON alone on stdout.")
@course_option
@click.pass_context
def validate_command(ctx, names, as_json):
    """Prove each exercise sound: metadata, statement, points, reference, stub, variants (exit 1 on a failure)."""
    import json

    from rich.console import Console
    from rich.table import Table

    from grader import validate
    from grader.exercises import find_course_root

    course_dir = ctx.meta.get("grader.course")
    root = run_guarded(lambda: Path(course_dir).resolve() if course_dir else find_course_root())
    wanted = [exercise_id(root, name) for name in names] or None
    rows, seconds = run_guarded(lambda: validate.run(root, wanted))
    result = validate.summary(rows)
    if as_json:
        click.echo(json.dumps({**result, "seconds": round(seconds, 1)}, indent=2))
    else:
        console = Console(highlight=False)
        table = Table(pad_edge=False)
        for column in ("exercise", "check", "", "detail"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row.exercise, row.check, "ok" if row.ok else "FAIL", row.detail)
        console.print(table)
        console.print(f"{result['checks'] - result['failed']} of {result['checks']} checks passed "
                      f"in {seconds:.1f} s")
    sys.exit(EXIT_OK if result["ok"] else EXIT_INVALID)


def exercise_id(root: Path, name: str) -> str:
    """An exercise's id from any name ``grade`` accepts; a folder name even if its metadata is broken."""
    from grader.exercises import load_course

    if (root / "exercises" / name).is_dir():
        return name
    return run_guarded(lambda: load_course(root).resolve(name)).id


def bounds_line(isolation: dict) -> str:
    scratch = isolation["scratch"]
    how = {"tmpfs": "a private tmpfs per child", "watched": "watched by the zygote, which kills a child past it",
           "none": "not enforced"}[scratch["enforced"]]
    ipc = "refused (seccomp)" if isolation["ipc_blocked"] else "not refused: children can share SysV and POSIX IPC objects"
    return (f"scratch space per child (default): {scratch['mb']} MB in {scratch['files']} files and folders, "
            f"{how}; kernel IPC objects: {ipc}")


def make_exercise_command(reference: str) -> click.Command:
    @click.command(name=reference, help=f"Grade {reference}.")
    @click.argument("files", nargs=-1, type=click.Path(path_type=Path))
    @grading_options
    @click.pass_context
    def exercise_command(ctx, files, seed, as_json, verbose, require):
        course = load_course(ctx)
        exercise = run_guarded(lambda: course.resolve(reference))
        if not files:
            jobs = [(exercise, exercise.student_paths())]
        else:
            for path in files:
                if not path.is_file():
                    fail_usage(f"no such file: {path}")
            if len(exercise.student_files) > 1:
                fail_usage(f"{exercise.id} takes {len(exercise.student_files)} files; grade them "
                           f"in place with `grade {exercise.id}`")
            jobs = [(exercise, [path]) for path in files]
        grade(course, jobs, seed, as_json, verbose, bundle=False, require=require)

    return exercise_command


def grade(course, jobs, seed, as_json: bool, verbose: bool, bundle: bool, require: str | None = None) -> None:
    """Grade each (exercise, files) job, print the chosen view, exit with the documented code.

    ``require``: the lowest isolation level accepted; below it nothing is graded (exit 5),
    checked before any student code runs and again on every report.
    """
    def work():
        from rich.console import Console

        from grader.exercises import display
        from grader.formats import json_document, terminal
        from grader.sandbox.isolation import weaker
        from grader.seeds import read_secret
        from grader.session import GradingSession
        from grader.submission import load_submission

        exercises = list({exercise.id: exercise for exercise, _ in jobs}.values())
        with GradingSession(course, exercises, seed=seed, secret=read_secret()) as session:
            if require:
                session.require_isolation(require)
            submissions = [load_submission(e, paths, label=display(paths[0])) for e, paths in jobs]
            reports = []
            for group in group_by_student(submissions, bundle):
                reports.extend(session.grade(group))
            versions = session.versions()
        below = [r for r in reports if require and r.status == "graded" and weaker(r.isolation["level"], require)]
        if below:
            raise IsolationTooWeak(f"a child ran at isolation level {below[0].isolation['level']}, below the "
                                   f"required {require}; nothing is reported; run 'grade doctor'")
        if as_json:
            click.echo(json_document.render(reports, versions, as_bundle=bundle))
        else:
            console = Console(highlight=False)
            terminal.render(reports, console, verbose)
            console.print(terminal.isolation_line(reports[0]), style="dim")
        return reports

    reports = run_guarded(work, verbose)
    failures = [r.error for r in reports if r.status == "error"]
    if failures:
        click.echo(f"grade: error: {failures[0]['message']}", err=True)
        sys.exit(EXIT_COURSE if failures[0]["kind"] == "course" else EXIT_INTERNAL)
    sys.exit(EXIT_OK)


def group_by_student(submissions, together: bool):
    """``grade all`` grades one student's exercises in one run; several files are several students."""
    return [submissions] if together else [[s] for s in submissions]


def load_course(ctx):
    from grader.exercises import find_course, load_course as load

    course_dir = ctx.meta.get("grader.course")
    return run_guarded(lambda: load(course_dir) if course_dir else find_course())


def run_guarded(function, verbose: bool = False):
    """Run ``function``; a grader error becomes one line on stderr and its exit code."""
    try:
        return function()
    except UsageProblem as error:
        fail_usage(str(error))
    except GraderError as error:
        click.echo(f"grade: error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("grade: interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if verbose:
            traceback.print_exc()
        click.echo(f"grade: internal error: {type(error).__name__}: {error} "
                   f"(a bug in the grader; rerun with --verbose for details)", err=True)
        sys.exit(EXIT_INTERNAL)


def fail_usage(message: str):
    """A usage error as one line (what is wrong, how to fix it), exit code 2."""
    click.echo(f"grade: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def run() -> None:
    """The console entry point: run the CLI, then leave without the interpreter's teardown.

    Unloading torch at exit costs a noticeable part of a student's wait, and everything the
    run had to say is printed by then; so flush the streams and exit straight away.
    """
    code = EXIT_INTERNAL
    try:
        main(prog_name="grade")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            click.echo(exit_.code, err=True)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
