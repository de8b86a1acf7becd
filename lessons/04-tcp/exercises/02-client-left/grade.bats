#!/usr/bin/env bats
# Grading test of exercise 04-tcp/02-client-left (README.md says what is
# checked). Grades $EXERCISE_DIR/msg_server.py: this folder by default.
#   bats lessons/04-tcp/exercises/02-client-left/grade.bats
#
# The clients are tests/helpers/tcp_peer.py: each connects, sends frames
# and closes. What the server does once a client has left is read from the
# kernel: the state of its sockets (ss, sock_diag: a connection the client
# closed and the server did not is in CLOSE-WAIT), where it sleeps
# (/proc/PID/syscall) and the CPU time it uses (/proc/PID/stat).

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/tcp

# start ARGS...: msg_server.py ARGS... in the background, marked as graded;
# its pid in $srv, its port (from its readiness line) in $srv_port.
start() {
  local prog
  exercise_file prog msg_server.py
  start_server srv env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" "$prog" "$@"
}

# client TEXT...: a client that connects, sends one frame a TEXT and
# closes; it has ended when this returns.
client() {
  local steps=() t
  for t; do steps+=("frame:$t"); done
  "$PYTHON" "$TCP_PEER" "$srv_port" "${steps[@]}" close </dev/null 3>&- 2>"$T/client.err" ||
    fail "the client could not send: $(<"$T/client.err")"
}

# printed N: the server has printed N message lines (or has ended).
printed() { [ "$(grep -c '^message ' "$T/srv.out")" -ge "$1" ] || proc_gone "$srv"; }

# close_wait: the server's sockets in CLOSE-WAIT, as ss shows them: one
# "fd FD: 127.0.0.1:PORT -> 127.0.0.1:C" a line.
close_wait() {
  ss -Htanp state close-wait "( sport = :$srv_port )" |
    awk -v pid="pid=$srv," '
      index($0, pid) { match($0, /fd=[0-9]+/); print "fd " substr($0, RSTART + 3, RLENGTH - 3) ": " $3 " -> " $4 }'
}

# 0.3 s of CPU time, in clock ticks: a server that closes the connection
# and goes back to accept() uses a few hundredths of it.
SPUN=$((3 * $(getconf CLK_TCK) / 10))

# settled: what the server does once the client has left, seen for sure:
# it has ended; it spins (CPU time rising by 0.3 s with the client's
# connection in CLOSE-WAIT, or spinning's own bound); it sleeps in accept()
# with no connection in CLOSE-WAIT; or it sleeps elsewhere, seen twice, no
# CPU time used in between.
settled() {
  local t
  proc_gone "$srv" && return 0
  spinning "$srv" && return 0
  t=$(cpu_ticks "$srv") || return 0
  [ -n "$(close_wait)" ] && [ "$t" -ge $((T0 + SPUN)) ] && return 0
  [ "$(proc_state "$srv")" = S ] || return 1
  [ -z "$(close_wait)" ] && asleep_in "$srv" 'accept*' && return 0
  local call
  call=$(sock_syscall "$srv") && [ -n "$(close_wait)" ] && [ "$(proc_state "$srv")" = S ] &&
    [ "$(sock_syscall "$srv")" = "$call" ] && [ "$(cpu_ticks "$srv")" = "$t" ]
}

# after_leaving: once the client has left, wait until settled and put
# what is wrong, in words, in $why (empty when the server closed the
# connection and sleeps in accept()).
after_leaving() {
  local cw
  why=""
  wait_settled 20 "$srv" settled || true
  cw=$(close_wait)
  if proc_gone "$srv"; then
    why="it ended once the client had left; a server waits for the next one"
  elif spinning "$srv"; then
    why="msg_server.py (pid $srv) $(not_ended "$srv")"
  elif [ -n "$cw" ] && [ "$(cpu_ticks "$srv")" -ge $((T0 + SPUN)) ]; then
    why="it spins: it used $(( ($(cpu_ticks "$srv") - T0) * 1000 / $(getconf CLK_TCK) )) ms of CPU time since the client left, and"
    why+=" the kernel shows the client's connection in CLOSE-WAIT, held by the server ($cw): the client"
    why+=" closed its end, the server never closed its own. recv() returns b\"\" at once, again and"
    why+=" again, and the loop does not stop on it (b\"\" is bytes: a test against the str \"\" is never true)"
  elif [ -n "$cw" ]; then
    why="the kernel shows the client's connection in CLOSE-WAIT, still held by the server ($cw), while it"
    why+=" sleeps (state S) in $(sock_syscall "$srv" | cut -d' ' -f1)(): the client closed its end, the server"
    why+=" never closed its own"
    if asleep_in "$srv" 'clock_nanosleep' 'nanosleep' 'select' 'pselect6'; then
      why+=". It wakes up again and again to call recv(), which returns b\"\" every time: a sleep"
      why+=" slows the spin, it does not end it"
    fi
    if asleep_in "$srv" 'accept*'; then
      why+=". It waits for the next client with the old connection open: close it once recv() returns b\"\""
    fi
  elif ! asleep_in "$srv" 'accept*'; then
    why="it is $( [ "$(proc_state "$srv")" = S ] && echo "asleep in $(sock_syscall "$srv" | cut -d' ' -f1)()" ||
                  echo "running"), not asleep in accept() waiting for the next client"
  fi
  return 0
}

show_server() {
  output=$(capped "$T/srv.out") stderr=$(capped "$T/srv.err") status=running show_run
}
stop_server() { { kill -TERM "$srv"; wait "$srv"; } 2>/dev/null || true; }

@test "prints the readiness line, then each message of a client" {
  start
  client hello "two words"
  wait_settled 20 "$srv" printed 2 || true
  show_server
  stop_server
  expect_equal "what it printed" "listening on 127.0.0.1:$srv_port
message 1: hello
message 2: two words" "$(capped "$T/srv.out")"
}

@test "once the client has left, it closes the connection and sleeps in accept(): no CLOSE-WAIT, no CPU spent" {
  start
  T0=$(cpu_ticks "$srv")
  client hello
  wait_settled 20 "$srv" printed 1 || true
  T0=$(cpu_ticks "$srv" || echo 0)
  after_leaving
  show_server
  [ -z "$why" ] || { stop_server; fail "once the client had left: $why"; }
  expect_match "its message on stderr" "client 127\.0\.0\.1:[0-9]+ left after 1 message" "$(capped "$T/srv.err")"
  echo "with no client: asleep in $(sock_syscall "$srv"), no socket in CLOSE-WAIT" >&2
  stop_server
}

@test "serves a second client after the first has left, then ends after -n 2 with status 0" {
  start -n 2
  client first
  wait_settled 20 "$srv" printed 1 || true
  T0=$(cpu_ticks "$srv" || echo 0)
  after_leaving
  if [ -n "$why" ] && ! { [ "$(proc_state "$srv")" = S ] && asleep_in "$srv" 'accept*'; }; then
    show_server
    stop_server
    fail "the second client would never be served: $why"
  fi
  client second "and third"
  finish "$srv" srv
  show_run
  expect_equal "what it printed for two clients, one after the other" "listening on 127.0.0.1:$srv_port
message 1: first
message 2: second
message 3: and third" "$output"
  expect_equal "its exit status" 0 "$status"
}
