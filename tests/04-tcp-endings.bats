#!/usr/bin/env bats
# Lesson 04: how a connection ends. An orderly close is the other side's
# recv() returning 0; shutdown(SHUT_WR) ends only our sending, and the
# server still answers; a close with unread data resets the connection
# (ECONNRESET); a send on a connection the server has closed raises
# SIGPIPE, or fails with EPIPE under MSG_NOSIGNAL; and the side that
# closes first keeps the connection in TIME-WAIT, which a restarted server
# meets as EADDRINUSE without SO_REUSEADDR.

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

SERVERS=("$(c tcp_server)" "$(py tcp_server)")
CLIENTS=("$(c tcp_client)" "$(py tcp_client)")

@test "orderly close: the client's close() is the server's recv() returning 0, every pairing" {
  local server client cport
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server -n 1
      run --separate-stderr $client "$srv_port" one two three
      assert_success
      cport=$(client_port_of "$stderr")
      reaped "$srv"
      assert_equal "$status" 0
      grep -qx "$(prog "$server"): client 127.0.0.1:$cport: closed the connection (recv 0) after 3 requests" "$T/srv.err"
    done
  done
}

client_port_of() { local l=${1#*connected from 127.0.0.1:}; echo "${l%% *}"; }

@test "half-close: after shutdown(SHUT_WR) the client is in FIN-WAIT-2, the server in CLOSE-WAIT with the requests unread, and it still answers them all" {
  local server client
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server -n 1
      kill -STOP "$srv"
      wait_for proc_stopped "$srv"
      bg cl $client --shutdown "$srv_port" first second
      wait_for asleep_on_socket "$cl" read recvfrom
      local cport
      cport=$(client_port cl)
      # FIN-WAIT-1 until the server's kernel acknowledges our FIN.
      wait_for end_state client_side "$srv_port" "$cport" FIN-WAIT-2
      # 4 + 5 and 4 + 6 bytes of requests wait for the server, and our FIN,
      # which Recv-Q counts as one more (it takes a sequence number).
      assert_equal "$(server_side "$srv_port" "$cport" | cut -d' ' -f1-2)" "CLOSE-WAIT 20"
      kill -CONT "$srv"
      reaped "$cl"
      assert_equal "$status" 0
      assert_equal "$(cat "$T/cl.out")" "reply 1: first (from $(lang "$server"))
reply 2: second (from $(lang "$server"))"
      assert_equal "$(tail -n 1 "$T/cl.err")" "$(prog "$client"): 127.0.0.1:$srv_port closed the connection (recv 0)"
      reaped "$srv"
      grep -qx "$(prog "$server"): client 127.0.0.1:$cport: closed the connection (recv 0) after 2 requests" "$T/srv.err"
    done
  done
}

@test "reset: a client that closes with its reply unread resets the connection; the server's recv fails with ECONNRESET and it serves the next client, every pairing" {
  local server client cport
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server -n 2
      run --separate-stderr $client --reset "$srv_port" hello
      assert_success
      assert_equal "${stderr##*$'\n'}" "$(prog "$client"): closing with the reply unread: the kernel sends a reset (RST)"
      cport=$(client_port_of "$stderr")
      wait_for grep -q "client 127.0.0.1:$cport: recv 127.0.0.1:$cport: Connection reset by peer$" "$T/srv.err"
      assert_equal "$(socks "$srv_port" | grep -c ":$cport ")" 0    # no TIME-WAIT after a reset
      run --separate-stderr $client "$srv_port" next
      assert_success
      assert_output "reply 1: next (from $(lang "$server"))"
      reaped "$srv"
      assert_equal "$status" 0
    done
  done
}

# gone_server SERVER CLIENT OPTION...: the client connects and holds; the
# server is killed (its socket closed: FIN) and the client's end shows
# CLOSE-WAIT; then the client sends two requests. The first reaches a
# closed socket, which answers with a reset; the second is a send on a
# connection that is no more.
gone_server() {
  local server=$1 client=$2
  shift 2
  start_server srv $server
  bg cl $client "$@" --hold "$srv_port" one two
  wait_for asleep_in "$cl" rt_sigtimedwait
  wait_for accepted srv cl
  kill "$srv"
  reaped "$srv"
  wait_for end_state client_side "$srv_port" "$(client_port cl)" CLOSE-WAIT
  kill -USR1 "$cl"
  reaped "$cl"
}

@test "a send on a connection the server has closed: EPIPE with MSG_NOSIGNAL (said, status 1); killed by SIGPIPE without it (status 141), C and Python" {
  local server client
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      gone_server "$server" "$client"
      assert_equal "$status" 1
      assert_equal "$(tail -n 1 "$T/cl.err")" "$(prog "$client"): send 127.0.0.1:$srv_port: Broken pipe"
      gone_server "$server" "$client" --no-nosignal
      assert_equal "$status" 141
      assert_equal "$(tail -n 1 "$T/cl.err")" "$(prog "$client"): connected from 127.0.0.1:$(client_port cl) to 127.0.0.1:$srv_port"
    done
  done
}

# server_first SERVER OPTION...: a server started with OPTION... has a
# client that sends nothing and waits; the server is killed, so it closes
# first, and its end of the connection stays in TIME-WAIT on its port.
server_first() {
  local server=$1
  shift
  start_server srv $server "$@"
  bg cl $(c tcp_client) "$srv_port"             # no request: waits for the server to close
  wait_for asleep_on_socket "$cl" read recvfrom
  wait_for accepted srv cl
  kill "$srv"
  reaped "$srv"
  reaped "$cl"
  assert_equal "$status" 0
  # (FIN-WAIT-2 until the client's FIN is in, then TIME-WAIT.)
  wait_for end_state server_side "$srv_port" "$(client_port cl)" TIME-WAIT ||
    fail "no TIME-WAIT for the server's end: $(socks "$srv_port"); client: $(cat "$T/cl.err")"
}

# end_state server_side|client_side PORT CPORT STATE: that end of the
# connection is in STATE.
end_state() { [ "$("$1" "$2" "$3" | cut -d' ' -f1)" = "$4" ]; }

@test "the server that closes first keeps its port in TIME-WAIT: a restart there fails with EADDRINUSE without SO_REUSEADDR, and listens with it" {
  local server again
  for server in "${SERVERS[@]}"; do
    for again in "${SERVERS[@]}"; do
      server_first "$server"
      run --separate-stderr $again --port "$srv_port" --no-reuseaddr
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$again"): bind 127.0.0.1:$srv_port: Address already in use"
      start_server srv2 $again --port "$srv_port"
      assert_equal "$srv2_port" "$srv_port"
      kill "$srv2"
      reaped "$srv2"
    done
  done
}

@test "SO_REUSEADDR takes both: after a server without it, a restart with it fails with EADDRINUSE too while the TIME-WAIT lasts" {
  local server again
  for server in "${SERVERS[@]}"; do
    for again in "${SERVERS[@]}"; do
      server_first "$server" --no-reuseaddr
      run --separate-stderr $again --port "$srv_port"
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$again"): bind 127.0.0.1:$srv_port: Address already in use"
    done
  done
}

@test "the client that closes first keeps the TIME-WAIT, on its own port: the server restarts on its port even without SO_REUSEADDR" {
  local server
  for server in "${SERVERS[@]}"; do
    # (--no-reuseaddr: bind() then picks a port where no earlier
    # connection is in TIME-WAIT; with SO_REUSEADDR it may pick one.)
    start_server srv $server -n 1 --no-reuseaddr
    run --separate-stderr $(c tcp_client) "$srv_port" hello
    assert_success
    reaped "$srv"
    wait_for end_state client_side "$srv_port" "$(client_port_of "$stderr")" TIME-WAIT
    # Nothing on the server's side of its port. (An earlier client's
    # TIME-WAIT may have that port as its peer: bind() may hand out a port
    # that is only some TIME-WAIT's remote end.)
    assert_equal "$(socks "$srv_port" | awk -v l="127.0.0.1:$srv_port" '$4 == l')" ""
    start_server srv2 $server --port "$srv_port" --no-reuseaddr
    assert_equal "$srv2_port" "$srv_port"
    kill "$srv2"
    reaped "$srv2"
  done
}

@test "with --wait-close a client reads its reply, then sleeps in recv until the server closes: the TIME-WAIT is the server's, whatever the scheduler does" {
  local client
  for client in "${CLIENTS[@]}"; do
    # The server answers, then holds the connection open until SIGUSR1.
    start_server srv "$PYTHON" "$TCP_PEER" --serve request 'frame:echo: hi' hold close
    bg cl $client --wait-close "$srv_port" hi
    wait_for grep -qx 'echo: hi' "$T/cl.out"
    wait_for asleep_on_socket "$cl" read recvfrom     # the reply printed, still connected
    kill -USR1 "$srv"
    reaped "$cl"
    assert_equal "$status" 0
    assert_equal "$(tail -n 1 "$T/cl.err")" "$(prog "$client"): 127.0.0.1:$srv_port closed the connection (recv 0)"
    reaped "$srv"
    wait_for end_state server_side "$srv_port" "$(client_port cl)" TIME-WAIT
  done
}
