"""The class-level files of an ``--out`` folder, written from the finished reports: what
``grade batch`` and ``grade merge`` both end with, so a merged folder reads like one batch's.

    gradebook.csv   ``Outputs.write_gradebook``
    summary.html    ``page``: the class at a glance, its header made from the manifest
    batch.json      ``manifest``, written last and marked finished: a folder whose manifest is
                    finished has every class file
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.batch import manifest as batch_manifest
from grader.batch import page
from grader.batch.outputs import Outputs


@dataclass(frozen=True)
class Written:
    gradebook: Path
    page: Path


def write(outputs: Outputs, exercises, rows: list[tuple[str, dict]], manifest: dict) -> Written:
    """``rows``: (submission id, bundle document) in id order."""
    gradebook = outputs.write_gradebook(exercises, rows)
    summary_page = page.write(outputs.out, exercises, rows, page_context(manifest))
    outputs.write_manifest(batch_manifest.finished(manifest))
    return Written(gradebook, summary_page)


def page_context(manifest: dict) -> dict:
    """What the page's header says about the batch beyond its reports."""
    context = {"made by": f"grade {manifest['kind']}", "grader": manifest["grader"]}
    shard, merged = manifest.get("shard"), manifest.get("merged")
    if shard and shard["count"] > 1:
        context["shard"] = f"{shard['index']} of {shard['count']} (this page covers that shard alone)"
    if merged:
        context["shards"] = f"{merged['count'] - len(merged['missing'])} of {merged['count']} merged"
        if merged["missing"]:
            context["missing shards"] = ", ".join(map(str, merged["missing"]))
    if manifest.get("template"):
        context["template"] = manifest["template"][:12]
    context["generated"] = batch_manifest.now()
    return context
