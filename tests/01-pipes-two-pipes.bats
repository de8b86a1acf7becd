#!/usr/bin/env bats
# Lesson 01: a conversation over two pipes. The replies fill the up pipe
# while the parent is still sending; a parent that sent every ping before
# reading a reply would sleep in write() on a full down pipe while its child
# sleeps in write() on a full up pipe: a deadlock, as soon as the replies
# outgrow the pipe. pipe_parent reads while it sends (poll). Pipes are made
# small with --pipe-size (F_SETPIPE_SZ), or by the kernel itself for a user
# past /proc/sys/fs/pipe-user-pages-soft (8 KiB pipes).

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/01-pipes/$1.py"; }

# Parent and child both asleep in write() on a pipe: each waits for the other.
deadlocked() {
  local child
  child=$(proc_children "$1")
  [ -n "$child" ] && blocked_writing_pipe "$1" && blocked_writing_pipe "$child"
}
ended_or_deadlocked() { proc_gone "$1" || deadlocked "$1"; }

# talk PARENT-ARGV...: run it under a reaper until it ends; a deadlock
# fails the test (both killed first). $status, $output and $stderr as run
# sets them.
talk() {
  bg_reaped p "$@"
  wait_for ended_or_deadlocked "$p"
  if ! proc_gone "$p"; then
    local child
    child=$(proc_children "$p")
    ps -o pid,stat,wchan:20,args -p "$p,$child" >&2
    kill -9 "$p" "$child"
    wait "$p_reaper" || true
    fail "deadlock: parent and child both asleep in write()"
  fi
  status=0
  wait "$p_reaper" || status=$?
  output=$(<"$T/p.out") stderr=$(<"$T/p.err")
}

@test "with pipes of 4096 bytes, 1000 pings and 1000 replies go through: the parent reads while it sends" {
  local parent child lang
  for parent in "$(c pipe_parent)" "$(py pipe_parent)"; do
    for child in "$(c pipe_child)" "$(py pipe_child)"; do
      talk $parent --pipe-size 4096 -n 1000 -- $child
      lang=C; [[ $child == *.py ]] && lang=Python
      assert_equal "$status" 0
      assert_equal "$(wc -l <<<"$output")" 1001
      assert_equal "$(sed -n 1000p <<<"$output")" "reply 1000: pong: ping 1000 (from $lang)"
      assert_equal "$(head -n 1 <<<"$stderr")" "${parent##*/}: --pipe-size: each pipe holds 4096 bytes"
    done
  done
}

# bats test_tags=asan
@test "--pipe-size: the kernel rounds up to a power of two of pages, and refuses below one page" {
  local parent
  for parent in "$(c pipe_parent)" "$(py pipe_parent)"; do
    run --separate-stderr $parent --pipe-size 12288 -n 1 -- "$BIN/pipe_child"
    assert_success
    assert_equal "$(head -n 1 <<<"$stderr")" "${parent##*/}: --pipe-size: each pipe holds 16384 bytes"
    run --separate-stderr $parent --pipe-size 4095 -n 1 -- "$BIN/pipe_child"
    assert_failure 2
    assert_equal "$stderr" "${parent##*/}: --pipe-size: '4095' is not a number from 4096 to 1048576"
  done
}

# send_first_deadlocks PARENT CHILD: --send-first with pipes of one page:
# the kernel shows both asleep in write(), the parent on the down pipe, the
# child on the up pipe, both pipes full.
send_first_deadlocks() {
  bg_reaped p $1 --send-first --pipe-size 4096 -n 1000 -- $2
  wait_for ended_or_deadlocked "$p"
  deadlocked "$p" || fail "not deadlocked: $(cat "$T/p.out" "$T/p.err" | tail -3)"
  local child call fd
  child=$(proc_children "$p")
  read -r call fd <<<"$(proc_syscall "$p")"
  [[ $(<"$T/p.err") =~ answers\ on\ fd\ ([0-9]+) ]]
  # The child writes on its WFD; the parent on the down pipe, whose read
  # end the child holds.
  assert_equal "$(proc_syscall "$child")" "write ${BASH_REMATCH[1]}"
  assert_equal "$(fd_target "$p" "$fd")" "$(fd_target "$child" "$(sed -n 's/.*reads fd \([0-9]*\),.*/\1/p' "$T/p.err")")"
  # Pipes of one page (4096 bytes), not empty. (A write goes into a page
  # after its last byte only: what the reader took from its front is not
  # used again until the page is empty, so "full" may hold under 4096.)
  local q cap
  read -r q cap < <(pipe_level "$p" "$fd")
  ((cap == 4096 && q > 0)) || fail "down pipe: $q of $cap bytes"
  read -r q cap < <(pipe_level "$child" "${BASH_REMATCH[1]}")
  ((cap == 4096 && q > 0)) || fail "up pipe: $q of $cap bytes"
  kill -9 "$p" "$child"
  wait "$p_reaper" || true
}

@test "--send-first with pipes of 4096 bytes: parent and child both sleep in write() on full pipes, for good" {
  send_first_deadlocks "$(c pipe_parent)" "$(py pipe_child)"
  send_first_deadlocks "$(py pipe_parent)" "$(c pipe_child)"
}

@test "a user past pipe-user-pages-soft gets pipes of 8192 bytes, and pipe_parent -n 1000 still gets every reply" {
  local soft n uid as
  soft=$(</proc/sys/fs/pipe-user-pages-soft)
  [ "$soft" -gt 0 ] || skip "pipe-user-pages-soft is 0: no soft limit here"
  n=$((soft / 16))                      # default pipes of 16 pages reach the limit
  # A user of our own (a uid nobody else uses): the kernel counts pipe
  # pages per user, so nothing outside this test is affected. (Root is
  # exempt from the limit.)
  uid=$((2000000000 + $$ % 1000 * 100000 + RANDOM))
  as=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
  public_copy "$BIN/pipe_parent" "$BIN/pipe_child" "$PEERS"
  # The holder opens n - 1 pipes, then the n-th (its size: below the limit,
  # 65536), then one more (at the limit: 8192), and keeps them all.
  bg holder "${as[@]}" "$PYTHON" -c '
import fcntl, os, resource, signal, sys
n = int(sys.argv[1])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
if hard != resource.RLIM_INFINITY and hard < 2 * n + 64:
    sys.exit(f"needs {2 * n + 64} descriptors, the hard limit is {hard}")
resource.setrlimit(resource.RLIMIT_NOFILE, (2 * n + 64, hard))
pipes = [os.pipe() for _ in range(n - 1)]
sizes = []
for _ in range(2):
    r, w = os.pipe()
    pipes.append((r, w))
    sizes.append(fcntl.fcntl(w, fcntl.F_GETPIPE_SZ))
print(*sizes, flush=True)
signal.pause()' "$n"
  wait_for test -s "$T/holder.out" || fail "holder: $(<"$T/holder.err")"
  assert_equal "$(<"$T/holder.out")" "65536 8192"

  talk "${as[@]}" "$PUB/pipe_parent" -n 1000 -- "$PUB/pipe_child"
  assert_equal "$status" 0
  assert_equal "$(sed -n 1000p <<<"$output")" "reply 1000: pong: ping 1000 (from C)"
  talk "${as[@]}" "$PYTHON" "$PUB/python_peers/01-pipes/pipe_parent.py" -n 1000 -- \
    "$PYTHON" "$PUB/python_peers/01-pipes/pipe_child.py"
  assert_equal "$status" 0
  assert_equal "$(sed -n 1000p <<<"$output")" "reply 1000: pong: ping 1000 (from Python)"
  kill "$holder"
  wait "$holder" || true
}
