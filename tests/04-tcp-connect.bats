#!/usr/bin/env bats
# Lesson 04: before listen() a connect() is refused (ECONNREFUSED); the
# readiness line says when it is not, with no sleep. A server that serves
# one client at a time leaves the others in its listening socket's accept
# queue, which ss shows (Recv-Q: waiting; Send-Q: the backlog), and a
# connection that finds the queue full gets no answer (SYN-SENT).

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

# queued_at_server PORT CPORT "STATE RECV-Q SEND-Q": the server's end
# shows that (on loopback the bytes are there by the time send() returns,
# unless the kernel left the delivery to ksoftirqd: then a moment later).
queued_at_server() { [ "$(server_side "$1" "$2" | cut -d' ' -f1-3)" = "$3" ]; }

SERVERS=("$(c tcp_server)" "$(py tcp_server)")
CLIENTS=("$(c tcp_client)" "$(py tcp_client)")

@test "a connect() before listen() is refused (ECONNREFUSED): the server holds between bind and listen; after its readiness line the same port answers, all four pairings" {
  local server client port
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      bg srv $server --hold -n 1
      wait_for asleep_in "$srv" rt_sigtimedwait
      port=$(sed -n 's/^.*: bound to 127\.0\.0\.1:\([0-9]*\), not listening yet: waiting for SIGUSR1 (kill -USR1 '"$srv"')$/\1/p' "$T/srv.err")
      [ -n "$port" ]
      assert_equal "$(listener "$port")" ""          # bound, nobody listening
      run --separate-stderr $client "$port" hello
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$client"): connect 127.0.0.1:$port: Connection refused"
      assert_equal "$output" ""
      kill -USR1 "$srv"
      wait_for grep -qx "listening on 127.0.0.1:$port" "$T/srv.out"
      run --separate-stderr $client "$port" hello
      assert_success
      assert_output "reply 1: hello (from $(lang "$server"))"
      reaped "$srv"
      assert_equal "$status" 0
    done
  done
}

@test "with --backlog 1 a one-at-a-time server's queue holds two connections while it serves a third; the fourth gets no answer (SYN-SENT) until there is room, and a --hold cue sent it meanwhile waits for its hold" {
  local server i cl k=0
  for server in "${SERVERS[@]}"; do
    start_server srv $server --one-at-a-time --backlog 1 -n 4
    assert_equal "$(listener "$srv_port")" "0 1"
    wait_for asleep_in "$srv" 'accept*'             # no client: asleep in accept()
    bg cl1 ${CLIENTS[0]} --hold "$srv_port" one
    wait_for asleep_in "$cl1" rt_sigtimedwait
    wait_for asleep_on_socket "$srv" read recvfrom  # serving it: asleep in read() on its socket
    bg cl2 ${CLIENTS[1]} --hold "$srv_port" two
    bg cl3 ${CLIENTS[0]} --hold "$srv_port" three
    wait_for asleep_in "$cl2" rt_sigtimedwait
    wait_for asleep_in "$cl3" rt_sigtimedwait
    assert_equal "$(listener "$srv_port")" "2 1"    # two waiting: backlog + 1
    bg cl4 ${CLIENTS[k]} --hold "$srv_port" four    # C, then Python
    k=1
    wait_for asleep_in "$cl4" connect
    assert_equal "$(socks "$srv_port" | awk '$1 == "SYN-SENT"' | wc -l)" 1
    assert_equal "$(listener "$srv_port")" "2 1"
    # The fourth's cue comes while it is still in connect(): blocked from
    # the start (hold_arm), it stays pending for the hold, never kills.
    for i in 1 2 3 4; do cl=cl$i; kill -USR1 "${!cl}"; done
    for i in 1 2 3 4; do
      cl=cl$i
      reaped "${!cl}"
      assert_equal "$status" 0
    done
    assert_equal "$(cat "$T/cl1.out" "$T/cl2.out" "$T/cl3.out" "$T/cl4.out")" "reply 1: one (from $(lang "$server"))
reply 1: two (from $(lang "$server"))
reply 1: three (from $(lang "$server"))
reply 1: four (from $(lang "$server"))"
    reaped "$srv"
    assert_equal "$status" 0
  done
}

@test "a one-at-a-time server stuck on a client that stops half-way starves the next: its request waits, sent, in a connection nobody has accepted" {
  local server
  for server in "${SERVERS[@]}"; do
    start_server srv $server --one-at-a-time -n 2
    bg peer "$PYTHON" "$TCP_PEER" "$srv_port" hex:0a00 hold
    wait_for asleep_in "$peer" rt_sigtimedwait
    wait_for asleep_on_socket "$srv" read recvfrom
    bg cl ${CLIENTS[1]} "$srv_port" "waiting in line"
    wait_for asleep_in "$cl" read recvfrom          # its request sent; waits for the reply
    assert_equal "$(listener "$srv_port")" "1 16"
    # Its 4 + 15 bytes wait in the server's end of a connection not accepted yet.
    wait_for queued_at_server "$srv_port" "$(client_port cl)" "ESTAB 19 0"
    assert_equal "$(wc -l <"$T/srv.out")" 1
    kill -USR1 "$peer"                              # it closes, cut short: the server moves on
    reaped "$cl"
    assert_equal "$status" 0
    assert_equal "$(cat "$T/cl.out")" "reply 1: waiting in line (from $(lang "$server"))"
    reaped "$peer"
    reaped "$srv"
    grep -q ": frame cut short by EOF: got 2 of 4 header bytes$" "$T/srv.err"
  done
}
