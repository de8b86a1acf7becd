#!/usr/bin/env bats
# ipclab shows the run's TCP sockets as the kernel sees them (sock_diag,
# what ss reads): state, ends, Recv-Q and Send-Q, a listener's accept
# queue, who holds each (readlink of /proc/PID/fd), the sockets no process
# holds on the run's ports (TIME-WAIT, an accept queue, FIN-WAIT-2), and a
# call asleep on one named in those terms. The programs are
# tests/fixtures/socket_peer.py, driven line by line from the scenario;
# every port is one the kernel picked (port 0), read from its output.
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

# The port the scenario's server printed ("listening PORT").
port_of() { sed -n 's/.*output server | listening \([0-9]*\)$/\1/p' "$1" | head -1; }

# bats test_tags=asan
@test "a listening socket's accept queue grows as clients connect and nobody accepts; the waiting connections have no process" {
  run "$IPCLAB" run "$FIX/sockets-queue.lua" --headless
  assert_success
  local port
  port=$(sed -n 's/.*output server | listening \([0-9]*\)$/\1/p' <<<"$output")
  [ -n "$port" ]
  assert_line --regexp "^ +[0-9.]+ socket TCP 127\.0\.0\.1:$port LISTEN, accept queue 0 of 5: server fd [0-9]+$"
  for n in 1 2 3; do
    assert_line --regexp "^ +[0-9.]+ socket TCP 127\.0\.0\.1:$port LISTEN, accept queue $n of 5: server fd [0-9]+$"
    assert_line --regexp "^ +[0-9.]+ print waiting	$n	of	5$"
  done
  # Each client's own end is its; the server's end waits, no process holds it.
  assert_line --regexp "socket TCP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port ESTABLISHED, Recv-Q 0, Send-Q 0: client 3 fd [0-9]+$"
  [ "$(grep -cE "socket TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:[0-9]+ ESTABLISHED, Recv-Q 0, Send-Q 0: no process yet: in the accept queue$" <<<"$output")" = 3 ]
  assert_line --regexp "print listen	127\.0\.0\.1:$port	\*	0	5	nil	true	true$"
  assert_line --partial "expect ok: three connections wait in the accept queue, held by no process"
}

# bats test_tags=asan
@test "a server asleep in accept() is named with its listening socket, and asleep in poll() with the socket it polls" {
  run "$IPCLAB" run "$FIX/sockets-accept.lua" --headless
  assert_success
  local port
  port=$(port_of <(echo "$output"))
  [ -n "$port" ]
  # The call by its syscall (accept4 from Python), the socket in TCP terms.
  assert_line --regexp "^ +[0-9.]+ state server sleeping in accept4?\(fd [0-9]+\) on TCP 127\.0\.0\.1:$port \(LISTEN, 0 waiting in its accept queue of 4\)$"
  assert_line --regexp "print state	accept4?	true	LISTEN	127\.0\.0\.1:$port	0	4$"
  assert_line --regexp "print server holds	2	LISTEN	ESTABLISHED	true$"
  assert_line --regexp "state server sleeping in poll\(fd [0-9]+ and 1 more descriptor\) on TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:[0-9]+ \(ESTABLISHED\): Recv-Q 0, Send-Q 0$"
  assert_line --regexp "print poll	ESTABLISHED$"
  # The socket's own line comes before the state that names it.
  local sock state
  sock=$(grep -n "socket TCP 127.0.0.1:$port LISTEN, accept queue 0 of 4" <<<"$output" | head -1 | cut -d: -f1)
  state=$(grep -n "state server sleeping in accept" <<<"$output" | head -1 | cut -d: -f1)
  [ "$sock" -lt "$state" ]
}

# bats test_tags=asan
@test "a writer whose peer does not read: the peer's Recv-Q climbs, then the writer sleeps in send() with its Send-Q and the peer's Recv-Q named" {
  run "$IPCLAB" run "$FIX/sockets-writer.lua" --headless
  assert_success
  local port
  port=$(port_of <(echo "$output"))
  # Recv-Q after each 64 KiB send: rising (what is not acknowledged yet
  # stays in the writer's Send-Q, so the steps are not exact).
  mapfile -t rq < <(sed -n 's/.*print Recv-Q	\([0-9]*\)	Send-Q	[0-9]*$/\1/p' <<<"$output")
  [ "${#rq[@]}" = 3 ]
  [ "${rq[0]}" -gt 0 ] && [ "${rq[1]}" -gt "${rq[0]}" ] && [ "${rq[2]}" -gt "${rq[1]}" ]
  assert_line --regexp "socket TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:[0-9]+ ESTABLISHED, Recv-Q ${rq[0]}, Send-Q 0: server fd [0-9]+$"
  # Asleep in send (sendto from Python): its Send-Q, the peer's Recv-Q and who that is.
  assert_line --regexp "state writer sleeping in sendto\(fd [0-9]+\) on TCP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port \(ESTABLISHED\): Send-Q [1-9][0-9]*; the peer's Recv-Q [1-9][0-9]* \(server fd [0-9]+\)$"
  assert_line --regexp "print asleep	sendto	ESTABLISHED	true	true$"
  assert_line --partial "expect ok: the writer's Send-Q and the reader's Recv-Q hold what was not read"
}

# bats test_tags=asan
@test "a peer that closed: CLOSE-WAIT on the other side, its own end in FIN-WAIT-2 with no process, then TIME-WAIT with no process" {
  run "$IPCLAB" run "$FIX/sockets-close.lua" --headless
  assert_success
  local port cport
  port=$(port_of <(echo "$output"))
  cport=$(sed -n 's/.*output client | connected \([0-9]*\)$/\1/p' <<<"$output")
  [ -n "$cport" ]
  assert_line --regexp "socket TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:$cport CLOSE-WAIT, Recv-Q 1, Send-Q 0: server fd [0-9]+$"
  assert_line --regexp "socket TCP 127\.0\.0\.1:$cport -> 127\.0\.0\.1:$port FIN-WAIT-2, Recv-Q 0, Send-Q 0: no process holds it$"
  assert_line --regexp "print close-wait	true	true$"
  assert_line --regexp "print fin-wait-2	nil	0	true$"
  assert_line --regexp "socket TCP 127\.0\.0\.1:$cport -> 127\.0\.0\.1:$port TIME-WAIT: no process holds it$"
  assert_line --regexp "print time-wait	nil	127\.0\.0\.1:$cport	true$"
  assert_line --regexp "socket TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:$cport gone$"
}

# bats test_tags=asan
@test "a restarted server meets EADDRINUSE: the TIME-WAIT on its port is shown, held by no process" {
  run "$IPCLAB" run "$FIX/sockets-restart.lua" --headless
  assert_success
  local port
  port=$(port_of <(echo "$output"))
  assert_line --regexp "socket TCP 127\.0\.0\.1:$port LISTEN gone$"
  assert_line --regexp "socket TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:[0-9]+ TIME-WAIT: no process holds it$"
  assert_line --regexp "print time-wait	127\.0\.0\.1:$port	nil$"
  assert_line --regexp "output server again \| bind: EADDRINUSE$"
  assert_line --regexp "print again	exit 1	bind: EADDRINUSE $"
}

# bats test_tags=asan
@test "watching adds no descriptor to any socket and changes no queue: ss agrees, and each socket has one holder" {
  bg ipc "$IPCLAB" run "$FIX/sockets-watch.lua" --headless
  wait_for grep -q "say watched [0-9]* samples" "$T/ipc.out"
  local port spid cpid inos ino holders
  port=$(port_of "$T/ipc.out")
  spid=$(sed -n 's/.*spawn server pid \([0-9]*\) .*/\1/p' "$T/ipc.out")
  cpid=$(sed -n 's/.*spawn client pid \([0-9]*\) .*/\1/p' "$T/ipc.out")
  # The kernel's own view (ss): 1000 bytes wait in the server's end, as
  # ipclab said after 40 samples of watching; nobody read them.
  run ss -tnH state established "( sport = :$port )"
  assert_success
  [ "$(awk '{ print $1 }' <<<"$output")" = 1000 ]
  assert grep -qE "socket TCP 127\.0\.0\.1:$port -> 127\.0\.0\.1:[0-9]+ ESTABLISHED, Recv-Q 1000, Send-Q 0: server fd [0-9]+$" "$T/ipc.out"
  # Every TCP socket of the port: held by exactly one descriptor of one
  # process (the server's or the client's), none of ipclab's or its janitor's.
  inos=$(ss -tanHe "( sport = :$port or dport = :$port )" | grep -o 'ino:[0-9]*' | cut -d: -f2 | grep -v '^0$')
  [ "$(wc -w <<<"$inos")" = 3 ]        # the listener, the two ends
  for ino in $inos; do
    holders=$(find /proc/[0-9]*/fd -lname "socket:\[$ino\]" 2>/dev/null | cut -d/ -f3 | sort -u)
    [ "$(wc -l <<<"$holders")" = 1 ] || fail "socket $ino held by: $holders"
    [[ $holders == "$spid" || $holders == "$cpid" ]] || fail "socket $ino held by $holders, not the server $spid or the client $cpid"
  done
  kill "$cpid"
  wait_exit "$ipc"
  grep -q "end: 0 expectations" "$T/ipc.out"
}

# bats test_tags=asan
@test "only the run's sockets: a TCP socket of a process outside the run is not shown, its end of the run's connection neither" {
  # A listener outside the run that never accepts; the run's client
  # connects to it: the connection waits in that listener's accept queue,
  # held by no process, its own end the listener's address: not the run's.
  bg other "$PYTHON" -c '
import os, socket, sys, signal
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()' "$T/other-port"
  wait_for test -s "$T/other-port"
  local oport
  oport=$(cat "$T/other-port")
  cat >"$T/other.lua" <<EOF
scenario { title = "A connection to a server outside the run" }
local PEER = IPCLAB_PEERS .. "/../tests/fixtures/socket_peer.py"
local c = spawn { Python(), PEER, "client", "$oport", name = "client", lang = "Python", stdin = "pipe" }
wait_until(function() return #c:sockets() == 1 end, 10, "the client's socket")
-- Asked after the kernel has the connection in the other's accept queue.
wait_until(function() return c:sockets()[1].state == "ESTABLISHED" end, 10, "connected")
print("mine", #c:sockets(), #tcp($oport), tcp($oport)[1].process == c)
EOF
  run "$IPCLAB" run "$T/other.lua" --headless
  kill "$other"
  assert_success
  assert_line --regexp "socket TCP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$oport ESTABLISHED, Recv-Q 0, Send-Q 0: client fd [0-9]+$"
  refute_line --regexp "socket TCP 127\.0\.0\.1:$oport( |$)"
  assert_line --regexp "print mine	1	1	true$"
}

# bats test_tags=asan
@test "tcp() and p:sockets() refuse what is no port or no process, at the scenario's line" {
  cat >"$T/bad.lua" <<'EOF'
print("a", pcall(tcp, 0))
print("b", pcall(tcp, 65536))
print("c", pcall(tcp, "x"))
print("d", pcall(tcp))
print("e", #tcp(1))
local t = spawn { "true", name = "t" }
print("f", pcall(t.sockets, pipe()))
print("g", pcall(t.sockets, { pid = 1 }))
tcp(70000)
EOF
  run "$IPCLAB" run "$T/bad.lua" --headless
  assert_failure 2
  assert_line --regexp "print a	false	bad argument #1 to '\?' \(a TCP port is 1 to 65535\)$"
  assert_line --regexp "print b	false	.*a TCP port is 1 to 65535\)$"
  assert_line --regexp "print c	false	.*number expected, got string\)$"
  assert_line --regexp "print d	false	.*number expected, got no value\)$"
  assert_line --regexp "print e	0$"
  assert_line --regexp "print f	false	.*process expected, got ipclab.chan\)$"
  assert_line --regexp "print g	false	.*process expected, got table\)$"
  assert_line --regexp "error .*bad\.lua:9: bad argument #1 to 'tcp' \(a TCP port is 1 to 65535\)$"
}

# bats test_tags=asan
@test "on an 80x24 screen without colour: a row per socket with its state, queues and holder; the panes name the calls' sockets" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/sockets-screen.lua"
  wait_for screen_has "Next: the writer sends"
  keys Space
  wait_for screen_has "Next: the reader is killed."
  # Each row as the kernel has it by now (the screen is redrawn each sample).
  wait_for screen_matches " 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +ESTABLISHED +[1-9][0-9]* +0 +server fd 4"
  wait_for screen_matches " 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +ESTABLISHED +0 +[1-9][0-9]* +writer fd 3"
  wait_for screen_matches "fd 3 TCP :[0-9]+ Send-Q [1-9][0-9]*"
  run screen
  assert_output --regexp " TCP local +peer +state +Recv-Q +Send-Q +held by"
  assert_output --regexp " 127\.0\.0\.1:([0-9]+) +\* +LISTEN +0 of 5 +server fd 3"
  assert_output --regexp " 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +ESTABLISHED +0 +0 +reader fd 3"
  assert_output --regexp " 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +ESTABLISHED +0 +0 +server fd 5"
  assert_output --regexp "sleeping [0-9.]+s in accept4?"
  assert_output --regexp "fd 3 TCP :[0-9]+ LISTEN 0/5"
  assert_output --regexp "fd 3: TCP :[0-9]+->:[0-9]+ Recv-Q 0"
  keys Space
  wait_for screen_has "The end."
  wait_for screen_matches " 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +CLOSE-WAIT +1 +0 +server fd 5"
  wait_for screen_matches " 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +FIN-WAIT-2 +0 +0 +\(no process\)"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "a forged or cut netlink reply is refused whole and never read past its end" {
  local replay=$ROOT/build/fuzz/replay/sockdiag
  [ -x "$replay" ] || fail "no $replay: make fuzz-replay-build (make test builds it)"
  run "$replay" "$ROOT/tests/fuzz/corpus/sockdiag" "$ROOT/tests/fuzz/regressions/sockdiag"
  assert_success
  assert_output --regexp "^sockdiag: [0-9]+ inputs replayed$"
}

# bats test_tags=asan
@test "ipclab tour tells a socket when it appears and when its state or accept queue changes, not each change of its queues" {
  run "$IPCLAB" tour "$FIX/sockets-close.lua"
  assert_success
  assert_line --regexp "^        kernel: TCP 127\.0\.0\.1:[0-9]+ LISTEN, accept queue 0 of 4: server fd 3$"
  assert_line --regexp "^        kernel: TCP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ CLOSE-WAIT, Recv-Q 1,$"
  assert_line --regexp "^        kernel: TCP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ TIME-WAIT: no process$"
  run "$IPCLAB" tour "$FIX/sockets-queue.lua"
  assert_success
  for n in 0 1 2 3; do
    assert_line --regexp "^        kernel: TCP 127\.0\.0\.1:[0-9]+ LISTEN, accept queue $n of 5: server fd 3$"
  done
  # The writer's queues change at every send: its socket is told once.
  run "$IPCLAB" tour "$FIX/sockets-writer.lua"
  assert_success
  [ "$(grep -c "ESTABLISHED, Recv-Q" <<<"$output")" = 2 ]
  assert_line --regexp "kernel: writer sleeping in sendto\(fd 3\) on TCP 127\.0\.0\.1:[0-9]+ ->$"
}

# bats test_tags=asan
@test "IPv6 sockets are shown the same way, addresses in brackets" {
  "$PYTHON" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
    skip "this machine has no IPv6 loopback (::1)"
  run "$IPCLAB" run "$FIX/sockets-ipv6.lua" --headless
  assert_success
  local port
  port=$(sed -n 's/.*output v6 | port \([0-9]*\)$/\1/p' <<<"$output")
  assert_line --regexp "socket TCP \[::1\]:$port LISTEN, accept queue 1 of 3: v6 fd 3$"
  assert_line --regexp "print IPv6	LISTEN	\[::1\]:$port	\*	v6$"
  assert_line --regexp "print IPv6	ESTABLISHED	\[::1\]:$port	\[::1\]:[0-9]+	nil$"
  assert_line --regexp "print IPv6	ESTABLISHED	\[::1\]:[0-9]+	\[::1\]:$port	v6$"
}

# Seen once under bats --jobs 2: another test's TIME-WAIT from the port our
# client had (the kernel reuses an ephemeral port towards another peer) was
# shown as the run's, and a scenario waiting for its TIME-WAIT alone timed
# out. An unheld socket is the run's only when its two ends are a
# connection the run had, or its own end a run's listener's.
# bats test_tags=asan
@test "a socket no process holds is the run's only by the connection it was: another program's TIME-WAIT from our client's port is not shown" {
  # Outside the run: a connection from port P to a listener of the test's,
  # closed first on P's side, so that P's end waits in TIME-WAIT, as the
  # kernel shows it (SO_REUSEADDR: the run's client binds P again).
  local p other
  read -r p other < <("$PYTHON" -c '
import socket, time
b = socket.socket()
b.bind(("127.0.0.1", 0))
b.listen(1)
f = socket.socket()
f.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
f.bind(("127.0.0.1", 0))
f.connect(b.getsockname())
a, _ = b.accept()
p, other = f.getsockname()[1], b.getsockname()[1]
f.close()
a.recv(1)                             # its end of file: f has closed
a.close()
def timewait():
    for line in open("/proc/net/tcp").readlines()[1:]:
        loc, rem, st = line.split()[1:4]
        if loc.endswith(":%04X" % p) and rem.endswith(":%04X" % other) and st == "06":
            return True
while not timewait():
    time.sleep(0.01)
print(p, other)')
  [ -n "$other" ]
  run env SOCKET_PEER_PORT="$p" "$IPCLAB" run "$FIX/sockets-foreign.lua" --headless
  assert_success
  local port
  port=$(port_of <(echo "$output"))
  assert_line --regexp "print on the client's port	TIME-WAIT	127\.0\.0\.1:$p	127\.0\.0\.1:$port$"
  refute_output --partial "127.0.0.1:$p -> 127.0.0.1:$other"
  assert_output --partial "expect ok: only our connection's TIME-WAIT"
}
