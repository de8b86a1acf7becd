#!/usr/bin/env bats
# Grading test of exercise 04-tcp/01-whole-reply (README.md says what is
# checked). Grades $EXERCISE_DIR/frame_client.c: this folder by default.
#   bats lessons/04-tcp/exercises/01-whole-reply/grade.bats
#
# The server is tests/helpers/tcp_peer.py --serve: it listens on a port the
# kernel picks, says so, reads the request, then sends exactly the pieces
# it is told, waiting for SIGUSR1 between them ("hold"). The grader sends
# the next piece only once the kernel shows the client asleep in recv()
# with nothing left in its socket (its Recv-Q 0): it took the piece before.

load ../../../../tests/helpers/grading
load ../../../../tests/helpers/tcp

setup_file() { compile_c frame_client.c; }

# serve STEP...: the peer server, its port in $peer_port, its pid in $peer.
serve() { start_server peer "$PYTHON" "$TCP_PEER" --serve "$@"; }

# client TEXT: the graded client, marked, connecting to the peer.
client() {
  local exe
  need_exe exe
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$exe" "$peer_port" "$1" \
    </dev/null >"$T/client.out" 2>"$T/client.err" 3>&- &
  client=$!
}

# client_rq: the Recv-Q of the client's end of the connection (bytes the
# kernel holds for it, not received yet).
client_rq() { socks "$peer_port" | awk -v p="127.0.0.1:$peer_port" '$5 == p { print $2 }'; }

# took_it: the client sleeps in a receive on its socket with nothing left
# to receive: it has taken every byte sent so far. The queue first, then
# the sleep: a sleep seen after the queue was empty is a new one.
took_it() {
  [ "$(client_rq)" = 0 ] && asleep_on_socket "$client" recvfrom read recvmsg
}

# peer_holds: the peer waits for SIGUSR1 before its next piece.
peer_holds() { [[ $(sock_syscall "$peer") == rt_sigtimedwait* ]]; }

# next_piece: once the client has taken what was sent (or has ended, or
# spins), let the peer send its next piece. Returns 1 when the client is
# no longer waiting for more.
next_piece() {
  wait_settled 20 "$client" ready_for_more || true
  proc_gone "$client" && return 1
  spinning "$client" && return 1
  took_it || return 1
  kill -USR1 "$peer"
}
ready_for_more() { proc_gone "$client" || spinning "$client" || { peer_holds && took_it; }; }

# pieces HEX: one step a byte of HEX, a hold after each but the last.
pieces() {
  local hex=$1 i steps=()
  for ((i = 0; i < ${#hex}; i += 2)); do
    steps+=("hex:${hex:i:2}")
    ((i + 2 < ${#hex})) && steps+=(hold)
  done
  echo "${steps[@]}"
}

# feed_pieces N: let the peer send N more pieces, one at a time.
feed_pieces() {
  local n=$1 k
  for ((k = 0; k < n; k++)); do
    next_piece || break
  done
}

stop_peer() { stop "$peer"; }

@test "frame_client.c compiles with the kit's flags" {
  assert_compiled
}

@test "prints a reply that arrives whole, after sending its request as a frame" {
  local exe
  need_exe exe
  serve request frame:"hello to you" eof
  client "hello"
  finish "$client" client
  show_run
  stop_peer
  expect_equal "what the server received as the request" "hello" "$(sed -n 2p "$T/peer.out")"
  expect_equal "what it printed" "hello to you" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "waits for the rest of a reply that arrives a byte at a time, header and payload" {
  local exe n
  need_exe exe
  # "split reply": 11 bytes; its header 0b 00 00 00; one byte a piece.
  # shellcheck disable=SC2046
  serve request $(pieces 0b000000$(printf 'split reply' | od -An -tx1 | tr -d ' \n')) eof
  client "hello"
  n=14
  feed_pieces "$n"
  finish "$client" client
  show_run
  stop_peer
  if [ "$status" -ne 0 ] && [[ $stderr == *"closed the connection after "* ]]; then
    fail "it said the server closed the connection, but the server had not: the kernel showed the connection open, the next byte on its way. One recv() returns what has arrived so far (here one byte), not the bytes asked: loop until you have them all"
  fi
  expect_equal "what it printed for a reply sent one byte at a time" "split reply" "$output"
  expect_equal "its exit status" 0 "$status"
}

@test "says the server closed the connection half-way through a reply, with the bytes it got, status 1" {
  local exe
  need_exe exe
  # A header for 10 bytes, then 2, then 1, then the server closes.
  serve request len:10 hold hex:6162 hold hex:63 close
  client "hello"
  feed_pieces 2
  SPIN_HINT="the server had closed the connection, and recv() returns 0 at once, every time after; does your loop stop when recv() returns 0?" \
    finish "$client" client
  show_run
  stop_peer
  expect_equal "what it printed on stdout" "" "$output"
  if [[ $stderr =~ closed\ the\ connection\ after\ ([0-2])\ of\ 10\ payload ]]; then
    fail "it said the server closed the connection after ${BASH_REMATCH[1]} of the 10 payload bytes, but the server had sent 2, then 1 more before it closed: it took the first recv()'s bytes for all there would be. Loop until you have them all, or recv() returns 0"
  fi
  expect_match "its message on stderr" "closed the connection after 3 of 10 payload bytes" "$stderr"
  expect_equal "its exit status" 1 "$status"
}

@test "refuses a reply length out of range, status 1" {
  local exe
  need_exe exe
  serve request len:-5 eof
  client "hello"
  finish "$client" client
  show_run
  stop_peer
  expect_equal "what it printed on stdout" "" "$output"
  expect_match "its message on stderr" "reply length -5 is out of range" "$stderr"
  expect_equal "its exit status" 1 "$status"
}
