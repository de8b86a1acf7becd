#!/usr/bin/env bats
# Lesson 04: bad input. Bad options and ports out of range are usage
# errors (status 2, the same words in C and Python); a peer's frame with a
# length out of range, or cut short by its close, is refused with a message
# naming it, costs that connection only, and leaves nothing behind: no
# process, no socket but the kernel's TIME-WAIT. The hostile peer is
# tests/helpers/tcp_peer.py, which sends exactly the bytes it is told.

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

# same_usage PROG EXPECTED ARGS...: C and Python both end with status 2
# and EXPECTED on stderr (PROG: the program's name, .py added for Python).
same_usage() {
  local p=$1 expected=$2 cmd
  shift 2
  for cmd in "$(c "$p")" "$(py "$p")"; do
    run --separate-stderr $cmd "$@"
    assert_equal "$status" 2
    assert_equal "$stderr" "$(prog "$cmd"): $expected"
    assert_equal "$output" ""
  done
}

# bats test_tags=asan
@test "bad options and ports out of range: status 2 and the same words from C and Python, nothing started" {
  same_usage tcp_server "--port: '70000' is not a number from 0 to 65535" --port 70000
  same_usage tcp_server "--port: '-1' is not a number from 0 to 65535" --port -1
  same_usage tcp_server "--backlog needs a value" --backlog
  same_usage tcp_server "--no-read works with the poll() loop, not --one-at-a-time" --one-at-a-time --no-read
  local c_usage="usage: $(c tcp_server) [--port P] [--backlog N] [--one-at-a-time] [-n COUNT] [--no-reuseaddr] [--no-read] [--hold]"
  run --separate-stderr $(c tcp_server) --bogus
  assert_equal "$status" 2
  assert_equal "$stderr" "tcp_server: $c_usage"
  run --separate-stderr $(py tcp_server) --bogus
  assert_equal "$status" 2
  assert_equal "$stderr" "tcp_server.py: usage: $PEERS/04-tcp/tcp_server.py [--port P] [--backlog N] [--one-at-a-time] [-n COUNT] [--no-reuseaddr] [--no-read] [--hold]"
  same_usage tcp_client "PORT: '0' is not a number from 1 to 65535" 0 hello
  same_usage tcp_client "PORT: '65536' is not a number from 1 to 65535" 65536
  same_usage tcp_client "--port: '80x' is not a number from 1 to 65535" --port 80x
  same_usage tcp_client "--flood: '2000000' is not a number from 0 to 1048576" --flood 2000000 5555
  same_usage tcp_client "--flood sends its own frames: no TEXT, --shutdown, --wait-close or --reset" --flood 10 5555 text
  same_usage tcp_client "--reset closes with the reply unread: no --wait-close with it" --reset --wait-close 5555 hi
  # Options after --port P are options still, not requests.
  same_usage tcp_client "--flood sends its own frames: no TEXT, --shutdown, --wait-close or --reset" --port 5555 --flood 10 text
  same_usage tcp_client "--shutdown and --reset need a TEXT to send first" --shutdown 5555
  same_usage tcp_client "TEXT 2: 65537 bytes; tcp_server takes at most 65536" 5555 a "$(printf 'x%.0s' {1..65537})"
  run --separate-stderr $(c tcp_client)
  assert_equal "$status" 2
  assert_regex "$stderr" "^tcp_client: usage: .*tcp_client \[--shutdown\] \[--wait-close\] \[--reset\] \[--no-nosignal\] \[--flood SIZE\] \[--hold\] PORT \[TEXT\.\.\.\]$"
  same_usage nagle "-n: '0' is not a number from 1 to 100000" -n 0
}

# hostile SERVER STEPS...: a peer sends STEPS to a fresh server (-n 2), then
# reads until EOF; a well-behaved client follows and is answered: the
# server went on. $why: what the server said of the peer.
hostile() {
  local server=$1
  shift
  start_server srv $server -n 2
  bg peer "$PYTHON" "$TCP_PEER" "$srv_port" "$@"
  reaped "$peer"
  assert_equal "$status" 0
  run --separate-stderr $(c tcp_client) "$srv_port" "after it"
  assert_success
  assert_output "reply 1: after it (from $(lang "$server"))"
  reaped "$srv"
  assert_equal "$status" 0
  why=$(grep "client 127.0.0.1:$(client_port peer): " "$T/srv.err" | tail -n 1)
  why=${why#*: client 127.0.0.1:*: }
  assert_equal "$(grep -c '^request ' "$T/srv.out")" 1
  assert_equal "$(socks "$srv_port" | awk '$1 != "TIME-WAIT"')" ""   # nothing left open
}

# bats test_tags=asan
@test "a frame header with a length out of range (-1, 2 MiB, 65537) is refused, that connection closed, the next client answered: C and Python servers, both loops" {
  local server mode
  for server in "$(c tcp_server)" "$(py tcp_server)"; do
    for mode in "" --one-at-a-time; do
      hostile "$server $mode" len:-1 eof
      assert_equal "$why" "frame length -1 is out of range (0 to 1048576 bytes)"
      assert_equal "$(cat "$T/peer.out")" "eof after 0 bytes"
      hostile "$server $mode" len:2097152 bytes:xyz eof
      assert_equal "$why" "frame length 2097152 is out of range (0 to 1048576 bytes)"
      hostile "$server $mode" len:65537 eof
      assert_equal "$why" "frame length 65537 does not fit the 65536-byte buffer"
      hostile "$server $mode" len:65536 bytes:abc close
      assert_equal "$why" "frame cut short by EOF: got 3 of 65536 payload bytes"
      hostile "$server $mode" hex:0a00 close
      assert_equal "$why" "frame cut short by EOF: got 2 of 4 header bytes"
    done
  done
}

# bats test_tags=asan
@test "a peer's bytes are shown, never obeyed: control bytes in a request come back as '.', C and Python" {
  local server
  for server in "$(c tcp_server)" "$(py tcp_server)"; do
    start_server srv $server -n 1
    run --separate-stderr $(py tcp_client) "$srv_port" $'a\x1b[2Jb\x7f\x01c'
    assert_success
    assert_output "reply 1: a.[2Jb..c (from $(lang "$server"))"
    reaped "$srv"
    assert_equal "$(sed -n 2p "$T/srv.out")" "request 1 from 127.0.0.1:$(client_port_of "$stderr"): a.[2Jb..c"
  done
}

client_port_of() { local l=${1#*connected from 127.0.0.1:}; echo "${l%% *}"; }

# against SERVER-STEPS -- TEXT...: a hostile server (tcp_peer.py --serve)
# takes the steps on the connection of the client ($client, with the
# options in $copts).
against() {
  local steps=()
  while [ "$1" != -- ]; do steps+=("$1"); shift; done
  shift
  start_server srv "$PYTHON" "$TCP_PEER" --serve "${steps[@]}"
  run --separate-stderr $client ${copts:-} "$srv_port" "$@"
}

# bats test_tags=asan
@test "a hostile server: a reply length out of range, a reply cut short, no reply, a reply too many: the client says which, status 1, C and Python" {
  local client p
  for client in "$(c tcp_client)" "$(py tcp_client)"; do
    p=$(prog "$client")
    against request len:-5 -- hello
    assert_equal "$status" 1
    assert_equal "${stderr##*$'\n'}" "$p: reply from 127.0.0.1:$srv_port: frame length -5 is out of range (0 to 1048576 bytes)"
    reaped "$srv"
    against request len:10 bytes:abc close -- hello
    assert_equal "$status" 1
    assert_equal "${stderr##*$'\n'}" "$p: reply from 127.0.0.1:$srv_port: frame cut short by EOF: got 3 of 10 payload bytes"
    reaped "$srv"
    against request close -- hello
    assert_equal "$status" 1
    assert_equal "${stderr##*$'\n'}" "$p: 127.0.0.1:$srv_port closed the connection after 0 of 1 replies"
    reaped "$srv"
    copts=--shutdown against request frame:one frame:extra close -- hello
    assert_equal "$status" 1
    assert_equal "$output" "one"
    assert_equal "${stderr##*$'\n'}" "$p: 127.0.0.1:$srv_port sent more than the replies to our requests"
    reaped "$srv"
  done
}
