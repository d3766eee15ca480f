"""What a sandboxed child does: confine itself, import the student's file, run one harness entry.

Runs on the untrusted side, in a process forked from the zygote (or, where there is no fork, in
a fresh interpreter). It imports nothing of the grader but the protocol, the layers and the
harness API. It writes two kinds of frames on its result pipe: ``ready`` (the layers in force,
written before any student code runs) and ``result`` (what the call returned or raised). It
never returns: it leaves with ``os._exit`` so that no ``atexit`` hook or finaliser a student
registered runs after the result is written.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import traceback
import warnings

from grader import harness as harness_api
from grader.sandbox import guard, layers, protocol

MAX_TEXT = 4000
MAX_WARNINGS = 20


def run(request: dict, result_fd: int, workdir: str, harnesses: dict, forked: bool = True) -> None:
    """Confine this process, then run ``request`` (see ``Zygote.call``) and exit.

    ``forked``: this process was forked from the zygote and holds its descriptors, which are
    closed; a standalone child (``run_standalone``) was started with none.
    """
    status = 0
    try:
        applied = confine(request["limits"], result_fd, forked, request.get("sandbox"), workdir)
        module_path = stage_files(request["files"], request["module_file"], workdir)
        protocol.write_frame(result_fd, protocol.encode({"stage": "ready", "layers": applied}))
        protocol.write_frame(result_fd, result_message(request, module_path, harnesses))
    except BaseException:  # noqa: BLE001 - the child must always leave through os._exit
        status = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(status)


def confine(limits: dict, result_fd: int, forked: bool, sandbox: dict | None = None,
            workdir: str | None = None) -> dict:
    """Cut every line to the zygote and apply the layers; return the layers in force.

    Order: [netns, bwrap: the zygote's, inherited] -> rlimits -> [scratch mount] -> [uid drop] ->
    capabilities dropped -> Landlock ->
    seccomp -> audit hook. ``sandbox`` is the trusted side's policy (the layers to apply, the
    paths the child may read); without one, only rlimits apply.
    """
    layers.die_with_parent()
    if forked:
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, 65536)
    sandbox = sandbox or {}
    inherited = sandbox.get("inherited", {})
    applied = {"zygote_fork": forked, "netns": bool(forked and inherited.get("netns")),
               "bwrap": bool(forked and inherited.get("bwrap")), "rlimits": layers.apply_rlimits(limits)}
    import torch

    torch.set_num_threads(1)
    if forked and workdir is not None:
        os.environ["TMPDIR"] = workdir  # the only folder the student's code may write to
        tempfile.tempdir = workdir
        applied.update(layers.apply_kernel_layers(sandbox, workdir, limits))
    return applied


def stage_files(files: dict, module_file: str, workdir: str) -> str:
    """Write the submission's files into the child's private directory; return the module path."""
    for name, content in files.items():
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise ValueError(f"bad submission file name {name!r}")
        with open(os.path.join(workdir, name), "wb") as handle:
            handle.write(content)
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    return os.path.join(workdir, module_file)


def result_message(request: dict, module_path: str, harnesses: dict) -> bytes:
    """Import the student's module, run the harness entry, and encode the outcome.

    ``phase`` tells the trusted side where a failure happened: ``import`` (the student's file
    did not import), ``call`` (the entry or the student's function raised) or ``encode`` (the
    entry returned something that is not plain data). The import and the call run under the
    guards the exercise's ``forbidden`` list asks for (``guard.applied``). Warnings raised on the
    way (torch's "not a leaf Tensor" among them) travel with the outcome as strings.
    """
    phase = "import"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with guard.applied(request.get("forbidden", ())):
                module = import_student(module_path, request["module_name"])
                phase = "call"
                entry = getattr(harnesses[request["harness"]], request["entry"])
                if not harness_api.is_entry(entry):
                    raise LookupError(f"{request['entry']} is not a harness entry")
                value = entry(module, **request["args"])
            phase = "encode"
            return protocol.encode({"stage": "result", "ok": True, "value": value,
                                    "warnings": describe_warnings(caught)})
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
            error = describe_exception(exc, module_path)
    return protocol.encode({"stage": "result", "ok": False, "phase": phase, "error": error,
                            "warnings": describe_warnings(caught)})


def describe_warnings(records) -> list[str]:
    return [describe_warning(w) for w in records[:MAX_WARNINGS]]


def describe_warning(record) -> str:
    try:
        return f"{record.category.__name__}: {record.message}"[:MAX_TEXT]
    except BaseException:  # noqa: BLE001
        return "<unprintable warning>"


def import_student(path: str, name: str):
    return import_module_file(name, path)


def describe_exception(exc: BaseException, module_path: str) -> dict:
    """Type, message, the student's line where it happened, and the full traceback for staff."""
    where = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == module_path:
            where = {"line": lineno, "function": frame.f_code.co_name}
    if isinstance(exc, SyntaxError) and exc.filename == module_path:
        where = {"line": exc.lineno or 0, "function": "<module>"}
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a student's exception may lie in __str__
        message = "<unprintable exception>"
    try:
        text = "".join(traceback.format_exception(exc))
    except BaseException:  # noqa: BLE001
        text = ""
    return {
        "type": type(exc).__name__,
        "message": message[:MAX_TEXT],
        "where": where,
        "traceback": text[-MAX_TEXT * 2 :],
        "harness": isinstance(exc, harness_api.NotPlainData),
    }


def run_standalone() -> None:
    """A child in a fresh interpreter, where there is no fork: the request comes on stdin.

    Results go out on what was stdout; the student's own prints are sent to stderr, which the
    trusted side captures (capped) as the call's output.
    """
    init = protocol.decode(protocol.read_frame(0, 1 << 30))
    request = protocol.decode(protocol.read_frame(0, 1 << 30))
    result_fd = os.dup(1)
    os.dup2(2, 1)
    harnesses = {request["harness"]: import_module_file(
        f"grader_harness_{request['harness']}", init["harnesses"][request["harness"]])}
    run(request, result_fd, tempfile.mkdtemp(prefix="child-", dir=init["scratch"]), harnesses, forked=False)


def import_module_file(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
