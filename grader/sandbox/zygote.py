"""The zygote: imports torch and the harnesses once, then forks one confined child per call.

Runs on the untrusted side, started by ``pool.Zygote`` as ``python -I`` with a clean
environment, its stdin being one end of a unix socket pair (the control channel) and its stdout
and stderr pointing away from the grader's own streams. It never runs a torch operation: a fork
after torch has started its thread pools hangs the children.

Control messages are protocol frames. The trusted side sends ``init`` (harness files to import)
and then ``spawn`` requests; the zygote answers ``ready`` once, ``spawned`` per request (with the
read ends of the child's result, stdout and stderr pipes attached as SCM_RIGHTS), and ``exit``
events when it reaps a child. The zygote exits when the control channel closes, taking its
children with it.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import tempfile

from grader.sandbox import cleanup, layers, protocol, scratch

CONTROL_FD = 0
MAX_REQUEST_BYTES = 1 << 30


def main() -> None:
    # When the grader dies, SIGTERM: the handler below ends `serve`, whose cleanup kills the
    # children and removes their folders.
    layers.die_with_parent(signal.SIGTERM)
    control = socket.socket(fileno=CONTROL_FD)
    control.setblocking(True)
    init = protocol.decode(protocol.read_frame(CONTROL_FD, MAX_REQUEST_BYTES))
    sandbox = init.get("sandbox") or {}
    os.environ.pop("PWD", None)  # bubblewrap sets it; the environment stays the trusted side's
    os.makedirs(init["scratch"], mode=0o711, exist_ok=True)  # inside bubblewrap: on its private /tmp
    # bubblewrap counts only if the course is really out of sight: no file of it is visible
    # here but the harness files and the grader package, bound on purpose.
    bound = [*init["harnesses"].values(), *sandbox.get("read_only", []), os.path.dirname(os.path.dirname(__file__))]
    in_bwrap = bool(sandbox.get("bwrap"))
    state = {"bwrap": in_bwrap and only_bound_files_visible(sandbox.get("protected", []), bound),
             "bwrap_detail": sandbox.get("bwrap_detail", ""), "netns": False, "netns_detail": "not asked for"}
    if in_bwrap and not state["bwrap"]:
        state["bwrap_detail"] = "files of the course were visible inside bubblewrap"
    # The network namespace is entered here, once, while this process has one thread (a user
    # namespace needs that) and before any child: every child inherits it for free, where a
    # namespace per child would cost its creation and an asynchronous teardown each time.
    # (Inside bubblewrap the zygote already has one: the check below sees it either way.)
    if sandbox.get("netns"):
        state["netns_detail"] = layers.enter_network_namespace()
    state["netns"] = layers.namespace_id("net") not in ("", sandbox.get("parent_netns", ""))
    if state["netns"]:
        state["netns_detail"] = ""
    elif not state["netns_detail"]:
        state["netns_detail"] = "the network namespace is the grader's own"
    from grader.sandbox import probe

    probing = probe.start(sandbox, init["scratch"]) if sandbox else None
    import torch  # noqa: F401 - paid once here, inherited by every child
    import numpy  # noqa: F401

    from grader.sandbox import child, guard  # pre-imported so children need no lookups

    guard.preload()

    harnesses, harness_errors = {}, {}
    for name, path in init["harnesses"].items():
        try:
            harnesses[name] = child.import_module_file(f"grader_harness_{name}", path)
        except BaseException as exc:  # noqa: BLE001 - a broken harness is reported, not fatal
            error = child.describe_exception(exc, path)
            line = f" at line {error['where']['line']}" if error["where"] else ""
            harness_errors[name] = f"{error['type']}{line}: {error['message']}"
    found = probe.finish(probing, state) if probing else {}
    send(control, {"kind": "ready", "pid": os.getpid(), "python": sys.version.split()[0],
                   "torch": str(torch.__version__), "harness_errors": harness_errors,
                   "probe": found, "uid": os.geteuid()})
    signal.signal(signal.SIGTERM, leave)
    inherited = {"netns": state["netns"], "bwrap": state["bwrap"]}
    serve(control, harnesses, init["scratch"], inherited)


def only_bound_files_visible(protected: list[str], bound: list[str]) -> bool:
    """Inside bubblewrap: no file under a protected path is visible but those bound on purpose
    (the harness files, the grader package): the solutions and hidden tests do not exist here."""
    bound_set = {os.path.realpath(p) for p in bound}
    for root in protected:
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [d for d in subfolders if os.path.realpath(os.path.join(folder, d)) not in bound_set]
            for name in files:
                if os.path.realpath(os.path.join(folder, name)) not in bound_set:
                    return False
    return True


def leave(*_):
    raise SystemExit(0)


def serve(control: socket.socket, harnesses: dict, scratch_root: str, inherited: dict) -> None:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    reader = protocol.FrameReader(MAX_REQUEST_BYTES)
    workdirs: dict[int, str] = {}
    bounds: dict[int, tuple[int, int]] = {}  # each live child's scratch bound: (bytes, entries)
    over: set[int] = set()  # children killed for passing it
    try:
        while True:
            timeout = scratch.WATCH_SECONDS if workdirs else None
            ready, _, _ = select.select([CONTROL_FD, wake_r], [], [], timeout)
            if wake_r in ready:
                os.read(wake_r, 4096)
            watch_scratch(workdirs, bounds, over)
            reap(control, workdirs, bounds, over)
            if CONTROL_FD not in ready:
                continue
            data = os.read(CONTROL_FD, 1 << 20)
            if not data:
                return
            for payload in reader.feed(data):
                request = protocol.decode(payload)
                if isinstance(request.get("sandbox"), dict):
                    request["sandbox"]["inherited"] = inherited
                limits = request["limits"]
                try:
                    pid = spawn(control, request, harnesses, scratch_root, workdirs)
                    bounds[pid] = (int(limits["scratch_mb"]) << 20, int(limits["scratch_files"]))
                except OSError as exc:  # fork or pipe refused: say so and keep serving
                    send(control, {"kind": "spawn_failed", "id": request["id"], "message": str(exc)})
    finally:
        # The grader's death brings both an end of file here and SIGTERM: the second must not
        # cut this cleanup short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for pid in workdirs:
            kill_group(pid)
        for pid in workdirs:  # wait for them: a child still writing would keep its folder alive
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        cleanup.remove_tree(scratch_root)
        # Leave without the interpreter's teardown: unloading torch costs a quarter second,
        # and the trusted side waits for this process to be gone.
        os._exit(0)


def spawn(control, request: dict, harnesses: dict, scratch_root: str, workdirs: dict) -> int:
    """Fork a child for one call, hand the read ends of its pipes to the trusted side; its pid.

    The child is recorded in ``workdirs`` as soon as it exists, so that a SIGTERM arriving
    while its pipes are being handed over still finds it on the way out.
    """
    from grader.sandbox import child

    workdir = tempfile.mkdtemp(prefix="child-", dir=scratch_root)
    opened: list[int] = []
    try:
        for _ in range(3):
            opened.extend(os.pipe())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
    except OSError:
        for fd in opened:
            os.close(fd)
        cleanup.remove_tree(workdir)
        raise
    result_r, result_w, out_r, out_w, err_r, err_w = opened
    if pid != 0:
        workdirs[pid] = workdir
    if pid == 0:
        try:
            os.setsid()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            child.run(request, result_w, workdir, harnesses)
        finally:
            os._exit(71)
    for fd in (result_w, out_w, err_w):
        os.close(fd)
    try:
        message = protocol.pack_frame(protocol.encode({"kind": "spawned", "id": request["id"], "pid": pid}))
        socket.send_fds(control, [message], [result_r, out_r, err_r])
    finally:
        for fd in (result_r, out_r, err_r):
            os.close(fd)
    return pid


def watch_scratch(workdirs: dict, bounds: dict, over: set) -> None:
    """Kill every live child whose folder holds more than its scratch bound (see ``scratch``).

    Where the child mounted a tmpfs of its own, its folder here is the empty one beneath the
    mount, and the look costs one empty listing.
    """
    for pid, workdir in workdirs.items():
        size, entries = bounds.get(pid, (0, 0))
        if pid in over or not size:
            continue
        used, count = scratch.measure(workdir, entries)
        if used > size or count > entries:
            over.add(pid)
            kill_group(pid)


def reap(control, workdirs: dict, bounds: dict, over: set) -> None:
    while workdirs:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        kill_group(pid)  # anything the child left behind in its group goes with it
        workdir = workdirs.pop(pid, None)
        if workdir:
            cleanup.remove_tree(workdir)
        bounds.pop(pid, None)
        event = {"kind": "exit", "pid": pid}
        if pid in over:
            over.discard(pid)
            event["reason"] = "scratch"
        if os.WIFSIGNALED(status):
            event["signal"] = os.WTERMSIG(status)
        else:
            event["code"] = os.waitstatus_to_exitcode(status)
        send(control, event)


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def send(control: socket.socket, message: dict) -> None:
    control.sendall(protocol.pack_frame(protocol.encode(message)))


if __name__ == "__main__":
    main()
