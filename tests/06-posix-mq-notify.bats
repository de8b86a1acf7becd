#!/usr/bin/env bats
# Lesson 06: mq_notify. mq_notified (C, and its Python mirror through
# ipclab.posix) registers for a queue's notification, and at each one
# registers again, then drains the queue; --forget is the classic bug (no
# new registration). What the kernel keeps is read from the queue's file
# in the mqueue file system, mounted in a private mount namespace
# (QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:...), from /proc/PID/syscall
# and /proc/PID/status (ShdPnd). Synchronised on the readiness line, the
# "waiting for notification K" line and what the kernel shows, never on a
# sleep. Every test fails if it leaves a process or a queue behind.

load helpers/common
load helpers/pmq
bats_require_minimum_version 1.5.0

NOTIFIERS=("$(c mq_notified)" "$(py mq_notified)")
SENDERS=("$(c mq_sender)" "$(py mq_sender)")
RECEIVERS=("$(c mq_receiver)" "$(py mq_receiver)")

# What mq_notified said after its readiness line.
said() { sed '1,2d' "$T/$1.out"; }

# ended PID NAME: mq_notified (output $T/NAME.out) has ended on its own,
# its status in $status; one that still waits 30 s later (a notification
# that never came) fails the test, saying where it sleeps and what it said.
ended() {
  wait_for proc_gone "$1" ||
    fail "$2 still running, in $(proc_syscall "$1"): $(cat "$T/$2.out" "$T/$2.err")"
  reaped "$1"
}

@test "a message to the empty queue fires the registration: SIGUSR2, si_code SI_MESGQ, the sender's pid; the program registers again, then drains, and the next message is notified too; its trace says the same, C and Python both ways" {
  local notifier sender
  for notifier in "${NOTIFIERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      exec 7>"$T/trace"     # its trace, as ipclab reads it (docs/trace-protocol.md)
      start_notified n env IPCLAB_TRACE_FD=7 $notifier --create -n 2 "$Q"
      exec 7>&-
      assert_equal "$(head -n 2 "$T/n.out")" "created $Q: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued
registered: mq_notify SIGEV_SIGNAL SIGUSR2"
      waiting_for "$n" n 1
      ends s1 $sender "$Q" 3:first
      assert_equal "$status" 0
      waiting_for "$n" n 2
      ends s2 $sender "$Q" second
      ended "$n" n
      assert_equal "$status" 0
      assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ, sent by pid $s1
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 1: priority 3, 5 bytes: first
empty (EAGAIN): waiting for notification 2
notified 2: SIGUSR2, si_code SI_MESGQ, sent by pid $s2
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 2: priority 0, 6 bytes: second"
      assert_equal "$(cat "$T/n.err")" "$(prog "$notifier"): 2 notifications, received 2 messages; $Q removed"
      # ipclab's timeline: each sigwaitinfo names the sender, then each
      # mq_receive of the drain, until EAGAIN.
      assert_equal "$(sed -n 's/^.* pid='"$n"' ev=after \(.*\)/\1/p' "$T/trace" | sed 's/ fd=[0-9]*//')" \
"op=mq_receive ret=-1 errno=EAGAIN
op=sigwaitinfo ret=12 sig=SIGUSR2 from=$s1
op=mq_receive data=first ret=5
op=mq_receive ret=-1 errno=EAGAIN
op=sigwaitinfo ret=12 sig=SIGUSR2 from=$s2
op=mq_receive data=second ret=6"
    done
  done
}

@test "a registration fires once: the first message to the empty queue fires it and it is gone (NOTIFY_PID 0 in the queue's file); the second, to a queue no longer empty, fires nothing: one notification for two messages, C and Python" {
  local notifier
  need_mq_file
  for notifier in "${NOTIFIERS[@]}"; do
    # Held once registered: nothing is taken until the test says so.
    start_notified n $notifier --create --hold "$Q"
    wait_asleep "$n" held
    assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
    ends s1 ${SENDERS[0]} "$Q" first
    assert_equal "$(mq_file "$Q")" "QSIZE:5 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
    usr2_pending "$n" || fail "no SIGUSR2 pending after the first message"
    ends s2 ${SENDERS[1]} "$Q" second
    assert_equal "$(mq_file "$Q")" "QSIZE:11 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
    kill -USR1 "$n"
    # Its first drain takes both; the one notification, the first
    # sender's, was pending: taken, it registers again and finds nothing.
    waiting_for "$n" n 2
    assert_equal "$(said n)" "message 1: priority 0, 5 bytes: first
message 2: priority 0, 6 bytes: second
empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ, sent by pid $s1
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
empty (EAGAIN): waiting for notification 2"
    assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
    kill -TERM "$n"
    reaped "$n"
    assert_equal "$status" 143
    assert_equal "$(mq_list)" ""
  done
}

@test "registered on a queue that is not empty, nothing fires when more come: only empty to non-empty does; so the program drains once it has registered, and the next message to the empty queue is notified, C and Python" {
  local notifier
  need_mq_file
  for notifier in "${NOTIFIERS[@]}"; do
    run ${SENDERS[0]} --create --keep "$Q" a b
    assert_success
    start_notified n $notifier --hold -n 4 "$Q"
    assert_equal "$(head -n 1 "$T/n.out")" "opened $Q: mode 0600, room for 10 messages of up to 8192 bytes, 2 queued"
    wait_asleep "$n" held
    assert_equal "$(mq_file "$Q")" "QSIZE:2 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
    run ${SENDERS[1]} "$Q" c
    assert_success
    # Still registered, nothing sent: the queue was not empty.
    assert_equal "$(mq_file "$Q")" "QSIZE:3 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
    ! usr2_pending "$n" || fail "a SIGUSR2 is pending: a message to a queue that was not empty was notified"
    kill -USR1 "$n"
    waiting_for "$n" n 1
    ends s ${SENDERS[0]} "$Q" d
    ended "$n" n
    assert_equal "$status" 0
    assert_equal "$(said n)" "message 1: priority 0, 1 byte: a
message 2: priority 0, 1 byte: b
message 3: priority 0, 1 byte: c
empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ, sent by pid $s
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 4: priority 0, 1 byte: d"
    assert_equal "$(cat "$T/n.err")" "$(prog "$notifier"): waiting for SIGUSR1 before receiving (kill -USR1 $n)
$(prog "$notifier"): 1 notification, received 4 messages; $Q left for others"
    mq_rm "$Q"
  done
}

@test "--forget, the classic bug: without a new registration, a message sent after the first drain stays queued, nobody is registered (NOTIFY_PID 0), nothing is pending, and the program waits for ever in sigwaitinfo; registering again first, it is notified, C and Python" {
  local notifier
  need_mq_file
  for notifier in "${NOTIFIERS[@]}"; do
    start_notified n $notifier --create --forget "$Q"
    waiting_for "$n" n 1
    ends s1 ${SENDERS[1]} "$Q" first
    waiting_for "$n" n 2
    ends s2 ${SENDERS[0]} "$Q" missed
    assert_equal "$(mq_attr "$Q")" "10 8192 1"
    assert_equal "$(mq_file "$Q")" "QSIZE:6 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
    # Asleep in rt_sigtimedwait with no SIGUSR2 pending and nobody
    # registered: nothing will ever wake it.
    held "$n" || fail "not asleep in rt_sigtimedwait: $(proc_syscall "$n")"
    ! usr2_pending "$n" || fail "a SIGUSR2 is pending"
    assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ, sent by pid $s1
not registered again (--forget)
message 1: priority 0, 5 bytes: first
empty (EAGAIN): waiting for notification 2"
    kill -TERM "$n"
    reaped "$n"
    assert_equal "$status" 143
    assert_equal "$(mq_list)" ""
    # The same steps without --forget.
    start_notified n $notifier --create -n 2 "$Q"
    waiting_for "$n" n 1
    ends s1 ${SENDERS[1]} "$Q" first
    waiting_for "$n" n 2
    assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
    ends s2 ${SENDERS[0]} "$Q" caught
    ended "$n" n
    assert_equal "$status" 0
    assert_equal "$(said n | tail -n 4)" "empty (EAGAIN): waiting for notification 2
notified 2: SIGUSR2, si_code SI_MESGQ, sent by pid $s2
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 2: priority 0, 6 bytes: caught"
  done
}

@test "one process at a time may be registered: a second mq_notify fails with EBUSY, said in the same words by C and Python; the first is still notified; a registration ends with its process, even killed with SIGKILL, and another may register then" {
  local other p
  need_mq_file
  start_notified n ${NOTIFIERS[0]} --thread --create -n 1 "$Q"
  for other in "${NOTIFIERS[@]}" "${NOTIFIERS[0]} --thread"; do
    p=$(prog "${other% --thread}")
    ends x $other "$Q"
    assert_equal "$status" 1
    assert_equal "$output" "opened $Q: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued"
    assert_equal "$stderr" "$p: mq_notify $Q: Device or resource busy: another process is registered for this queue (one at a time)"
  done
  assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:2 SIGNO:0 NOTIFY_PID:$n"
  waiting_for "$n" n 1 blocked_in_sem_wait
  run ${SENDERS[1]} "$Q" still
  ended "$n" n
  assert_equal "$status" 0
  assert_equal "$(tail -n 1 "$T/n.out")" "message 1: priority 0, 5 bytes: still"
  assert_equal "$(mq_list)" ""
  # Killed while registered: the kernel ends the registration with it.
  run ${SENDERS[0]} --create --keep "$Q" x
  assert_success
  for other in "${NOTIFIERS[@]}"; do
    start_notified n $other "$Q"
    waiting_for "$n" n 1
    assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
    kill -KILL "$n"
    reaped "$n"
    assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
  done
  mq_rm "$Q"
}

@test "a process asleep in mq_receive on the queue is handed the message, and no notification is sent: the registration stays for the next message, C and Python" {
  local notifier receiver
  need_mq_file
  for notifier in "${NOTIFIERS[@]}"; do
    for receiver in "${RECEIVERS[@]}"; do
      start_notified n $notifier --create -n 1 "$Q"
      waiting_for "$n" n 1
      start_receiver r $receiver -n 1 "$Q"
      wait_asleep "$r" asleep_receiving
      run ${SENDERS[0]} "$Q" taken
      reaped "$r"
      assert_equal "$status" 0
      assert_equal "$(tail -n 1 "$T/r.out")" "message 1: priority 0, 5 bytes: taken"
      assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:0 SIGNO:12 NOTIFY_PID:$n"
      held "$n" || fail "mq_notified is not waiting in rt_sigtimedwait: $(proc_syscall "$n")"
      ! usr2_pending "$n" || fail "a SIGUSR2 is pending: the message was notified"
      assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1"
      ends s ${SENDERS[1]} "$Q" notified
      ended "$n" n
      assert_equal "$status" 0
      assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ, sent by pid $s
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 1: priority 0, 8 bytes: notified"
    done
  done
}

@test "SIGEV_THREAD (C): at each notification glibc starts a thread that runs the program's function, which posts a semaphore the main thread waits on (futex); the queue's file says NOTIFY:2, C and Python senders" {
  need_mq_file
  start_notified n $(c mq_notified) --thread --create -n 2 "$Q"
  assert_equal "$(sed -n 2p "$T/n.out")" "registered: mq_notify SIGEV_THREAD"
  assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:2 SIGNO:0 NOTIFY_PID:$n"
  waiting_for "$n" n 1 blocked_in_sem_wait
  run ${SENDERS[0]} "$Q" 1:from-c
  assert_success
  waiting_for "$n" n 2 blocked_in_sem_wait
  assert_equal "$(mq_file "$Q")" "QSIZE:0 NOTIFY:2 SIGNO:0 NOTIFY_PID:$n"
  run ${SENDERS[1]} "$Q" from-python
  assert_success
  ended "$n" n
  assert_equal "$status" 0
  assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1
notified 1: SIGEV_THREAD, in a thread glibc started
registered again: mq_notify SIGEV_THREAD
message 1: priority 1, 6 bytes: from-c
empty (EAGAIN): waiting for notification 2
notified 2: SIGEV_THREAD, in a thread glibc started
registered again: mq_notify SIGEV_THREAD
message 2: priority 0, 11 bytes: from-python"
  assert_equal "$(cat "$T/n.err")" "mq_notified: 2 notifications, received 2 messages; $Q removed"
}

# bats test_tags=asan
@test "a SIGUSR2 that does not come from the queue (kill: si_code SI_USER) is no notification: it is said and ignored, the registration kept, and the next message is notified; a notification merged into it while it was pending is found by registering again, not lost, C and Python" {
  local notifier
  for notifier in "${NOTIFIERS[@]}"; do
    start_notified n $notifier --create -n 1 "$Q"
    waiting_for "$n" n 1
    kill -USR2 "$n"
    wait_for grep -q 'is not a notification' "$T/n.err"
    assert_equal "$(cat "$T/n.err")" "$(prog "$notifier"): SIGUSR2 from pid $BASHPID (si_code SI_USER) is not a notification: ignored"
    wait_asleep "$n" held
    ends s ${SENDERS[0]} "$Q" real
    ended "$n" n
    assert_equal "$status" 0
    assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1
notified 1: SIGUSR2, si_code SI_MESGQ, sent by pid $s
registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 1: priority 0, 4 bytes: real"
    # Stopped, a stray SIGUSR2 pending: the queue's own, sent then, merges
    # into it (a standard signal is pending at most once). The program
    # finds it no longer registered (mq_notify succeeds, no EBUSY), drains.
    start_notified n $notifier --create -n 1 "$Q"
    waiting_for "$n" n 1
    kill -STOP "$n"
    wait_for eval '[ "$(proc_state '"$n"')" = T ]'
    kill -USR2 "$n"
    ends s ${SENDERS[0]} "$Q" merged
    kill -CONT "$n"
    ended "$n" n
    assert_equal "$status" 0
    assert_equal "$(said n)" "empty (EAGAIN): waiting for notification 1
notified 1: merged into the stray SIGUSR2 (a standard signal is pending at most once): registered again: mq_notify SIGEV_SIGNAL SIGUSR2
message 1: priority 0, 6 bytes: merged"
  done
}

# bats test_tags=asan
@test "the queue's maker removes it on SIGTERM, SIGINT and SIGHUP, waiting for a notification (sigwaitinfo, or sem_wait with --thread) or held, and dies of the signal, C and Python" {
  local cmd sig
  for cmd in "${NOTIFIERS[@]}" "${NOTIFIERS[0]} --thread"; do
    for sig in TERM INT HUP; do
      start_notified n $cmd --create "$Q"
      if [[ $cmd == *--thread ]]; then waiting_for "$n" n 1 blocked_in_sem_wait; else waiting_for "$n" n 1; fi
      kill -s "$sig" "$n"
      reaped "$n"
      assert_equal "$status" "$((128 + $(kill -l "$sig")))"
      assert_equal "$(mq_list)" ""
    done
    start_notified n $cmd --create --hold "$Q"
    wait_asleep "$n" held
    kill -TERM "$n"
    reaped "$n"
    assert_equal "$status" 143
    assert_equal "$(mq_list)" ""
  done
}

# bats test_tags=asan
@test "bad options: status 2 and the same words from C and Python, nothing made; --thread is C's, the Python mirror says so" {
  local usage
  same_usage mq_notified "-n: '-1' is not a number from 0 to 1000000" --create -n -1 "$Q"
  same_usage mq_notified "-n needs a value" -n
  same_usage mq_notified "'/a/b': not a queue name: a queue name is '/' then 1 to 255 bytes (NAME_MAX), no other '/', not '.' or '..'" --create /a/b
  ends one $(c mq_notified) --bogus
  assert_equal "$status" 2
  [[ $stderr =~ ^mq_notified:\ usage:\ [^\ ]*/mq_notified\ (.*)$ ]] || fail "C usage: $stderr"
  usage=${BASH_REMATCH[1]}
  ends one $(py mq_notified) --bogus
  assert_equal "$status" 2
  [[ $stderr =~ ^mq_notified\.py:\ usage:\ [^\ ]*/mq_notified\.py\ (.*)$ ]] || fail "Python usage: $stderr"
  assert_equal "${BASH_REMATCH[1]}" "$usage"
  ends one $(py mq_notified) --thread --create "$Q"
  assert_equal "$status" 2
  assert_equal "$stderr" "mq_notified.py: --thread: SIGEV_THREAD is the C program's (glibc would call a Python function from a thread of its own): build/bin/mq_notified --thread"
  for cmd in "${NOTIFIERS[@]}"; do
    ends one $cmd "$Q"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$cmd"): mq_open $Q: No such file or directory: no queue has that name (--create makes one)"
  done
  assert_equal "$(mq_list)" ""
}

@test "ipclab.posix's struct sigevent is glibc's (64 bytes; sigev_signo at 8, sigev_notify at 12, SIGEV_THREAD's function at 16); mq_notify with SIGEV_NONE registers and sends nothing, a second call of the registered process fails (EBUSY), NULL ends the registration, and closing any descriptor of the queue ends it too" {
  need_mq_file
  cc -std=c11 -D_GNU_SOURCE -o "$T/sigev" -x c - <<'C'
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
int main(void)
{
    printf("%zu %zu %zu %zu %zu\n", sizeof(struct sigevent), offsetof(struct sigevent, sigev_value),
           offsetof(struct sigevent, sigev_signo), offsetof(struct sigevent, sigev_notify),
           offsetof(struct sigevent, sigev_notify_function));
    return 0;
}
C
  run "$PYTHON" -c 'import ctypes, sys; sys.path.insert(0, sys.argv[1]); from ipclab import posix
E = posix._Sigevent
print(ctypes.sizeof(E), E.sigev_value.offset, E.sigev_signo.offset, E.sigev_notify.offset, E._sigev_un.offset)' "$PEERS"
  assert_success
  assert_equal "$output" "$("$T/sigev")"
  # A Python process registers, step by step; the test reads the queue's
  # file between the steps (a line from the script, a line back).
  mkfifo "$T/go"
  bg p "$PYTHON" -c 'import errno, os, signal, sys; sys.path.insert(0, sys.argv[1]); from ipclab import posix
name = sys.argv[2]
go = open(sys.argv[3])
q = posix.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
def step(what):
    print(what, flush=True)
    go.readline()
step("none")
posix.mq_notify(q, posix.SIGEV_NONE)
step("registered SIGEV_NONE")
posix.mq_send(q, b"x")
step("sent")
posix.mq_receive(q)
posix.mq_notify(q, posix.SIGEV_SIGNAL, signal.SIGUSR2)
try:
    posix.mq_notify(q, posix.SIGEV_SIGNAL, signal.SIGUSR2)
    step("registered SIGUSR2; again: registered")
except OSError as e:
    step(f"registered SIGUSR2; again: {errno.errorcode[e.errno]}")
posix.mq_notify(q, None)
step("NULL")
posix.mq_notify(q, posix.SIGEV_SIGNAL, signal.SIGUSR2)
posix.mq_close(posix.mq_open(name, os.O_RDONLY))
step("another descriptor closed")
posix.mq_close(q)
posix.mq_unlink(name)' "$PEERS" "$Q" "$T/go"
  exec {go}>"$T/go"
  local want=(
    "none|QSIZE:0 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
    "registered SIGEV_NONE|QSIZE:0 NOTIFY:1 SIGNO:0 NOTIFY_PID:$p"
    "sent|QSIZE:1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
    "registered SIGUSR2; again: EBUSY|QSIZE:0 NOTIFY:0 SIGNO:12 NOTIFY_PID:$p"
    "NULL|QSIZE:0 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
    "another descriptor closed|QSIZE:0 NOTIFY:0 SIGNO:0 NOTIFY_PID:0"
  ) w k=0
  for w in "${want[@]}"; do
    k=$((k + 1))
    wait_for eval "[ \$(wc -l <'$T/p.out') -ge $k ] || proc_gone $p"
    assert_equal "$(sed -n "${k}p" "$T/p.out")" "${w%%|*}"
    assert_equal "$(mq_file "$Q")" "${w#*|}"
    echo >&$go
  done
  exec {go}>&-
  reaped "$p"
  assert_equal "$status" 0
}
