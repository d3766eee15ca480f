"""The seccomp filter: no new processes, no sockets, no exec, no ptrace, no signals to others, no IPC.

Built with ``pyseccomp`` (ctypes over the system's libseccomp, which keeps the syscall tables
and the architecture checks right) and loaded in the forked, single-threaded child, after
Landlock. Everything not named here is allowed: the filter bans what a submission has no use
for and what would let it reach past its own process, and answers with an errno rather than a
kill, so a student sees a Python ``PermissionError`` (``clone3`` answers ENOSYS, on which glibc
falls back to ``clone``, where threads are allowed and new processes are not).

Signals: ``kill``, ``tgkill`` and ``rt_(tg)sigqueueinfo`` may target only the child's own pid,
so the filter is built per child, after the fork (building it costs well under a millisecond
once ``pyseccomp`` is imported, which the zygote does).
"""

from __future__ import annotations

import errno

try:  # Linux with libseccomp only; elsewhere the layer is reported missing
    import pyseccomp
except (ImportError, OSError, RuntimeError, AttributeError):
    pyseccomp = None

CLONE_THREAD = 0x00010000

DENIED = (
    # new processes and programs (clone is handled below: threads only)
    "fork", "vfork", "execve", "execveat",
    # network and local sockets: nothing inherited is open, nothing new can be made
    "socket", "socketpair",
    # other processes' memory and state
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_open", "pidfd_getfd",
    "pidfd_send_signal", "tkill",
    # namespaces, mounts, roots
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # kernel objects that outlive a process and are shared by every process of an IPC namespace
    # (one per zygote under bubblewrap, the host's otherwise): SysV shared memory, message queues
    # and semaphores, POSIX message queues, and the multiplexer some architectures route them by
    "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semtimedop_time64", "semctl", "ipc",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
    # kernel attack surface a submission never needs
    "io_uring_setup", "io_uring_enter", "io_uring_register", "memfd_create", "memfd_secret",
    "userfaultfd", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "name_to_handle_at", "open_by_handle_at",
    "lookup_dcookie", "iopl", "ioperm", "mknod", "mknodat", "syslog", "sethostname",
    "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
)
SIGNALS_TO_SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


def available() -> bool:
    return pyseccomp is not None


def build(own_pid: int):
    """The filter for the process ``own_pid`` (not loaded); None where seccomp is unavailable."""
    if pyseccomp is None:
        return None
    deny = pyseccomp.ERRNO(errno.EPERM)
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in DENIED:
        add(rules, deny, name)
    add(rules, pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    add(rules, deny, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_THREAD, 0))
    for name in SIGNALS_TO_SELF_ONLY:
        add(rules, deny, name, pyseccomp.Arg(0, pyseccomp.NE, own_pid))
    return rules


def add(rules, action: int, name: str, *args) -> None:
    """Add one rule; a system call this architecture does not have is skipped."""
    try:
        rules.add_rule(action, name, *args)
    except (OSError, ValueError, RuntimeError):
        pass


def apply(own_pid: int) -> bool:
    """Build and load the filter in this process; return whether it is in force."""
    try:
        rules = build(own_pid)
        if rules is None:
            return False
        rules.load()
        return True
    except (OSError, ValueError, RuntimeError):
        return False
