#!/usr/bin/env bats
# python_peers/ipclab/posix.py: POSIX named semaphores and message queues
# from Python through ctypes, each call checked against the kernel and
# against a C program using the same object.

load helpers/common

setup_file() {
  # The C side for the queue tests: one call per run, as a user would type.
  cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$BATS_FILE_TMPDIR/mq_peer" -x c - <<'C'
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void die(const char *what, const char *name) { perror(what); fprintf(stderr, "(%s)\n", name); exit(1); }
int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    const char *cmd = argv[1], *name = argv[2];
    if (strcmp(cmd, "create") == 0 && argc == 5) {       /* create NAME MAXMSG MSGSIZE */
        struct mq_attr a = { .mq_maxmsg = atol(argv[3]), .mq_msgsize = atol(argv[4]) };
        mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
        if (q == (mqd_t)-1) die("mq_open", name);
        return mq_close(q) == -1;
    }
    mqd_t q = mq_open(name, O_RDWR);
    if (q == (mqd_t)-1) die("mq_open", name);
    if (strcmp(cmd, "send") == 0 && argc == 5) {         /* send NAME PRIO TEXT */
        if (mq_send(q, argv[4], strlen(argv[4]), (unsigned)atoi(argv[3])) == -1) die("mq_send", name);
    } else if (strcmp(cmd, "recv") == 0) {               /* recv NAME: "PRIO TEXT" */
        char buf[8192];
        unsigned prio;
        ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
        if (n == -1) die("mq_receive", name);
        printf("%u %.*s\n", prio, (int)n, buf);
    } else if (strcmp(cmd, "attr") == 0) {               /* attr NAME: "MAXMSG MSGSIZE CURMSGS" */
        struct mq_attr a;
        if (mq_getattr(q, &a) == -1) die("mq_getattr", name);
        printf("%ld %ld %ld\n", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
    } else if (strcmp(cmd, "unlink") == 0) {
        if (mq_unlink(name) == -1) die("mq_unlink", name);
    } else {
        return 2;
    }
    return mq_close(q) == -1;
}
C
}

setup() {
  common_setup
  ID=$IPCLAB_TESTID
  SEM=/ipclab-$ID-sem Q=/ipclab-$ID-q SEG=/ipclab-$ID-seg
  MQ=$BATS_FILE_TMPDIR/mq_peer
  export PYTHONPATH=$PEERS
}

teardown() {
  local err=0 left="" f
  assert_nothing_left || err=1
  for f in /dev/shm/ipclab-"$ID"-* /dev/shm/sem.ipclab-"$ID"-*; do
    [ -e "$f" ] && { left+=" $f"; rm -f "$f"; }
  done
  # A queue is not a file here (/dev/mqueue is not mounted): try to remove it.
  "$PYTHON" -c 'import sys; from ipclab import posix; posix.mq_unlink(sys.argv[1])' "$Q" \
    2>/dev/null && left+=" $Q"
  [ -z "$left" ] || { echo "IPC objects left behind:$left" >&2; err=1; }
  return "$err"
}

# Asleep in sem_wait and in mq_receive: blocked_in_sem_wait and
# blocked_in_mq_receive (helpers/kernel.bash) match the system call; a
# wchan, whose name differs between kernels, is never pinned.

sem_value() {
  "$PYTHON" -c 'import sys; from ipclab import posix
s = posix.sem_open(sys.argv[1]); print(posix.sem_getvalue(s)); posix.sem_close(s)' "$1"
}

@test "posix: sem_open creates a 0600 semaphore in /dev/shm; wait, trywait, post, getvalue" {
  run "$PYTHON" - "$SEM" <<'PY'
import errno, os, sys
from ipclab import posix
s = posix.sem_open(sys.argv[1], os.O_CREAT | os.O_EXCL, 0o600, 2)
posix.sem_wait(s); posix.sem_trywait(s)
print("after two takes", posix.sem_getvalue(s))
try:
    posix.sem_trywait(s)
except OSError as e:
    print("trywait at 0:", errno.errorcode[e.errno])
posix.sem_post(s)
print("after a post", posix.sem_getvalue(s))
posix.sem_close(s)
PY
  assert_success
  assert_output "after two takes 0
trywait at 0: EAGAIN
after a post 1"
  # The kernel's view: a 0600 file, and the value outlives the process.
  assert_equal "$(stat -c %a "/dev/shm/sem.${SEM#/}")" 600
  assert_equal "$(sem_value "$SEM")" 1
  run "$PYTHON" -c 'import sys; from ipclab import posix; posix.sem_unlink(sys.argv[1])' "$SEM"
  assert_success
  assert_file_not_exists "/dev/shm/sem.${SEM#/}"
}

@test "posix: failures raise OSError with errno: ETIMEDOUT, ENOENT, EEXIST" {
  run "$PYTHON" - "$SEM" <<'PY'
import errno, os, sys, time
from ipclab import posix
name = sys.argv[1]
def show(what, call, *args):
    try:
        call(*args)
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno], e.filename)
show("open missing", posix.sem_open, name)
s = posix.sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, 0)
show("create again", posix.sem_open, name, os.O_CREAT | os.O_EXCL, 0o600, 0)
show("timedwait at 0", posix.sem_timedwait, s, time.time() - 1)   # deadline passed
posix.sem_post(s)
show("timedwait at 1", posix.sem_timedwait, s, time.time() - 1)   # no wait needed
posix.sem_close(s)
posix.sem_unlink(name)
show("unlink again", posix.sem_unlink, name)
PY
  assert_success
  assert_output "open missing ENOENT $SEM
create again EEXIST $SEM
timedwait at 0 ETIMEDOUT None
timedwait at 1 ok
unlink again ENOENT $SEM"
}

@test "posix: a semaphore Python created and took blocks C's sem_wait until Python posts" {
  run "$PYTHON" "$PEERS/08-shared-memory/shm_counter.py" --create --sem "$SEM" -n 0 "$SEG"
  run "$PYTHON" -c 'import sys; from ipclab import posix
s = posix.sem_open(sys.argv[1]); posix.sem_wait(s); posix.sem_close(s)' "$SEM"
  assert_equal "$(sem_value "$SEM")" 0
  bg c "$BIN/shm_counter" --sem "$SEM" -n 1 "$SEG"
  wait_for blocked_in_sem_wait "$c"
  run "$PYTHON" -c 'import sys; from ipclab import posix
s = posix.sem_open(sys.argv[1]); posix.sem_post(s); posix.sem_close(s)' "$SEM"
  wait "$c"
  assert_equal "$(cat "$T/c.out")" "shm_counter: added 1, counter now 1"
  assert_equal "$(sem_value "$SEM")" 1
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
}

@test "posix: a signal handler runs during sem_wait, then the wait goes on (EINTR retried)" {
  run "$PYTHON" -c 'import os, sys; from ipclab import posix
posix.sem_close(posix.sem_open(sys.argv[1], os.O_CREAT | os.O_EXCL, 0o600, 0))' "$SEM"
  bg w "$PYTHON" -c 'import signal, sys; from ipclab import posix
signal.signal(signal.SIGUSR1, lambda *_: print("handler ran", flush=True))
s = posix.sem_open(sys.argv[1]); posix.sem_wait(s); print("took it")' "$SEM"
  wait_for blocked_in_sem_wait "$w"
  kill -USR1 "$w"
  wait_for grep -q "handler ran" "$T/w.out"
  wait_for blocked_in_sem_wait "$w"
  run "$PYTHON" -c 'import sys; from ipclab import posix
s = posix.sem_open(sys.argv[1]); posix.sem_post(s)' "$SEM"
  wait "$w"
  assert_equal "$(cat "$T/w.out")" "handler ran
took it"
  run "$PYTHON" -c 'import sys; from ipclab import posix; posix.sem_unlink(sys.argv[1])' "$SEM"
}

@test "posix: Ctrl-C stops a sem_wait with KeyboardInterrupt" {
  run "$PYTHON" -c 'import os, sys; from ipclab import posix
posix.sem_close(posix.sem_open(sys.argv[1], os.O_CREAT | os.O_EXCL, 0o600, 0))' "$SEM"
  # A background job starts with SIGINT ignored: put Python's handler back.
  bg w "$PYTHON" -c 'import signal, sys; from ipclab import posix
signal.signal(signal.SIGINT, signal.default_int_handler)
s = posix.sem_open(sys.argv[1])
try:
    posix.sem_wait(s)
except KeyboardInterrupt:
    print("interrupted")' "$SEM"
  wait_for blocked_in_sem_wait "$w"
  kill -INT "$w"
  wait "$w"
  assert_equal "$(cat "$T/w.out")" "interrupted"
  assert_equal "$(sem_value "$SEM")" 0
  run "$PYTHON" -c 'import sys; from ipclab import posix; posix.sem_unlink(sys.argv[1])' "$SEM"
}

@test "posix: a queue Python creates carries C's messages, highest priority first" {
  run "$PYTHON" - "$Q" <<'PY'
import os, sys
from ipclab import posix
q = posix.mq_open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, maxmsg=4, msgsize=64)
print(posix.mq_getattr(q))
posix.mq_close(q)
PY
  assert_output "MqAttr(flags=0, maxmsg=4, msgsize=64, curmsgs=0)"
  "$MQ" send "$Q" 1 "low from C"
  "$MQ" send "$Q" 9 "high from C"
  run "$MQ" attr "$Q"
  assert_output "4 64 2"
  run "$PYTHON" - "$Q" <<'PY'
import os, sys
from ipclab import posix
q = posix.mq_open(sys.argv[1], os.O_RDWR)
print(posix.mq_receive(q))
print(posix.mq_getattr(q).curmsgs)
print(posix.mq_receive(q))
posix.mq_close(q)
posix.mq_unlink(sys.argv[1])
PY
  assert_output "(b'high from C', 9)
1
(b'low from C', 1)"
}

@test "posix: a queue C creates carries Python's messages; full and empty time out; a short buffer is EMSGSIZE" {
  "$MQ" create "$Q" 2 32
  run "$PYTHON" - "$Q" <<'PY'
import errno, os, sys, time
from ipclab import posix
q = posix.mq_open(sys.argv[1], os.O_RDWR)
posix.mq_send(q, b"first from Python", 3)
posix.mq_timedsend(q, b"second from Python", 3, time.time() + 5)
for what, call, *args in (("send to a full queue", posix.mq_timedsend, q, b"x", 0, time.time() - 1),
                          ("receive into 8 bytes", posix.mq_receive, q, 8)):
    try:
        call(*args)
    except OSError as e:
        print(what + ":", errno.errorcode[e.errno])
posix.mq_close(q)
PY
  assert_output "send to a full queue: ETIMEDOUT
receive into 8 bytes: EMSGSIZE"
  run "$MQ" recv "$Q"
  assert_output "3 first from Python"
  run "$MQ" recv "$Q"
  assert_output "3 second from Python"
  run "$PYTHON" - "$Q" <<'PY'
import errno, os, sys, time
from ipclab import posix
q = posix.mq_open(sys.argv[1], os.O_RDWR)
try:
    posix.mq_timedreceive(q, time.time() - 1)
except OSError as e:
    print("receive from an empty queue:", errno.errorcode[e.errno])
posix.mq_close(q)
PY
  assert_output "receive from an empty queue: ETIMEDOUT"
  "$MQ" unlink "$Q"
}

@test "posix: Python asleep in mq_receive wakes when C sends" {
  "$MQ" create "$Q" 4 64
  bg r "$PYTHON" -c 'import os, sys; from ipclab import posix
q = posix.mq_open(sys.argv[1], os.O_RDONLY); print(posix.mq_receive(q))' "$Q"
  wait_for blocked_in_mq_receive "$r"
  "$MQ" send "$Q" 5 "wake up"
  wait "$r"
  assert_equal "$(cat "$T/r.out")" "(b'wake up', 5)"
  run "$PYTHON" -c 'import sys; from ipclab import posix; posix.mq_unlink(sys.argv[1])' "$Q"
  assert_success
}
