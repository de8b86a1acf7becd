#!/usr/bin/env bats
# ipclab shows the run's Unix domain sockets as the kernel sees them
# (netlink sock_diag's unix_diag, what ss -x reads): type, state, name
# (a path, or @name for an abstract one), peer resolved by inode to the
# process and descriptor that hold it, queues (a listener's connections
# waiting to be accepted, a datagram socket's next datagram), a connection
# not accepted yet, a call asleep on one; and a descriptor passed from
# another process (SCM_RIGHTS), named as the same open file (kcmp). The
# programs are tests/fixtures/unix_peer.py, driven line by line from the
# scenario; every path is in the run's private directory (rundir()).
load helpers/common
load helpers/ipclab

teardown() {
  local rc=0
  tmux_stop
  assert_nothing_left || rc=$?
  "$IPCLAB" clean >/dev/null 2>&1 || true
  return "$rc"
}

screen_matches() { screen | grep -qE -- "$1"; }

# The run's directory as a regular expression (this test's
# XDG_RUNTIME_DIR, the run's pid), for the transcript's paths.
DIR_RE() { printf '%s/ipclab/run-[0-9]+' "$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$XDG_RUNTIME_DIR")"; }

# bats test_tags=asan
@test "a Unix listener: its server asleep in accept() named with it, an accepted pair naming both ends' processes, two clients not accepted yet in its queue" {
  run "$IPCLAB" run "$FIX/unix-listen.lua" --headless
  assert_success
  local d
  d=$(DIR_RE)
  assert_line --regexp "^ +[0-9.]+ socket Unix stream $d/srv\.sock LISTEN, 0 waiting of 4 to be accepted: server fd 3$"
  assert_line --regexp "^ +[0-9.]+ state server sleeping in accept4?\(fd 3\) on Unix stream $d/srv\.sock \(LISTEN, 0 waiting of 4 to be accepted\)$"
  assert_line --regexp "print state	accept4?	Unix	stream	LISTEN	true	0	4$"
  # The socket's own line comes before the state that names it.
  local sock state
  sock=$(grep -nE "socket Unix stream $d/srv\.sock LISTEN, 0 waiting" <<<"$output" | head -1 | cut -d: -f1)
  state=$(grep -n "state server sleeping in accept" <<<"$output" | head -1 | cut -d: -f1)
  [ "$sock" -lt "$state" ]
  # Both ends of the accepted connection, each naming the other's holder.
  assert_line --regexp "socket Unix stream $d/srv\.sock \(accepted\) connected to client fd 3, Recv-Q 0, Send-Q 0: server fd 4$"
  assert_line --regexp "socket Unix stream socket:\[[0-9]+\] connected to server fd 4 \($d/srv\.sock\), Recv-Q 0, Send-Q 0: client fd 3$"
  assert_line --regexp "print accepted	connected	true	true	true$"
  assert_line --regexp "print server end	true	true	3	true$"
  # Two more wait in the queue: the listener counts them, each client is
  # told not accepted yet, in that listener's queue.
  assert_line --regexp "socket Unix stream $d/srv\.sock LISTEN, 2 waiting of 4 to be accepted: server fd 3$"
  [ "$(grep -cE "socket Unix stream socket:\[[0-9]+\] connected, not accepted yet \(in the queue of $d/srv\.sock\), Recv-Q 0, Send-Q 0: client [23] fd 3$" <<<"$output")" = 2 ]
  assert_line --regexp "print listen	stream	2	4	2	true	true$"
  assert_line --regexp "print waiting	connected	false	true	true$"
  # 5 bytes sent: the server's end holds them.
  assert_line --regexp "socket Unix stream $d/srv\.sock \(accepted\) connected to client fd 3, Recv-Q 5, Send-Q 0: server fd 4$"
  assert_line --partial "expect ok: the listener, the accepted pair and two clients waiting"
}

# bats test_tags=asan
@test "a Unix datagram receiver: the next datagram's size as they wait and are read, asleep in recvfrom() on none, and its sender asleep in sendto() on a full queue" {
  run "$IPCLAB" run "$FIX/unix-dgram.lua" --headless
  assert_success
  local d
  d=$(DIR_RE)
  assert_line --regexp "socket Unix dgram $d/rx\.sock unconnected, next datagram 100 bytes, Send-Q 0: receiver fd 3$"
  assert_line --regexp "socket Unix dgram socket:\[[0-9]+\] connected to receiver fd 3 \($d/rx\.sock\), no datagram waiting, Send-Q [1-9][0-9]*: sender fd 3$"
  assert_line --regexp "print queued	dgram	unconnected	100	true	true$"
  assert_line --regexp "print sender	connected	true	true	true$"
  assert_line --regexp "socket Unix dgram $d/rx\.sock unconnected, next datagram 200 bytes, Send-Q 0: receiver fd 3$"
  assert_line --regexp "state receiver sleeping in recvfrom\(fd 3\) on Unix dgram $d/rx\.sock unconnected: no datagram waiting$"
  assert_line --regexp "print asleep	0	dgram$"
  assert_line --regexp "state sender sleeping in sendto\(fd 3\) on Unix dgram socket:\[[0-9]+\] connected to receiver fd 3 \($d/rx\.sock\): Send-Q [1-9][0-9]*; the peer's next datagram 50$"
  assert_line --regexp "print full	connected	true	50$"
}

# bats test_tags=asan
@test "a descriptor passed over a Unix socket (SCM_RIGHTS) is told as the same open file as the sender's, and the receiver's own open of that file is not" {
  run "$IPCLAB" run "$FIX/unix-pass.lua" --headless
  assert_success
  local sfd own got
  sfd=$(sed -n 's/.*output sender | opened fd \([0-9]*\)$/\1/p' <<<"$output")
  own=$(sed -n 's/.*output receiver | opened fd \([0-9]*\)$/\1/p' <<<"$output")
  got=$(sed -n 's/.*output receiver | received fd \([0-9]*\)$/\1/p' <<<"$output")
  [ -n "$sfd" ] && [ -n "$own" ] && [ -n "$got" ]
  # The pair ipclab made (socketpair()), each end naming the other's holder.
  assert_line --regexp "socket Unix stream socket:\[[0-9]+\] connected to receiver fd 3, Recv-Q 0, Send-Q 0: sender fd 3$"
  assert_line --regexp "socket Unix stream socket:\[[0-9]+\] connected to sender fd 3, Recv-Q 0, Send-Q 0: receiver fd 3$"
  assert_line --regexp "^ +[0-9.]+ fd receiver: fd $got -> $ROOT/tests/fixtures/unix_peer\.py, the same open file as sender's fd $sfd \(kcmp\)$"
  refute_line --regexp "fd receiver: fd $own "
  refute_line --regexp " fd sender: "
  [ "$(grep -c ' fd receiver: ' <<<"$output")" = 1 ]
  assert_line --regexp "print received	true	1	true	true$"
  assert_line --regexp "print own open	true	0$"
  assert_line --partial "expect ok: the passed descriptor is the sender's open file; the receiver's own open is another"
}

@test "a descriptor passed by a sender that opened and sent it before ipclab first read its table is told too (lesson 05's fd_sender)" {
  local i
  for i in 1 2 3; do
    run "$IPCLAB" run 05/passing-fds --headless --pace 0
    assert_success
    assert_line --regexp "^ +[0-9.]+ fd receiver: fd [0-9]+ -> /.*/data\.txt, the same open file as sender's fd [0-9]+ \(kcmp\)$"
    assert_line --regexp "^ +[0-9.]+ fd receiver: fd [0-9]+ -> pipe:\[[0-9]+\], the same open file as sender's fd [0-9]+ \(kcmp\)$"
    refute_line --regexp " fd sender: "
  done
}

# bats test_tags=asan
@test "a full Unix listener on an abstract name: one connection more than its backlog waits, then connect() sleeps, named with the listener it waits for" {
  run "$IPCLAB" run "$FIX/unix-backlog.lua" --headless
  assert_success
  local d
  d=$(DIR_RE)
  assert_line --regexp "socket Unix seqpacket @$d/abstract LISTEN, 0 waiting of 1 to be accepted: server fd 3$"
  assert_line --regexp "socket Unix seqpacket @$d/abstract LISTEN, 2 waiting of 1 to be accepted: server fd 3$"
  [ "$(grep -cE "socket Unix seqpacket socket:\[[0-9]+\] connected, not accepted yet \(in the queue of @$d/abstract\), Recv-Q 0, Send-Q 0: client [123] fd 3$" <<<"$output")" = 2 ]
  assert_line --regexp "state client [123] sleeping in connect\(fd 3\) on Unix seqpacket socket:\[[0-9]+\] unconnected, to @$d/abstract \(LISTEN, 2 waiting of 1 to be accepted\)$"
  assert_line --regexp "print listen	true	seqpacket	2	1	2$"
  assert_line --regexp "print asleep	connect	unconnected	seqpacket$"
}

# bats test_tags=asan
@test "watching adds no descriptor and no connection to a Unix socket: ss agrees on the queues, and each socket is held by its own process only" {
  bg ipc "$IPCLAB" run "$FIX/unix-watch.lua" --headless
  wait_for grep -q "say watched [0-9]* samples" "$T/ipc.out"
  local path ipid jpid pids ino holders n=0
  path=$(sed -n 's/.*say watched [0-9]* samples: //p' "$T/ipc.out")
  [ -S "$path" ]
  # The kernel's own view (ss): 2 connections wait in the listener's queue
  # and 1000 bytes at the server's end, as ipclab said after 40 samples of
  # watching; nobody accepted or read them.
  run ss -xanH
  assert_success
  [ "$(awk -v p="$path" '$2 == "LISTEN" && $5 == p { print $3 }' <<<"$output")" = 2 ]
  [ "$(awk -v p="$path" '$2 == "ESTAB" && $5 == p { print $3 }' <<<"$output")" = 1000 ]
  grep -qE "socket Unix stream $path LISTEN, 2 waiting of 4 to be accepted: server fd 3$" "$T/ipc.out"
  grep -qE "socket Unix stream $path \(accepted\) connected to client fd 3, Recv-Q 1000, Send-Q 0: server fd 4$" "$T/ipc.out"
  # ipclab and its janitor hold no Unix socket at all.
  ipid=$ipc
  jpid=$(janitor_of "$ipid")
  [ -n "$jpid" ]
  for ino in $(find "/proc/$ipid/fd" "/proc/$jpid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n'); do
    run ss -xanH
    refute_output --regexp " $ino \* "
  done
  # Every Unix socket of the run's processes: held by exactly one of them.
  pids=$(sed -n 's/.*spawn [a-z 2]* pid \([0-9]*\) .*/\1/p' "$T/ipc.out")
  [ "$(wc -w <<<"$pids")" = 4 ]
  for ino in $(for p in $pids; do find "/proc/$p/fd" -lname 'socket:*' -printf '%l\n'; done | tr -dc '0-9\n' | sort -u); do
    holders=$(find /proc/[0-9]*/fd -lname "socket:\[$ino\]" 2>/dev/null | cut -d/ -f3 | sort -u)
    [ "$(wc -l <<<"$holders")" = 1 ] || fail "socket $ino held by: $holders"
    grep -qw "$holders" <<<"$pids" || fail "socket $ino held by $holders, not a process of the run ($pids)"
    n=$((n + 1))
  done
  [ "$n" = 5 ]                          # the listener, the accepted end, three clients
  kill "$(sed -n 's/.*spawn client pid \([0-9]*\) .*/\1/p' "$T/ipc.out")"
  wait_exit "$ipc"
  grep -q "end: 0 expectations" "$T/ipc.out"
}

# bats test_tags=asan
@test "on an 80x24 screen without colour: a row per Unix socket with its peer or name, state, queues and holder; a pane names the socket its call sleeps on" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/unix-screen.lua"
  wait_for screen_has "Next: two more clients."
  wait_for screen_matches " stream +-> client fd 3 +connected +5 +0 +server fd 4"
  run screen
  assert_output --regexp " Unix +socket +state +Recv-Q +Send-Q +held by"
  assert_output --regexp " stream +srv\.sock +LISTEN +0 of 16 +server fd 3"
  assert_output --regexp " dgram +rx\.sock +unconnected +40 +0 +receiver fd 3"
  assert_output --regexp " stream +-> server fd 4 +connected +0 +[0-9]+ +client fd 3"
  assert_output --regexp " dgram +socket:\[[0-9]+\] +unconnected +0 +[0-9]+ +sender fd 3"
  assert_output --regexp "sleeping [0-9.]+s in accept4?"
  assert_output --regexp "fd 3 Unix srv\.sock LISTEN 0/16"
  keys Space
  wait_for screen_has "The end."
  wait_for screen_matches " stream +-> srv\.sock +not accepted +0 +0 +waiter 2 fd 3"
  wait_for screen_matches " stream +srv\.sock +LISTEN +1 of 16 +server fd 3"
  wait_for screen_matches "fd 5 Unix -> waiter fd 3 Recv-Q 0"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "a process asleep in poll() on a Unix socket and a pipe: its state names the socket and counts the other descriptor, and proc:state() gives the socket" {
  run "$IPCLAB" run "$FIX/unix-poll.lua" --headless
  assert_success
  assert_line --regexp "^ +[0-9.]+ state poller sleeping in poll\(fd 3 and 1 more descriptor\) on Unix stream socket:\[[0-9]+\] connected to socket:\[[0-9]+\], held by no process of the run: Recv-Q 0, Send-Q 0$"
  assert_line --regexp "print socket	stream	3$"
}

@test "on screen, a passed descriptor gets a row in the receiver's lane of the timeline, naming the sender's descriptor it is" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/unix-pass.lua"
  wait_for screen_matches ": fd [0-9]+ is sender's fd [0-9]+ \(unix_"    # cut at the lane's width
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "ipclab tour tells a Unix socket's first line and each change of its state or queue of waiting connections, not of its bytes alone; and a passed descriptor" {
  local told
  run "$IPCLAB" tour "$FIX/unix-listen.lua"
  assert_success
  # Its paragraphs without their spaces (the tour wraps a long path
  # anywhere), one line each.
  told=$(tr -d ' \n' <<<"$output" | sed 's/kernel:/\n&/g; s/\[ok\]/\n&/g; s/exit:/\n&/g')
  grep -qE "^kernel:Unixstream[^ ]*/srv\.sockLISTEN,0waitingof4tobeaccepted:serverfd3$" <<<"$told"
  grep -qE "^kernel:Unixstream[^ ]*/srv\.sockLISTEN,2waitingof4tobeaccepted:serverfd3$" <<<"$told"
  [ "$(grep -c "connected,notacceptedyet" <<<"$told")" = 2 ]
  # The server's end: its first line only (Recv-Q 0), not its 5 bytes.
  [ "$(grep -c "(accepted)connectedtoclientfd3,Recv-Q0,Send-Q0:serverfd4$" <<<"$told")" = 1 ]
  refute grep -q "Recv-Q5" <<<"$told"
  run "$IPCLAB" tour "$FIX/unix-pass.lua"
  assert_success
  told=$(tr -d ' \n' <<<"$output" | sed 's/kernel:/\n&/g; s/\[ok\]/\n&/g; s/exit:/\n&/g')
  grep -qE "^kernel:receiver:fd[0-9]+->[^ ]*unix_peer\.py,thesameopenfileassender'sfd[0-9]+\(kcmp\)$" <<<"$told"
}

# bats test_tags=asan
@test "unix(), p:sockets(\"unix\") and rundir(): the run's directory, what no socket holds, and bad arguments refused at the scenario's line" {
  cat >"$T/bad.lua" <<'EOF'
print("a", fifo("x").path:match("(.*)/") == rundir(), #rundir() > 0)
print("b", #unix(rundir() .. "/none"), #unix("@nothing-here"))
print("c", pcall(unix, ""))
print("d", pcall(unix, string.rep("a", 109)))
print("e", pcall(unix))
local t = spawn { "true", name = "t" }
print("f", pcall(t.sockets, t, "udp"))
print("g", #t:sockets("unix"), #t:sockets("tcp"))
print("h", pcall(t.fds, pipe()))
unix("")
EOF
  run "$IPCLAB" run "$T/bad.lua" --headless
  assert_failure 2
  assert_line --regexp "print a	true	true$"
  assert_line --regexp "print b	0	0$"
  assert_line --regexp "print c	false	.*a socket's name: a path, or @name for an abstract one \(1 to 108 bytes\)\)$"
  assert_line --regexp "print d	false	.*a socket's name: a path, or @name for an abstract one \(1 to 108 bytes\)\)$"
  assert_line --regexp "print e	false	.*string expected, got no value\)$"
  assert_line --regexp "print f	false	.*invalid option 'udp'\)$"
  assert_line --regexp "print g	0	0$"
  assert_line --regexp "print h	false	.*process expected, got ipclab.chan\)$"
  assert_line --regexp "error .*bad\.lua:10: bad argument #1 to 'unix' \(a socket's name: a path, or @name for an abstract one \(1 to 108 bytes\)\)$"
}
