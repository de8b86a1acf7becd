#!/usr/bin/env bats
# Lesson 04: the common tutorial's TCP pair (naive_server, naive_client, C
# and Python), run as written apart from the port (port 0, and the
# readiness line). What one recv(conn, buf, 50, 0) returns is what the
# socket holds, up to 50 bytes, whatever the sends were. The server is
# stopped (SIGSTOP) before the client connects: the kernel completes the
# connection and queues the bytes, so everything the client sent is
# queued when the server takes its first look.

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

NSERVERS=("$(c naive_server)" "$(py naive_server)")
NCLIENTS=("$(c naive_client)" "$(py naive_client)")

ticks_at_least() { [ "$(cpu_ticks "$1")" -ge "$2" ]; }
# conn_states PORT "STATE..." : the states of the connection's two ends.
conn_states() {
  [ "$(socks "$1" | awk '$1 != "LISTEN" { print $1 }' | sort | paste -sd ' ')" = "$2" ]
}
listener_is() { [ "$(listener "$1")" = "$2" ]; }
lines_over() { [ "$(wc -l <"$1")" -gt "$2" ]; }

# deliver SERVER CLIENT ARGS...: the client sends everything to a stopped
# server and ends; then the server goes on and prints until the line count
# reaches $want (a spinning server prints for ever: it is then killed).
deliver() {
  local server=$1 client=$2
  shift 2
  start_server srv $server
  wait_for asleep_in "$srv" 'accept*'
  kill -STOP "$srv"
  wait_for proc_stopped "$srv"
  run $client "$srv_port" "$@"
  assert_success
  wait_for listener_is "$srv_port" "1 3"          # queued for accept(): backlog 3
  kill -CONT "$srv"
  wait_for lines_over "$T/srv.out" "$want"
  kill "$srv"
  reaped "$srv"
}

@test "two sends are read by one recv: the tutorial's server prints them merged, and a C string's NUL hides the second, C and Python" {
  local server client want=3
  for server in "${NSERVERS[@]}"; do
    for client in "${NCLIENTS[@]}"; do
      deliver "$server" "$client" hello world
      assert_equal "$(sed -n 2p "$T/srv.out")" "Received: helloworld"
      deliver "$server" "$client --nul" hello world
      assert_equal "$(sed -n 2p "$T/srv.out")" "Received: hello"    # "world" lost, not a word said
    done
  done
}

@test "one send of 120 bytes is read in pieces of 50, 50 and 20: the last printed with the 30 bytes before it (garbage after a missing NUL)" {
  local server client want=4 a b c
  a=$(printf 'a%.0s' {1..50}); b=$(printf 'b%.0s' {1..50}); c=$(printf 'c%.0s' {1..20})
  for server in "${NSERVERS[@]}"; do
    for client in "${NCLIENTS[@]}"; do
      deliver "$server" "$client" "$a$b$c"
      assert_equal "$(sed -n 2,4p "$T/srv.out")" "Received: $a
Received: $b
Received: $c${b:20}"
    done
  done
}

@test "once the client has gone, the tutorial's server spins: its socket in CLOSE-WAIT, recv returns 0 at once, its last line printed again and again, CPU time growing" {
  local server t0
  for server in "${NSERVERS[@]}"; do
    start_server srv $server
    run $(c naive_client) "$srv_port" bye
    assert_success
    wait_for lines_over "$T/srv.out" 100
    assert_equal "$(sort -u <(sed 1d "$T/srv.out") | head -n 2)" "Received: bye"
    # The client closed its end (FIN-WAIT-1, then FIN-WAIT-2 once the
    # server's kernel acknowledges it); the server never closes its own.
    wait_for conn_states "$srv_port" "CLOSE-WAIT FIN-WAIT-2"
    t0=$(cpu_ticks "$srv")
    wait_for ticks_at_least "$srv" $((t0 + 20))     # 0.2 s of CPU, and counting
    [ "$(proc_state "$srv")" != S ] || [[ $(sock_syscall "$srv") != recvfrom* ]] ||
      fail "asleep in recv: $(sock_syscall "$srv")"
    kill "$srv"
    reaped "$srv"
  done
}

@test "the kit's tcp_server never takes a recv for a message: the same two sends come back as two requests, every pairing" {
  local server client
  for server in "$(c tcp_server)" "$(py tcp_server)"; do
    for client in "$(c tcp_client)" "$(py tcp_client)"; do
      start_server srv $server -n 1
      kill -STOP "$srv"
      wait_for proc_stopped "$srv"
      bg cl $client "$srv_port" hello world
      wait_for asleep_in "$cl" read recvfrom
      kill -CONT "$srv"
      reaped "$cl"
      assert_equal "$status" 0
      assert_equal "$(cat "$T/cl.out")" "reply 1: hello (from $(lang "$server"))
reply 2: world (from $(lang "$server"))"
      reaped "$srv"
    done
  done
}
