# tests/helpers/tcp.bash - lesson 04's tests: TCP servers started on a port
# the kernel picks, and what the kernel shows of their sockets (sock_diag,
# through ss) and of a process asleep in a socket call. Loaded after
# helpers/common.

TCP_PEER=$ROOT/tests/helpers/tcp_peer.py

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/04-tcp/$1.py"; }
lang() { [[ $1 == *.py* ]] && echo Python || echo C; }

# start_server NAME CMD...: start CMD in the background (bg) and wait for
# its readiness line, "listening on 127.0.0.1:PORT", the first line of its
# stdout; the port lands in NAME_port. Never a sleep: the line comes once
# listen() has returned.
start_server() {
  local name=$1 line
  shift
  rm -f "$T/$name.out"          # an earlier server's line is not this one's
  bg "$name" "$@"
  wait_for ready_or_gone "${!name}" "$T/$name.out"
  line=$(head -n 1 "$T/$name.out")
  [[ $line =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+$ ]] ||
    fail "$* ended without its readiness line: $(cat "$T/$name.out" "$T/$name.err")"
  printf -v "${name}_port" '%s' "${line##*:}"
}

ready_or_gone() {
  grep -q '^listening on 127\.0\.0\.1:[0-9]\+$' "$2" 2>/dev/null || proc_gone "$1"
}

# sock_syscall and asleep_in (the socket calls by name) are in kernel.bash.

# asleep_on_socket PID CALL...: asleep_in, on a socket (its fd links to
# socket:[...]) with a wchan that is not poll's (wait_woken here; matched
# only as "not empty, not 0": kernels name it differently).
asleep_on_socket() {
  local fd w
  asleep_in "$@" || return 1
  fd=$(sock_syscall "$1"); fd=${fd#* }
  [[ $(fd_target "$1" "$fd") == socket:* ]] || return 1
  w=$(proc_wchan "$1")
  [ -n "$w" ] && [ "$w" != 0 ]
}

# A server asleep waiting for any socket: poll (C) or epoll_wait (Python's
# selectors).
asleep_in_poll() { asleep_in "$1" poll ppoll 'epoll_*wait'; }

# socks PORT: every TCP socket with PORT at either end, as ss (sock_diag)
# shows it: "STATE RECV-Q SEND-Q LOCAL PEER" a line.
socks() { ss -Htan "( sport = :$1 or dport = :$1 )" | awk '{ print $1, $2, $3, $4, $5 }'; }

# server_side PORT CPORT, client_side PORT CPORT: the line of the
# connection between the server on PORT and the client on CPORT, as the
# server's socket shows it (its Recv-Q: what the server has not read yet),
# or as the client's does.
server_side() { socks "$1" | awk -v l="127.0.0.1:$1" -v p="127.0.0.1:$2" '$4 == l && $5 == p'; }
client_side() { socks "$1" | awk -v l="127.0.0.1:$2" -v p="127.0.0.1:$1" '$4 == l && $5 == p'; }

# listener PORT: "RECV-Q SEND-Q" of the LISTEN socket on PORT: connections
# waiting in its accept queue, and its backlog. Nothing when none listens.
listener() { ss -Htln "( sport = :$1 )" | awk '{ print $2, $3 }'; }

# client_port NAME: the local port of tcp_client NAME, from its "connected
# from 127.0.0.1:C to ..." line on stderr.
client_port() {
  local line
  line=$(grep -m1 ': connected from ' "$T/$1.err") || return 1
  line=${line#*connected from 127.0.0.1:}
  echo "${line%% *}"
}

# accepted SERVER CLIENT: server SERVER (its $T/SERVER.err) has accept()ed
# client CLIENT's connection: it says "client 127.0.0.1:C: connected". A
# server killed before that resets the connection (a socket in the accept
# queue has no process to close it in order): no FIN, no CLOSE-WAIT.
accepted() {
  local cport
  cport=$(client_port "$2") || return 1
  grep -q "client 127\.0\.0\.1:$cport: connected" "$T/$1.err"
}

# cpu_ticks PID: the CPU time PID has used (user + system), in clock ticks.
cpu_ticks() {
  local stat f
  stat=$(<"/proc/$1/stat") || return 1
  read -r -a f <<<"${stat##*) }"       # f[0] is the state, field 3
  echo $((f[11] + f[12]))              # utime, stime: fields 14 and 15
}
