#!/usr/bin/env bats
# Lesson 06: the common tutorial's POSIX message queue pair
# (naive_mq_sender, naive_mq_receiver, C and Python), run as written apart
# from the name (an argument, the test's own, where the tutorial has a fixed
# "/test_queue") and the receiver's readiness line. Where it breaks: no
# O_EXCL, so whoever comes first decides the queue's sizes, and a receive
# buffer sized for what the receiver asked, not for mq_msgsize, fails every
# receive (EMSGSIZE); mode 0666 less the umask lets another user take our
# messages, or send; the queue is never removed. Synchronised on the
# readiness line and on what the kernel shows (/proc/PID/syscall,
# mq_getattr, the mqueue file system), never on a sleep. Every test removes
# what the tutorial leaves, and fails if anything else is left.

load helpers/common
load helpers/pmq
bats_require_minimum_version 1.5.0

NSENDERS=("$(c naive_mq_sender)" "$(py naive_mq_sender)")
NRECEIVERS=("$(c naive_mq_receiver)" "$(py naive_mq_receiver)")

# start_naive NAME [UMASK] CMD...: start the tutorial's receiver with UMASK
# (000, 022) and wait until it is asleep in mq_receive after its line.
start_naive() {
  local name=$1 mask=$2
  shift 2
  bg "$name" sh -c 'umask "$0"; exec "$@"' "$mask" "$@"
  wait_for grep -q '^waiting on ' "$T/$name.out"
  wait_asleep "${!name}" asleep_receiving
}

@test "the tutorial's sender comes first: its queue has the kernel's default sizes (8192 bytes), the receiver's own sizes are ignored without a word (no O_EXCL), and its 1024-byte buffer fails every mq_receive (EMSGSIZE), even of a 6-byte message; the kit's receiver, sized by mq_getattr, reads them, all four pairings" {
  local sender receiver
  for sender in "${NSENDERS[@]}"; do
    for receiver in "${NRECEIVERS[@]}"; do
      run --separate-stderr $sender "$Q" hello exit
      assert_success
      assert_output "Sent: hello
Sent: exit"
      assert_equal "$(mq_attr "$Q")" "10 8192 2"
      ends r $receiver "$Q"
      assert_equal "$status" 1
      assert_equal "$output" "waiting on $Q"
      if [[ $receiver == *.py ]]; then
        assert_equal "$(tail -n 1 <<<"$stderr")" "OSError: [Errno 90] Message too long"
      else
        assert_equal "$stderr" "mq_receive: Message too long"
      fi
      # Nothing taken, nothing changed: the receiver's attr never applied.
      assert_equal "$(mq_attr "$Q")" "10 8192 2"
      ends k $(c mq_receiver) --unlink -n 2 "$Q"
      assert_equal "$status" 0
      assert_equal "$(grep '^message' "$T/k.out")" "message 1: priority 0, 6 bytes: hello.
message 2: priority 0, 5 bytes: exit."
    done
  done
}

@test "the tutorial's queue is 0666 less the umask: with 022 it is 0644 and another user (nobody) takes our message from it (its first line names our uid as the owner); with umask 0 it is 0666 and nobody sends into it too; C and Python" {
  local sender receiver cmd
  [ "$(id -u)" = 0 ] || skip "needs root to run as nobody and mount the mqueue file system"
  public_copy "$BIN/mq_sender" "$BIN/mq_receiver" "$PEERS"
  for sender in "${NSENDERS[@]}"; do
    run sh -c 'umask 022; exec "$@"' sh $sender "$Q" secret
    assert_success
    assert_equal "$(mq_mode "$Q")" "644 $(id -un)"
    ends thief "${AS_NOBODY[@]}" "$PUB/mq_receiver" --nonblock -n 1 "$Q"
    assert_equal "$status" 0
    assert_equal "$(head -n 1 "$T/thief.out")" "opened $Q: mode 0644, owner uid 0, not $(id -u nobody) (us), room for 10 messages of up to 8192 bytes, 1 queued"
    assert_equal "$(grep '^message' "$T/thief.out")" "message 1: priority 0, 7 bytes: secret."
    assert_equal "$(mq_attr "$Q")" "10 8192 0"
    # 0644: nobody may not send.
    ends forger "${AS_NOBODY[@]}" "$PUB/mq_sender" "$Q" forged
    assert_equal "$status" 1
    assert_equal "$stderr" "mq_sender: mq_open $Q: Permission denied: the queue's mode does not let uid $(id -u nobody) open it for writing (a queue another user made?)"
    mq_rm "$Q"
  done
  for receiver in "${NRECEIVERS[@]}"; do
    start_naive r 000 $receiver "$Q"
    assert_equal "$(mq_mode "$Q")" "666 $(id -un)"
    for cmd in "$PUB/mq_sender" "$PYTHON $PUB/python_peers/06-posix-mq/mq_sender.py"; do
      ends forger "${AS_NOBODY[@]}" $cmd "$Q" "from nobody"
      assert_equal "$status" 0
    done
    wait_for eval '[ "$(grep -c "^Received: from nobody" "$T/r.out")" = 2 ]'
    run $(c mq_sender) "$Q" exit
    assert_success
    reaped "$r"
    assert_equal "$status" 0
    assert_equal "$(cat "$T/r.out")" "waiting on $Q
Received: from nobody
Received: from nobody"
    # It ended, and its queue is still there.
    assert_equal "$(mq_list)" "$Q"
    mq_rm "$Q"
  done
}

@test "the tutorial never removes its queue: killed (SIGTERM, SIGINT) or ended by its exit message, the queue stays, with what it holds; the kit's receiver then refuses the name (O_EXCL) instead of using a queue it did not make, C and Python" {
  local receiver sig
  for receiver in "${NRECEIVERS[@]}"; do
    for sig in TERM INT; do
      start_naive r 022 $receiver "$Q"
      kill -s "$sig" "$r"
      reaped "$r"
      assert_equal "$(mq_list)" "$Q"
      mq_rm "$Q"
    done
    run ${NSENDERS[0]} "$Q" left over
    assert_success
    ends k $(c mq_receiver) --create "$Q"
    assert_equal "$status" 1
    assert_equal "$stderr" "mq_receiver: mq_open $Q: File exists: a queue has that name already: another program's, or one left behind (mq_sender --unlink with its name removes one)"
    assert_equal "$(mq_attr "$Q")" "10 8192 2"
    mq_rm "$Q"
  done
}
