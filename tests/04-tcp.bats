#!/usr/bin/env bats
# Lesson 04: tcp_server and tcp_client (C, and their Python mirrors) on
# 127.0.0.1, on a port the kernel picks (port 0) that the server prints in
# its readiness line: all four pairings, lesson 01's frames read whole
# however the stream splits them, and many clients served at once, none
# starved by one that stops half-way through a frame. Synchronised on the
# readiness line and on what the kernel shows (/proc/PID/syscall, ss).

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

# conns_accepted PID N: the server holds N connected sockets (its own
# descriptors, /proc/PID/fd, besides the listening one): it accepted them all.
conns_accepted() {
  [ "$(ls -l "/proc/$1/fd" | grep -c 'socket:')" -eq $(($2 + 1)) ]
}

SERVERS=("$(c tcp_server)" "$(py tcp_server)")
CLIENTS=("$(c tcp_client)" "$(py tcp_client)")

@test "all four pairings: each reply answers its own request, from a server on 127.0.0.1 at the port the kernel chose" {
  local server client
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server -n 1
      [ "$srv_port" -ge 1 ] && [ "$srv_port" -le 65535 ]
      assert_equal "$(listener "$srv_port")" "0 16"     # listening, nothing waiting, backlog 16
      run --separate-stderr $client "$srv_port" hello "second request"
      assert_success
      assert_output "reply 1: hello (from $(lang "$server"))
reply 2: second request (from $(lang "$server"))"
      local cport
      cport=$(client_port_of "$stderr")
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(cat "$T/srv.out")" "listening on 127.0.0.1:$srv_port
request 1 from 127.0.0.1:$cport: hello
request 2 from 127.0.0.1:$cport: second request"
      assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 1 client"
      assert_equal "$(listener "$srv_port")" ""        # gone with its server
    done
  done
}

client_port_of() { local l=${1#*connected from 127.0.0.1:}; echo "${l%% *}"; }

@test "a frame the stream splits anywhere is read whole: two header bytes, then two and a payload byte, then the rest; the server waits in poll, never in recv" {
  local server
  for server in "${SERVERS[@]}"; do
    start_server srv $server -n 1
    bg peer "$PYTHON" "$TCP_PEER" "$srv_port" hex:0600 hold hex:000061 hold bytes:bcdef reply
    for piece in 1 2; do
      wait_for asleep_in "$peer" rt_sigtimedwait
      wait_for asleep_in_poll "$srv"
      # It took what came (its Recv-Q is empty) and printed no request.
      assert_equal "$(server_side "$srv_port" "$(client_port peer)" | cut -d' ' -f1-3)" "ESTAB 0 0"
      assert_equal "$(wc -l <"$T/srv.out")" 1
      kill -USR1 "$peer"
    done
    reaped "$peer"
    assert_equal "$status" 0
    assert_equal "$(cat "$T/peer.out")" "reply 1: abcdef (from $(lang "$server"))"
    reaped "$srv"
    assert_equal "$(sed -n 2p "$T/srv.out")" "request 1 from 127.0.0.1:$(client_port peer): abcdef"
  done
}

# Many clients at once: a peer sends two bytes of a header and stops;
# three C and three Python clients connect (all seven connections open at
# once, as ss shows), then send their requests together.
at_once() {
  local server=$1 i cl
  start_server srv $server -n 7
  bg peer "$PYTHON" "$TCP_PEER" "$srv_port" hex:0a00 hold
  wait_for asleep_in "$peer" rt_sigtimedwait
  for i in 1 2 3 4 5 6; do
    bg "cl$i" ${CLIENTS[$((i % 2))]} --hold "$srv_port" "request of client $i" "and its second"
  done
  for i in 1 2 3 4 5 6; do cl=cl$i; wait_for asleep_in "${!cl}" rt_sigtimedwait; done
  wait_for conns_accepted "$srv" 7
  for i in 1 2 3 4 5 6; do cl=cl$i; kill -USR1 "${!cl}"; done
  for i in 1 2 3 4 5 6; do
    cl=cl$i
    reaped "${!cl}"
    assert_equal "$status" 0
    assert_equal "$(cat "$T/$cl.out")" "reply 1: request of client $i (from $(lang "$server"))
reply 2: and its second (from $(lang "$server"))"
  done
  # The peer that stopped half-way is still connected, its two bytes taken.
  assert_equal "$(server_side "$srv_port" "$(client_port peer)" | cut -d' ' -f1-3)" "ESTAB 0 0"
  kill -USR1 "$peer"
  reaped "$peer"
  reaped "$srv"
  assert_equal "$status" 0
  assert_equal "$(grep -c '^request [12] from ' "$T/srv.out")" 12
  grep -qx "$(prog "$server"): client 127.0.0.1:$(client_port peer): frame cut short by EOF: got 2 of 4 header bytes" "$T/srv.err"
  assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 7 clients"
}

@test "many clients at once, C server (poll): three C and three Python clients all answered while another stops half-way through a frame" {
  at_once "$(c tcp_server)"
}

@test "many clients at once, Python server (selectors): three C and three Python clients all answered while another stops half-way through a frame" {
  at_once "$(py tcp_server)"
}

@test "a client that sends requests and never reads the replies: once its buffers are full the server stops reading it, and serves the others, C and Python servers" {
  local server
  for server in "${SERVERS[@]}"; do
    start_server srv $server -n 3
    bg peer "$PYTHON" "$TCP_PEER" "$srv_port" many:1000:60000 hold
    # Its replies fill its receive buffer and the server's send buffer; the
    # server keeps the rest for POLLOUT and reads no more of its requests,
    # which fill the other way, until its sendall() sleeps.
    wait_for asleep_on_socket "$peer" sendto sendmsg || fail "$(cat "$T/peer.err" "$T/srv.err")"
    run --separate-stderr ${CLIENTS[0]} "$srv_port" "not starved"
    assert_success
    assert_output "reply 1: not starved (from $(lang "$server"))"
    run --separate-stderr ${CLIENTS[1]} "$srv_port" "nor this one"
    assert_success
    assert_output "reply 1: nor this one (from $(lang "$server"))"
    # Still stuck, the server's choice: alive, and asleep in its send again
    # (waited for: a zero-window probe's ACK can wake it for a moment, to
    # find no room and sleep again; a helper's run once caught it awake).
    wait_for asleep_on_socket "$peer" sendto sendmsg || fail "the peer is no longer stuck in its send"
    kill "$peer"
    reaped "$peer"
    reaped "$srv"
    assert_equal "$status" 0
  done
}
