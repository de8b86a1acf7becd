# tests/helpers/pmq.bash - lesson 06's tests: POSIX message queues named
# after the test ($Q, /ipclab-$IPCLAB_TESTID-jobs), programs waited for by
# their readiness line ("created /NAME: ..." or "opened /NAME: ..."), the
# queue's state as the kernel gives it (mq_getattr; the mqueue file system
# mounted in a private mount namespace), and a teardown that fails when a
# queue of the test is left. Loaded after helpers/common.

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/06-posix-mq/$1.py"; }
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

pmq_setup() {
  common_setup
  ID=$IPCLAB_TESTID
  Q=/ipclab-$ID-jobs
  USED=("$Q")           # every name the test uses: probed when not root
}

setup() { pmq_setup; }
teardown() { pmq_teardown; }

# mq_list: this test's queues (names starting /ipclab-$ID-), one a line, as
# the kernel lists them. /dev/mqueue is not mounted here, and the host's
# mounts are not ours to change: as root, the mqueue file system is mounted
# in a private mount namespace (unshare -m) on a folder of the test, listed,
# and gone with the namespace. Without root, each name in USED is probed
# (mq_exists).
mq_list() {
  local n
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$T/mqueue"
    unshare -m sh -c 'mount -t mqueue none "$1" && ls -A "$1"' sh "$T/mqueue" |
      sed -n "s|^ipclab-$ID-|/&|p"
  else
    for n in "${USED[@]}"; do ! mq_exists "$n" || echo "$n"; done
  fi
}

# mq_mode NAME: the queue's mode and owner as its file in the mqueue file
# system shows them ("600 root"), from a private mount as mq_list's (root).
mq_mode() {
  mkdir -p "$T/mqueue"
  unshare -m sh -c 'mount -t mqueue none "$1" && stat -c "%a %U" "$1/$2"' sh "$T/mqueue" "${1#/}"
}

# mq_ino NAME: the queue's inode number, from its file in a private mount
# (root). A new queue made at a name another had is another inode.
mq_ino() {
  mkdir -p "$T/mqueue"
  unshare -m sh -c 'mount -t mqueue none "$1" && stat -c %i "$1/$2"' sh "$T/mqueue" "${1#/}"
}

# mq_fd PID NAME: the descriptor of PID open on the queue NAME, as
# /proc/PID/fd shows it ("/NAME", or "/NAME (deleted)" once unlinked).
mq_fd() {
  local f
  for f in /proc/"$1"/fd/*; do
    [[ $(readlink "$f") == "$2"?(" (deleted)") ]] && { echo "${f##*/}"; return 0; }
  done
  return 1
}

# mq_exists NAME: a queue has that name (its mq_open fails with anything
# but ENOENT: EACCES is someone else's queue).
mq_exists() {
  "$PYTHON" - "$PEERS" "$1" <<'PY'
import errno, os, sys
sys.path.insert(0, sys.argv[1])
from ipclab import posix
try:
    posix.mq_close(posix.mq_open(sys.argv[2], os.O_RDONLY | os.O_NONBLOCK))
except OSError as e:
    sys.exit(e.errno == errno.ENOENT)
PY
}

# mq_attr NAME: "maxmsg msgsize curmsgs" of the queue, from mq_getattr on a
# descriptor opened for it and closed at once (read-only, non-blocking: it
# takes nothing and waits for nothing).
mq_attr() {
  "$PYTHON" - "$PEERS" "$1" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
from ipclab import posix
q = posix.mq_open(sys.argv[2], os.O_RDONLY | os.O_NONBLOCK)
a = posix.mq_getattr(q)
posix.mq_close(q)
print(a.maxmsg, a.msgsize, a.curmsgs)
PY
}

# queued NAME N: the queue holds N messages now.
queued() { [ "$(mq_attr "$1" | cut -d' ' -f3)" = "$2" ]; }

# mq_rm NAME...: remove queues a test left on purpose (or by mistake).
mq_rm() {
  "$PYTHON" - "$PEERS" "$@" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from ipclab import posix
for name in sys.argv[2:]:
    try:
        posix.mq_unlink(name)
    except OSError:
        pass
PY
}

# Teardown: no process of ours left (common.bash), then no queue of the
# test's: fail if one is left, and remove it anyway.
pmq_teardown() {
  local status=0 left
  assert_nothing_left || status=1
  left=$(mq_list)
  if [ -n "$left" ]; then
    mq_rm $left
    echo "queues left behind: $left" >&2
    return 1
  fi
  return "$status"
}

# start_receiver NAME CMD...: start CMD in the background (bg) and wait for
# its readiness line, "created /Q: ..." or "opened /Q: ...", the first line
# of its stdout: the queue exists then, never after a sleep.
start_receiver() {
  local name=$1
  shift
  rm -f "$T/$name.out"
  bg "$name" "$@"
  wait_for ready_or_gone "${!name}" "$T/$name.out"
  [[ $(head -n 1 "$T/$name.out") =~ ^(created|opened)\ / ]] ||
    fail "$* ended without its readiness line: $(cat "$T/$name.out" "$T/$name.err")"
}
ready_or_gone() {
  grep -qE '^(created|opened) /' "$2" 2>/dev/null || proc_gone "$1"
}

# Asleep in the kernel, as /proc/PID/syscall shows it: glibc's mq_receive
# and mq_send are the mq_timedreceive and mq_timedsend system calls (with
# no deadline). The wchan (wq_sleep here) is not relied on.
asleep_receiving() { asleep_in "$1" mq_timedreceive; }
asleep_sending() { asleep_in "$1" mq_timedsend; }
held() { asleep_in "$1" rt_sigtimedwait; }

# wait_asleep PID CHECK: wait until CHECK PID holds (asleep_receiving,
# asleep_sending, held), or the process has ended: then fail at once,
# saying what it printed, instead of waiting 30 s for what cannot come.
wait_asleep() {
  wait_for eval "$2 $1 || proc_gone $1"
  "$2" "$1" || fail "$2 $1: it ended instead: $(cat /proc/$1/cmdline 2>/dev/null | tr '\0' ' ')
$(tail -n 3 "$T"/*.out "$T"/*.err 2>/dev/null)"
}

# has_cap_sys_resource: this shell's effective capabilities hold
# CAP_SYS_RESOURCE (bit 24), which lifts /proc/sys/fs/mqueue's limits.
has_cap_sys_resource() {
  local eff
  eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  (( (16#$eff >> 24) & 1 ))
}


# ---- notification (tests/06-posix-mq-notify.bats) ------------------------------

# mq_file NAME: the line the queue's file in the mqueue file system holds,
# spaces squeezed: "QSIZE:5 NOTIFY:0 SIGNO:12 NOTIFY_PID:4242". QSIZE is
# the bytes queued (not messages); NOTIFY_PID the process registered with
# mq_notify (0: none), NOTIFY its sigev_notify (0 SIGEV_SIGNAL, 1
# SIGEV_NONE, 2 SIGEV_THREAD), SIGNO its signal (SIGEV_SIGNAL only). Read
# from a private mount, as mq_list's (root), by a process that is not the
# one registered: a registered process that closes any descriptor of the
# queue, even one opened just to read this file, ends its registration.
mq_file() {
  mkdir -p "$T/mqueue"
  unshare -m sh -c 'mount -t mqueue none "$1" && cat "$1/$2"' sh "$T/mqueue" "${1#/}" |
    tr -s ' ' | sed 's/ $//'
}
need_mq_file() {
  [ "$(id -u)" = 0 ] || skip "needs root to mount the mqueue file system (a queue's file says who is registered)"
}

# start_notified NAME CMD...: start mq_notified (bg) and wait for its
# readiness line, "registered: mq_notify ..." (its second): it is
# registered then.
start_notified() {
  local name=$1
  shift
  rm -f "$T/$name.out"
  bg "$name" "$@"
  wait_for registered_or_gone "${!name}" "$T/$name.out"
  grep -q '^registered: ' "$T/$name.out" ||
    fail "$* ended without its readiness line: $(cat "$T/$name.out" "$T/$name.err")"
}
registered_or_gone() {
  grep -q '^registered: ' "$2" 2>/dev/null || proc_gone "$1"
}

# waiting_for PID NAME K [CHECK]: mq_notified (output $T/NAME.out) has
# drained the queue and waits for notification K: its line is out and it
# is asleep (CHECK: held, the default, is rt_sigtimedwait, where
# sigwaitinfo sleeps; blocked_in_sem_wait for --thread).
waiting_for() {
  wait_for eval "grep -qx 'empty (EAGAIN): waiting for notification $3' '$T/$2.out' || proc_gone $1"
  grep -qx "empty (EAGAIN): waiting for notification $3" "$T/$2.out" ||
    fail "$2 ended before waiting for notification $3: $(cat "$T/$2.out" "$T/$2.err")"
  wait_asleep "$1" "${4:-held}"
}

# usr2_pending PID: a SIGUSR2 waits, blocked, in the process's shared
# pending set (ShdPnd, bit 11 for signal 12).
usr2_pending() {
  local st pnd
  proc_text st "/proc/$1/status" || return 1
  pnd=$(sed -n 's/^ShdPnd:\t*//p' <<<"$st")
  (( (16#$pnd >> 11) & 1 ))
}
