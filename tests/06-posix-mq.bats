#!/usr/bin/env bats
# Lesson 06: POSIX message queues between C and Python. mq_sender and
# mq_receiver (C, and their Python mirrors through ipclab.posix), on queues
# named after the test ($Q). Synchronised on the readiness line and on what
# the kernel shows (/proc/PID/syscall, mq_getattr, the mqueue file system
# mounted in a private mount namespace), never on a sleep. Every test fails
# if it leaves a process or a queue behind (helpers/pmq.bash).

load helpers/common
load helpers/pmq
bats_require_minimum_version 1.5.0

SENDERS=("$(c mq_sender)" "$(py mq_sender)")
RECEIVERS=("$(c mq_receiver)" "$(py mq_receiver)")

# The receiver's lines about messages.
messages() { grep '^message ' "$T/$1.out"; }

# ---- priorities and order ------------------------------------------------------

@test "the tutorial's three messages (default priority, 2, 0) come out highest priority first, FIFO within one priority: B, A, C, all four pairings" {
  local sender receiver
  for receiver in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      # The receiver makes the queue and holds: all three are queued before
      # it takes the first (a receiver already waiting would get A at once).
      start_receiver r $receiver --create --hold -n 3 "$Q"
      assert_equal "$(head -n 1 "$T/r.out")" "created $Q: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued"
      wait_asleep "$r" held
      run --separate-stderr $sender "$Q" A 2:B 0:C
      assert_success
      assert_output "opened $Q: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued
sent 1: priority 0, 1 byte
sent 2: priority 2, 1 byte
sent 3: priority 0, 1 byte"
      assert_equal "$stderr" "$(prog "$sender"): sent 3 messages; $Q left for others"
      assert_equal "$(mq_attr "$Q")" "10 8192 3"
      kill -USR1 "$r"
      reaped "$r"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 2, 1 byte: B
message 2: priority 0, 1 byte: A
message 3: priority 0, 1 byte: C"
      assert_equal "$(tail -n 1 "$T/r.err")" "$(prog "$receiver"): received 3 messages; $Q removed"
    done
  done
}

@test "six messages of three priorities queued by a sender that keeps its queue: the receiver takes 3s, then 1s, then 0s, each priority in the order sent, and removes the queue (--unlink), all four pairings" {
  local sender receiver
  for sender in "${SENDERS[@]}"; do
    for receiver in "${RECEIVERS[@]}"; do
      run --separate-stderr $sender --create --keep "$Q" first 3:urgent-1 1:low-1 3:urgent-2 1:low-2 last
      assert_success
      assert_equal "$stderr" "$(prog "$sender"): sent 6 messages; $Q kept (--keep)"
      # The queue outlives its maker: still there, six messages in it.
      assert_equal "$(mq_list)" "$Q"
      assert_equal "$(mq_attr "$Q")" "10 8192 6"
      ends r $receiver --unlink -n 6 "$Q"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 3, 8 bytes: urgent-1
message 2: priority 3, 8 bytes: urgent-2
message 3: priority 1, 5 bytes: low-1
message 4: priority 1, 5 bytes: low-2
message 5: priority 0, 5 bytes: first
message 6: priority 0, 4 bytes: last"
      assert_equal "$(head -n 1 "$T/r.out")" "opened $Q: mode 0600, room for 10 messages of up to 8192 bytes, 6 queued"
      assert_equal "$stderr" "$(prog "$receiver"): received 6 messages; $Q removed"
      assert_equal "$(mq_list)" ""
    done
  done
}

@test "a message is its bytes and a priority: bytes that are not printable ASCII show as '.', an empty message is 0 bytes, a text that starts with digits and ':' needs a priority (0:12:30), MQ_PRIO_MAX - 1 is the highest, both ways" {
  local sender receiver
  for sender in "${SENDERS[@]}"; do
    for receiver in "${RECEIVERS[@]}"; do
      run --separate-stderr $sender --create --keep "$Q" "$(printf 'tab\there')" "" 0:12:30 32767:top "é"
      assert_success
      ends r $receiver --unlink -n 5 "$Q"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 32767, 3 bytes: top
message 2: priority 0, 8 bytes: tab.here
message 3: priority 0, 0 bytes: 
message 4: priority 0, 5 bytes: 12:30
message 5: priority 0, 2 bytes: .."
    done
  done
}

# bats test_tags=asan
@test "a peer's bytes are shown, never obeyed: a message of all 256 byte values, NUL first, is 256 bytes, every one that is not printable ASCII shown as '.', C and Python" {
  local receiver want
  want="$(printf '.%.0s' {1..32}) $("$PYTHON" -c 'print("".join(chr(b) for b in range(33, 127)), end="")')$(printf '.%.0s' {127..255})"
  for receiver in "${RECEIVERS[@]}"; do
    start_receiver r $receiver --create -n 1 "$Q"
    "$PYTHON" - "$PEERS" "$Q" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
from ipclab import posix
q = posix.mq_open(sys.argv[2], os.O_WRONLY)
posix.mq_send(q, bytes(range(256)), 7)
posix.mq_close(q)
PY
    reaped "$r"
    assert_equal "$status" 0
    assert_equal "$(messages r)" "message 1: priority 7, 256 bytes: $want"
  done
}

# ---- blocking ------------------------------------------------------------------

@test "a receiver on an empty queue sleeps in the kernel (mq_timedreceive, which glibc's mq_receive calls) until a message comes, C and Python both ways" {
  local sender receiver
  for receiver in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      start_receiver r $receiver --create -n 1 "$Q"
      wait_asleep "$r" asleep_receiving
      assert_equal "$(mq_attr "$Q")" "10 8192 0"
      run --separate-stderr $sender "$Q" 5:wake
      assert_success
      reaped "$r"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 5, 4 bytes: wake"
    done
  done
}

@test "a sender on a full queue (mq_maxmsg messages) sleeps in the kernel (mq_timedsend, which glibc's mq_send calls) until a receiver takes one, C and Python both ways" {
  local sender receiver
  for sender in "${SENDERS[@]}"; do
    for receiver in "${RECEIVERS[@]}"; do
      bg s $sender --create --maxmsg 2 "$Q" a b c
      wait_asleep "$s" asleep_sending
      assert_equal "$(mq_attr "$Q")" "2 8192 2"
      assert_equal "$(cat "$T/s.out")" "created $Q: mode 0600, room for 2 messages of up to 8192 bytes, 0 queued
sent 1: priority 0, 1 byte
sent 2: priority 0, 1 byte"
      # The receiver opens the queue while the sender still has it, takes
      # one, and the sender wakes to send the third and remove the queue:
      # the receiver, which has it open, still reads it all.
      ends r $receiver -n 3 "$Q"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 0, 1 byte: a
message 2: priority 0, 1 byte: b
message 3: priority 0, 1 byte: c"
      reaped "$s"
      assert_equal "$status" 0
      assert_equal "$(tail -n 1 "$T/s.out")" "sent 3: priority 0, 1 byte"
      assert_equal "$(cat "$T/s.err")" "$(prog "$sender"): sent 3 messages; $Q removed"
    done
  done
}

@test "O_NONBLOCK: a receive on an empty queue and a send on a full one fail at once with EAGAIN, said in the same words by C and Python; nothing is left" {
  local p cmd
  for cmd in "${RECEIVERS[@]}"; do
    p=$(prog "$cmd")
    ends r $cmd --create --nonblock "$Q"
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_receive $Q: Resource temporarily unavailable: the queue is empty (O_NONBLOCK: not waiting), after 0 messages"
  done
  for cmd in "${SENDERS[@]}"; do
    p=$(prog "$cmd")
    ends s $cmd --create --maxmsg 2 --nonblock "$Q" a b c
    assert_equal "$status" 1
    assert_equal "$(tail -n 1 "$T/s.out")" "sent 2: priority 0, 1 byte"
    assert_equal "$stderr" "$p: mq_send $Q: Resource temporarily unavailable: the queue is full (mq_maxmsg 2; O_NONBLOCK: not waiting), after 2 messages"
  done
  assert_equal "$(mq_list)" ""
}

@test "mq_timedreceive on an empty queue sleeps until its deadline, then fails with ETIMEDOUT; a message before it is taken; mq_timedsend on a full queue the same, C and Python" {
  local p cmd sender
  for cmd in "${RECEIVERS[@]}"; do
    p=$(prog "$cmd")
    bg r $cmd --create --timeout 1 "$Q"
    wait_asleep "$r" asleep_receiving
    wait_for proc_gone "$r"
    reaped "$r"
    assert_equal "$status" 1
    assert_equal "$(cat "$T/r.err")" "$p: mq_timedreceive $Q: Connection timed out: the queue stayed empty for 1 s, after 0 messages"
    for sender in "${SENDERS[@]}"; do
      start_receiver r $cmd --create --timeout 60 -n 1 "$Q"
      wait_asleep "$r" asleep_receiving
      run $sender "$Q" in-time
      assert_success
      reaped "$r"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 0, 7 bytes: in-time"
    done
  done
  for cmd in "${SENDERS[@]}"; do
    p=$(prog "$cmd")
    bg s $cmd --create --maxmsg 1 --timeout 1 "$Q" a b
    wait_asleep "$s" asleep_sending
    wait_for proc_gone "$s"
    reaped "$s"
    assert_equal "$status" 1
    assert_equal "$(cat "$T/s.err")" "$p: mq_timedsend $Q: Connection timed out: the queue stayed full (mq_maxmsg 1) for 1 s, after 1 message"
  done
  assert_equal "$(mq_list)" ""
}

# ---- lifetime ------------------------------------------------------------------

@test "a queue outlives every process that had it open: with none left, its messages wait in it; only mq_unlink removes it, messages and all, C and Python" {
  local cmd
  for cmd in "${SENDERS[@]}"; do
    run $cmd --create --keep "$Q" a b c
    assert_success
    ends r ${RECEIVERS[1]} -n 1 "$Q"
    assert_equal "$stderr" "mq_receiver.py: received 1 message; $Q left for others"
    # Nobody has it open now (no process of the test runs), and it is there.
    assert_equal "$(our_procs)" ""
    assert_equal "$(mq_list)" "$Q"
    assert_equal "$(mq_attr "$Q")" "10 8192 2"
    run --separate-stderr $cmd --unlink "$Q" d
    assert_success
    assert_equal "$stderr" "$(prog "$cmd"): sent 1 message; $Q removed"
    assert_equal "$(mq_list)" ""
  done
}

@test "mq_unlink while others have the queue open: the name goes at once (mq_open fails with ENOENT; --create makes a NEW queue, another inode, empty), and the descriptors open on the old one keep working until closed: a held sender still reaches the waiting receiver, all four pairings" {
  local sender receiver fd old
  [ "$(id -u)" = 0 ] || skip "needs root to mount the mqueue file system (inode numbers)"
  for receiver in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      start_receiver r $receiver --create --keep -n 2 "$Q"
      wait_asleep "$r" asleep_receiving
      fd=$(mq_fd "$r" "$Q")
      old=$(sed -n 's/^ino:\t*//p' "/proc/$r/fdinfo/$fd")
      assert_equal "$(mq_ino "$Q")" "$old"
      start_receiver s $sender --hold "$Q" late
      wait_asleep "$s" held
      # A third program sends one and removes the name.
      ends u ${SENDERS[0]} --unlink "$Q" first
      assert_equal "$stderr" "mq_sender: sent 1 message; $Q removed"
      assert_equal "$(mq_list)" ""
      assert_equal "$(readlink "/proc/$r/fd/$fd")" "$Q (deleted)"
      ends x $receiver --nonblock "$Q"
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$receiver"): mq_open $Q: No such file or directory: no queue has that name (--create makes one)"
      ends x $sender --create --keep "$Q" new
      assert_equal "$status" 0
      assert_equal "$(head -n 1 "$T/x.out")" "created $Q: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued"
      [ "$(mq_ino "$Q")" != "$old" ] || fail "the new queue has the old one's inode ($old)"
      # The held sender's descriptor is on the old queue: its message
      # goes to the receiver, not to the new queue.
      kill -USR1 "$s"
      reaped "$s"
      assert_equal "$status" 0
      assert_equal "$(tail -n 1 "$T/s.err")" "$(prog "$sender"): sent 1 message; $Q left for others"
      reaped "$r"
      assert_equal "$status" 0
      assert_equal "$(grep '^message ' "$T/r.out")" "message 1: priority 0, 5 bytes: first
message 2: priority 0, 4 bytes: late"
      assert_equal "$(mq_attr "$Q")" "10 8192 1"
      ends x ${RECEIVERS[0]} --unlink -n 1 "$Q"
      assert_equal "$(messages x)" "message 1: priority 0, 3 bytes: new"
    done
  done
}

# ---- sizes and limits ----------------------------------------------------------

# bats test_tags=asan
@test "a receive buffer smaller than mq_msgsize fails with EMSGSIZE even for a message that fits, naming both sizes; the message stays queued; a buffer of mq_msgsize takes it, C and Python" {
  local p cmd sender
  for cmd in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      p=$(prog "$cmd")
      run $sender --create --keep --msgsize 64 "$Q" hello
      assert_success
      ends r $cmd --buf-size 63 "$Q"
      assert_equal "$status" 1
      assert_equal "$stderr" "$p: mq_receive $Q: Message too long: a buffer of 63 bytes is smaller than the queue's mq_msgsize (64): size it from mq_getattr (the message stays queued)"
      assert_equal "$(mq_attr "$Q")" "10 64 1"
      ends r $cmd --buf-size 64 --unlink -n 1 "$Q"
      assert_equal "$status" 0
      assert_equal "$(messages r)" "message 1: priority 0, 5 bytes: hello"
    done
  done
}

# bats test_tags=asan
@test "a message longer than mq_msgsize is refused (EMSGSIZE), naming both sizes: 4 bytes go on a queue of 4-byte messages, 5 do not; the queue made for it is removed, C and Python" {
  local p cmd
  for cmd in "${SENDERS[@]}"; do
    p=$(prog "$cmd")
    ends s $cmd --create --msgsize 4 "$Q" abcd abcde
    assert_equal "$status" 1
    assert_equal "$output" "created $Q: mode 0600, room for 10 messages of up to 4 bytes, 0 queued
sent 1: priority 0, 4 bytes"
    assert_equal "$stderr" "$p: mq_send $Q: Message too long: message 2 is 5 bytes, over the queue's mq_msgsize (4), after 1 message"
    assert_equal "$(mq_list)" ""
  done
}

@test "as a user without CAP_SYS_RESOURCE (nobody), a queue past /proc/sys/fs/mqueue's msg_max or msgsize_max is refused (EINVAL) with the limit named; at the limit it is made, C and Python" {
  local msg_max msgsize_max p cmd
  msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
  msgsize_max=$(cat /proc/sys/fs/mqueue/msgsize_max)
  public_copy "$BIN/mq_sender" "$PEERS"
  for cmd in "$PUB/mq_sender" "$PYTHON $PUB/python_peers/06-posix-mq/mq_sender.py"; do
    p=$(prog "$cmd")
    ends s "${AS_NOBODY[@]}" $cmd --create --maxmsg "$msg_max" --msgsize "$msgsize_max" "$Q" x
    assert_equal "$status" 0
    assert_equal "$(head -n 1 "$T/s.out")" "created $Q: mode 0600, room for $msg_max messages of up to $msgsize_max bytes, 0 queued"
    ends s "${AS_NOBODY[@]}" $cmd --create --maxmsg "$((msg_max + 1))" "$Q" x
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_open $Q: Invalid argument: --maxmsg $((msg_max + 1)) is over /proc/sys/fs/mqueue/msg_max ($msg_max)"
    ends s "${AS_NOBODY[@]}" $cmd --create --msgsize "$((msgsize_max + 1))" "$Q" x
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_open $Q: Invalid argument: --msgsize $((msgsize_max + 1)) is over /proc/sys/fs/mqueue/msgsize_max ($msgsize_max)"
  done
  assert_equal "$(mq_list)" ""
}

@test "as root the /proc/sys/fs/mqueue limits hold unless root has CAP_SYS_RESOURCE (root here has not: CapEff lacks bit 24), and nobody passes the kernel's hard limits (65536 messages, 16 MiB), C and Python" {
  local msg_max cmd p
  msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
  [ "$(id -u)" = 0 ] || skip "not root"
  for cmd in "${SENDERS[@]}"; do
    p=$(prog "$cmd")
    ends s $cmd --create --maxmsg "$((msg_max + 1))" --msgsize 1 "$Q" x
    if has_cap_sys_resource; then
      assert_equal "$status" 0
    else
      assert_equal "$status" 1
      assert_equal "$stderr" "$p: mq_open $Q: Invalid argument: --maxmsg $((msg_max + 1)) is over /proc/sys/fs/mqueue/msg_max ($msg_max)"
    fi
    # At the hard limits the kernel decides (EINVAL past msg_max without
    # CAP_SYS_RESOURCE; with it, RLIMIT_MSGQUEUE's EMFILE); past them the
    # options refuse before any call, whoever asks.
    ends s $cmd --create --maxmsg 65536 --msgsize 1 "$Q" x
    assert_equal "$status" 1
    [[ $stderr == "$p: mq_open $Q: "@(Invalid argument|Too many open files)* ]] || fail "$stderr"
    ends s $cmd --create --maxmsg 1 --msgsize 16777216 "$Q" x
    assert_equal "$status" 1
    [[ $stderr == "$p: mq_open $Q: "@(Invalid argument|Too many open files)* ]] || fail "$stderr"
    ends s $cmd --create --maxmsg 65537 "$Q" x
    assert_equal "$status" 2
    assert_equal "$stderr" "$p: --maxmsg: '65537' is not a number from 1 to 65536"
    ends s $cmd --create --msgsize 16777217 "$Q" x
    assert_equal "$status" 2
    assert_equal "$stderr" "$p: --msgsize: '16777217' is not a number from 1 to 16777216"
  done
  assert_equal "$(mq_list)" ""
}

@test "RLIMIT_MSGQUEUE counts mq_maxmsg x (mq_msgsize + 96 bytes of the kernel's) for each queue: 10 x 64 needs 1600 bytes and 1 x 1 needs 97; one byte less is refused (EMFILE) naming the limit, C and Python" {
  local p cmd
  # The count is per user, over all of its queues: in a user namespace of
  # its own (unshare --user) the test's count starts at 0, whatever other
  # tests and users have made. prlimit comes after unshare: the namespace
  # takes the limit in force when it is made as the ceiling of its parent's.
  unshare --user --map-root-user true 2>/dev/null || skip "no user namespaces here"
  for cmd in "${SENDERS[@]}"; do
    p=$(prog "$cmd")
    ends s unshare --user --map-root-user prlimit --msgqueue=1600 $cmd --create --maxmsg 10 --msgsize 64 "$Q" x
    assert_equal "$status" 0
    ends s unshare --user --map-root-user prlimit --msgqueue=1599 $cmd --create --maxmsg 10 --msgsize 64 "$Q" x
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_open $Q: Too many open files: over RLIMIT_MSGQUEUE (ulimit -q), 1599 bytes for all of this user's queues: this one takes 10 x 64 bytes and the kernel's overhead for each message"
    ends s unshare --user --map-root-user prlimit --msgqueue=97 $cmd --create --maxmsg 1 --msgsize 1 "$Q" x
    assert_equal "$status" 0
    ends s unshare --user --map-root-user prlimit --msgqueue=96 $cmd --create --maxmsg 1 --msgsize 1 "$Q" x
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_open $Q: Too many open files: over RLIMIT_MSGQUEUE (ulimit -q), 96 bytes for all of this user's queues: this one takes 1 x 1 bytes and the kernel's overhead for each message"
  done
  assert_equal "$(mq_list)" ""
}

# ---- names ---------------------------------------------------------------------

# bats test_tags=asan
@test "a queue name is '/' then 1 to 255 bytes, no other '/', not '.' or '..': anything else is refused before any call, status 2, the rule said in the same words by C and Python; 255 bytes work" {
  local name long p cmd rule="not a queue name: a queue name is '/' then 1 to 255 bytes (NAME_MAX), no other '/', not '.' or '..'"
  long=/ipclab-$ID-$(printf 'x%.0s' {1..255})
  long=${long:0:256}                              # '/' and 255 bytes
  for name in noslash / /a/b //a /. /.. "$long"x; do
    same_usage mq_sender "'$name': $rule" "$name" hi
    same_usage mq_receiver "'$name': $rule" "$name"
  done
  for cmd in "${SENDERS[@]}"; do
    USED+=("$long")
    ends s $cmd --create "$long" hi
    assert_equal "$status" 0
    assert_equal "$(head -n 1 "$T/s.out")" "created $long: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued"
  done
  assert_equal "$(mq_list)" ""
}

@test "what the rule spares: glibc and the kernel answer each bad name differently (no '/': EINVAL; '/' alone: ENOENT; another '/', '/.', '/..': EACCES; 256 bytes after the '/': ENAMETOOLONG), 255 bytes make a queue" {
  local long
  long=/ipclab-$ID-$(printf 'x%.0s' {1..255})
  long=${long:0:256}
  USED+=("$long")
  run "$PYTHON" - "$PEERS" "$long" <<'PY'
import errno, os, sys
sys.path.insert(0, sys.argv[1])
from ipclab import posix
long = sys.argv[2]
for name in ("noslash", "/", "/a/b", "//a", "/.", "/..", long + "x", long):
    try:
        posix.mq_close(posix.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
        posix.mq_unlink(name)
        print(len(name), "made")
    except OSError as e:
        print(len(name), errno.errorcode[e.errno])
PY
  assert_success
  assert_output "7 EINVAL
1 ENOENT
4 EACCES
3 EACCES
2 EACCES
3 EACCES
257 ENAMETOOLONG
256 made"
}

# ---- permissions ---------------------------------------------------------------

@test "a queue is made 0600 whatever the umask (the kernel's own listing says so), and another user's mq_open of it is refused (EACCES), sender and receiver, C and Python" {
  local cmd mask p
  [ "$(id -u)" = 0 ] || skip "needs root to run as nobody and mount the mqueue file system"
  for cmd in "${RECEIVERS[@]}"; do
    for mask in 000 022 077 277; do
      start_receiver r sh -c 'umask "$0"; exec "$@"' "$mask" $cmd --create -n 1 "$Q"
      assert_equal "$(head -n 1 "$T/r.out")" "created $Q: mode 0600, room for 10 messages of up to 8192 bytes, 0 queued"
      assert_equal "$(mq_mode "$Q")" "600 $(id -un)"
      run ${SENDERS[0]} "$Q" done
      reaped "$r"
      assert_equal "$status" 0
    done
  done
  public_copy "$BIN/mq_sender" "$BIN/mq_receiver" "$PEERS"
  start_receiver r ${RECEIVERS[0]} --create -n 1 "$Q"
  local nobody
  nobody=$(id -u nobody)
  for cmd in "$PUB/mq_sender" "$PYTHON $PUB/python_peers/06-posix-mq/mq_sender.py"; do
    ends s "${AS_NOBODY[@]}" $cmd "$Q" intruder
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$cmd"): mq_open $Q: Permission denied: the queue's mode does not let uid $nobody open it for writing (a queue another user made?)"
  done
  for cmd in "$PUB/mq_receiver" "$PYTHON $PUB/python_peers/06-posix-mq/mq_receiver.py"; do
    ends s "${AS_NOBODY[@]}" $cmd --nonblock "$Q"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$cmd"): mq_open $Q: Permission denied: the queue's mode does not let uid $nobody open it for reading (a queue another user made?)"
  done
  run ${SENDERS[1]} "$Q" ours
  reaped "$r"
  assert_equal "$(messages r)" "message 1: priority 0, 4 bytes: ours"
}

@test "a queue another user made (the naive sender's 0666, taken first) is opened, but the first line names its owner: owner uid 0, not 65534 (us), sender and receiver, C and Python" {
  local cmd nobody
  [ "$(id -u)" = 0 ] || skip "needs root to run as nobody and mount the mqueue file system"
  nobody=$(id -u nobody)
  run sh -c 'umask 0; exec "$@"' sh "$BIN/naive_mq_sender" "$Q" squatted
  assert_success
  assert_equal "$(mq_mode "$Q")" "666 root"
  public_copy "$BIN/mq_sender" "$BIN/mq_receiver" "$PEERS"
  local n=1
  for cmd in "$PUB/mq_sender" "$PYTHON $PUB/python_peers/06-posix-mq/mq_sender.py" \
             "$PUB/mq_receiver -n 1" "$PYTHON $PUB/python_peers/06-posix-mq/mq_receiver.py -n 1"; do
    if [[ $cmd == *sender* ]]; then ends s "${AS_NOBODY[@]}" $cmd "$Q" x; else ends s "${AS_NOBODY[@]}" $cmd "$Q"; fi
    assert_equal "$status" 0
    assert_equal "$(head -n 1 "$T/s.out")" "opened $Q: mode 0666, owner uid 0, not $nobody (us), room for 10 messages of up to 8192 bytes, $n queued"
    if [[ $cmd == *sender* ]]; then n=$((n + 1)); else n=$((n - 1)); fi
  done
  # Our own queue says no owner.
  run ${SENDERS[0]} --unlink "$Q" done
  assert_success
  assert_line --index 0 "opened $Q: mode 0666, room for 10 messages of up to 8192 bytes, 1 queued"
}

@test "--create never takes a name that is there (O_EXCL): it says so, status 1, and the queue there is untouched; without --create a missing queue is named, C and Python" {
  local cmd p
  run ${SENDERS[0]} --create --keep --maxmsg 3 "$Q" old
  assert_success
  for cmd in "${SENDERS[@]}" "${RECEIVERS[@]}"; do
    p=$(prog "$cmd")
    if [[ $p == mq_sender* ]]; then ends s $cmd --create "$Q" new; else ends s $cmd --create "$Q"; fi
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_open $Q: File exists: a queue has that name already: another program's, or one left behind (mq_sender --unlink with its name removes one)"
    assert_equal "$(mq_attr "$Q")" "3 8192 1"
  done
  ends r ${RECEIVERS[1]} --unlink -n 1 "$Q"
  assert_equal "$(messages r)" "message 1: priority 0, 3 bytes: old"
  for cmd in "${SENDERS[@]}" "${RECEIVERS[@]}"; do
    p=$(prog "$cmd")
    if [[ $p == mq_sender* ]]; then ends s $cmd "$Q" new; else ends s $cmd "$Q"; fi
    assert_equal "$status" 1
    assert_equal "$stderr" "$p: mq_open $Q: No such file or directory: no queue has that name (--create makes one)"
  done
}

# ---- nothing left --------------------------------------------------------------

# bats test_tags=asan
@test "a queue's maker removes it on SIGTERM, SIGINT, SIGHUP, SIGQUIT and a stray SIGUSR1, SIGUSR2 or SIGALRM, asleep receiving, asleep sending or held, and dies of the signal; --keep leaves it, C and Python" {
  local cmd sig
  ulimit -c 0     # SIGQUIT's default dumps core: none in the test's directory
  for cmd in "${RECEIVERS[@]}"; do
    for sig in TERM INT HUP QUIT USR1 USR2 ALRM; do
      # env: bats --jobs starts us with SIGQUIT and SIGALRM ignored, which
      # bash cannot undo and the receiver rightly keeps (nohup's rule).
      start_receiver r env --default-signal $cmd --create "$Q"
      wait_asleep "$r" asleep_receiving
      kill -s "$sig" "$r"
      reaped "$r"
      assert_equal "$status" "$((128 + $(kill -l "$sig")))"
      assert_equal "$(mq_list)" ""
    done
    start_receiver r $cmd --create --hold "$Q"
    wait_asleep "$r" held
    kill -TERM "$r"
    reaped "$r"
    assert_equal "$status" 143
    assert_equal "$(mq_list)" ""
    start_receiver r $cmd --create --keep "$Q"
    wait_asleep "$r" asleep_receiving
    kill -TERM "$r"
    reaped "$r"
    assert_equal "$status" 143
    assert_equal "$(mq_list)" "$Q"
    mq_rm "$Q"
  done
  for cmd in "${SENDERS[@]}"; do
    for sig in TERM INT HUP; do
      bg s $cmd --create --maxmsg 1 "$Q" a b
      wait_asleep "$s" asleep_sending
      kill -s "$sig" "$s"
      reaped "$s"
      assert_equal "$status" "$((128 + $(kill -l "$sig")))"
      assert_equal "$(mq_list)" ""
    done
  done
}

# bats test_tags=asan
@test "a receiver told --unlink removes a queue another made, at its end and on a signal; one not told leaves it, C and Python" {
  local cmd
  for cmd in "${RECEIVERS[@]}"; do
    run ${SENDERS[0]} --create --keep "$Q" a
    ends r $cmd -n 1 "$Q"
    assert_equal "$stderr" "$(prog "$cmd"): received 1 message; $Q left for others"
    assert_equal "$(mq_list)" "$Q"
    start_receiver r $cmd --unlink "$Q"
    wait_asleep "$r" asleep_receiving
    kill -INT "$r"
    reaped "$r"
    assert_equal "$status" 130
    assert_equal "$(mq_list)" ""
  done
}

# bats test_tags=asan
@test "a queue's maker removes only the queue it made: a queue made at the name since is left in place, at its end and on SIGTERM; its own removed already by another is said, status 0, C and Python" {
  local cmd
  for cmd in "${SENDERS[@]}"; do
    # Held once made; meanwhile another removes it and makes a new one.
    bg s $cmd --create --hold "$Q" mine
    wait_asleep "$s" held
    mq_rm "$Q"
    run ${SENDERS[0]} --create --keep "$Q" theirs
    assert_success
    kill -USR1 "$s"
    reaped "$s"
    assert_equal "$status" 0
    assert_equal "$(tail -n 1 "$T/s.err")" "$(prog "$cmd"): sent 1 message; $Q left in place: another queue has the name now (not the one we made)"
    run ${RECEIVERS[0]} --nonblock -n 1 "$Q"
    assert_output --partial "message 1: priority 0, 6 bytes: theirs"
    mq_rm "$Q"
    # Its own removed, and nothing made since: no error, said.
    bg s $cmd --create --hold "$Q" mine
    wait_asleep "$s" held
    mq_rm "$Q"
    kill -USR1 "$s"
    reaped "$s"
    assert_equal "$status" 0
    assert_equal "$(tail -n 1 "$T/s.err")" "$(prog "$cmd"): sent 1 message; $Q removed already (by another program)"
  done
  for cmd in "${RECEIVERS[@]}"; do
    start_receiver r $cmd --create "$Q"
    wait_asleep "$r" asleep_receiving
    mq_rm "$Q"
    run ${SENDERS[0]} --create --keep "$Q" theirs
    kill -TERM "$r"
    reaped "$r"
    assert_equal "$status" 143
    assert_equal "$(mq_list)" "$Q"
    mq_rm "$Q"
  done
}

# no_reader CMD...: run CMD with its stdout a pipe whose reader has gone
# (SIGPIPE at its default, as a shell leaves it): its first write fails.
no_reader() {
  "$PYTHON" -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
rc = subprocess.call(sys.argv[1:], stdout=w)
sys.exit(rc if rc >= 0 else 128 - rc)' "$@"
}

# bats test_tags=asan
@test "mq_sender --unlink with no message removes a queue left behind, messages and all, and sends nothing; without --unlink a message is needed, C and Python" {
  local cmd
  for cmd in "${SENDERS[@]}"; do
    run ${SENDERS[0]} --create --keep "$Q" left over
    assert_success
    ends s $cmd --unlink "$Q"
    assert_equal "$status" 0
    assert_equal "$output" "opened $Q: mode 0600, room for 10 messages of up to 8192 bytes, 2 queued"
    assert_equal "$stderr" "$(prog "$cmd"): sent 0 messages; $Q removed"
    assert_equal "$(mq_list)" ""
  done
  for cmd in "${SENDERS[@]}"; do
    ends s $cmd "$Q"
    assert_equal "$status" 2
    [[ $stderr == "$(prog "$cmd"): usage: "* ]] || fail "no usage: $stderr"
  done
}

@test "a maker whose stdout is gone (SIGPIPE at its first line) removes its queue; so does one that fails after making it (its readiness line cannot be written: /dev/full), C and Python" {
  local cmd
  for cmd in "${RECEIVERS[@]}"; do
    run no_reader $cmd --create "$Q"
    assert_equal "$status" 141
    assert_equal "$(mq_list)" ""
  done
  for cmd in "${SENDERS[@]}"; do
    run no_reader $cmd --create "$Q" x
    assert_equal "$status" 141
    assert_equal "$(mq_list)" ""
  done
  for cmd in "${RECEIVERS[@]}"; do
    run --separate-stderr bash -c '"$@" >/dev/full' _ $cmd --create "$Q"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$cmd"): write /dev/full (fd 1): No space left on device"
    assert_equal "$(mq_list)" ""
  done
}

# ---- usage ---------------------------------------------------------------------

# bats test_tags=asan
@test "bad options: status 2 and the same words from C and Python, nothing made" {
  same_usage mq_sender "--maxmsg: '0' is not a number from 1 to 65536" --create --maxmsg 0 "$Q" x
  same_usage mq_sender "--msgsize: 'x' is not a number from 1 to 16777216" --msgsize x "$Q" x
  same_usage mq_sender "--timeout: '-1' is not a number from 0 to 86400" --timeout -1 "$Q" x
  same_usage mq_sender "--nonblock or --timeout, not both" --nonblock --timeout 1 "$Q" x
  same_usage mq_sender "--keep keeps a queue we create: it needs --create, and no --unlink" --keep "$Q" x
  # Sizes for a queue that is only opened: mq_open would ignore them silently.
  same_usage mq_sender "--maxmsg and --msgsize size a queue we create: they need --create (a queue opened keeps its own sizes)" --maxmsg 5 "$Q" x
  same_usage mq_receiver "--maxmsg and --msgsize size a queue we create: they need --create (a queue opened keeps its own sizes)" --msgsize 100 "$Q"
  same_usage mq_sender "message 2: priority 32768 is not from 0 to 32767 (MQ_PRIO_MAX - 1)" "$Q" a 32768:b
  same_usage mq_sender "message 2: priority -1 is not from 0 to 32767 (MQ_PRIO_MAX - 1)" "$Q" a -1:b
  same_usage mq_sender "message 1: priority 99999999999999999999 is not from 0 to 32767 (MQ_PRIO_MAX - 1)" "$Q" 99999999999999999999:b
  same_usage mq_receiver "-n: '-1' is not a number from 0 to 1000000" -n -1 "$Q"
  same_usage mq_receiver "--buf-size: '0' is not a number from 1 to 16777216" --buf-size 0 "$Q"
  same_usage mq_receiver "--timeout needs a value" --timeout
  same_usage mq_receiver "--keep keeps a queue we create: it needs --create, and no --unlink" --create --keep --unlink "$Q"
  local name usage
  for name in mq_sender mq_receiver; do
    ends one $(c "$name") --bogus
    assert_equal "$status" 2
    [[ $stderr =~ ^$name:\ usage:\ [^\ ]*/$name\ (.*)$ ]] || fail "C usage: $stderr"
    usage=${BASH_REMATCH[1]}
    ends one $(py "$name") --bogus
    assert_equal "$status" 2
    [[ $stderr =~ ^$name\.py:\ usage:\ [^\ ]*/$name\.py\ (.*)$ ]] || fail "Python usage: $stderr"
    assert_equal "${BASH_REMATCH[1]}" "$usage"
  done
  ends one $(c mq_sender) "$Q"
  assert_equal "$status" 2
  assert_equal "$(mq_list)" ""
}
