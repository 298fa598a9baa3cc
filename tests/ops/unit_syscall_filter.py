#!/usr/bin/env python3
"""Runs a command under the system-call filter of a systemd unit file:
    unit_syscall_filter.py UNIT_FILE -- COMMAND [ARGS...]

Reads the unit's SystemCallFilter= lines (allow lists, and deny lists with
"~") and SystemCallErrorNumber=, expands the @groups with
`systemd-analyze syscall-filter` (the same tables systemd uses), loads the
filter with libseccomp (ctypes, libseccomp.so.2) and execs the command, so a
system call the unit would refuse fails here the same way. Exit 77 when
systemd-analyze or libseccomp is missing (the caller skips).
"""
import ctypes
import errno
import os
import subprocess
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_KILL_PROCESS = 0x80000000


def scmp_act_errno(number):
    return 0x00050000 | (number & 0xFFFF)


def expand(item, seen):
    """The system calls of a name or an @group (recursively)."""
    if not item.startswith("@"):
        return {item}
    out = set()
    text = subprocess.run(["systemd-analyze", "syscall-filter", item],
                          capture_output=True, text=True, check=True).stdout
    for line in text.splitlines()[1:]:
        word = line.strip()
        if not word or word.startswith("#") or word in seen:
            continue
        seen.add(word)
        out |= expand(word, seen)
    return out


def unit_filter(path):
    """(allowed names or None for "everything", denied names, errno) from the unit."""
    allow, deny, err = None, set(), None
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key == "SystemCallFilter" and value:
                negate = value.startswith("~")
                names = set()
                for item in value.lstrip("~").split():
                    names |= expand(item, {item})
                if negate:
                    deny |= names
                else:
                    allow = names if allow is None else allow | names
            elif key == "SystemCallErrorNumber" and value:
                err = getattr(errno, value)
    return allow, deny, err


def main():
    if "--" not in sys.argv or sys.argv.index("--") != 2:
        sys.exit(__doc__)
    unit, cmd = sys.argv[1], sys.argv[3:]
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
        allow, deny, err = unit_filter(unit)
    except (OSError, FileNotFoundError) as e:
        print(f"SKIP: {e} (libseccomp2 and systemd-analyze are needed)")
        sys.exit(77)
    if allow is None:
        sys.exit(f"{unit}: no SystemCallFilter= allow list")
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    refuse = scmp_act_errno(err) if err is not None else SCMP_ACT_KILL_PROCESS
    ctx = lib.seccomp_init(refuse)
    allowed = 0
    for name in sorted(allow - deny):
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr >= 0 and lib.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) == 0:
            allowed += 1
    print(f"[filter] {allowed} system calls allowed from {os.path.basename(unit)}, "
          f"the rest {'errno ' + str(err) if err is not None else 'kill'}", file=sys.stderr)
    # seccomp_load sets no_new_privs first, as NoNewPrivileges=yes does.
    if lib.seccomp_load(ctx) != 0:
        sys.exit("seccomp_load failed")
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
