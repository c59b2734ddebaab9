"""Keep the process that grades one submission to itself: its folder, its memory, its files.

The gradebook (scratchdl.course.grading) runs each learner's code in a process of its own, which
calls confine() before any of that code is imported:

- memory: the address space is capped (RLIMIT_AS), so a 10 GB array fails with MemoryError
  instead of taking the machine; no core files; no file larger than MAX_FILE_BYTES;
- files (Linux 5.13 or newer, with the Landlock security module, which needs no privileges):
  the process may read everywhere but create, change or delete files only inside its own
  folder, and, where the kernel allows (Landlock ABI 4 and 6), open no TCP connection and send
  no signal to a process outside itself.

This is isolation for a class - one learner's endless loop, crash or stray file operation cannot
touch the instructor's copy or another learner's - not a security sandbox for hostile code: the
process can still read what the instructor's account can read, use the CPU for its time limit,
and (without Landlock: on macOS, Windows or an old kernel) write wherever that account can.
"""

import ctypes
import os
import resource
import sys

MAX_FILE_BYTES = 64 * 1024 * 1024

# Landlock, from <linux/landlock.h>: the system calls are numbered alike on every architecture.
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_abi():
    """The kernel's Landlock version (1, 2, ...), or 0 where there is none (not Linux, too old,
    or switched off)."""
    if not sys.platform.startswith("linux"):  # the system call numbers mean other things elsewhere
        return 0
    try:
        abi = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def _file_rights(abi):
    """Every right on files that this Landlock version knows (the ones it can deny)."""
    rights = (1 << 13) - 1  # execute ... make_sym: version 1
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def _allow(libc, ruleset, path, rights):
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneathAttr(rights, fd)
        if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path})")
    finally:
        os.close(fd)


def write_only_inside(folder):
    """Let this process (and what it starts) change files only under `folder`; reading stays
    allowed everywhere. Returns the Landlock version used, or 0 if the kernel has none (then
    nothing is restricted). Irreversible."""
    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = _libc()
    every = _file_rights(abi)
    attr = _RulesetAttr(every, _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8  # the fields this version reads
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        _allow(libc, ruleset, "/", _EXECUTE | _READ_FILE | _READ_DIR)
        _allow(libc, ruleset, folder, every)
        if os.path.exists(os.devnull):  # Python and numpy may open it for writing
            _allow(libc, ruleset, os.devnull, _WRITE_FILE | _READ_FILE | (_TRUNCATE if abi >= 3 else 0))
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def limit_memory(megabytes):
    """Cap the address space at `megabytes` (a larger array raises MemoryError), allow no core
    file and no file larger than MAX_FILE_BYTES. Returns the limits that could not be set (macOS
    does not enforce an address-space limit, for one)."""
    cap = int(megabytes) * 1024 * 1024
    failed = []
    for name, value in (("RLIMIT_AS", cap), ("RLIMIT_CORE", 0), ("RLIMIT_FSIZE", MAX_FILE_BYTES)):
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (AttributeError, ValueError, OSError):
            failed.append(name)
    return failed


def confine(folder, megabytes):
    """Both: the memory and file limits, then writing only inside `folder`. Returns (the Landlock
    version in force - 0: none, so files outside the folder are not protected -, the limits that
    could not be set)."""
    unlimited = limit_memory(megabytes)
    return write_only_inside(folder), unlimited
