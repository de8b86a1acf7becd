#!/usr/bin/env bats
# Lesson 05: the common tutorial's Unix socket pair (naive_uds_server,
# naive_uds_client, C and Python), run as written apart from the path (an
# argument, in the test's private directory, where the tutorial has
# "/tmp/mysocket") and the readiness line. Where it breaks: the blind
# unlink() before bind() lets a second server take a live server's name and
# its clients; strncpy() into sun_path cuts a long path short without a
# word; one recv() taken for one message merges two sends. Synchronised on
# the readiness line and on what the kernel shows (the server asleep in
# accept(), stopped, ss), never on a sleep.

load helpers/common
load helpers/uds
bats_require_minimum_version 1.5.0

NSERVERS=("$(c naive_uds_server)" "$(py naive_uds_server)")
NCLIENTS=("$(c naive_uds_client)" "$(py naive_uds_client)")

# listening_inode PID: the inode of the socket PID sleeps in accept() on.
listening_inode() {
  local call fd
  wait_for asleep_in "$1" 'accept*'
  read -r call fd <<<"$(sock_syscall "$1")"
  sock_inode "$1" "$fd"
}

@test "a second tutorial server unlinks the first's live socket file and takes its clients: the first sleeps in accept() for good, its name still in ss, no file leading to it; C and Python" {
  local first second a_ino b_ino
  for first in "${NSERVERS[@]}"; do
    for second in "${NSERVERS[@]}"; do
      start_server a $first "$D/srv.sock"
      a_ino=$(listening_inode "$a")
      start_server b $second "$D/srv.sock"
      b_ino=$(listening_inode "$b")
      # Two listeners with one name (ss); the file at it is the second's.
      assert_equal "$(at_name "$D/srv.sock" LISTEN | cut -d' ' -f6 | sort)" "$(printf '%s\n' "$a_ino" "$b_ino" | sort)"
      run ${NCLIENTS[0]} "$D/srv.sock" hello
      assert_success
      run ${NCLIENTS[1]} "$D/srv.sock" again
      assert_success
      wait_for lines_in "$T/b.out" 3
      assert_equal "$(sed 1d "$T/b.out")" "Received: hello
Received: again"
      # The first got nothing, and nothing waits for it: nobody can reach it.
      assert_equal "$(wc -l <"$T/a.out")" 1
      asleep_in "$a" 'accept*'
      assert_equal "$(at_name "$D/srv.sock" LISTEN | awk -v i="$a_ino" '$6 == i { print $3 }')" 0
      kill "$a" "$b"
      reaped "$a"
      reaped "$b"
      # And the tutorial never removes its socket file.
      assert_socket_exists "$D/srv.sock"
      rm "$D/srv.sock"
    done
  done
}

@test "the kit's uds_server never takes a live server's name: facing the tutorial's server, its connect() succeeds, it refuses to start, and the tutorial's keeps its clients" {
  local naive server
  for naive in "${NSERVERS[@]}"; do
    for server in "$(c uds_server)" "$(py uds_server)"; do
      start_server a $naive "$D/srv.sock"
      ends srv $server "$D/srv.sock"
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$server"): bind $D/srv.sock: Address already in use: a server is there (connect succeeded): not removing it"
      run ${NCLIENTS[0]} "$D/srv.sock" still-mine
      assert_success
      wait_for lines_in "$T/a.out" 2
      assert_equal "$(tail -n 1 "$T/a.out")" "Received: still-mine"
      kill "$a"
      reaped "$a"
      rm "$D/srv.sock"
    done
  done
}

# bats test_tags=asan
@test "a path longer than sun_path: the C tutorial cuts it short without a word and makes its socket at another name, where its C client meets it; Python refuses it with a traceback; the kit's programs before any call" {
  local long short fill
  fill=$(printf 'x%.0s' {1..120})
  long="$D/${fill:0:$((120 - ${#D} - 1))}"        # 120 bytes
  short=${long:0:107}                              # what fits, with the NUL
  start_server srv $(c naive_uds_server) "$long"
  assert_equal "$(head -n 1 "$T/srv.out")" "listening on $long"     # it believes so
  assert_gone "$long"
  assert_socket_exists "$short"
  assert_equal "$(at_name "$short" LISTEN | wc -l)" 1
  run $(c naive_uds_client) "$long" hello
  assert_success
  wait_for lines_in "$T/srv.out" 2
  assert_equal "$(sed -n 2p "$T/srv.out")" "Received: hello"
  run $(py naive_uds_client) "$long" hello
  assert_equal "$status" 1
  assert_line "OSError: AF_UNIX path too long"
  kill "$srv"
  reaped "$srv"
  rm "$short"
  ends srv $(py naive_uds_server) "$long"
  assert_equal "$status" 1
  assert_equal "$(head -n 1 <<<"$stderr")" "Traceback (most recent call last):"
  assert_equal "$(tail -n 1 <<<"$stderr")" "OSError: AF_UNIX path too long"
  ends srv $(c uds_server) "$long"
  assert_equal "$status" 2
  assert_equal "$stderr" "uds_server: $long: a path of 120 bytes does not fit in sun_path (108 bytes with its terminating NUL: at most 107)"
  assert_empty "$D"
}

@test "two sends are read by one recv: the tutorial's server prints them merged, C and Python" {
  local server client
  for server in "${NSERVERS[@]}"; do
    for client in "${NCLIENTS[@]}"; do
      start_server srv $server "$D/srv.sock"
      wait_for asleep_in "$srv" 'accept*'
      kill -STOP "$srv"
      wait_for proc_stopped "$srv"
      run $client "$D/srv.sock" hello world        # queued: the backlog took it
      assert_success
      kill -CONT "$srv"
      wait_for lines_in "$T/srv.out" 2
      wait_for asleep_in "$srv" 'accept*'          # the client's EOF seen: the next
      assert_equal "$(sed 1d "$T/srv.out")" "Received: helloworld"
      kill "$srv"
      reaped "$srv"
      rm "$D/srv.sock"
    done
  done
}
