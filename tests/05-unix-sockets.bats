#!/usr/bin/env bats
# Lesson 05: Unix domain sockets. uds_server and uds_client (C, and their
# Python mirrors) on a stream, a datagram and a seqpacket socket, at a path
# in the test's private run directory ($D) or at an abstract name ($ABS...);
# fd_sender and fd_receiver (SCM_RIGHTS); pair_parent (socketpair) with
# lesson 01's children. Synchronised on the readiness line and on what the
# kernel shows (/proc/PID/syscall and wchan, /proc/PID/fd and fdinfo, ss,
# kcmp), never on a sleep. Every test fails if it leaves a process, a
# socket file or an abstract name behind.

load helpers/common
load helpers/uds
bats_require_minimum_version 1.5.0

SERVERS=("$(c uds_server)" "$(py uds_server)")
CLIENTS=("$(c uds_client)" "$(py uds_client)")
RECEIVERS=("$(c fd_receiver)" "$(py fd_receiver)")
SENDERS=("$(c fd_sender)" "$(py fd_sender)")
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

# queued_three SERVER CLIENT TYPE [OPTION...]: the client sends "message 1"
# to "message 3" while the server is stopped (a stream or seqpacket
# connection waits in the backlog, datagrams in the queue), and ends; then
# the server reads them all, and ends. What it read: reads.
queued_three() {
  local server=$1 client=$2 type=$3 n=1
  shift 3
  [ "$type" != dgram ] || n=3
  start_server srv $server --type "$type" -n "$n" "$@" "$D/srv.sock"
  kill -STOP "$srv"
  wait_for proc_stopped "$srv"
  run --separate-stderr $client --type "$type" "$D/srv.sock"
  assert_success
  assert_output "sent 1: 9 bytes
sent 2: 9 bytes
sent 3: 9 bytes"
  kill -CONT "$srv"
  reaped "$srv"
  assert_equal "$status" 0
  assert_gone "$D/srv.sock"
}
reads() { grep '^read ' "$T/srv.out"; }

@test "a stream keeps no boundaries: three sends queued before the server reads come back from one read; dgram and seqpacket give one read a message, every pairing" {
  local server client type
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      queued_three "$server" "$client" stream
      assert_equal "$(reads)" "read 1: 27 bytes: message 1message 2message 3"
      assert_equal "$(tail -n 2 "$T/srv.err" | sed 's/pid [0-9]*/pid P/')" "$(prog "$server"): client pid P: end of stream after 1 read
$(prog "$server"): served 1 client"
      for type in dgram seqpacket; do
        queued_three "$server" "$client" "$type"
        assert_equal "$(reads)" "read 1: 9 bytes: message 1
read 2: 9 bytes: message 2
read 3: 9 bytes: message 3"
      done
      assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 1 client"
    done
  done
}

# queued_texts SERVER CLIENT TYPE TEXT...: as queued_three, the client
# sending TEXT..., one send() each, before the stopped server reads.
queued_texts() {
  local server=$1 client=$2 type=$3 n=1
  shift 3
  [ "$type" != dgram ] || n=$#
  start_server srv $server --type "$type" -n "$n" "$D/srv.sock"
  kill -STOP "$srv"
  wait_for proc_stopped "$srv"
  run --separate-stderr $client --type "$type" "$D/srv.sock" "$@"
  assert_success
  kill -CONT "$srv"
  reaped "$srv"
  assert_equal "$status" 0
}

@test "an empty message reads as 0 bytes on seqpacket, as the end does: the server tells them apart (more queued, or the peer still there); a dgram is read as empty; a stream send of 0 bytes sends nothing, every pairing" {
  local server client type peer
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      queued_texts "$server" "$client" seqpacket a "" b
      assert_equal "$output" "sent 1: 1 byte
sent 2: 0 bytes
sent 3: 1 byte"
      assert_equal "$(reads)" "read 1: 1 byte: a
read 2: 0 bytes: an empty message (not the end)
read 3: 1 byte: b"
      assert_equal "$(tail -n 2 "$T/srv.err" | sed 's/pid [0-9]*/pid P/')" "$(prog "$server"): client pid P: end of stream after 3 reads
$(prog "$server"): served 1 client"
      queued_texts "$server" "$client" dgram a "" b
      assert_equal "$(reads)" "read 1: 1 byte: a
read 2: 0 bytes: 
read 3: 1 byte: b"
      queued_texts "$server" "$client" stream a "" b
      assert_equal "$(sed -n 2p <<<"$output")" "sent 2: 0 bytes"
      assert_equal "$(reads)" "read 1: 2 bytes: ab"
    done
    # Nothing queued after it: the peer, still connected, sent it.
    start_server srv $server --type seqpacket -n 1 "$D/srv.sock"
    bg peer "$PYTHON" -c 'import signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"")
signal.pause()' "$D/srv.sock"
    wait_for grep -qx "read 1: 0 bytes: an empty message (not the end)" "$T/srv.out"
    kill "$peer"
    reaped "$srv"
    assert_equal "$status" 0
    reaped "$peer"
    assert_equal "$(tail -n 2 "$T/srv.err" | sed 's/pid [0-9]*/pid P/')" "$(prog "$server"): client pid P: end of stream after 1 read
$(prog "$server"): served 1 client"
  done
}

@test "a read smaller than the message: a stream gives the rest to the next read; dgram and seqpacket cut the message (MSG_TRUNC) and the rest is lost" {
  local server client type
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      queued_three "$server" "$client" stream --read-size 4
      assert_equal "$(reads)" "read 1: 4 bytes: mess
read 2: 4 bytes: age 
read 3: 4 bytes: 1mes
read 4: 4 bytes: sage
read 5: 4 bytes:  2me
read 6: 4 bytes: ssag
read 7: 3 bytes: e 3"
      for type in dgram seqpacket; do
        queued_three "$server" "$client" "$type" --read-size 4
        assert_equal "$(reads)" "read 1: 4 bytes: mess (cut short: MSG_TRUNC, the rest of it is lost)
read 2: 4 bytes: mess (cut short: MSG_TRUNC, the rest of it is lost)
read 3: 4 bytes: mess (cut short: MSG_TRUNC, the rest of it is lost)"
      done
    done
  done
}

@test "the server knows who connected, from the kernel (SO_PEERCRED): the client's pid, uid and gid, stream and seqpacket, every pairing" {
  local server client type
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      for type in stream seqpacket; do
        start_server srv $server --type "$type" -n 1 "$D/srv.sock"
        bg cl $client --type "$type" --hold "$D/srv.sock" hello
        wait_for held "$cl"
        wait_for lines_in "$T/srv.out" 2
        assert_equal "$(sed -n 2p "$T/srv.out")" "client pid $cl uid $(id -u) gid $(id -g)"
        kill -USR1 "$cl"
        reaped "$cl"
        assert_equal "$status" 0
        reaped "$srv"
        assert_equal "$status" 0
        assert_equal "$(reads)" "read 1: 5 bytes: hello"
      done
    done
  done
}

# bats test_tags=asan
@test "the socket file is made 0600 whatever the umask; a directory open to others, or not ours, is refused before anything is made, server and client" {
  local server client
  for server in "${SERVERS[@]}"; do
    start_server srv sh -c 'umask 0; exec "$@"' - $server -n 1 "$D/srv.sock"
    assert_equal "$(stat -c '%F %a %U' "$D/srv.sock")" "socket 600 $(id -un)"
    run --separate-stderr ${CLIENTS[0]} "$D/srv.sock"
    assert_success
    reaped "$srv"
    assert_gone "$D/srv.sock"
  done
  chmod 755 "$D"
  for server in "${SERVERS[@]}" "${RECEIVERS[@]}"; do
    ends srv $server "$D/srv.sock"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$server"): $D: mode 0755, not 0700: not a private directory of ours (mktemp -d makes one)"
  done
  for client in "${CLIENTS[@]}" "${SENDERS[@]}"; do
    run --separate-stderr $client "$D/srv.sock" "$D/file"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$client"): $D: mode 0755, not 0700: not a private directory"
  done
  chmod 700 "$D"
  chown nobody "$D"
  for server in "${SERVERS[@]}"; do
    ends srv $server "$D/srv.sock"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$server"): $D: owner uid $(id -u nobody), not $(id -u) (us): not a directory of ours (mktemp -d makes one)"
  done
  # A client may connect in another user's private directory (the server's
  # user's): here nobody listens there.
  for client in "${CLIENTS[@]}"; do
    run --separate-stderr $client "$D/srv.sock"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$client"): connect $D/srv.sock: No such file or directory"
  done
  chown "$(id -u)" "$D"
  assert_empty "$D"
}

@test "the socket file goes at the end and on every signal that ends a program by default (INT, TERM, HUP, QUIT, PIPE: its stdout gone, a stray USR1, USR2, ALRM), held or not: the server dies of the signal, C and Python" {
  local server sig
  ulimit -c 0     # SIGQUIT's default dumps core: none in the test's directory
  for server in "${SERVERS[@]}"; do
    for sig in INT TERM HUP QUIT PIPE USR1 USR2 ALRM; do
      # env: bats --jobs starts us with SIGQUIT and SIGALRM ignored, which
      # bash cannot undo and the server rightly keeps (nohup's rule).
      start_server srv env --default-signal $server "$D/srv.sock"
      assert_socket_exists "$D/srv.sock"
      kill -"$sig" "$srv"
      wait_for proc_gone "$srv"
      reaped "$srv"
      assert_equal "$status" $((128 + $(kill -l "$sig")))
      assert_gone "$D/srv.sock"
    done
    # While it holds (sigwait, which glibc restarts after a handled signal).
    bg srv $server --type dgram --hold "$D/srv.sock"
    wait_for held "$srv"
    assert_socket_exists "$D/srv.sock"
    kill -TERM "$srv"
    wait_for proc_gone "$srv"
    reaped "$srv"
    assert_equal "$status" 143
    assert_gone "$D/srv.sock"
  done
}

# bats test_tags=asan
@test "a server removes only the socket file it made: a file put at its name since (another server's socket, a regular file) is left in place, on SIGTERM and at its end, C and Python" {
  local server
  for server in "${SERVERS[@]}"; do
    # SIGTERM after another server took the name over (the tutorial's
    # unlink before bind): the other's socket stays, and answers.
    start_server srv $server "$D/srv.sock"
    rm "$D/srv.sock"
    start_server other $server -n 1 "$D/srv.sock"
    kill -TERM "$srv"
    reaped "$srv"
    assert_equal "$status" 143
    assert_socket_exists "$D/srv.sock"
    run "$BIN/uds_client" "$D/srv.sock" hello
    assert_success
    reaped "$other"
    assert_equal "$status" 0
    assert_gone "$D/srv.sock"
    # At its end, a regular file put there meanwhile: left, and said.
    start_server srv $server -n 1 "$D/srv.sock"
    bg cl "$BIN/uds_client" --hold "$D/srv.sock" hello
    wait_for held "$cl"
    rm "$D/srv.sock"
    echo precious >"$D/srv.sock"
    kill -USR1 "$cl"
    reaped "$cl"
    reaped "$srv"
    assert_equal "$status" 0
    assert_equal "$(cat "$D/srv.sock")" precious
    assert_equal "$(tail -n 2 "$T/srv.err" | head -n 1)" "$(prog "$server"): $D/srv.sock: not the socket we made any more: left in place"
    rm "$D/srv.sock"
  done
}

# bats test_tags=asan
@test "a server that fails after bind (its readiness line cannot be written) removes its socket file: status 1, the call named" {
  local server
  for server in "${SERVERS[@]}"; do
    ends srv sh -c 'exec "$@" >&-' - $server "$D/srv.sock"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$server"): write stdout (fd 1): Bad file descriptor"
    assert_empty "$D"
  done
}

# bats test_tags=asan
@test "a stale socket file from a crashed server: bind fails (EADDRINUSE), connect() to it is refused (ECONNREFUSED), so the next server removes it and binds, C and Python, each other's, stream and dgram" {
  local crashed next type
  for crashed in "${SERVERS[@]}"; do
    for next in "${SERVERS[@]}"; do
      for type in stream dgram; do
        start_server old $crashed --type "$type" "$D/srv.sock"
        kill -KILL "$old"
        reaped "$old"
        assert_socket_exists "$D/srv.sock"          # SIGKILL: nobody removed it
        start_server srv $next --type "$type" -n 1 "$D/srv.sock"
        assert_equal "$(head -n 1 "$T/srv.err")" "$(prog "$next"): $D/srv.sock: removed a stale socket: nobody there (connect: Connection refused)"
        run --separate-stderr ${CLIENTS[1]} --type "$type" --count 1 "$D/srv.sock"
        assert_success
        reaped "$srv"
        assert_equal "$status" 0
        assert_equal "$(reads)" "read 1: 9 bytes: message 1"
        assert_gone "$D/srv.sock"
      done
    done
  done
}

# bats test_tags=asan
@test "a live server's socket is never removed: the second server's connect() succeeds, it refuses to start, and clients still reach the first, C and Python, stream and dgram" {
  local first second type n
  for first in "${SERVERS[@]}"; do
    for second in "${SERVERS[@]}"; do
      for type in stream dgram; do
        n=1
        [ "$type" = dgram ] || n=2          # the second's connect() is a client too
        start_server srv $first --type "$type" -n "$n" "$D/srv.sock"
        ends other $second --type "$type" "$D/srv.sock"
        assert_equal "$status" 1
        assert_equal "$stderr" "$(prog "$second"): bind $D/srv.sock: Address already in use: a server is there (connect succeeded): not removing it"
        assert_equal "$output" ""
        assert_socket_exists "$D/srv.sock"
        run --separate-stderr ${CLIENTS[0]} --type "$type" --count 1 "$D/srv.sock"
        assert_success
        reaped "$srv"
        assert_equal "$status" 0
        assert_equal "$(reads)" "read 1: 9 bytes: message 1"
      done
    done
  done
}

# bats test_tags=asan
@test "a file that is not a socket at the path is never removed: bind's EADDRINUSE says what is there; a client's refused connect() says it too; fd_receiver says it removes nothing" {
  local server client
  echo "not a socket" >"$D/srv.sock"
  for server in "${SERVERS[@]}"; do
    ends srv $server "$D/srv.sock"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$server"): bind $D/srv.sock: Address already in use: a regular file, not a socket: not removing it"
    assert_equal "$(cat "$D/srv.sock")" "not a socket"
  done
  for client in "${CLIENTS[@]}"; do
    ends cl $client "$D/srv.sock" hi
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$client"): connect $D/srv.sock: Connection refused: a regular file, not a socket"
  done
  for client in "${RECEIVERS[@]}"; do     # fd_receiver removes nothing, says so
    ends cl $client "$D/srv.sock"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$client"): bind $D/srv.sock: Address already in use: fd_receiver removes nothing at its name: name a new one"
    assert_equal "$(cat "$D/srv.sock")" "not a socket"
  done
  rm "$D/srv.sock"
}

# bats test_tags=asan
@test "a name too long for sun_path is refused before any call, naming the 108-byte limit; 107 bytes fit, a path and an abstract name, C and Python" {
  local fill p107 p108 a107 a108 name cmd server client
  fill=$(printf 'x%.0s' {1..120})
  p107="$D/${fill:0:$((107 - ${#D} - 1))}"          # 107 bytes, 108 with its NUL
  p108="${p107}y"
  a107="$ABS-${fill:0:$((107 - ${#ABS}))}"          # '@' and 107: sun_path[0] is '\0'
  a108="${a107}y"
  assert_equal "${#p107} ${#a107}" "107 108"
  for name in uds_server uds_client fd_receiver; do
    for cmd in "$(c "$name")" "$(py "$name")"; do
      ends one $cmd "$p108"
      assert_equal "$status" 2
      assert_equal "$stderr" "$(prog "$cmd"): $p108: a path of 108 bytes does not fit in sun_path (108 bytes with its terminating NUL: at most 107)"
      ends one $cmd "$a108"
      assert_equal "$status" 2
      assert_equal "$stderr" "$(prog "$cmd"): $a108: an abstract name of 108 bytes does not fit in sun_path (108 bytes with its leading NUL: at most 107)"
    done
  done
  for cmd in "$(c fd_sender)" "$(py fd_sender)"; do
    ends one $cmd "$p108" "$D/file"
    assert_equal "$status" 2
    assert_equal "$stderr" "$(prog "$cmd"): $p108: a path of 108 bytes does not fit in sun_path (108 bytes with its terminating NUL: at most 107)"
  done
  assert_empty "$D"
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server -n 2 "$p107"
      assert_equal "$(at_name "$p107" LISTEN | wc -l)" 1       # the whole name, not a shorter one
      run --separate-stderr $client --count 1 "$p107"
      assert_success
      start_server abs $server -n 1 "$a107"
      assert_equal "$(at_name "$a107" LISTEN | wc -l)" 1
      run --separate-stderr $client --count 1 "$a107"
      assert_success
      reaped "$abs"
      assert_equal "$status" 0
      run --separate-stderr $client --count 1 "$p107"
      assert_success
      reaped "$srv"
      assert_equal "$status" 0
    done
  done
  assert_empty "$D"
}

@test "an abstract name (@NAME) makes no file: ss lists it, every pairing reaches it, and it is gone with its server" {
  local server client
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server -n 1 "$ABS-srv"
      assert_equal "$(head -n 1 "$T/srv.out")" "listening on $ABS-srv"
      assert_equal "$(at_name "$ABS-srv" LISTEN | cut -d' ' -f1,2,5)" "u_str LISTEN $ABS-srv"
      assert_equal "$(find "$T" -type s)" ""
      run --separate-stderr $client "$ABS-srv" hello
      assert_success
      assert_equal "$stderr" "$(prog "$client"): connected to $ABS-srv (stream)"
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(reads)" "read 1: 5 bytes: hello"
      assert_equal "$(at_name "$ABS-srv")" ""
    done
  done
}

@test "connect() before listen() is refused (ECONNREFUSED): the server holds between bind and listen; after its readiness line the same path answers, every pairing" {
  local server client
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      bg srv $server --hold -n 1 "$D/srv.sock"
      wait_for held "$srv"
      assert_equal "$(cat "$T/srv.err")" "$(prog "$server"): bound to $D/srv.sock, not listening yet: waiting for SIGUSR1 (kill -USR1 $srv)"
      assert_socket_exists "$D/srv.sock"                # bound: the file is there
      assert_equal "$(at_name "$D/srv.sock" LISTEN)" ""  # nobody listening
      run --separate-stderr $client "$D/srv.sock" hello
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$client"): connect $D/srv.sock: Connection refused"
      assert_equal "$output" ""
      kill -USR1 "$srv"
      wait_for grep -qx "listening on $D/srv.sock" "$T/srv.out"
      run --separate-stderr $client "$D/srv.sock" hello
      assert_success
      reaped "$srv"
      assert_equal "$status" 0
    done
  done
}

@test "a connect() to a stream server whose backlog is full sleeps, waiting for room (no SYN-SENT as in TCP); it completes once accept() makes room, and a --hold cue sent meanwhile waits for its hold" {
  local server i cl
  for server in "${SERVERS[@]}"; do
    start_server srv $server --backlog 1 -n 4 "$D/srv.sock"
    assert_equal "$(at_name "$D/srv.sock" LISTEN | cut -d' ' -f3,4)" "0 1"
    bg cl1 ${CLIENTS[0]} --hold "$D/srv.sock" one
    wait_for held "$cl1"
    wait_for asleep_in "$srv" recvmsg                # serving it: asleep reading its socket
    bg cl2 ${CLIENTS[1]} --hold "$D/srv.sock" two
    wait_for held "$cl2"                             # queued first
    bg cl3 ${CLIENTS[0]} --hold "$D/srv.sock" three
    wait_for held "$cl3"
    assert_equal "$(at_name "$D/srv.sock" LISTEN | cut -d' ' -f3,4)" "2 1"     # backlog + 1 queued
    bg cl4 ${CLIENTS[1]} --hold "$D/srv.sock" four
    wait_for asleep_in_connect "$cl4"
    assert_equal "$(at_name "$D/srv.sock" LISTEN | cut -d' ' -f3,4)" "2 1"
    # Blocked from the start (hold_arm), the fourth's cue stays pending
    # while it sleeps in connect(), for its hold: it never kills.
    for i in 1 2 3 4; do cl=cl$i; kill -USR1 "${!cl}"; done
    for i in 1 2 3 4; do
      cl=cl$i
      reaped "${!cl}"
      assert_equal "$status" 0
    done
    reaped "$srv"
    assert_equal "$status" 0
    assert_equal "$(reads)" "read 1: 3 bytes: one
read 1: 3 bytes: two
read 1: 5 bytes: three
read 1: 4 bytes: four"
  done
}

@test "a datagram sender blocks when the receiver's queue is full (max_dgram_qlen): one more than the bound is queued, then it sleeps in send; the rest go once the server reads, C and Python both ways" {
  local server client qlen n last
  qlen=$(max_dgram_qlen)
  n=$((qlen + 5))
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      bg srv $server --type dgram --hold -n "$n" "$D/srv.sock"
      wait_for held "$srv"
      bg cl $client --type dgram --count "$n" "$D/srv.sock"
      wait_for asleep_dgram_full "$cl"
      # The kernel queues while the queue holds at most max_dgram_qlen.
      assert_equal "$(wc -l <"$T/cl.out")" $((qlen + 1))
      last="message $((qlen + 1))"
      assert_equal "$(tail -n 1 "$T/cl.out")" "sent $((qlen + 1)): ${#last} bytes"
      # ss: a datagram socket's Recv-Q is the next datagram's length.
      assert_equal "$(at_name "$D/srv.sock" | cut -d' ' -f1,3)" "u_dgr 9"
      kill -USR1 "$srv"
      reaped "$cl"
      assert_equal "$status" 0
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(reads | wc -l)" "$n"
      last="message $n"
      assert_equal "$(reads | tail -n 1)" "read $n: ${#last} bytes: $last"
    done
  done
}

@test "a stream writer blocks when the buffers are full: it sleeps in send, and every byte it sent waits in the server's Recv-Q (ss); the server gone, its send fails (ECONNRESET), C and Python both ways" {
  local server client sent
  for server in "${SERVERS[@]}"; do
    for client in "${CLIENTS[@]}"; do
      start_server srv $server --no-read "$D/srv.sock"
      bg cl $client --count 0 --size 1000 "$D/srv.sock"
      wait_for asleep_stream_full "$cl"
      sent=$(wc -l <"$T/cl.out")
      [ "$sent" -gt 10 ] || fail "only $sent messages sent"
      # A Unix stream has one queue, the receiver's: what is in it counts
      # against the sender's buffer (SO_SNDBUF).
      assert_equal "$(at_name "$D/srv.sock" ESTAB | cut -d' ' -f3)" $((sent * 1000))
      echo "# $(prog "$server") / $(prog "$client"): $sent messages of 1000 bytes queued" >&3
      kill "$srv"                                     # closes with all that unread
      reaped "$srv"
      assert_equal "$status" 143
      reaped "$cl"
      assert_equal "$status" 1
      assert_equal "$(tail -n 1 "$T/cl.err")" "$(prog "$client"): send $D/srv.sock: Connection reset by peer (after $sent messages)"
      assert_gone "$D/srv.sock"
    done
  done
}

# bats test_tags=asan
@test "a client of another user is refused by its uid (SO_PEERCRED) unless --any-user: an abstract name has no file permissions, anyone may connect, C and Python" {
  local server client nobody
  nobody=$(id -u nobody)
  public_copy "$BIN/uds_client" "$PEERS"
  for server in "${SERVERS[@]}"; do
    for client in "$PUB/uds_client" "$PYTHON $PUB/python_peers/05-unix-sockets/uds_client.py"; do
      start_server srv $server -n 1 "$ABS-srv"
      bg cl "${AS_NOBODY[@]}" $client --hold "$ABS-srv" hello
      wait_for held "$cl"
      assert_equal "$(cat "$T/cl.err")" "$(prog "$client"): connected to $ABS-srv (stream): waiting for SIGUSR1 before sending (kill -USR1 $cl)"
      wait_for grep -q ": refused " "$T/srv.err"
      assert_equal "$(sed -n 2p "$T/srv.out")" "client pid $cl uid $nobody gid $(id -g nobody)"
      assert_equal "$(head -n 1 "$T/srv.err")" "$(prog "$server"): client pid $cl: uid $nobody is not ours ($(id -u)): refused (--any-user lets it in)"
      kill -USR1 "$cl"
      reaped "$cl"
      assert_equal "$status" 1
      assert_equal "$(tail -n 1 "$T/cl.err")" "$(prog "$client"): send $ABS-srv: Broken pipe (after 0 messages)"
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(reads)" ""
      assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): served 1 client, 1 of them refused"
      start_server srv $server --any-user -n 1 "$ABS-srv"
      run --separate-stderr "${AS_NOBODY[@]}" $client "$ABS-srv" hello
      assert_success
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(reads)" "read 1: 5 bytes: hello"
    done
  done
}

# bats test_tags=asan
@test "a datagram of another user is refused by its uid (SO_PASSCRED: each datagram's credentials) unless --any-user; ours are read, and the last line counts the refused, C and Python" {
  local server client nobody
  nobody=$(id -u nobody)
  public_copy "$BIN/uds_client" "$PEERS"
  for server in "${SERVERS[@]}"; do
    for client in "$PUB/uds_client" "$PYTHON $PUB/python_peers/05-unix-sockets/uds_client.py"; do
      start_server srv $server --type dgram -n 2 "$ABS-srv"
      bg cl "${AS_NOBODY[@]}" $client --type dgram "$ABS-srv" hello
      reaped "$cl"
      assert_equal "$status" 0    # a datagram sent: the sender cannot know it was refused
      wait_for grep -q ": refused " "$T/srv.err"
      assert_equal "$(head -n 1 "$T/srv.err")" "$(prog "$server"): message 1 from pid $cl: uid $nobody is not ours ($(id -u)): refused (--any-user lets it in)"
      run --separate-stderr $client --type dgram "$ABS-srv" ours
      assert_success
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(reads)" "read 2: 4 bytes: ours"
      assert_equal "$(tail -n 1 "$T/srv.err")" "$(prog "$server"): read 2 messages, 1 of them refused"
      start_server srv $server --type dgram --any-user -n 1 "$ABS-srv"
      run --separate-stderr "${AS_NOBODY[@]}" $client --type dgram "$ABS-srv" hello
      assert_success
      reaped "$srv"
      assert_equal "$status" 0
      assert_equal "$(reads)" "read 1: 5 bytes: hello"
    done
  done
}

@test "fd_receiver on an abstract name refuses a sender of another user by its uid (SO_PEERCRED): status 1, nothing taken; the sender fails too, C and Python" {
  local receiver nobody
  nobody=$(id -u nobody)
  public_copy "$BIN/fd_sender" "$PEERS"
  PRIV=$(mktemp -d /tmp/ipclab-uds.XXXXXX)
  chown nobody:nogroup "$PRIV"
  for receiver in "${RECEIVERS[@]}"; do
    start_server r $receiver "$ABS-rx"
    ends s "${AS_NOBODY[@]}" "$PUB/fd_sender" "$ABS-rx" "$PRIV/$(prog "$receiver")"
    # Refused before or after its send: EPIPE or ECONNRESET, status 1.
    assert_equal "$status" 1
    reaped "$r"
    assert_equal "$status" 1
    [[ $(<"$T/r.err") =~ ^$(prog "$receiver"):\ $ABS-rx:\ sender\ pid\ $s:\ uid\ $nobody\ is\ not\ ours\ \($(id -u)\):\ refused$ ]] ||
      fail "$receiver: $(<"$T/r.err")"
    assert_equal "$(tail -n 1 "$T/r.out")" "listening on $ABS-rx"
  done
}

@test "a path in another user's private directory: that user's server refuses our client by its uid; a directory we cannot enter refuses the connect() (EACCES)" {
  local server client nobody
  nobody=$(id -u nobody)
  public_copy "$BIN/uds_server" "$BIN/uds_client" "$PEERS"
  PRIV=$(mktemp -d /tmp/ipclab-uds.XXXXXX)
  chown nobody:nogroup "$PRIV"
  for server in "$PUB/uds_server" "$PYTHON $PUB/python_peers/05-unix-sockets/uds_server.py"; do
    start_server srv "${AS_NOBODY[@]}" $server -n 1 "$PRIV/srv.sock"
    assert_equal "$(stat -c '%a %U' "$PRIV/srv.sock")" "600 nobody"
    bg cl ${CLIENTS[0]} --hold "$PRIV/srv.sock" hello
    wait_for held "$cl"
    wait_for grep -q ": refused " "$T/srv.err"
    assert_equal "$(head -n 1 "$T/srv.err")" "$(prog "$server"): client pid $cl: uid $(id -u) is not ours ($nobody): refused (--any-user lets it in)"
    kill -USR1 "$cl"
    reaped "$cl"
    assert_equal "$status" 1
    reaped "$srv"
    assert_equal "$status" 0
    assert_gone "$PRIV/srv.sock"
  done
  # Our server in our own private directory: nobody may not enter it.
  chown "$(id -u):$(id -g)" "$PRIV"
  start_server srv ${SERVERS[0]} "$PRIV/srv.sock"
  for client in "$PUB/uds_client" "$PYTHON $PUB/python_peers/05-unix-sockets/uds_client.py"; do
    run --separate-stderr "${AS_NOBODY[@]}" $client "$PRIV/srv.sock" hello
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$client"): connect $PRIV/srv.sock: Permission denied"
  done
  kill "$srv"
  reaped "$srv"
  assert_gone "$PRIV/srv.sock"
}

@test "a client of another type is refused: connect() to a stream server from a dgram or seqpacket socket fails with EPROTOTYPE" {
  local client type
  start_server srv ${SERVERS[0]} "$D/srv.sock"
  for client in "${CLIENTS[@]}"; do
    for type in dgram seqpacket; do
      run --separate-stderr $client --type "$type" "$D/srv.sock"
      assert_equal "$status" 1
      assert_equal "$stderr" "$(prog "$client"): connect $D/srv.sock: Protocol wrong type for socket"
    done
  done
  kill "$srv"
  reaped "$srv"
}

# bats test_tags=asan
@test "bad options: status 2 and the same words from C and Python, nothing made" {
  same_usage uds_server "--type: 'raw' is not stream, dgram or seqpacket" --type raw "$D/s"
  same_usage uds_server "--read-size: '0' is not a number from 1 to 65536" --read-size 0 "$D/s"
  same_usage uds_server "--backlog needs a value" --backlog
  same_usage uds_server "--no-read never reads: it ends on a signal, not after -n COUNT" --no-read -n 2 "$D/s"
  same_usage uds_server "the socket's path is empty" ""
  same_usage uds_server "@: an abstract name needs a name after the '@'" @
  same_usage uds_client "--count: '-1' is not a number from 0 to 1000000" --count -1 "$D/s"
  same_usage uds_client "--size: '65537' is not a number from 1 to 65536" --size 65537 "$D/s"
  same_usage uds_client "TEXT... or --count and --size, not both" --count 2 "$D/s" hi
  same_usage uds_client "TEXT 1: 65537 bytes; a message is 0 to 65536 bytes" "$D/s" "$(printf 'x%.0s' {1..65537})"
  same_usage fd_receiver "--max-fds: '9' is not a number from 1 to 8" --max-fds 9 "$D/r"
  same_usage pair_parent "-n: '101' is not a number from 1 to 100" -n 101 -- true
  same_usage pair_parent "CHILD is empty: name the child's program (lesson 01's pipe_child)" -- ""
  same_usage fd_sender "FILE is empty: name a new file for fd_sender to make" "$D/s" ""
  local name usage
  for name in uds_server uds_client fd_receiver fd_sender pair_parent; do
    ends one $(c "$name") --bogus
    assert_equal "$status" 2
    [[ $stderr =~ ^$name:\ usage:\ [^\ ]*/$name\ (.*)$ ]] || fail "C usage: $stderr"
    usage=${BASH_REMATCH[1]}
    ends one $(py "$name") --bogus
    assert_equal "$status" 2
    [[ $stderr =~ ^$name\.py:\ usage:\ [^\ ]*/$name\.py\ (.*)$ ]] || fail "Python usage: $stderr"
    assert_equal "${BASH_REMATCH[1]}" "$usage"
  done
  assert_empty "$D"
}

# ---- descriptors passed with SCM_RIGHTS ----------------------------------------

@test "descriptors passed with SCM_RIGHTS: the receiver reads the pipe to its end, finds the file's offset where the sender's last write left it, and its write moves the sender's, C and Python both ways" {
  local receiver sender pipe
  for receiver in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      start_server r $receiver "$D/r.sock"
      ends s $sender "$D/r.sock" "$D/shared"
      assert_success
      assert_equal "$stderr" ""
      [[ ${lines[0]} =~ ^sent\ $D/shared\ \(fd\ [0-9]+\)\ and\ pipe:\[([0-9]+)\]\ \(fd\ [0-9]+\)\ with\ SCM_RIGHTS$ ]] ||
        fail "sender's first line: ${lines[0]}"
      pipe=${BASH_REMATCH[1]}
      assert_equal "$(sed 1d <<<"$output")" "wrote 35 bytes to the file after sending: offset 71
wrote a line to the pipe and closed its write end; waiting for the receiver's answer
file offset now 94: fd_receiver's write moved ours (one open file description)"
      reaped "$r"
      assert_equal "$status" 0
      assert_equal "$(sed -E 's/^fd [0-9]+: (.*), inode [0-9]+$/fd N: \1/' "$T/r.out")" "listening on $D/r.sock
received 1 byte and 2 descriptors
fd N: a regular file
fd N: a FIFO
pipe: a line through the pipe
file offset 71: where fd_sender's last write left it
file: written by fd_sender before sending
file: written by fd_sender after sending
wrote 23 bytes to the file: offset now 94"
      grep -qE "^fd [0-9]+: a FIFO, inode $pipe$" "$T/r.out"     # the sender's pipe
      assert_empty "$D"                                           # both removed theirs
    done
  done
}

@test "a passed descriptor is the sender's open file description: the same file in both /proc/PID/fd, one offset in both fdinfo, and kcmp(KCMP_FILE) says they are one; the file opened again by name is not" {
  local receiver sender rfile rpipe sfile spipe other
  for receiver in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      start_server r $receiver --hold "$D/r.sock"
      bg s $sender "$D/r.sock" "$D/shared"
      wait_for held "$r"
      wait_for asleep_in "$s" read recvfrom          # waiting for the answer
      rfile=$(sed -n 's/^fd \([0-9]*\): a regular file, .*/\1/p' "$T/r.out")
      rpipe=$(sed -n 's/^fd \([0-9]*\): a FIFO, .*/\1/p' "$T/r.out")
      sfile=$(sed -n 's/^sent .* (fd \([0-9]*\)) and .*/\1/p' "$T/s.out")
      spipe=$(sed -n 's/^sent .* and pipe:.* (fd \([0-9]*\)) with .*/\1/p' "$T/s.out")
      assert_equal "$(readlink "/proc/$r/fd/$rfile")" "$D/shared"
      assert_equal "$(readlink "/proc/$s/fd/$sfile")" "$D/shared"
      assert_equal "$(readlink "/proc/$r/fd/$rpipe")" "$(readlink "/proc/$s/fd/$spipe")"
      assert_equal "$(grep '^pos:' "/proc/$r/fdinfo/$rfile")" "pos:	94"
      assert_equal "$(grep '^pos:' "/proc/$s/fdinfo/$sfile")" "pos:	94"
      assert_equal "$(kcmp_file "$s" "$sfile" "$r" "$rfile")" 0
      assert_equal "$(kcmp_file "$s" "$spipe" "$r" "$rpipe")" 0
      # The same inode opened again: another open file description.
      exec {other}<"$D/shared"
      [ "$(stat -L -c %i "/proc/$BASHPID/fd/$other")" = "$(stat -L -c %i "/proc/$r/fd/$rfile")" ]
      [ "$(kcmp_file "$BASHPID" "$other" "$r" "$rfile")" != 0 ] || fail "kcmp says one open file"
      exec {other}<&-
      kill -USR1 "$r"
      reaped "$s"
      assert_equal "$status" 0
      reaped "$r"
      assert_equal "$status" 0
      assert_empty "$D"
    done
  done
}

@test "fd_sender removes its file on SIGINT, SIGTERM and SIGHUP while it waits for the receiver's answer, C and Python" {
  local sender sig n
  for sender in "${SENDERS[@]}"; do
    for sig in INT:2 TERM:15 HUP:1; do
      n=${sig#*:}
      start_server r "$(c fd_receiver)" --hold "$D/r.sock"
      bg s $sender "$D/r.sock" "$D/shared"
      wait_for held "$r"
      wait_for asleep_in "$s" read recvfrom          # waiting for the answer
      [ -e "$D/shared" ] || fail "no file to remove yet"
      kill -"${sig%:*}" "$s"
      reaped "$s"
      assert_equal "$status" $((128 + n))
      assert_gone "$D/shared"
      kill -TERM "$r"
      reaped "$r"
      assert_empty "$D"
    done
  done
}

# A receiver that takes the descriptors and answers ANSWER, writing
# nothing: python -c FAKE_RECEIVER PATH ANSWER (readiness line first).
FAKE_RECEIVER='import os, socket, sys
l = socket.socket(socket.AF_UNIX)
l.bind(sys.argv[1])
l.listen(1)
print("listening on " + sys.argv[1], flush=True)
c, _ = l.accept()
msg, fds, _, _ = socket.recv_fds(c, 1, 4)
c.send(sys.argv[2].encode())
c.close()
os.unlink(sys.argv[1])'

@test "fd_sender believes only what happened: an answer other than 'A' is refused; 'A' with the offset unmoved says nothing wrote through the descriptor; status 1, its file removed, C and Python alike" {
  local sender answer
  for sender in "${SENDERS[@]}"; do
    for answer in Z A; do
      start_server r "$PYTHON" -c "$FAKE_RECEIVER" "$D/r.sock" "$answer"
      run --separate-stderr $sender "$D/r.sock" "$D/shared"
      assert_failure 1
      if [ "$answer" = Z ]; then
        assert_equal "$stderr" "$(prog "$sender"): $D/r.sock: the answer is 'Z', not fd_receiver's 'A'"
      else
        assert_equal "$stderr" "$(prog "$sender"): file offset still 71: nothing wrote through the descriptor we sent"
      fi
      refute_output --partial "fd_receiver's write moved ours"
      reaped "$r"
      assert_empty "$D"
    done
  done
}

@test "fd_sender never takes a file that is there (O_EXCL): it says to name a new one, status 1, the file untouched, C and Python alike" {
  local sender
  echo "someone's" >"$D/there"
  for sender in "${SENDERS[@]}"; do
    run --separate-stderr $sender "$D/r.sock" "$D/there"
    assert_failure 1
    assert_equal "$stderr" "$(prog "$sender"): open $D/there: File exists: fd_sender makes a new file of its own (O_EXCL): name one that is not there"
    assert_equal "$(<"$D/there")" "someone's"
  done
  rm "$D/there"
}

# bats test_tags=asan
@test "a control buffer too small for the descriptors sent: the kernel closes the rest and sets MSG_CTRUNC; the receiver refuses, the sender is told, nothing is left, C and Python both ways" {
  local receiver sender
  for receiver in "${RECEIVERS[@]}"; do
    for sender in "${SENDERS[@]}"; do
      start_server r $receiver --max-fds 1 "$D/r.sock"
      ends s $sender "$D/r.sock" "$D/shared"
      assert_equal "$status" 1
      assert_equal "$(tail -n 1 <<<"$stderr")" "$(prog "$sender"): $D/r.sock: fd_receiver closed the connection without answering"
      reaped "$r"
      assert_equal "$status" 1
      assert_equal "$(cat "$T/r.err")" "$(prog "$receiver"): recvmsg $D/r.sock: MSG_CTRUNC: room for 1 descriptor, more were sent: the kernel closed the rest (1 received)"
      assert_empty "$D"
    done
  done
}

# pass_other RECEIVER WHAT [WORDS]: a peer connects and passes WHAT instead
# of "F" with a file and a pipe's read end ("none", "socket-file", "three";
# "X": the right descriptors after another byte; "nothing": it closes at
# once). The receiver refuses with WORDS (default: what came is not a file
# and a FIFO).
pass_other() {
  start_server r $1 --max-fds 8 "$D/r.sock"
  run "$PYTHON" - "$D/r.sock" "$2" "$D/f" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
if sys.argv[2] == "nothing":
    sys.exit(0)
f = os.open(sys.argv[3], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
os.unlink(sys.argv[3])
r, w = os.pipe()
fds = {"none": [], "socket-file": [s.fileno(), f], "three": [f, r, r], "X": [f, r]}[sys.argv[2]]
if fds:
    socket.send_fds(s, [b"X" if sys.argv[2] == "X" else b"F"], fds)
else:
    s.send(b"F")
s.recv(1)
PY
  assert_success
  reaped "$r"
  assert_equal "$status" 1
  local words="expected a regular file and a FIFO (a pipe's read end): refused"
  assert_equal "$(cat "$T/r.err")" "$(prog "$1"): $D/r.sock: ${3:-$words}"
  assert_empty "$D"
}

# bats test_tags=asan
@test "a sender that passes something else (no descriptor, a socket first, three, another byte than F, nothing at all) is refused, saying what came, and leaves nothing" {
  local receiver
  for receiver in "${RECEIVERS[@]}"; do
    pass_other "$receiver" none
    assert_equal "$(sed -n 2p "$T/r.out")" "received 1 byte and 0 descriptors"
    pass_other "$receiver" socket-file
    assert_equal "$(sed -n '2,4p' "$T/r.out" | sed -E 's/(fd|inode) [0-9]+/\1 N/g')" "received 1 byte and 2 descriptors
fd N: a socket, inode N
fd N: a regular file, inode N"
    pass_other "$receiver" three
    assert_equal "$(sed -n 2p "$T/r.out")" "received 1 byte and 3 descriptors"
    pass_other "$receiver" X "the byte sent is 'X', not fd_sender's 'F': refused"
    assert_equal "$(sed -n 2p "$T/r.out")" "received 1 byte and 2 descriptors"
    pass_other "$receiver" nothing "the sender closed the connection before sending anything"
    assert_equal "$(wc -l <"$T/r.out")" 1
  done
}

# ---- socketpair: lesson 01's child, unchanged ------------------------------------

PARENTS=("$(c pair_parent)" "$(py pair_parent)")
CHILDREN=("$BIN/pipe_child" "$PYTHON $PEERS/01-pipes/pipe_child.py")

@test "a socketpair instead of two pipes: the parent sends its pings, shutdown(SHUT_WR) gives lesson 01's unchanged child EOF, every reply comes back, all four pairings" {
  local parent child k
  for parent in "${PARENTS[@]}"; do
    for child in "${CHILDREN[@]}"; do
      ends p $parent -n 100 -- $child
      assert_success
      assert_equal "${#lines[@]}" 101
      for k in 1 50 100; do
        assert_line "reply $k: pong: ping $k (from $(lang "$child"))"
      done
      assert_equal "${lines[100]}" "child exited with status 0"
      [[ $stderr == *"$(prog "$parent"): sent 100 pings, then shutdown(SHUT_WR): the child reads EOF"* ]]
      [[ $stderr == *"$(prog "$child"): answered 100 pings"* ]]
      [[ $stderr == *"$(prog "$parent"): got 100 replies" ]]
    done
  done
}

has_child() { [ -n "$(proc_children "$1")" ]; }

# forgotten_end_hangs PARENT-ARGV... -- CHILD-ARGV...: as lesson 01's
# eof-hang, with descriptors 0, 1 and 2 only, as from a shell.
forgotten_end_hangs() {
  bg_reaped p "$PYTHON" -c 'import os, sys
os.closerange(3, 65536)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
  wait_for has_child "$p"
  local child call fd mine theirs
  child=$(proc_children "$p")
  # The child read every ping and EOF (the parent's shutdown, whatever
  # copies of the child's end the parent holds), answered, and exited: a
  # zombie, not reaped yet.
  wait_for proc_zombie "$child"
  grep -q ": answered 3 pings$" "$T/p.err"
  wait_for grep -q "^reply 3: pong: ping 3 " "$T/p.out"
  # ... and the parent sleeps in read() on its end, for good:
  wait_for asleep_in "$p" read
  read -r call fd <<<"$(sock_syscall "$p")"
  mine=$(sock_inode "$p" "$fd")
  # it holds the other end of the pair too, which keeps EOF away.
  theirs=$(peer_inode "$mine")
  [ -n "$theirs" ]
  run fds_on "$p" "socket:[$theirs]"
  assert_equal "${#lines[@]}" 1
  grep -qF -- "--forget-close: keeping socket:[$theirs] (fd ${lines[0]%% *}), the child's end" "$T/p.err"
  run grep -c "^child " "$T/p.out"
  assert_output 0
  kill "$p"
  wait_exit "$p"
  wait_exit "$p_reaper"           # it reaped the child handed to it
  wait "$p_reaper" || true
}

@test "a parent that keeps the child's end of the pair (--forget-close) never sees EOF: it sleeps in read() holding both ends, its child a zombie, C and Python" {
  forgotten_end_hangs "$BIN/pair_parent" --forget-close -n 3 -- \
    "$PYTHON" "$PEERS/01-pipes/pipe_child.py"
  forgotten_end_hangs "$PYTHON" "$PEERS/05-unix-sockets/pair_parent.py" --forget-close -n 3 -- \
    "$BIN/pipe_child"
}
