"""The README a student release carries: install, run ``grade``, and what the grade that counts is."""

from __future__ import annotations

from grader.exercises import Course
from grader.publish.install import install_commands


def readme(course: Course, with_hidden: bool = False) -> str:
    rows = "\n".join(f"| `{e.id}` | {e.title} | "
                     + ", ".join(f"`exercises/{e.id}/{name}`" for name in e.student_files) + f" | {e.points} |"
                     for e in course.exercises)
    install = " && \\\n  ".join(install_commands())
    hidden = ("The hidden checks ship with this release too, so your run covers every check."
              if with_hidden else
              "Only the public checks run here; hidden checks, worth the rest of each exercise's points,\n"
              "run when your instructor grades.")
    return f"""\
# Autograd exercises

Each folder under `exercises/` is one exercise: its `README.md` is the statement, and you edit the
file named below. The `grade` command checks your work against `torch.autograd`; your code runs in
a sandboxed child process.

| exercise | title | your file | points |
|---|---|---|---|
{rows}

## Install (Linux or macOS, Python 3.10 or newer)

From the root of this repository, once:

```bash
{install}
```

This installs the CPU build of torch and the grader, which ships with this repository in `vendor/`
(no other download of the course is needed).

## Run

```
.venv/bin/grade list                  the exercises, and the file you edit for each
.venv/bin/grade exercise1             grade your file for exercise1 (also `grade 1`)
.venv/bin/grade all                   grade every exercise
.venv/bin/grade doctor                how well this machine isolates your code
```

{hidden}

## How you are graded

Every push runs `.github/workflows/classroom.yml`, which grades your files with the same command
and reports the points to GitHub Classroom. Everything in this repository, that workflow and these
checks included, is yours to change, so neither your local run nor the Classroom points are the
final word: the grade that counts is your instructor's re-grade of your exercise files, with the
instructor's own copy of the checks (hidden ones included). Only your exercise files are read
then; anything else you change is ignored. Each file is graded on its own, with torch, numpy and
Python's standard library: keep your helper code in that file, not in a module beside it.
"""
