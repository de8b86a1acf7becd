#!/usr/bin/env bats
# Grading test of exercise 02-fifos/02-eof-spin (README.md says what is
# checked). Grades $EXERCISE_DIR/log_server.py: this folder by default.
#   bats lessons/02-fifos/exercises/02-eof-spin/grade.bats

load ../../../../tests/helpers/grading

setup() {
  common_setup
  D=$T/run                      # a private folder and the server's FIFO
  mkdir -m 700 "$D"
  mkfifo -m 600 "$D/log"
}

# start_server [ARGS...]: log_server.py ARGS... $D/log in the background,
# marked as graded; its pid in $server, its output in $T/server.out/.err.
start_server() {
  local prog
  exercise_file prog log_server.py
  bg server env IPCLAB_GRADED="$IPCLAB_TESTID" "$PYTHON" "$prog" "$@" "$D/log"
}

# client NAME TEXT...: a client in the background: it opens the FIFO for
# writing (which waits for the server to open it for reading), writes one
# frame a TEXT and closes it. Waits until it has ended; one that the server
# never lets in (the server ended, or waits in open() for a reader that
# never comes, or never opened its FIFO) is stopped, with the server, and
# the check fails saying so, in words.
client() {
  local name=$1 why
  shift
  bg "$name" "$PYTHON" -c '
import os, sys
from ipclab import frame
fd = os.open(sys.argv[1], os.O_WRONLY)
for text in sys.argv[2:]:
    frame.write(fd, text.encode())
os.close(fd)' "$D/log" "$@"
  wait_until 20 client_done "${!name}" 2>/dev/null || true
  if ! proc_gone "${!name}"; then
    if waits_for_a_reader "$server"; then
      why="log_server.py is asleep in open() of FIFO $D/log for writing: no reader has it open,"
      why+=" and it opens its read end only after. A FIFO's open() for writing waits for a"
      why+=" reader, and the clients only write: nobody ever will. (Once its read end is open,"
      why+=" the server's own open() for writing returns at once: it is the reader.)"
    elif [[ $(proc_syscall "${!name}") == "openat "* ]]; then
      why="the client is still asleep in open() of $D/log for writing: the server never"
      why+=" opened it for reading"
    else
      why="the client is still asleep in $(proc_syscall "${!name}" | cut -d' ' -f1)() on $D/log:"
      why+=" the server stopped reading it"
    fi
    stop "${!name}"
    show_server
    stop "$server"
    fail "$why"
  fi
  wait "${!name}" || fail "the client failed: $(<"$T/$name.err")"
}
client_done() { proc_gone "$1" || proc_gone "$server" || waits_for_a_reader "$server"; }

# fifo_open_by: the processes that have the server's FIFO open, one
# "PID FD" a line (/proc/PID/fd; nothing is opened).
fifo_open_by() {
  local f
  for f in $(find /proc/[0-9]*/fd -mindepth 1 -lname "$D/log" 2>/dev/null); do
    f=${f#/proc/}
    echo "${f%%/*} ${f##*/}"
  done
}

# waits_for_a_reader PID: the server is asleep in open() of its FIFO for
# writing and nobody has the FIFO open, twice in a row with no call made in
# between: stuck for good, for the grader's clients only write.
waits_for_a_reader() {
  local before
  blocked_opening_fifo "$1" && [ "$(opening_for "$1")" = writing ] &&
    [ "$(opening_path "$1")" = "$D/log" ] && [ -z "$(fifo_open_by)" ] &&
    before=$(calls "$1") &&
    blocked_opening_fifo "$1" && [ "$(opening_for "$1")" = writing ] &&
    [ -z "$(fifo_open_by)" ] && [ "$(calls "$1")" = "$before" ]
}

# printed N: the server has printed its Nth message line (or has ended).
printed() { [ "$(grep -c '^message ' "$T/server.out")" -ge "$1" ] || proc_gone "$server"; }

# settled PID: what the server does with no client, seen for sure: it
# spins, it has ended, or it sleeps (state S) and made no read() or
# write() call between two looks.
settled() {
  proc_gone "$1" || spinning "$1" || {
    local before
    [ "$(proc_state "$1")" = S ] && before=$(calls "$1") &&
      [ "$(proc_state "$1")" = S ] && [ "$(calls "$1")" = "$before" ]
  }
}

# in_call PID: the call PID sleeps in, in words, and the kernel function
# it waits in: "read() of fd 3 (kernel function anon_pipe_read)",
# "clock_nanosleep() (kernel function hrtimer_nanosleep)" (proc_syscall's
# number after the name is the first argument: a descriptor for read and
# write, a clock for clock_nanosleep). A process that naps wakes now and
# then: it is looked at again until it is seen asleep (50 looks at most).
in_call() {
  local name arg i
  for i in $(seq 50); do
    read -r name arg <<<"$(proc_syscall "$1")"
    [ "$name" = running ] || break
  done
  case $name in
    running) echo "no call: running" ; return ;;
    read|write) echo -n "$name() of fd $arg" ;;
    *) echo -n "$name()" ;;
  esac
  echo " (kernel function $(proc_wchan "$1"))"
}

# asleep_on_fifo PID: asleep in read() or open() of the FIFO: state S,
# syscall read or openat.
asleep_on_fifo() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == @(read|openat)" "* ]]
}

show_server() {
  output=$(capped "$T/server.out") stderr=$(capped "$T/server.err") status=running show_run
}

# stop_server: SIGTERM ends it (the default action); reaped.
stop_server() {
  { kill -TERM "$server"; wait "$server"; } 2>/dev/null || true
}

@test "prints each message of a client, then ends after -n COUNT with status 0" {
  start_server -n 3
  client c1 hello "two words" "a third"
  finish "$server" server
  show_run
  expect_equal "what it printed" "message 1: hello
message 2: two words
message 3: a third" "$output"
  expect_equal "its last line on stderr" "log_server.py: logged 3 messages" \
    "$(tail -n 1 <<<"$stderr")"
  expect_equal "its exit status" 0 "$status"
}

@test "with no client it sleeps in read() (or open()) of its FIFO, its read count still: no spinning at EOF" {
  local why="" r
  start_server
  client c1 hello
  wait_for printed 1
  # The client has closed its end: no client is left.
  wait_until 20 settled "$server" || true
  if proc_gone "$server"; then
    why="it ended once the client had gone; a server waits for the next one"
  elif spinning "$server"; then
    why="log_server.py (pid $server) $(not_ended "$server")"
  elif ! asleep_on_fifo "$server"; then
    why="it is asleep in $(in_call "$server"), not in read() or"
    why+=" open() of its FIFO: it wakes up to look again, without a client"
  else
    r=$(calls "$server")
    asleep_on_fifo "$server" && [ "$(calls "$server")" = "$r" ] ||
      why="its read count rose while it seemed asleep: it is not waiting in read()"
  fi
  show_server
  expect_equal "what it printed for the client" "message 1: hello" "$(capped "$T/server.out")"
  [ -z "$why" ] || { stop_server; fail "with no client left: $why"; }
  echo "with no client: asleep in $(in_call "$server"), state $(proc_state "$server"), $(calls "$server") read()/write() calls in all" >&2
  stop_server
}

@test "serves a later client after the first has gone" {
  start_server
  client c1 first
  wait_for printed 1
  wait_until 20 settled "$server" || true
  if proc_gone "$server"; then
    show_server
    fail "it ended once the first client had gone"
  fi
  client c2 second "and third"
  wait_for printed 3
  show_server
  expect_equal "what it printed for two clients, one after the other" "message 1: first
message 2: second
message 3: and third" "$(capped "$T/server.out")"
  proc_gone "$server" && fail "it ended after the second client"
  stop_server
}
