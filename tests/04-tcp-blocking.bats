#!/usr/bin/env bats
# Lesson 04: blocking, as the kernel shows it. accept() with no client,
# read() on an empty socket, and send() once the peer reads nothing and
# both ends' buffers are full: the server's Recv-Q and the client's Send-Q
# (ss, from sock_diag) stop growing and the writer sleeps in the call.

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

SERVERS=("$(c tcp_server)" "$(py tcp_server)")
CLIENTS=("$(c tcp_client)" "$(py tcp_client)")

@test "with no client, a one-at-a-time server sleeps in accept() on its listening socket; the poll loop sleeps in poll (C) or epoll_wait (Python)" {
  local server
  for server in "${SERVERS[@]}"; do
    start_server srv $server --one-at-a-time
    wait_for asleep_on_socket "$srv" 'accept*'
    kill "$srv"; reaped "$srv"
    start_server srv $server
    wait_for asleep_in_poll "$srv"
    kill "$srv"; reaped "$srv"
  done
}

@test "read() on an empty socket sleeps: the server until a request comes, the client until its reply comes" {
  local server client
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server --one-at-a-time -n 1
      bg cl $client --hold "$srv_port" hello
      wait_for asleep_in "$cl" rt_sigtimedwait
      wait_for asleep_on_socket "$srv" read recvfrom    # connected, nothing sent yet
      assert_equal "$(wc -l <"$T/srv.out")" 1
      kill -STOP "$srv"
      wait_for proc_stopped "$srv"
      kill -USR1 "$cl"
      wait_for asleep_on_socket "$cl" read recvfrom     # sent; its reply not there
      assert_equal "$(client_side "$srv_port" "$(client_port cl)" | cut -d' ' -f1-2)" "ESTAB 0"
      kill -CONT "$srv"
      reaped "$cl"
      assert_equal "$status" 0
      assert_equal "$(cat "$T/cl.out")" "reply 1: hello (from $(lang "$server"))"
      reaped "$srv"
    done
  done
}

# queues PORT CPORT: "RECV-Q SEND-Q": the server's end's unread bytes, and
# the client's end's bytes not yet acknowledged.
queues() {
  echo "$(server_side "$1" "$2" | cut -d' ' -f2) $(client_side "$1" "$2" | cut -d' ' -f3)"
}

@test "send() to a peer that reads nothing: its Recv-Q and our Send-Q climb past 64 KiB each, then the writer sleeps in sendmsg; the server closed with them unread resets the connection" {
  local server client q1 q2
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server --no-read
      bg cl $client --flood 65536 "$srv_port"
      wait_for asleep_on_socket "$cl" sendmsg
      q1=$(queues "$srv_port" "$(client_port cl)")
      read -r rq sq <<<"$q1"
      [ "$rq" -gt 65536 ] || fail "server's Recv-Q $rq"
      [ "$sq" -gt 65536 ] || fail "client's Send-Q $sq"
      echo "# $(prog "$server") / $(prog "$client"): Recv-Q $rq, Send-Q $sq" >&3
      kill "$srv"                                       # closes with all that unread: RST
      reaped "$srv"
      reaped "$cl"
      assert_equal "$status" 1
      [[ $(<"$T/cl.err") =~ $'\n'"$(prog "$client"): send 127.0.0.1:$srv_port: Connection reset by peer (after "[0-9]+" frames of 65536 bytes)"$ ]] ||
        fail "client said: $(<"$T/cl.err")"
      # Nothing left of that connection: reset, no TIME-WAIT.
      assert_equal "$(server_side "$srv_port" "$(client_port cl)")$(client_side "$srv_port" "$(client_port cl)")" ""
    done
  done
}
