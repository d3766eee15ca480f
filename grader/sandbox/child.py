"""What a sandboxed child does: confine itself, import the student's file, run one harness entry.

Runs on the untrusted side, in a process forked from the zygote (or, where there is no fork, in
a fresh interpreter). It imports nothing of the grader but the protocol, the layers, the guard,
the after-call checks and the harness API. It writes three kinds of frames on its result pipe:
``ready`` (the layers in force, written before any student code runs), ``imported`` (the
student's file imported) and ``result`` (what the call returned or raised); the trusted side
accepts exactly one ``ready`` and one ``result``, with at most one ``imported`` between them. A
child that hangs or dies before ``imported`` failed at import: the trusted side judges such a
submission once for all its checks.

Nothing of the student's runs after the call: the exercise's guard is never lifted (the child
leaves with ``os._exit`` from inside it, so no ``atexit`` hook or finaliser runs either), and
before anything is read or encoded ``integrity.check`` stops and undoes what the student left
behind, failing the call if there was any (phase ``after``). Exceptions and warnings are then
described without calling the student's methods (``describe``). A result frame the student's
code writes itself during the call therefore always precedes the child's own, and two result
frames fail the call on the trusted side. (Code that writes a frame and leaves at once, during
the call, gains what returning that value would have: it too was computed under the guard.)
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import warnings

from grader import harness as harness_api
from grader.sandbox import describe, guard, integrity, layers, protocol

# The modules this child runs after the call: ``integrity.check`` puts them back as they were.
AFTER_CALL_MODULES = ("grader.sandbox.child", "grader.sandbox.protocol", "grader.sandbox.describe",
                      "grader.sandbox.guard")
STATUS_FAILED = 70  # the child itself failed (not the student's code): the trusted side sees a crash
describe_exception = describe.describe_exception  # the zygote describes a harness that fails to import


def run(request: dict, result_fd: int, workdir: str, harnesses: dict, forked: bool = True) -> None:
    """Confine this process, then run ``request`` (see ``Zygote.call``) and exit.

    ``forked``: this process was forked from the zygote and holds its descriptors, which are
    closed; a standalone child (``run_standalone``) was started with none.
    """
    streams, write_frame, finish = (sys.stdout, sys.stderr), protocol.write_frame, leave
    try:
        applied = confine(request["limits"], result_fd, forked, request.get("sandbox"), workdir)
        module_path = stage_files(request["files"], request["module_file"], workdir)
        write_frame(result_fd, protocol.encode({"stage": "ready", "layers": applied}))
        imported = protocol.encode({"stage": "imported"})
        message = result_message(request, module_path, harnesses, lambda: write_frame(result_fd, imported))
        write_frame(result_fd, message)
        finish(0, streams)
    except BaseException:  # noqa: BLE001 - the child must always leave through os._exit
        finish(STATUS_FAILED, streams)


def leave(status: int, streams: tuple, _exit=os._exit) -> None:
    """Flush the child's own output streams (not whatever the student put in sys.stdout), exit."""
    for stream in streams:
        try:
            type(stream).flush(stream)
        except BaseException:  # noqa: BLE001
            pass
    _exit(status)


def confine(limits: dict, result_fd: int, forked: bool, sandbox: dict | None = None,
            workdir: str | None = None) -> dict:
    """Cut every line to the zygote and apply the layers; return the layers in force.

    Order: [netns, bwrap: the zygote's, inherited] -> rlimits -> [scratch mount] -> [uid drop] ->
    capabilities dropped -> Landlock -> seccomp -> audit hook. ``sandbox`` is the trusted side's
    policy (the layers to apply, the paths the child may read); without one, only rlimits apply.
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


def result_message(request: dict, module_path: str, harnesses: dict, imported=lambda: None) -> bytes:
    """Import the student's module, run the harness entry, check what is left, encode the outcome.

    ``imported()`` is called once the student's file has imported. ``phase`` tells the trusted
    side where a failure happened: ``import`` (the student's file
    did not import), ``call`` (the entry or the student's function raised), ``after`` (something
    of the student's was still in place once the call was over: ``integrity.check``) or
    ``encode`` (the entry returned something that is not plain data). The import and the call
    run under the guard the exercise's ``forbidden`` list asks for, which stays in force until
    the process exits. Warnings raised on the way (torch's "not a leaf Tensor" among them)
    travel with the outcome as strings. Everything this function uses after the call is held in
    its locals from before the student's code ran.
    """
    check, as_error, unsendable = integrity.check, integrity.as_error, integrity.unsendable
    encode, describe_error, not_plain = protocol.encode, describe.describe_exception, harness_api.NotPlainData
    describe_warnings, describe_unsendable = describe.describe_warnings, describe.describe_unsendable
    catcher = warnings.catch_warnings(record=True)
    caught = catcher.__enter__()  # never exited: its exit would run the warnings module's code
    warnings.simplefilter("always")
    active = guard.enforce(request.get("forbidden", ()))
    baseline = integrity.arm(AFTER_CALL_MODULES, () if active is None else (active, type(active)))
    phase, value, error = "import", None, None
    try:
        module = import_student(module_path, request["module_name"])
        phase = "call"
        imported()
        entry = getattr(harnesses[request["harness"]], request["entry"])
        if not harness_api.is_entry(entry):
            raise LookupError(f"{request['entry']} is not a harness entry")
        value = entry(module, **request["args"])
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
        error = exc
    problems = check(baseline, active, value)
    if problems:
        return encode({"stage": "result", "ok": False, "phase": "after", "error": as_error(problems),
                       "warnings": describe_warnings(caught)})
    if error is None and (kind := unsendable(value)) is not None:
        return encode({"stage": "result", "ok": False, "phase": "encode", "error": describe_unsendable(kind),
                       "warnings": describe_warnings(caught)})
    if error is None:
        try:
            return encode({"stage": "result", "ok": True, "value": value, "warnings": describe_warnings(caught)})
        except BaseException as exc:  # noqa: BLE001 - not plain data: the harness's or the student's doing
            phase, error = "encode", exc
    return encode({"stage": "result", "ok": False, "phase": phase,
                   "error": describe_error(error, module_path, not_plain),
                   "warnings": describe_warnings(caught)})


def import_student(path: str, name: str):
    return import_module_file(name, path)


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
