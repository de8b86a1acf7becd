#!/usr/bin/env bats
# Grading test of exercise 04-tcp/03-restart-at-once (README.md says what
# is checked). Grades $EXERCISE_DIR/restart_server.c: this folder by default.
#   bats lessons/04-tcp/exercises/03-restart-at-once/grade.bats
#
# The client is the kit's tcp_client --wait-close. The server closes each
# connection first, so the kernel keeps it in TIME-WAIT on the server's
# port (ss shows it, from sock_diag); a second server there must listen.

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/tcp

setup_file() { compile_c restart_server.c; }

# serve NAME ARGS...: restart_server ARGS... in the background, marked as
# graded; its pid in NAME, its port in NAME_port once it says it listens.
serve() {
  local exe name=$1
  shift
  need_exe exe
  start_server "$name" env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" "$@"
}

# time_wait PORT: the connections in TIME-WAIT on the server's side of
# PORT, as ss shows them ("127.0.0.1:PORT -> 127.0.0.1:C" a line).
time_wait() { ss -Htan state time-wait "( sport = :$1 )" | awk '{ print $3 " -> " $4 }'; }
has_time_wait() { [ -n "$(time_wait "$1")" ]; }

# one_client PORT TEXT: the kit's client, to its end; its reply in $reply.
# --wait-close: after the reply it waits for the server to close, so the
# server always closes first (a client that closed at once could beat the
# server's close() and take the TIME-WAIT itself). Bounded: a server that
# answers and never closes would keep it waiting.
one_client() {
  run timeout 20 "$BIN/tcp_client" --wait-close "$1" "$2"
  reply=$output
  [ "$status" -ne 124 ] ||
    fail "the server on port $1 kept the connection open 20 s after its reply: it should close it"
  [ "$status" -eq 0 ] || fail "the kit's client got no reply from the server on port $1: $output"
}

@test "restart_server.c compiles with the kit's flags" {
  assert_compiled
}

@test "answers a client's request, closes first, and ends after -n 1 with status 0" {
  serve first -n 1
  one_client "$first_port" hello
  finish "$first" first
  show_run
  expect_equal "the reply the client printed" "echo: hello" "$(grep -v '^tcp_client:' <<<"$reply")"
  expect_equal "what it printed on stdout" "listening on 127.0.0.1:$first_port" "$output"
  expect_equal "its exit status" 0 "$status"
  wait_until 10 has_time_wait "$first_port" ||
    fail "no connection in TIME-WAIT on port $first_port after it ended: the client closed first, not the server"
}

@test "refuses a port another server still listens on: EADDRINUSE, status 1" {
  local exe st err
  need_exe exe
  serve first -n 1
  rm -f "$T/second.out"
  bg second env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" --port "$first_port" -n 1
  wait_for ready_or_gone "$second" "$T/second.out"
  if ! proc_gone "$second"; then
    stop "$second"
    one_client "$first_port" hello
    finish "$first" first
    fail "started with --port $first_port while the first server still listened there, it listened too: two servers on one port. SO_REUSEPORT does that; SO_REUSEADDR, the task's option, lets bind() take a port that only a connection in TIME-WAIT holds, never one a server listens on"
  fi
  st=0                          # (not finish: the first still runs, rightly)
  wait "$second" || st=$?
  err=$(capped "$T/second.err")
  one_client "$first_port" hello
  finish "$first" first
  expect_equal "the exit status of a second server started on port $first_port while the first listened there" 1 "$st"
  expect_match "what that second server said" "Address already in use" "$err"
}

@test "starts again at once on the same port while its last connection is in TIME-WAIT" {
  local tw
  serve first -n 1
  one_client "$first_port" hello
  finish "$first" first
  wait_until 10 has_time_wait "$first_port" ||
    fail "no connection in TIME-WAIT on port $first_port after the first server ended"
  tw=$(time_wait "$first_port")
  rm -f "$T/again.out"
  local exe
  need_exe exe
  bg again env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" --port "$first_port" -n 1
  wait_for ready_or_gone "$again" "$T/again.out"
  if proc_gone "$again"; then
    finish "$again" again
    show_run
    if [[ $stderr == *"Address already in use"* ]]; then
      fail "started again with --port $first_port, it could not bind it: Address already in use (EADDRINUSE), status $status. The kernel showed the first server's last connection in TIME-WAIT on that port, held by no process: $tw. Ask for SO_REUSEADDR on the listening socket before bind()"
    fi
    fail "started again with --port $first_port, it ended at once, status $status"
  fi
  one_client "$first_port" again
  finish "$again" again
  show_run
  expect_equal "what the second server printed on stdout" "listening on 127.0.0.1:$first_port" "$output"
  expect_equal "the reply from the second server" "echo: again" "$(grep -v '^tcp_client:' <<<"$reply")"
  expect_equal "its exit status" 0 "$status"
}
