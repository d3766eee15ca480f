"""``grade merge OUT... --out DIR``: join the ``--out`` folders of a class's shards into one.

Trusted process; it grades nothing. Each folder must be a batch's output (its ``batch.json``,
``manifest``). The shards must agree on everything ``manifest.SHARED`` names (grader version,
course, exercises, seed, course secret, deadline, student release, class list) and on their number,
and the course the merge runs with must be the one they were graded with (its exercises give the
gradebook its columns and points). Each refusal is one line naming the folder and what differs; refused too:
the same shard twice, a merge given as a shard, a shard whose batch was interrupted (an id of its
slice without a finished, schema-valid report: the line lists them) and, unless ``allow_partial``,
a set that lacks shards (the line names them).

The merge copies each shard's reports, feedback and resume keys into DIR and writes the class-level
files through ``class_files.write``, as a batch does, so DIR reads like the output of one
unsharded batch (its gradebook is byte for byte the one that batch writes) and its ``batch.json``
records which shards were joined and which were missing. Merging one unsharded batch is a copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.batch import class_files, manifest
from grader.batch.engine import course_fingerprint
from grader.batch.outputs import Outputs, file_name, write_atomically
from grader.errors import UsageProblem
from grader.report import model

IDS_SHOWN = 5  # ids a refusal lists before "and N more"


class MergeRefused(UsageProblem):
    """The folders given to ``grade merge`` are not the shards of one class's batch."""


@dataclass(frozen=True)
class Part:
    """One shard's folder and its manifest."""

    folder: Path
    manifest: dict

    @property
    def shard(self) -> str:
        return f"{self.manifest['shard']['index']}/{self.manifest['shard']['count']}"

    @property
    def names(self) -> str:
        return f"{self.folder} (shard {self.shard})"


@dataclass
class Merged:
    exercises: list
    rows: list[tuple[str, dict]]  # (submission id, bundle document), in id order
    manifest: dict
    missing: list[int]  # shard indices not merged (only with allow_partial)


def merge(course, folders: list[Path], out: Path, allow_partial: bool = False) -> Merged:
    """Check ``folders`` (see the module docstring), then write their union into ``out``."""
    parts = [read_part(folder) for folder in folders]
    check_out(out, parts)
    first = parts[0]
    for part in parts[1:]:
        agree(first, part)
    count = first.manifest["shard"]["count"]
    by_index: dict[int, Part] = {}
    for part in parts:
        index = part.manifest["shard"]["index"]
        if index in by_index:
            raise MergeRefused(f"{by_index[index].folder} and {part.folder} are both shard {part.shard}; "
                               f"give each shard once")
        by_index[index] = part
    missing = sorted(set(range(1, count + 1)) - set(by_index))
    if missing and not allow_partial:
        raise MergeRefused(f"missing shard(s) {listed([f'{i}/{count}' for i in missing])}: give their --out folders "
                           f"too, or --allow-partial to merge without them")
    exercises = course_exercises(course, first)
    documents = {}
    for index in sorted(by_index):
        for submission_id, document in finished_reports(by_index[index]).items():
            if submission_id in documents:
                raise MergeRefused(f"{by_index[index].folder}: {submission_id!r} is also in another shard; "
                                   f"these folders were not cut from one class")
            documents[submission_id] = document
    if not missing and manifest.class_digest(list(documents)) != first.manifest["class"]["digest"]:
        raise MergeRefused("the shards' submissions do not make up the class list they were cut from; "
                           "grade the shards again from one SUBMISSIONS folder")

    outputs = Outputs(out)
    ids = sorted(documents)
    keep = {file_name(submission_id) for submission_id in ids}
    remove_others(out, keep)
    for index in sorted(by_index):
        copy_files(by_index[index], outputs)
    joined = {**first.manifest, "kind": "merge", "shard": None, "ids": ids, "started": manifest.now(),
              "finished": None, "merged": {
                  "count": count, "missing": missing,
                  "shards": [{"index": i, "started": by_index[i].manifest["started"],
                              "finished": by_index[i].manifest["finished"]} for i in sorted(by_index)]}}
    rows = [(submission_id, documents[submission_id]) for submission_id in ids]
    class_files.write(outputs, exercises, rows, joined)
    return Merged(exercises, rows, joined, missing)


def read_part(folder: Path) -> Part:
    part = Part(folder, manifest.read(folder))
    if part.manifest["kind"] != "batch":
        raise MergeRefused(f"{folder} is already a merge; merge the shards' own --out folders")
    if part.manifest["shard"]["index"] > part.manifest["shard"]["count"]:
        raise MergeRefused(f"{folder}/{manifest.NAME} names shard {part.shard}, which no batch grades")
    return part


def check_out(out: Path, parts: list[Part]) -> None:
    """DIR is new, empty, or an earlier merge's output (merging again, say once a late shard is in)."""
    for part in parts:
        if out.resolve() == part.folder.resolve():
            raise MergeRefused(f"--out {out} is one of the shards; give a folder of its own")
    if out.is_dir() and any(out.iterdir()):
        try:
            earlier = manifest.read(out)
        except manifest.NotABatch:
            earlier = None
        if earlier is None or earlier["kind"] != "merge":
            raise MergeRefused(f"--out {out} already holds files that are not an earlier merge; give a new "
                               f"folder")


def agree(first: Part, part: Part) -> None:
    """``part`` was graded like ``first``, or a refusal naming what differs."""
    for key, label in manifest.SHARED.items():
        if part.manifest[key] != first.manifest[key]:
            raise MergeRefused(f"{part.names} was graded with a different {label} than {first.names}: "
                               f"{shown(key, part.manifest[key])} vs {shown(key, first.manifest[key])}")
    if part.manifest["shard"]["count"] != first.manifest["shard"]["count"]:
        raise MergeRefused(f"{part.names} and {first.names} split the class into different numbers of shards")


def shown(key: str, value) -> str:
    if key == "class":
        return f"{value['submissions']} submissions (ids digest {value['digest'][:12]})"
    if key == "course":
        return f"fingerprint {value[:12]}"
    return "none" if value is None else ",".join(value) if isinstance(value, list) else str(value)


def course_exercises(course, first: Part) -> list:
    """The course's exercises the shards graded, checked against their fingerprint."""
    try:
        exercises = [course.resolve(exercise_id) for exercise_id in first.manifest["exercises"]]
    except UsageProblem:
        exercises = None
    if exercises is None or course_fingerprint(exercises) != first.manifest["course"]:
        raise MergeRefused(f"the shards were graded with another course than {course.root} (their exercise "
                           f"folders differ); merge with the course they were graded with (--course)")
    return exercises


def finished_reports(part: Part) -> dict[str, dict]:
    """Each id of the shard's slice with its report; a refusal listing the ids without one."""
    documents, unfinished = {}, []
    for submission_id in part.manifest["ids"]:
        try:
            document = json.loads((part.folder / "reports" / f"{file_name(submission_id)}.json").read_text("utf-8"))
            model.validate(document)
        except (OSError, ValueError, model.ReportInvalid):
            unfinished.append(submission_id)
            continue
        documents[submission_id] = document
    if unfinished:
        raise MergeRefused(f"{part.names} was interrupted: {len(unfinished)} of its {len(part.manifest['ids'])} "
                           f"submissions have no finished report ({listed([repr(i) for i in unfinished])}); run its grade batch again "
                           f"with --resume, then merge")
    return documents


def copy_files(part: Part, outputs: Outputs) -> None:
    for submission_id in part.manifest["ids"]:
        name = file_name(submission_id)
        for source, target in ((part.folder / "reports" / f"{name}.json", outputs.report_path(name)),
                               (part.folder / "feedback" / f"{name}.txt", outputs.out / "feedback" / f"{name}.txt"),
                               (part.folder / ".resume" / f"{name}.key", outputs.key_path(name))):
            if source.is_file():
                write_atomically(target, source.read_bytes())


def remove_others(out: Path, keep: set[str]) -> None:
    """An earlier merge's files for submissions no longer in the class."""
    for folder, suffix in (("reports", ".json"), ("feedback", ".txt"), (".resume", ".key")):
        for path in (out / folder).glob(f"*{suffix}"):
            if path.name.removesuffix(suffix) not in keep:
                path.unlink()


def listed(items: list[str]) -> str:
    more = len(items) - IDS_SHOWN
    return ", ".join(items[:IDS_SHOWN]) + (f" and {more} more" if more > 0 else "")
