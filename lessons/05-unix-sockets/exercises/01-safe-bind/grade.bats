#!/usr/bin/env bats
# Grading test of exercise 05-unix-sockets/01-safe-bind (README.md says
# what is checked). Grades $EXERCISE_DIR/safe_server.c: this folder by default.
#   bats lessons/05-unix-sockets/exercises/01-safe-bind/grade.bats
#
# Each check makes what is at the path first: nothing, a stale socket file
# (bound, then its socket closed: nobody listens), the kit's uds_server
# listening, a regular file. The kit's uds_client is the client.

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/uds
bats_require_minimum_version 1.5.0

setup_file() { compile_c safe_server.c; }

# serve NAME PATH: safe_server PATH in the background, marked as graded,
# until its readiness line or its end.
serve() {
  local exe
  need_exe exe
  rm -f "$T/$1.out"
  bg "$1" env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" "$2"
  wait_for ready_or_gone "${!1}" "$T/$1.out"
}

# one_client PATH TEXT: the kit's client sends TEXT and leaves.
one_client() {
  run --separate-stderr timeout 20 "$BIN/uds_client" "$1" "$2"
  [ "$status" -eq 0 ] || fail "the kit's uds_client could not send to $1: $stderr"
}

# stale PATH: a socket file nobody listens on, as a crashed server leaves it.
stale() {
  "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.close()' "$1"
}

@test "safe_server.c compiles with the kit's flags" {
  assert_compiled
}

@test "serves one client on a free path, removes its socket file and ends with status 0" {
  serve srv "$D/srv.sock"
  one_client "$D/srv.sock" hello
  finish "$srv" srv
  show_run
  expect_equal "what it printed on stdout" "listening on $D/srv.sock"$'\n'"a client sent 5 bytes" "$output"
  expect_equal "its exit status" 0 "$status"
  [ ! -e "$D/srv.sock" ] || fail "its socket file $D/srv.sock is still there after it ended"
}

@test "starts over a stale socket file (a crashed server's): removes it, says so, and listens" {
  local exe
  need_exe exe                    # skipped before anything is made at the path
  stale "$D/srv.sock"
  serve srv "$D/srv.sock"
  proc_gone "$srv" && { finish "$srv" srv; show_run
    fail "it ended instead of listening at $D/srv.sock, where only a stale socket file was (a connect() to it is refused: nobody listens)"; }
  one_client "$D/srv.sock" hi
  finish "$srv" srv
  show_run
  expect_equal "its exit status" 0 "$status"
  expect_line "its first line on stdout" "listening on $D/srv.sock" "${lines[0]}"
  # A file removed without a word is a mystery to whoever made it.
  expect_match "what it said on stderr (that it removed the stale file)" "[Rr]emov" "$stderr"
}

@test "refuses to start where a server listens: status 1, says a server is there, and that server keeps its socket file and its clients" {
  local ino_before ino_after st err
  local exe
  need_exe exe                    # skipped before anything is made at the path
  start_server first "$BIN/uds_server" -n 2 "$D/srv.sock"   # 2: your connect() is its first client
  ino_before=$(stat -c %i "$D/srv.sock")
  serve srv "$D/srv.sock"
  if ! proc_gone "$srv"; then
    stop "$srv"
    stop "$first"
    rm -f "$D/srv.sock"
    fail "it listens at $D/srv.sock, where the kit's uds_server already listened: it removed that server's socket file (unlink) and bound its own. That server sleeps in accept() for good: no file leads to it any more, every new client comes to yours. On EADDRINUSE, connect() to the name before anything else: it succeeds when someone listens"
  fi
  finish "$srv" srv
  show_run
  st=$status err=$stderr
  ino_after=$(stat -c %i "$D/srv.sock" 2>/dev/null || echo none)
  one_client "$D/srv.sock" hello
  reaped "$first"
  expect_equal "its exit status" 1 "$st"
  expect_match "what it said on stderr" "a server is there|listens|connect succeeded" "$err"
  expect_equal "the inode of the socket file at $D/srv.sock (the first server's), before and after" "$ino_before" "$ino_after"
}

# A server that listens with a backlog of 0 and never accepts, and a
# client in its queue: the queue is full, a connect() to it waits for room
# (or, on a non-blocking socket, fails with EAGAIN). Pids in lst, filler.
LISTENER='import signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(0)
print("listening", flush=True)
signal.pause()'
FILLER='import signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
print("connected", flush=True)
signal.pause()'

ready_gone_or_connecting() {
  grep -q '^listening on ' "$T/srv.out" 2>/dev/null || proc_gone "$1" || asleep_in "$1" connect
}

@test "refuses to start where a server listens with its queue full: never sleeps in connect(), never removes its file; status 1" {
  local exe ino_before ino_after
  need_exe exe                    # skipped before anything is made at the path
  bg lst "$PYTHON" -c "$LISTENER" "$D/srv.sock"
  wait_for grep -qx listening "$T/lst.out"
  bg filler "$PYTHON" -c "$FILLER" "$D/srv.sock"
  wait_for grep -qx connected "$T/filler.out"
  ino_before=$(stat -c %i "$D/srv.sock")
  bg srv env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" "$D/srv.sock"
  wait_settled 10 "$srv" ready_gone_or_connecting "$srv" || true
  local why=""
  if asleep_in "$srv" connect; then
    why="it sleeps in connect() to $D/srv.sock, where a server listens with its queue full: connect() waits for room, for as long as that server does not accept. Probe with a non-blocking socket (SOCK_NONBLOCK): EAGAIN says someone is there"
  elif ! proc_gone "$srv"; then
    why="it listens at $D/srv.sock, where a server listens with its queue full: it removed that server's socket file. A connect() there fails with EAGAIN (a non-blocking socket: the queue is full) or waits for room: someone is there. Only ECONNREFUSED means nobody listens"
  fi
  if [ -n "$why" ]; then
    stop "$srv"
    kill_left_running
    kill "$filler" "$lst"
    reaped "$filler"
    reaped "$lst"
    rm -f "$D/srv.sock"
    fail "$why"
  fi
  finish "$srv" srv
  show_run
  local st=$status
  ino_after=$(stat -c %i "$D/srv.sock" 2>/dev/null || echo none)
  kill "$filler" "$lst"
  reaped "$filler"
  reaped "$lst"
  rm -f "$D/srv.sock"
  expect_equal "its exit status" 1 "$st"
  expect_equal "the inode of the socket file at $D/srv.sock (the listening server's), before and after" "$ino_before" "$ino_after"
}

@test "never removes a file that is not a socket: status 1, the file left as it was" {
  local exe
  need_exe exe                    # skipped before anything is made at the path
  echo "precious data" >"$D/srv.sock"
  serve srv "$D/srv.sock"
  if ! proc_gone "$srv"; then
    stop "$srv"
    rm -f "$D/srv.sock"
    fail "it removed the regular file at $D/srv.sock and listens there: only a socket nobody listens on may be removed"
  fi
  finish "$srv" srv
  show_run
  expect_equal "its exit status" 1 "$status"
  expect_match "what it said on stderr" "not a socket" "$stderr"
  expect_equal "what the file at $D/srv.sock holds after it ended" "precious data" "$(cat "$D/srv.sock" 2>/dev/null || echo '(gone)')"
}
