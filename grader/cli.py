"""The ``grade`` command: parse, call the session, pick a format, echo.

    grade list                      the course's exercises
    grade exercise1 [FILE...]       grade your file (or the given files) for one exercise
    grade all                       grade every exercise in this repository

An exercise may be named ``exercise3``, ``3``, ``ex3`` or by its slug. ``--format`` picks the view
(``text``, ``json``, ``classroom``, ``gradescope``, ``junit``: ``grader.formats.registry``). Exit codes
(``grader.errors``, the one place that maps a failure to its code): 0 grading completed (whatever
the score), 2 usage error (unknown exercise, missing file, unknown format), 3 broken course
(malformed exercise metadata, tests that do not load), 4 internal failure (sandbox, grader bug),
5 isolation below what ``--require-isolation`` asks for. ``--format classroom`` exits 0 once its
payload is written, whatever happened: the payload says it, and the reporter fails the job.

    grade watch EXERCISE [FILE]     grade, then again on every save of your file (or ``all``)
    grade doctor                    what isolation this machine gives, and how to get more
    grade validate [EXERCISE...]    prove each exercise sound (instructor); exit 1 on any failure
    grade batch SUBMISSIONS         grade a whole class into --out (instructor): ``grader.batch``
    grade merge OUT... --out DIR    join the --out folders of a batch's shards (--shard I/N) into one
    grade class-workflow            print the GitHub Actions workflow that grades a class on N machines
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path
from typing import NoReturn

import click

from grader import errors
from grader.batch.command import batch_options
from grader.batch.merge_command import merge_options
from grader.errors import GraderError, UsageProblem
from grader.formats import registry
from grader.publish.class_workflow import DEFAULT_SHARDS, MAX_SHARDS


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


class ViewName(click.ParamType):
    """A view's name (``grader.formats.registry``); anything else is one line listing the valid ones."""

    name = "format"

    def get_metavar(self, param, *args, **kwargs):
        return "[" + "|".join(registry.names()) + "]"

    def convert(self, value, param, ctx):
        try:
            registry.get(value)
        except UsageProblem as error:
            raise OneLineUsageError(str(error)) from None
        return value


class OneLineUsageError(click.UsageError):
    """A usage error shown as the grader's one line (not click's usage block), exit code 2."""

    exit_code = errors.EXIT_USAGE

    def show(self, file=None):
        click.echo(f"grade: error: {self.format_message()}", err=True)


def grading_options(function):
    function = course_option(function)
    function = click.option("--seed", type=click.IntRange(0, 2**31 - 1),
                            help="Base seed for the drawn inputs (default: fixed per exercise; recorded "
                                 "in the report, so it reproduces a run). With $GRADER_SECRET set, hidden "
                                 "checks' inputs are keyed by the secret and the submission, from this base.")(function)
    function = click.option("--format", "view", type=ViewName(), default=None,
                            help="The view: text (default), json, classroom (GitHub Classroom's payload, also "
                                 "appended to $GITHUB_OUTPUT), gradescope (results.json), junit (JUnit XML)."
                            )(function)
    function = click.option("--json", "as_json", is_flag=True,
                            help="Short for --format json: the JSON report alone on stdout.")(function)
    function = click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
                            help="Write the document to this file (atomically) instead of stdout, e.g. "
                                 "/autograder/results/results.json.")(function)
    function = click.option("--hidden-visibility", type=click.Choice(["hidden", "after_due_date", "after_published",
                                                                       "visible"]),
                            help="Gradescope: when students see hidden checks (default after_published; "
                                 "hidden also hides their total score until grades are published).")(function)
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
    from rich.table import Table

    from grader.exercises import display

    course = run_guarded(lambda: load_course(ctx))
    table = Table(pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("slug", no_wrap=True)
    table.add_column("concept", ratio=1)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("your file", overflow="fold")
    for exercise in course.exercises:
        files = ", ".join(display(p) for p in exercise.student_paths())
        table.add_row(exercise.id, exercise.slug, exercise.concept, str(exercise.points), files)
    show(table)


@main.command("all")
@grading_options
@click.pass_context
def all_command(ctx, **options):
    """Grade every exercise, each from its file in this repository."""
    def jobs():
        course = load_course(ctx)
        return course, [(exercise, exercise.student_paths()) for exercise in course.exercises]

    run_guarded(lambda: grade(jobs, options, together=True), options["verbose"])


@main.command("doctor")
@course_option
@click.pass_context
def doctor_command(ctx):
    """Show what isolation this machine gives student code, and how to get more."""
    from rich.table import Table

    from grader import doctor
    from grader.exercises import find_course

    try:
        course_root = load_course(ctx).root if ctx.meta.get("grader.course") else find_course().root
    except (GraderError, OSError):
        course_root = None
    info = run_guarded(lambda: doctor.examine(course_root))
    lines = [f"{info['platform']}, Python {info['python']}" + (", running as root" if info["root"] else "")]
    table = Table(pad_edge=False)
    for column in ("layer", "here", "detail", "how to get it"):
        table.add_column(column, overflow="fold")
    for row in info["layers"]:
        table.add_row(row["layer"], "yes" if row["ok"] else ("no" if row["applies"] else "n/a"),
                      row["detail"], row["how"])
    isolation = info["isolation"]
    show(*lines, *([table] if info["layers"] else []),
         f"isolation level here: {isolation['level']} (hidden files "
         f"{'readable' if isolation['hidden_files_readable'] else 'unreadable'}, network "
         f"{'reachable' if isolation['network_reachable'] else 'cut'}); "
         "strong = hidden files unreadable + network cut + seccomp, partial = hidden files unreadable",
         bounds_line(isolation), *([info["note"]] if info.get("note") else []))


@main.command("batch")
@batch_options
@course_option
@click.pass_context
def batch_command(ctx, **options):
    """Grade a class: every folder, git clone or zip in SUBMISSIONS, into --out (instructor)."""
    from grader.batch.command import run

    stop(run_guarded(lambda: run(load_course(ctx), options)))


@main.command("merge")
@merge_options
@course_option
@click.pass_context
def merge_command(ctx, **options):
    """Join a class's shards (batch --shard I/N) into one folder.

    Refuses shards graded differently, the same shard twice, an interrupted shard and, without
    --allow-partial, a missing one (instructor)."""
    from grader.batch.merge_command import run

    stop(run_guarded(lambda: run(load_course(ctx), options)))


@main.command("class-workflow")
@click.option("--shards", type=click.IntRange(1, MAX_SHARDS), default=DEFAULT_SHARDS, show_default=True,
              help="How many machines (matrix jobs) grade the class.")
def class_workflow_command(shards):
    """Print a CI workflow grading a class on N machines.

    GitHub Actions: a matrix of N `grade batch --shard` jobs, then `grade merge` (instructor)."""
    from grader.publish import class_workflow

    click.echo(class_workflow.workflow(shards), nl=False)


def show(*renderables) -> None:
    """Print the grader's own tables and lines for this terminal, whatever its encoding."""
    from grader.formats import terminal
    from grader.formats.output import Settings, write_text

    write_text(terminal.render_renderables(renderables, Settings(**terminal_facts())), sys.stdout)


@main.command("validate")
@click.argument("names", nargs=-1, metavar="[EXERCISE]...")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON alone on stdout.")
@course_option
@click.pass_context
def validate_command(ctx, names, as_json):
    """Prove each exercise sound: metadata, statement, points, reference, stub, variants (exit 1 on a failure)."""
    import json

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
        table = Table(pad_edge=False)
        for column in ("exercise", "check", "", "detail"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row.exercise, row.check, "ok" if row.ok else "FAIL", row.detail)
        show(table, f"{result['checks'] - result['failed']} of {result['checks']} checks passed in {seconds:.1f} s")
    sys.exit(errors.EXIT_OK if result["ok"] else errors.EXIT_INVALID)


@main.command("release")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-hidden", is_flag=True, help="Also ship the hidden checks of exercises without "
                                                "hidden/instructor.py (never mutants or solutions).")
@course_option
@click.pass_context
def release_command(ctx, out_dir, with_hidden):
    """Build the students' repository in OUT_DIR.

    Stubs, statements, public checks, the Classroom workflow and the grader's wheel; never
    solutions, variants or instructor-only files."""
    from grader.publish import student_repo
    from grader.seeds import read_secret

    files = run_guarded(lambda: student_repo.build(load_course(ctx), out_dir, with_hidden, read_secret()))
    show(f"wrote {len(files)} files to {out_dir}; push it as the Classroom assignment's template repository")


@main.command("gradescope-package")
@click.argument("out_zip", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("names", nargs=-1, metavar="[EXERCISE]...")
@click.option("--memory-mb", type=click.IntRange(256), default=768, show_default=True,
              help="The container's memory (Gradescope's default).")
@click.option("--cpus", type=click.FloatRange(0.1), default=0.5, show_default=True, help="The container's CPUs.")
@click.option("--minutes", type=click.IntRange(2), default=10, show_default=True,
              help="The autograder's timeout, for everything.")
@click.option("--require-isolation", "require", type=click.Choice(["strong", "partial", "weak"]), default="weak",
              show_default=True, help="Below this level, results.json is an error result (nothing graded).")
@click.option("--hidden-visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="after_published", show_default=True, help="When students see hidden checks.")
@course_option
@click.pass_context
def gradescope_package_command(ctx, out_zip, names, **container):
    """Build the Gradescope autograder zip OUT_ZIP.

    setup.sh, run_autograder and the course (hidden checks, no solutions or variants) for every
    exercise, or those named, with limits scaled to the container."""
    from grader.publish import gradescope

    def build():
        course = load_course(ctx)
        return gradescope.build(course, [course.resolve(name) for name in names] or list(course.exercises),
                                out_zip, gradescope.Options(**container))

    show(*run_guarded(build))


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
    def exercise_command(ctx, files, **options):
        run_guarded(lambda: grade(lambda: exercise_jobs(ctx, reference, files), options, together=False),
                    options["verbose"])

    return exercise_command


def exercise_jobs(ctx, reference: str, files: tuple[Path, ...]):
    """The course, and one (exercise, files) job per FILE given (or the student's own file)."""
    course = load_course(ctx)
    exercise = course.resolve(reference)
    if not files:
        return course, [(exercise, exercise.student_paths())]
    for path in files:
        if not path.is_file():
            raise UsageProblem(f"no such file: {path}")
    if len(exercise.student_files) > 1:
        raise UsageProblem(f"{exercise.id} takes {len(exercise.student_files)} files; grade them "
                           f"in place with `grade {exercise.id}`")
    return course, [(exercise, [path]) for path in files]


@main.command("watch")
@click.argument("reference", metavar="EXERCISE|all")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), help="Base seed for the drawn inputs, as for grading.")
@course_option
@click.pass_context
def watch_command(ctx, reference, files, seed):
    """Grade, then grade again each time you save your file (Ctrl-C to stop)."""
    from grader.seeds import read_secret
    from grader.watch import Watch

    def jobs():
        if reference != "all":
            return exercise_jobs(ctx, reference, files)
        if files:
            raise UsageProblem("grade watch all takes no FILE: it watches each exercise's file in this repository")
        course = load_course(ctx)
        return course, [(exercise, exercise.student_paths()) for exercise in course.exercises]

    run_guarded(lambda: Watch(jobs, seed, read_secret(), echo=click.echo).run())


def grade(jobs, options: dict, together: bool) -> None:
    """Grade, render the chosen view, deliver it, exit with the documented code.

    ``jobs()`` gives the course and its (exercise, files) jobs. Every failure, before grading or
    recorded in a report, reaches its exit code by one path (``conclude``); a view whose consumer
    must always get a document (Classroom, Gradescope, JUnit) renders one for a failed run too.
    """
    view, settings = pick_view(options)
    output, error = None, None
    try:
        from grader.seeds import read_secret
        from grader.session import grade_jobs

        secret = read_secret()
        course, job_list = jobs()
        graded = grade_jobs(course, job_list, seed=options["seed"], secret=secret,
                            require=options["require"], together=together)
        output = view.render(graded.reports, graded.versions, graded.bundle, settings)
        error = next(filter(None, (errors.from_report(r.error) for r in graded.reports)), None)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line and its exit code
        error = exc if isinstance(exc, GraderError) else internal(exc, options["verbose"])
        output = failure_output(view, error, settings)
    if output is not None and options["output"] is not None:
        output = output.to_file(options["output"])
    conclude(view, output, error)


def pick_view(options: dict):
    """The view the options name, and its settings (read here, once, from the environment)."""
    from grader.formats.gradescope import DEFAULT_HIDDEN_VISIBILITY
    from grader.formats.output import Settings

    name = options["view"] or ("json" if options["as_json"] else registry.DEFAULT)
    if options["as_json"] and name != "json":
        raise UsageProblem(f"--json is short for --format json; give only one of --json and --format {name}")
    if options["hidden_visibility"] and name != "gradescope":
        raise UsageProblem("--hidden-visibility applies to --format gradescope only")
    github_output = os.environ.get("GITHUB_OUTPUT")
    facts = terminal_facts() if options["output"] is None else {"encoding": "utf-8", "width": 100, "color": None,
                                                                  "terminal": False}  # a file: no colours
    settings = Settings(verbose=options["verbose"], **facts,
                        hidden_visibility=options["hidden_visibility"] or DEFAULT_HIDDEN_VISIBILITY,
                        github_output=Path(github_output) if github_output else None)
    return registry.get(name), settings


def terminal_facts() -> dict:
    """What rich sees of stdout: its encoding, width, colours and whether it is a terminal."""
    from rich.console import Console

    console = Console()
    return {"encoding": getattr(sys.stdout, "encoding", None) or "utf-8", "width": console.width,
            "color": console.color_system, "terminal": console.is_terminal}


def failure_output(view, error: GraderError, settings):
    try:
        return view.render_failure(error, settings)
    except Exception:  # noqa: BLE001 - the error line still goes out
        return None


def internal(exc: Exception, verbose: bool) -> GraderError:
    if verbose:
        traceback.print_exc()
    return GraderError(f"internal error: {type(exc).__name__}: {exc} "
                       f"(a bug in the grader; rerun with --verbose for details)")


def conclude(view, output, error: GraderError | None) -> None:
    """Deliver the output, say the notes and the error in one line each, exit with the code."""
    from grader.formats.output import deliver

    written = False
    if output is not None:
        try:
            deliver(output)
            written = True
        except OSError as exc:
            error = GraderError(f"cannot write the {view.__name__.rsplit('.', 1)[-1]} output: "
                                f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
            written = False
        for note in output.notes:
            click.echo(f"grade: note: {note}", err=True)
    stop(error, errors.EXIT_OK if written and view.EXIT_ZERO_WHEN_WRITTEN else None)


def stop(error: GraderError | None, code: int | None = None) -> NoReturn:
    """The one way out of a command: the error's line on stderr, then its exit code (or ``code``,
    where a view's consumer needs another). The line may quote a file name: it is made harmless."""
    from grader.formats import sanitize

    if error is not None:
        click.echo(f"grade: error: {sanitize.one_line(str(error), sanitize.MESSAGE_CHARS)}", err=True)
    sys.exit(code if code is not None else error.exit_code if error is not None else errors.EXIT_OK)


def load_course(ctx):
    from grader.exercises import find_course
    from grader.exercises import load_course as load

    course_dir = ctx.meta.get("grader.course")
    return load(course_dir) if course_dir else find_course()


def run_guarded(function, verbose: bool = False):
    """Run ``function``; a grader error becomes one line on stderr and its exit code."""
    try:
        return function()
    except GraderError as error:
        stop(error)
    except KeyboardInterrupt:
        click.echo("grade: interrupted", err=True)
        sys.exit(errors.EXIT_INTERRUPTED)
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        stop(internal(error, verbose))


def terminated(*_) -> NoReturn:
    """SIGTERM (a CI job's timeout, ``timeout 60 grade ...``, a scheduler ending a job) ends a
    run as Ctrl-C does: sessions close, zygotes and workers stop, temporary folders go, exit 130."""
    raise KeyboardInterrupt


def run() -> None:
    """The console entry point: run the CLI, then leave without the interpreter's teardown.

    Unloading torch at exit costs a noticeable part of a student's wait, and everything the
    run had to say is printed by then; so flush the streams and exit straight away.
    """
    code = errors.EXIT_INTERNAL
    signal.signal(signal.SIGTERM, terminated)
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
