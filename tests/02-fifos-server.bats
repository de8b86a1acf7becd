#!/usr/bin/env bats
# Lesson 02: a server on a well-known FIFO (fifo_server.c, fifo_server.py),
# each client (fifo_client.c, fifo_client.py) answered on a reply FIFO of
# its own that it names in its request. Requests of many clients at once
# each arrive whole; a client gone before its answer costs that answer
# only; a reply path that is not a private FIFO of the server's in its
# directory is refused before a byte goes to it. Synchronised on what the
# kernel shows (/proc/PID/stat, syscall, wchan by pattern); every test
# fails when a process or a file in the run's directory is left.

load helpers/common
load helpers/fifos
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/02-fifos/$1.py"; }
lang() { [[ $1 == *.py* ]] && echo Python || echo C; }
prog() { local w=($1); echo "${w[-1]##*/}"; }     # fifo_server, fifo_server.py

setup() {
  common_setup
  D=$T/run                      # the run's private directory
  mkdir -m 700 "$D"
}

teardown() {
  assert_nothing_left
  [ -z "$(ls -A "$D")" ] || fail "left in $D: $(ls -A "$D")"
}

# start_server NAME CMD ARGS...: the server makes DIR/server and sleeps in
# openat until a first client comes; one does (its answer is "answer 1: first
# ..."), and then the server sleeps in read() on its FIFO. (A process stopped
# in openat leaves the call and starts it again on SIGCONT: stop a server
# only once it reads.)
start_server() {
  local name=$1
  shift
  local server="$*"
  bg "$name" "$@"
  wait_for blocked_opening_fifo "${!name}"
  wait_for test -p "$D/server"
  run --separate-stderr $(c fifo_client) "$D" first
  assert_success
  assert_output "answer 1: first (from $(lang "$server"))"
  wait_for blocked_reading_pipe "${!name}"
}

# server_fd PID: the descriptor PID reads DIR/server through.
server_fd() { fds_on "$1" "$D/server" | awk '$2 == "r" { print $1 }'; }

# raw PATH TEXT [PATH TEXT]...: write request frames to DIR/server as a
# client would, one write() each: PATH, a NUL byte, TEXT. PATH "-": TEXT
# alone, no NUL. TEXT "=N": x's that make the payload N bytes.
raw() {
  "$PYTHON" -c '
import os, struct, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
args = sys.argv[2:]
for path, text in zip(args[0::2], args[1::2]):
    p = b"" if path == "-" else os.fsencode(path) + b"\0"
    p += b"x" * (int(text[1:]) - len(p)) if text.startswith("=") else os.fsencode(text)
    os.write(fd, struct.pack("<i", len(p)) + p)
os.close(fd)
' "$D/server" "$@"
}

# at_once SERVER: three C and three Python clients send their requests
# while the server is stopped (SIGSTOP): the six requests wait whole in
# its FIFO (FIONREAD: six frames' bytes), each client asleep in poll() on
# its reply FIFO and on the write end of DIR/server it keeps. Then the
# server goes on and answers all six: each client gets its own text back.
at_once() {
  local server=$1 i cl len=0
  start_server srv $server -n 7 "$D"
  kill -STOP "$srv"
  wait_for proc_stopped "$srv"
  for i in 1 2 3 4 5 6; do
    cl=$(c fifo_client); ((i % 2)) || cl=$(py fifo_client)
    bg "cl$i" $cl "$D" "request of client $i"
  done
  for i in 1 2 3 4 5 6; do
    cl=cl$i
    wait_for blocked_in_poll "${!cl}"
    assert_equal "$(fds_on "${!cl}" "$D/server" | awk '{ print $2 }')" w
  done
  assert_equal "$(ls "$D" | grep -c '^client-[0-9]\{7\}$')" 6
  for i in 1 2 3 4 5 6; do
    len=$((len + 4 + ${#D} + 15 + 1 + ${#i} + 18))   # header, DIR/client-PID, NUL, text
  done
  assert_equal "$(pipe_level "$srv" "$(server_fd "$srv")")" "$len 65536"
  kill -CONT "$srv"
  for i in 1 2 3 4 5 6; do
    cl=cl$i
    reaped "${!cl}"
    assert_equal "$status" 0
    [[ $(<"$T/$cl.out") =~ ^answer\ [2-7]:\ request\ of\ client\ $i\ \(from\ $(lang "$server")\)$ ]] ||
      fail "client $i got: $(<"$T/$cl.out")"
  done
  reaped "$srv"
  assert_equal "$status" 0
  assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 7 requests"
  # Six whole requests, each naming a different client's reply FIFO.
  assert_equal "$(grep -c "^request [2-7]: $D/client-[0-9]\{7\}: request of client [1-6]$" "$T/srv.out")" 6
  assert_equal "$(sed 1d "$T/srv.out" | cut -d' ' -f3 | sort -u | wc -l)" 6
}

@test "C and Python clients at once, C server: each gets the answer to its own request, no FIFO left" {
  at_once "$(c fifo_server)"
}

@test "C and Python clients at once, Python server: each gets the answer to its own request, no FIFO left" {
  at_once "$(py fifo_server)"
}

# killed_client SERVER CLIENT: a client sends its request while the server
# is stopped and is killed (SIGKILL: its reply FIFO stays) before the
# server reads it. The server's open(O_NONBLOCK) finds no reader (ENXIO):
# it says so, removes that FIFO and answers the next client.
killed_client() {
  local server=$1 client=$2
  start_server srv $server -n 3 "$D"
  kill -STOP "$srv"
  wait_for proc_stopped "$srv"
  bg gone $client "$D" "never read"
  wait_for blocked_in_poll "$gone"
  local fifo
  fifo=$(ls "$D" | grep '^client-')
  kill -KILL "$gone"
  reaped "$gone"
  assert_fifo_exists "$D/$fifo"            # SIGKILL cannot be caught
  kill -CONT "$srv"
  run --separate-stderr $client "$D" "next one"
  assert_success
  assert_output "answer 3: next one (from $(lang "$server"))"
  reaped "$srv"
  assert_equal "$status" 0
  assert_equal "$(sed -n 2p "$T/srv.err")" "$(prog "$server"): request 2: open $D/$fifo: No such device or address: the client is gone before reading its reply; removed its FIFO"
  assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 3 requests"
}

@test "a client killed before its answer: the server says so, removes its FIFO and answers the next (ENXIO)" {
  killed_client "$(c fifo_server)" "$(py fifo_client)"
  killed_client "$(py fifo_server)" "$(c fifo_client)"
}

# client_told_gone NAME PROG: the background client NAME (started with bg)
# ends by itself, status 1, PROG saying the server is gone, its reply FIFO
# removed.
# Were it asleep for ever, wait_for's bound would end the test instead.
client_told_gone() {
  local pid=${!1}
  wait_for proc_gone "$pid"
  reaped "$pid"
  assert_equal "$status" 1
  assert_equal "$(tail -n 1 "$T/$1.err")" "$2: $D/server: no reader left: the server is gone before answering"
  [ -z "$(ls "$D" | grep '^client-')" ] || fail "left: $(ls "$D")"
}

@test "the server killed while clients wait for their answers: each client's poll() sees no reader left on DIR/server (POLLERR), says so, status 1, its FIFO removed" {
  local server
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    start_server srv $server "$D"
    kill -STOP "$srv"
    wait_for proc_stopped "$srv"
    bg cl1 $(c fifo_client) "$D" "lost 1"
    bg cl2 $(py fifo_client) "$D" "lost 2"
    wait_for blocked_in_poll "$cl1"
    wait_for blocked_in_poll "$cl2"
    kill -KILL "$srv"               # SIGKILL: it removes nothing
    reaped "$srv"
    client_told_gone cl1 fifo_client
    client_told_gone cl2 fifo_client.py
    assert_equal "$(ls -A "$D")" server
    rm "$D/server"
  done
}

@test "a server that dies after taking the request (its log line to /dev/full): the client says the server is gone, status 1, nothing left" {
  local server cl
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    for cl in "$(c fifo_client)" "$(py fifo_client)"; do
      bg srv sh -c 'exec "$@" >/dev/full' - $server "$D"
      wait_for blocked_opening_fifo "$srv"
      bg client $cl "$D" hello
      client_told_gone client "$(prog "$cl")"
      reaped "$srv"
      assert_equal "$status" 1
      assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): write /dev/full (fd 1): No space left on device"
      assert_equal "$(ls -A "$D")" ""
    done
  done
}

# The server in step mode (docs/trace-protocol.md): it waits before each
# traced call for a byte on its step FIFO ($go) and writes its trace to
# $T/srv.trace. step_until OP lets it through until it waits before OP.
step_waits() { grep -c 'step=wait' "$T/srv.trace"; }
more_step_waits() { (($(step_waits) > $1)); }
step_until() {
  local n
  wait_for more_step_waits 0
  until [[ $(grep 'step=wait' "$T/srv.trace" | tail -n 1) == *" ev=before op=$1 "* ]]; do
    n=$(step_waits)
    printf x >&"$go"
    wait_for more_step_waits "$n"
  done
}

# broken_pipe SERVER CLIENT: the server has opened the client's reply FIFO
# and waits before its write; the client is killed then. The write fails
# with EPIPE (SIGPIPE is ignored): the server says so, removes that FIFO,
# answers the next client and ends as asked (-n 2) with status 0.
broken_pipe() {
  local server=$1 client=$2 go
  mkfifo -m 600 "$T/step"
  exec {go}<>"$T/step"          # ours alone: its close is the server's EOF
  bg srv env IPCLAB_STEP_FD=7 IPCLAB_TRACE_FD=8 $server -n 2 "$D" 7<"$T/step" 8>>"$T/srv.trace" {go}>&-
  wait_for test -p "$D/server"
  # Let it into its open() of DIR/server, where it counts as a reader: a
  # client that came before would find nobody reading (ENXIO).
  step_until open
  printf x >&"$go"
  wait_for blocked_opening_fifo "$srv"
  bg gone $client "$D" "never read" {go}>&-
  step_until write
  wait_for blocked_in_poll "$gone"
  local fifo
  fifo=$(ls "$D" | grep '^client-')
  kill -KILL "$gone"
  reaped "$gone"
  exec {go}>&-                  # end of file on the step FIFO: it runs freely
  run --separate-stderr $client "$D" "next one"
  assert_success
  assert_output "answer 2: next one (from $(lang "$server"))"
  reaped "$srv"
  assert_equal "$status" 0
  assert_equal "$(sed -n 2p "$T/srv.err")" "$(prog "$server"): request 1: write $D/$fifo: Broken pipe: the client is gone before reading its reply; removed its FIFO"
  assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 2 requests"
  rm "$T/step" "$T/srv.trace"
}

@test "a client killed after the server opened its FIFO, before the answer: EPIPE, said, its FIFO removed, the server goes on" {
  broken_pipe "$(c fifo_server)" "$(py fifo_client)"
  broken_pipe "$(py fifo_server)" "$(c fifo_client)"
}

# hostile SERVER: requests that name what is not a private FIFO of the
# server's in its directory, or break the request format, are refused with
# a message, and nothing is written through or changed; a request of 4092
# bytes (the most: PIPE_BUF less the header) is answered, 4093 refused.
hostile() {
  local server=$1 p=$(prog "$1") o w r big shown
  start_server srv $server -n 13 "$D"
  mkdir -m 700 "$T/outside"
  mkfifo -m 600 "$T/outside/r"
  exec {o}<>"$T/outside/r"      # a reader: an open for writing would succeed
  echo keep >"$D/file"
  ln -s "$T/outside/r" "$D/link"
  mkfifo -m 644 "$D/wide"
  exec {w}<>"$D/wide"
  mkfifo -m 600 "$D/r"
  exec {r}<>"$D/r"
  raw "$T/outside/r" a "$D/file" b "$D/link" c "$D/wide" d "$D/none" e \
      "$D/server" f - "no nul" "$D/" g "$D/.." h "$D/a"$'\x01' i \
      "$D/r" =4093
  # The server drops what is queued after a false length: request 13 is
  # written only once it has said so (written before, it was dropped too).
  wait_for said_req "$p" 12
  raw "$D/r" =4092
  reaped "$srv"
  assert_equal "$status" 0
  shown=$D/r.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx  # its first 40 bytes, NUL as '.'
  shown=${shown:0:40}
  assert_equal "$(sed -n '2,12p' "$T/srv.err")" "$p: request 2: $T/outside/r: not a name in $D: refused
$p: request 3: $D/file: a regular file, not a FIFO: refused
$p: request 4: $D/link: a symbolic link, not a FIFO: refused
$p: request 5: $D/wide: mode 0644, not 0600: not a private FIFO of ours: refused
$p: request 6: lstat $D/none: No such file or directory: refused
$p: request 7: $D/server: the server's own FIFO: refused
$p: request 8: 6 bytes with no NUL after a reply path: refused
$p: request 9: $D/: not a name in $D: refused
$p: request 10: $D/..: not a name in $D: refused
$p: request 11: $((${#D} + 5)) bytes with a reply path that is not printable ASCII: refused
$p: request 12: a length of 4093, not 0 to 4092: a request is one write() of at most PIPE_BUF (4096) bytes, queued whole; dropped the 4093 bytes queued: $shown..."
  assert_equal "$(tail -n 1 "$T/srv.err")" "$p: served 13 requests"
  # Nothing went through a refused path, nothing was changed.
  assert_equal "$(pipe_level "$BASHPID" "$o")" "0 65536"
  assert_equal "$(pipe_level "$BASHPID" "$w")" "0 65536"
  assert_equal "$(<"$D/file")" keep
  assert_equal "$(stat -c '%F %a' "$D/wide" "$T/outside/r")" "fifo 644
fifo 600"
  assert_equal "$(readlink "$D/link")" "$T/outside/r"
  # Request 13, 4092 bytes (DIR/r, NUL, TEXT), is answered whole: a header,
  # then "answer 13: " TEXT " (from C)".
  big=$((4092 - ${#D} - 3)) from=" (from $(lang "$1"))"
  assert_equal "$(pipe_level "$BASHPID" "$r")" "$((4 + 11 + big + ${#from})) 65536"
  exec {o}>&- {w}>&- {r}>&-
  rm -r "$T/outside" "$D/file" "$D/link" "$D/wide" "$D/r"
}

# bats test_tags=asan
@test "C server: a path outside its directory, a file, a link, a 0644 FIFO, its own FIFO, a malformed or 4093-byte request: refused, nothing changed; 4092 bytes answered" {
  hostile "$(c fifo_server)"
}

# bats test_tags=asan
@test "Python server: a path outside its directory, a file, a link, a 0644 FIFO, its own FIFO, a malformed or 4093-byte request: refused, nothing changed; 4092 bytes answered" {
  hostile "$(py fifo_server)"
}

# bytes HEX...: each HEX (bytes.fromhex) written to DIR/server with one
# write() of its own, as one client each, then closed.
bytes() {
  "$PYTHON" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for h in sys.argv[2:]:
    os.write(fd, bytes.fromhex(h))
os.close(fd)
' "$D/server" "$@"
}

said_req() { grep -q "^$1: request $2: " "$T/srv.err"; }

# cut_short SERVER: a request is one write() of at most PIPE_BUF bytes, so
# once the server has its header the rest is queued (FIONREAD). A request
# cut short (its writer gone), a header cut short, a length out of range:
# the server drops exactly the bytes queued, says so, and the next client
# is answered; nothing glued onto the bytes that never came. Each is
# waited for in the server's own words: a server that waited for the
# missing bytes would never say them.
cut_short() {
  local server=$1 p=$(prog "$1") rule="a request is one write() of at most PIPE_BUF (4096) bytes, queued whole"
  start_server srv $server -n 9 "$D"
  bytes 6400000030313233343536373839        # says 100 bytes, brings 10
  wait_for said_req "$p" 2
  run --separate-stderr $(c fifo_client) "$D" "after one"
  assert_success
  assert_output "answer 3: after one (from $(lang "$server"))"
  bytes 0200                                  # 2 bytes: no whole header
  wait_for said_req "$p" 4
  bytes 6a756e6b6d6f7265                      # "junk" for a length, "more"
  wait_for said_req "$p" 5
  # Stopped, the server finds a request cut short and a client's whole
  # request after it, written before it looked: both dropped, as it says;
  # that client gets no answer, and learns the server is gone once it ends.
  kill -STOP "$srv"
  wait_for proc_stopped "$srv"
  bytes c800000030313233343536373839          # says 200 bytes, brings 10
  bg lost $(c fifo_client) "$D" "lost with it"
  wait_for blocked_in_poll "$lost"
  local q=$((10 + 4 + ${#D} + 15 + 1 + 12))       # header, DIR/client-PID, NUL, text
  assert_equal "$(pipe_level "$srv" "$(server_fd "$srv")")" "$((4 + q)) 65536"
  kill -CONT "$srv"
  wait_for said_req "$p" 6
  run --separate-stderr $(py fifo_client) "$D" "after two"
  assert_success
  assert_output "answer 7: after two (from $(lang "$server"))"
  run --separate-stderr $(c fifo_client) "$D" last
  assert_success
  bytes ffffffff                              # a length of -1
  reaped "$srv"
  assert_equal "$status" 0
  assert_equal "$(grep -v '^.*: waiting for' "$T/srv.err" | sed '4s/queued: 0123456789.*/queued: 0123456789.../')" "$p: request 2: 10 of its 100 bytes queued, cut short: $rule; dropped the 10 bytes queued: 0123456789
$p: request 4: 2 of 4 header bytes, cut short: $rule; dropped the 0 bytes queued
$p: request 5: a length of 1802401130, not 0 to 4092: $rule; dropped the 4 bytes queued: more
$p: request 6: $q of its 200 bytes queued, cut short: $rule; dropped the $q bytes queued: 0123456789...
$p: request 9: a length of -1, not 0 to 4092: $rule; dropped the 0 bytes queued
$p: served 9 requests"
  reaped "$lost"
  assert_equal "$status" 1
  assert_equal "$(tail -n 1 "$T/lost.err")" "fifo_client: $D/server: no reader left: the server is gone before answering"
}

# bats test_tags=asan
@test "a request cut short (its writer gone), a header cut short, a length out of range: the server drops the bytes queued (FIONREAD), says so, and answers the next client" {
  cut_short "$(c fifo_server)"
  cut_short "$(py fifo_server)"
}

# bats test_tags=asan
@test "--no-keep-open: a request cut short by its writer's end is dropped, said; the server goes on (end of file: it spins) until SIGTERM, its FIFO removed" {
  local server p
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    p=$(prog "$server")
    bg srv $server --no-keep-open "$D"
    wait_for blocked_opening_fifo "$srv"
    bytes 0a000000616263
    wait_for said_req "$p" 1
    assert_equal "$(sed -n 2p "$T/srv.err")" "$p: request 1: 3 of its 10 bytes queued, cut short: a request is one write() of at most PIPE_BUF (4096) bytes, queued whole; dropped the 3 bytes queued: abc"
    kill -TERM "$srv"
    reaped "$srv"
    assert_equal "$status" 143
    assert_equal "$(ls -A "$D")" ""
  done
}

# bats test_tags=asan
@test "a client's request of 4092 bytes with its reply path is answered; 4093 is refused with status 2 and nothing made" {
  local client server text
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    start_server srv $server -n 3 "$D"
    for client in "$(c fifo_client)" "$(py fifo_client)"; do
      # DIR/client-PID is DIR plus 15 bytes, whatever the pid (7 digits).
      text=$(printf "%$((4092 - ${#D} - 15 - 1))s" "" | tr ' ' y)
      run --separate-stderr $client "$D" "${text}z"
      assert_equal "$status" 2
      assert_equal "$stderr" "$(prog "$client"): request: 4093 bytes (reply path, NUL, TEXT) is longer than PIPE_BUF less the header (4092): it could interleave with other clients'"
      assert_equal "$(ls -A "$D")" server
      run --separate-stderr $client "$D" "$text"
      assert_success
      [[ $output == "answer "[23]": $text (from $(lang "$server"))" ]] || fail "got: ${output:0:60}..."
    done
    reaped "$srv"
    assert_equal "$status" 0
  done
}

@test "a client given DIR as a relative path sends its reply path absolute: the server, in another working directory, answers" {
  local server cl abs
  abs=$(realpath "$D")
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    for cl in "$(c fifo_client)" "$(py fifo_client)"; do
      start_server srv $server -n 2 "$D"      # its working directory is not $T
      cd "$T"
      run --separate-stderr $cl run "from $T"
      cd - >/dev/null
      assert_success
      assert_output "answer 2: from $T (from $(lang "$server"))"
      reaped "$srv"
      assert_equal "$status" 0
      assert_regex "$(sed -n 2p "$T/srv.out")" "^request 2: $abs/client-[0-9]{7}: from $T\$"
    done
  done
}

@test "a client whose DIR cannot be resolved to an absolute path (its working directory removed) says so, status 1, nothing made" {
  local cl
  mkdir -m 700 "$T/gone"
  for cl in "$(c fifo_client)" "$(py fifo_client)"; do
    cd "$T/gone"
    rmdir "$T/gone"                 # ".": still a directory of ours, 0700; no path
    run --separate-stderr $cl . hello
    cd - >/dev/null
    mkdir -m 700 "$T/gone"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$cl"): realpath .: No such file or directory"
  done
  rmdir "$T/gone"
}

# refused STATUS MESSAGE CMD ARGS...: ends with STATUS, says "PROG: MESSAGE"
# last, no traceback.
refused() {
  local want=$1 msg=$2 name=$3
  shift 2
  [ "$name" != "$PYTHON" ] || name=$2
  run --separate-stderr "$@"
  assert_equal "$status" "$want"
  assert_equal "${stderr##*$'\n'}" "${name##*/}: $msg"
  [[ $stderr != *Traceback* ]] || fail "a traceback: $stderr"
}

# bats test_tags=asan
@test "bad usage, a directory that is not private, a name already taken, no server: refused, the client's FIFO removed" {
  local s cl
  for s in "$(c fifo_server)" "$(py fifo_server)"; do
    refused 2 "usage: ${s##* } [-n COUNT] [--no-keep-open] [--] DIR" $s
    refused 2 "usage: ${s##* } [-n COUNT] [--no-keep-open] [--] DIR" $s --bogus "$D"
    refused 2 "-n: 'x' is not a number from 0 to 1000000" $s -n x "$D"
    chmod 755 "$D"
    refused 1 "$D: mode 0755, not 0700: not a private directory of ours (mktemp -d makes one)" $s "$D"
    chmod 700 "$D"
    echo keep >"$D/server"
    refused 1 "mkfifo $D/server: File exists (left from an earlier run?)" $s "$D"
    assert_equal "$(<"$D/server")" keep
    rm "$D/server"
  done
  for cl in "$(c fifo_client)" "$(py fifo_client)"; do
    refused 2 "usage: ${cl##* } [--] DIR TEXT" $cl "$D"
    refused 2 "usage: ${cl##* } [--] DIR TEXT" $cl -x "$D" t
    chmod 755 "$D"
    refused 1 "$D: mode 0755, not 0700: not a private directory of ours (mktemp -d makes one)" $cl "$D" t
    chmod 700 "$D"
    refused 1 "lstat $D/server: No such file or directory (start fifo_server first?)" $cl "$D" t
    assert_equal "$(ls -A "$D")" ""
  done
}

# client_refuses MESSAGE: the C and the Python client, facing what is at
# DIR/server, end with status 1 and say "PROG: MESSAGE" alone, before any
# open() of it, and make nothing. Nobody reads there: a client that opened a FIFO
# would sleep in openat for ever (timeout: a bound that ends such a broken
# client, status 137, instead of the test; never a wait).
client_refuses() {
  local cl
  for cl in "$(c fifo_client)" "$(py fifo_client)"; do
    run --separate-stderr timeout -s KILL 30 $cl "$D" hello
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$cl"): $1"      # alone: no "sending to"
    assert_equal "$(ls -A "$D")" server
  done
}

# bats test_tags=asan
@test "a client looks at DIR/server before open(): a file, a link, a directory, a 0644 FIFO or another user's FIFO is refused, nothing written through it" {
  local h
  echo keep >"$D/server"
  client_refuses "$D/server: a regular file, not a FIFO: refused"
  assert_equal "$(<"$D/server")" keep
  rm "$D/server"
  mkdir -m 700 "$T/elsewhere"
  mkfifo -m 600 "$T/elsewhere/fifo"
  exec {h}<>"$T/elsewhere/fifo"     # a reader there: a followed link would open at once
  ln -s "$T/elsewhere/fifo" "$D/server"
  client_refuses "$D/server: a symbolic link, not a FIFO: refused"
  assert_equal "$(pipe_level "$BASHPID" "$h")" "0 65536"
  exec {h}>&-
  rm -r "$D/server" "$T/elsewhere"
  mkdir -m 700 "$D/server"
  client_refuses "$D/server: a directory, not a FIFO: refused"
  rmdir "$D/server"
  mkfifo -m 644 "$D/server"
  client_refuses "$D/server: mode 0644, not 0600: not a private FIFO of ours: refused"
  rm "$D/server"
  plant_foreign "$D/server" 600     # nobody's, with nobody's reader on it
  client_refuses "$D/server: owner uid $(id -u nobody), not $EUID (us): not a private FIFO of ours: refused"
  spy_got_nothing
  rm "$D/server"
}

@test "a client ended by SIGTERM or SIGHUP while it waits in poll() for its answer removes its FIFO" {
  local cl sig server
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    start_server srv $server "$D"
    kill -STOP "$srv"
    wait_for proc_stopped "$srv"
    for cl in "$(c fifo_client)" "$(py fifo_client)"; do
      for sig in TERM HUP; do
        bg client $cl "$D" waiting
        wait_for blocked_in_poll "$client"
        assert_equal "$(ls "$D" | grep -c '^client-')" 1
        kill -"$sig" "$client"
        reaped "$client"
        assert_equal "$status" $((128 + $(kill -l "$sig")))
        assert_equal "$(ls -A "$D")" server
      done
    done
    kill -KILL "$srv"
    reaped "$srv"
    rm "$D/server"
  done
}

@test "a FIFO left by a killed server, nobody reading it: the client's open(O_NONBLOCK) fails with ENXIO: 'no server is reading DIR/server', status 1, at once, its FIFO removed" {
  local cl
  mkfifo -m 600 "$D/server"             # a server's FIFO, nobody reading
  for cl in "$(c fifo_client)" "$(py fifo_client)"; do
    bg client $cl "$D" hello
    wait_for proc_gone "$client"        # a client asleep in open() would never go
    reaped "$client"
    assert_equal "$status" 1
    assert_equal "$(<"$T/client.err")" "$(prog "$cl"): no server is reading $D/server"
    assert_equal "$(ls -A "$D")" server
  done
  rm "$D/server"
}

@test "the client writes its request with one write() of header and payload (traced), and keeps that descriptor: O_NONBLOCK cleared" {
  local cl server f flags
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    start_server srv $server -n 3 "$D"
    for cl in "$(c fifo_client)" "$(py fifo_client)"; do
      kill -STOP "$srv"
      wait_for proc_stopped "$srv"
      : >"$T/cl.trace"
      bg client env IPCLAB_TRACE_FD=8 $cl "$D" "one write" 8>>"$T/cl.trace"
      wait_for blocked_in_poll "$client"
      # Its descriptor on DIR/server: write-only, O_NONBLOCK (04000) off.
      f=$(fds_on "$client" "$D/server" | awk '{ print $1 }')
      flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$client/fdinfo/$f")
      (( (8#$flags & 3) == 1 && (8#$flags & 8#4000) == 0 )) || fail "flags $flags"
      # One write() in all, of the whole frame: 4 + DIR/client-PID, NUL, text.
      assert_equal "$(grep -c ' ev=before op=write ' "$T/cl.trace")" 1
      assert_regex "$(grep ' ev=after op=write ' "$T/cl.trace")" " fd=$f ret=$((4 + ${#D} + 15 + 1 + 9))\$"
      kill -CONT "$srv"
      reaped "$client"
      assert_equal "$status" 0
    done
    reaped "$srv"
    assert_equal "$status" 0
  done
  rm "$T/cl.trace"
}

# bats test_tags=asan
@test "a client whose reply path the server would refuse (not printable ASCII) refuses it first, status 1, naming it: nothing sent, nothing made" {
  local cl server E=$T/dé
  mkdir -m 700 "$E"
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    bg srv $server "$E"
    wait_for blocked_opening_fifo "$srv"
    for cl in "$(c fifo_client)" "$(py fifo_client)"; do
      bg client $cl "$E" hello
      wait_for proc_gone "$client"      # a client that sent it would wait for ever
      reaped "$client"
      assert_equal "$status" 1
      assert_regex "$(<"$T/client.err")" "^$(prog "$cl"): $T/d\\.\\./client-[0-9]{7}: a reply path that is not printable ASCII \\('\\.' here\\): the server would refuse it and answer nobody\$"
      assert_equal "$(ls -A "$E")" server
    done
    blocked_opening_fifo "$srv"         # no client ever opened its FIFO
    kill -TERM "$srv"
    reaped "$srv"
    assert_equal "$(ls -A "$E")" ""
  done
  rmdir "$E"
}

# read_calls PID: the read() calls PID has made (syscr in /proc/PID/io).
read_calls() { awk '$1 == "syscr:" { print $2 }' "/proc/$1/io"; }
more_reads() { (($(read_calls "$1") >= $2)); }
eofs_said() { [ "$(grep -c 'end of file' "$T/srv.err")" = "$1" ]; }

# spins SERVER: with --no-keep-open, once the first client has gone, read()
# returns 0 at once on every call: the server's read count rises by
# thousands with no client at all, and the kernel never shows it asleep
# (state R, not S). A client that comes is still served; SIGTERM ends it
# and its FIFO is removed.
spins() {
  local server=$1 p=$(prog "$1") r i
  bg srv $server --no-keep-open "$D"
  wait_for blocked_opening_fifo "$srv"
  run --separate-stderr $(c fifo_client) "$D" first
  assert_success
  assert_output "answer 1: first (from $(lang "$server"))"
  wait_for grep -qx "$p: read $D/server: 0, end of file: no client has it open; reading again" "$T/srv.err"
  assert_equal "$(ls "$D" | grep -c '^client-')" 0
  r=$(read_calls "$srv")
  wait_for more_reads "$srv" $((r + 10000))
  for i in 1 2 3 4 5 6 7 8 9 10; do
    assert_equal "$(proc_state "$srv")" R
  done
  run --separate-stderr $(py fifo_client) "$D" second
  assert_success
  assert_output "answer 2: second (from $(lang "$server"))"
  wait_for eofs_said 2          # and spins again
  kill -TERM "$srv"
  reaped "$srv"
  assert_equal "$status" 143
}

# sleeps SERVER: by default the server holds a write end of its own FIFO:
# once the client has gone it sleeps in read() on the FIFO (state S, a
# pipe wchan, syscall read on that descriptor), its read count still.
sleeps() {
  local server=$1 r
  start_server srv $server "$D"
  assert_equal "$(fds_on "$srv" "$D/server" | awk '{ print $2 }' | tr '\n' ' ')" "r w "
  r=$(read_calls "$srv")
  assert_equal "$(proc_syscall "$srv")" "read $(server_fd "$srv")"
  assert_equal "$(read_calls "$srv")" "$r"
  blocked_reading_pipe "$srv"
  grep -q 'end of file' "$T/srv.err" && fail "it read end of file: $(<"$T/srv.err")"
  kill -TERM "$srv"
  reaped "$srv"
  assert_equal "$status" 143
}

@test "--no-keep-open: once the last client has gone the server's read() returns 0 again and again: running, not asleep, its read count rising" {
  spins "$(c fifo_server)"
  spins "$(py fifo_server)"
}

@test "by default the server holds its own write end: with no client it sleeps in read() on its FIFO, its read count still" {
  sleeps "$(c fifo_server)"
  sleeps "$(py fifo_server)"
}

# bats test_tags=asan
@test "a reply FIFO of another user's in the server's directory, that user's reader on it, is refused before open(): the reader gets nothing" {
  local server p
  for server in "$(c fifo_server)" "$(py fifo_server)"; do
    p=$(prog "$server")
    start_server srv $server -n 2 "$D"
    plant_foreign "$D/client-other" 600
    raw "$D/client-other" hello
    reaped "$srv"
    assert_equal "$status" 0
    assert_equal "$(sed -n 2p "$T/srv.err")" "$p: request 2: $D/client-other: owner uid $(id -u nobody), not $EUID (us): not a private FIFO of ours: refused"
    spy_got_nothing
    rm "$D/client-other"
  done
}

# bats test_tags=asan
@test "as another user in its own 0700 directory the server answers C and Python clients; root's client and server are refused that directory" {
  local s cl
  public_copy "$BIN/fifo_server" "$BIN/fifo_client" "$PEERS"
  install -d -m 711 "$PUB/w"        # a 0711 folder of the test, and in it...
  install -d -m 700 -o nobody -g nogroup "$PUB/w/run"     # ...nobody's own
  local E=$PUB/w/run P="$PYTHON $PUB/python_peers/02-fifos"
  for s in "$PUB/fifo_server" "$P/fifo_server.py"; do
    bg srv "${AS_NOBODY[@]}" $s -n 2 "$E"
    wait_for test -p "$E/server"
    assert_equal "$(stat -c '%U %a' "$E/server")" "nobody 600"
    run --separate-stderr "${AS_NOBODY[@]}" "$PUB/fifo_client" "$E" one
    assert_success
    assert_output "answer 1: one (from $(lang "$s"))"
    # Root, who could open anything, is refused by the directory check.
    for cl in "$(c fifo_client)" "$(py fifo_client)"; do
      refused 1 "$E: owner uid $(id -u nobody), not $EUID (us): not a directory of ours (mktemp -d makes one)" $cl "$E" root
    done
    refused 1 "$E: owner uid $(id -u nobody), not $EUID (us): not a directory of ours (mktemp -d makes one)" $(c fifo_server) "$E"
    refused 1 "$E: owner uid $(id -u nobody), not $EUID (us): not a directory of ours (mktemp -d makes one)" $(py fifo_server) "$E"
    run --separate-stderr "${AS_NOBODY[@]}" $P/fifo_client.py "$E" two
    assert_success
    assert_output "answer 2: two (from $(lang "$s"))"
    reaped "$srv"
    assert_equal "$status" 0
    assert_equal "$(ls -A "$E")" ""
  done
}
