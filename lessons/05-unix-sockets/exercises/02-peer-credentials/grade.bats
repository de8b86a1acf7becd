#!/usr/bin/env bats
# Grading test of exercise 05-unix-sockets/02-peer-credentials (README.md
# says what is checked). Grades $EXERCISE_DIR/cred_server.py: this folder
# by default.
#   bats lessons/05-unix-sockets/exercises/02-peer-credentials/grade.bats
#
# The server listens on an abstract name unique to the check. The clients
# are a few lines of Python: one of our user, and one of another user: an
# abstract name has no file permissions, so anyone may connect; the server
# must refuse it. As root the other user's client really runs as the user
# nobody (setpriv, as tests/05-unix-sockets.bats does). A learner who is not
# root cannot start a process of another user; then the server is the one
# that runs as if it were nobody: os.geteuid() and os.getuid() give
# nobody's uid (AS_IF_NOBODY; for the user nobody itself, the next uid),
# and a client of ours is another user's.

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/uds
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
bats_require_minimum_version 1.5.0

CLIENT='import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0" + sys.argv[1][1:])
try:
    s.sendall(sys.argv[2].encode())
except OSError:
    pass
s.close()'

# Runs FILE ARGS... with os.geteuid() and os.getuid() giving UID: for a
# server whose own user is UID (python -c AS_IF_NOBODY UID FILE ARGS...).
AS_IF_NOBODY='import os, runpy, sys
fake = int(sys.argv[1])
os.geteuid = os.getuid = lambda: fake
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")'

# A client that connects, says so, sends nothing and stays until killed.
HOLDER='import signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0" + sys.argv[1][1:])
print("connected", flush=True)
signal.pause()'

# refused_or_reading PID: the server said it refused, or sleeps in a read
# of a socket (recv is recvfrom, read, recvmsg), as the kernel shows it,
# or has ended.
refused_or_reading() {
  grep -q ": refused$" "$T/srv.err" || asleep_in "$1" recvfrom read recvmsg || proc_gone "$1"
}

# other_uid: nobody's uid, or when that is ours (a learner graded as the
# user nobody) the next one: a uid that is not ours.
other_uid() {
  local n
  n=$(id -u nobody)
  [ "$n" -ne "$(id -u)" ] && echo "$n" || echo $((n + 1))
}

# serve [--as-if-nobody] ARGS...: cred_server.py ARGS... in the
# background, marked as graded, until its readiness line or its end.
serve() {
  local file as=()
  exercise_file file cred_server.py
  [ "$1" != --as-if-nobody ] || { shift; as=(-c "$AS_IF_NOBODY" "$(other_uid)"); }
  rm -f "$T/srv.out"
  bg srv env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" "${as[@]}" "$file" "$@"
  wait_for ready_or_gone "$srv" "$T/srv.out"
  proc_gone "$srv" && { finish "$srv" srv; show_run; fail "it ended without its readiness line"; }
  return 0
}

# client PID_VAR TEXT [AS...]: a client that connects, sends TEXT and
# leaves; its pid in PID_VAR once it has ended.
client() {
  local __v=$1 text=$2
  shift 2
  bg cl "$@" "$PYTHON" -c "$CLIENT" "$ABS-srv" "$text"
  printf -v "$__v" %s "$cl"
  reaped "$cl"
  [ "$status" -eq 0 ] || fail "the client ($*) could not connect to $ABS-srv: $(cat "$T/cl.err")"
}

@test "says who a client of its own user is, from the kernel: 'client pid P uid U gid G: read 5 bytes', status 0" {
  local mine
  serve -n 1 "$ABS-srv"
  client mine hello
  finish "$srv" srv
  show_run
  expect_equal "what it printed on stdout" \
    "listening on $ABS-srv"$'\n'"client pid $mine uid $(id -u) gid $(id -g): read 5 bytes" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "refuses a client of another user before reading anything: one that sends nothing and stays is refused at once, 'client pid P uid U gid G: not our uid (O): refused'; as root, then it serves one of its own" {
  local theirs mine nobody them=() ours us
  nobody=$(id -u nobody)
  if [ "$(id -u)" -eq 0 ]; then         # their client runs as nobody
    serve -n 2 "$ABS-srv"
    them=("${AS_NOBODY[@]}")
    ours=$(id -u) us="uid $nobody gid $(id -g nobody)"
  else                                  # the server runs as if it were nobody
    serve --as-if-nobody -n 1 "$ABS-srv"
    ours=$(other_uid) us="uid $(id -u) gid $(id -g)"
  fi
  bg theirs "${them[@]}" "$PYTHON" -c "$HOLDER" "$ABS-srv"
  wait_for grep -qx connected "$T/theirs.out"
  # It sends nothing: a server that reads before it asks sleeps in recv.
  wait_settled 10 "$srv" refused_or_reading "$srv" || true
  if ! grep -q ": refused$" "$T/srv.err"; then
    local why
    if proc_gone "$srv"; then
      kill "$theirs"
      reaped "$theirs"
      finish "$srv" srv
      show_run
      fail "a client of another user ($us) connected and stayed: the server ended (status $status) without a line ending ': refused' on stderr: refuse it on stderr, as 'cred_server.py: client pid P uid U gid G: not our uid (N): refused'"
    elif asleep_in "$srv" recvfrom read recvmsg; then
      local call fd
      read -r call fd <<<"$(sock_syscall "$srv")"
      why="connected, sent nothing and stayed: the server sleeps in $call() of fd $fd (kernel function $(proc_wchan "$srv")), reading from it before asking the kernel who it is (SO_PEERCRED needs no read: ask first, refuse at once)"
    else
      why="connected and stayed: after 10 s the server had written no line ending ': refused' on stderr (it $(not_ended "$srv")): refuse it on stderr, as 'cred_server.py: client pid P uid U gid G: not our uid (N): refused'"
    fi
    stop "$srv"
    kill_left_running
    kill "$theirs"
    reaped "$theirs"
    output=$(capped "$T/srv.out") stderr=$(capped "$T/srv.err") status=killed
    show_run
    fail "a client of another user ($us) $why"
  fi
  kill "$theirs"
  reaped "$theirs"
  # As root, then one of its own user: served (not root: the first check
  # showed that already).
  [ "$(id -u)" -ne 0 ] || client mine hello
  finish "$srv" srv
  show_run
  expect_equal "what it said on stderr" \
    "cred_server.py: client pid $theirs $us: not our uid ($ours): refused" "$stderr"
  if [ "$(id -u)" -eq 0 ]; then
    expect_equal "what it printed on stdout (the other user's client not served)" \
      "listening on $ABS-srv"$'\n'"client pid $mine uid $(id -u) gid $(id -g): read 5 bytes" "$output"
  else
    expect_equal "what it printed on stdout (the other user's client not served)" \
      "listening on $ABS-srv" "$output"
  fi
  expect_equal "its exit status" 0 "$status"
}
