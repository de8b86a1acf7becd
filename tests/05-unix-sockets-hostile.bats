#!/usr/bin/env bats
# Lesson 05 facing hostile peers (tests/hostile/hostile_pipe.py,
# docs/hostile-peers.md): pair_parent with a child that answers garbage,
# a bad length, a flood, or stops mid-reply and dies there; uds_server with
# a client that sends every byte value. Each ends with its own words and
# status 1 (uds_server: shows the bytes, never obeys them), C and Python
# alike: never a signal, a sanitizer report, a traceback or a hang.

load helpers/common
load helpers/uds
load helpers/hostile
bats_require_minimum_version 1.5.0

PARENTS=("$(c pair_parent)" "$(py pair_parent)")
SERVERS=("$(c uds_server)" "$(py uds_server)")

# What the parent said, and the same with what differs between runs and
# languages left out (".py", socket inodes, pids).
parent_said() { grep -v ': child [0-9]* reads and answers' "$T/p.err"; }
same_words() {
  sed -E -e 's/^([a-z_]+)\.py: /\1: /' -e 's/socket:\[[0-9]+\]/socket:[N]/g' \
         -e 's/child [0-9]+ /child PID /g'
}
has_child() { [ -n "$(proc_children "$1")" ]; }
reads() { grep '^read ' "$T/srv.out"; }

# bats test_tags=asan
@test "pair_parent facing a child that answers garbage or a length out of range refuses the reply, ends the child and says so, status 1, C and Python in the same words" {
  local steps parent c_err
  for steps in "garbage 64 pause" "length -1 pause" "length 2147483647 pause"; do
    for parent in "${PARENTS[@]}"; do
      bg_reaped p $parent -n 3 -- "$PYTHON" "$HOSTILE" --seed 1 --child $steps
      status=0
      wait "$p_reaper" || status=$?
      assert_equal "$status" 1
      assert_equal "$(<"$T/p.out")" ""
      [[ $(parent_said) =~ ^pair_parent(\.py)?:\ sent\ 3\ pings,\ then\ shutdown\(SHUT_WR\):\ the\ child\ reads\ EOF$'\n'pair_parent(\.py)?:\ reply\ 1\ from\ socket:\[[0-9]+\]\ \(fd\ [0-9]+\):\ frame\ length\ -?[0-9]+\ is\ out\ of\ range\ \(0\ to\ 1048576\ bytes\)$'\n'pair_parent(\.py)?:\ giving\ up\ on\ child\ [0-9]+\ \($PYTHON\):\ sent\ it\ SIGTERM\;\ child\ killed\ by\ signal\ 15\ \(Terminated\)$ ]] ||
        fail "$steps, $parent: $(parent_said)"
      if [[ $parent == *.py ]]; then
        assert_equal "$(parent_said | same_words)" "$(same_words <<<"$c_err")"
      fi
      c_err=$(parent_said)
    done
  done
}

# bats test_tags=asan
@test "pair_parent facing a child that floods replies nobody asked for refuses the first one past its pings and ends the child, status 1, C and Python" {
  local parent
  for parent in "${PARENTS[@]}"; do
    facing_flood "$parent" pair_parent socket
  done
}

# bats test_tags=asan
@test "pair_parent facing a child stopped mid-reply sleeps reading the pair; the child killed with our pings unread, its read fails with ECONNRESET (a pipe would say EOF), status 1, C and Python" {
  local parent child fd
  for parent in "${PARENTS[@]}"; do
    bg_reaped p $parent -n 3 -- "$PYTHON" "$HOSTILE" --child length 10 bytes 3 pause
    wait_for has_child "$p"
    child=$(proc_children "$p")
    wait_for asleep_in "$child" pause syscall-73 ppoll
    wait_for asleep_in "$p" read recvfrom
    # It sleeps reading its end of the pair, whose peer is the child's fd 0.
    fd=$(proc_syscall "$p")
    fd=${fd#* }
    fd=${fd%% *}
    [[ $(fd_target "$p" "$fd") == socket:* ]] || fail "fd $fd: $(fd_target "$p" "$fd")"
    kill -9 "$child"
    status=0
    wait "$p_reaper" || status=$?
    assert_equal "$status" 1
    [[ $(parent_said | tail -n 2) =~ ^pair_parent(\.py)?:\ reply\ 1\ from\ socket:\[[0-9]+\]\ \(fd\ $fd\):\ read\ frame\ payload:\ Connection\ reset\ by\ peer$'\n'pair_parent(\.py)?:\ giving\ up\ on\ child\ $child\ \($PYTHON\):\ sent\ it\ SIGTERM\;\ child\ killed\ by\ signal\ 9\ \(Killed\)$ ]] ||
      fail "$parent: $(parent_said)"
  done
}

# bats test_tags=asan
@test "uds_server facing a client that sends every byte value (NUL, escape sequences, UTF-8 halves) shows each one not printable ASCII as '.', never obeys it, on all three types, C and Python" {
  local server type n
  for server in "${SERVERS[@]}"; do
    for type in stream seqpacket dgram; do
      n=1
      [ "$type" != dgram ] || n=2
      start_server srv $server --type "$type" -n "$n" "$D/srv.sock"
      run "$PYTHON" -c '
import socket, sys
kind = {"stream": socket.SOCK_STREAM, "seqpacket": socket.SOCK_SEQPACKET, "dgram": socket.SOCK_DGRAM}
s = socket.socket(socket.AF_UNIX, kind[sys.argv[2]])
s.connect(sys.argv[1])
s.sendall(bytes(range(128)))
s.sendall(bytes(range(128, 256)))
s.close()' "$D/srv.sock" "$type"
      assert_success
      reaped "$srv"
      assert_equal "$status" 0
      # Only printable ASCII and line ends came out, 256 bytes in all.
      ! LC_ALL=C grep -q '[^ -~]' "$T/srv.out" || fail "$server $type: $(od -c "$T/srv.out" | head)"
      assert_equal "$(reads | awk '{ n += $3 } END { print n }')" 256
      [[ $(reads | head -n 1) == "read 1: "*" bytes: "................................" !\"#\$%&'()*+,-./0123456789"* ]] ||
        fail "$server $type: $(reads | head -n 1)"
    done
  done
}
