# tests/helpers/uds.bash - lesson 05's tests: Unix domain socket servers
# started in a private run directory, waited for by their readiness line,
# and what the kernel shows of their sockets (sock_diag, through ss) and of
# a process asleep in a socket call (kernel.bash's asleep_in). Loaded after
# helpers/common.

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/05-unix-sockets/$1.py"; }
lang() { [[ $1 == *.py* ]] && echo Python || echo C; }
both() { echo "$(c "$1")"; echo "$(py "$1")"; }  # mapfile -t X < <(both uds_server)

# Each test: its own private run directory $D (mktemp: 0700, ours), where
# the programs make their sockets; abstract names start with $ABS, unique
# to the test. $PRIV: a directory another user may own (cross-user tests),
# removed in teardown.
uds_setup() {
  common_setup
  D=$(mktemp -d "$T/run.XXXXXX")
  ABS="@ipclab-$IPCLAB_TESTID"
  PRIV=
}

# Teardown: no process of ours left (common.bash), then no socket file in
# $T or $PRIV and no abstract name of the test's: fail if one is left.
uds_teardown() {
  local status=0 left
  assert_nothing_left || status=1
  left=$(find "$T" ${PRIV:+"$PRIV"} -type s 2>/dev/null
         ss -xaH | awk -v n="${ABS:-@none}" 'index($5, n) == 1 { print $5 }')
  [ -z "${PRIV:-}" ] || rm -rf "$PRIV"
  if [ -n "$left" ]; then
    fail "sockets left behind: $left"
    return 1
  fi
  return "$status"
}

setup() { uds_setup; }
teardown() { uds_teardown; }

# start_server NAME CMD...: start CMD in the background (bg) and wait for
# its readiness line, "listening on X" or "bound to X", the first line of
# its stdout. Never a sleep: the line comes once a client can connect.
start_server() {
  local name=$1
  shift
  rm -f "$T/$name.out"          # an earlier server's line is not this one's
  bg "$name" "$@"
  wait_for ready_or_gone "${!name}" "$T/$name.out"
  [[ $(head -n 1 "$T/$name.out") =~ ^(listening\ on|bound\ to)\ . ]] ||
    fail "$* ended without its readiness line: $(cat "$T/$name.out" "$T/$name.err")"
}

ready_or_gone() {
  grep -qE '^(listening on|bound to) ' "$2" 2>/dev/null || proc_gone "$1"
}

# held PID: asleep in --hold's sigwait (rt_sigtimedwait).
held() { asleep_in "$1" rt_sigtimedwait; }

# Asleep sending, as the kernel shows it: state S, in send (sendto or
# sendmsg) or write, with a wchan that says why (matched by pattern, never
# pinned: kernels name it differently). A datagram sender whose receiver's
# queue is full waits for the peer (unix_wait_for_peer here); a stream
# writer whose send buffer is full waits for memory (sock_alloc_send_pskb,
# sock_wait_for_wmem).
asleep_dgram_full() {
  asleep_in "$1" sendto sendmsg write && [[ $(proc_wchan "$1") == *peer* ]]
}
asleep_stream_full() {
  asleep_in "$1" sendto sendmsg write && [[ $(proc_wchan "$1") == *@(alloc_send|wmem)* ]]
}
# A connect() that waits for room in the listener's backlog.
asleep_in_connect() {
  asleep_in "$1" connect && [[ $(proc_wchan "$1") == *peer* ]]
}

# unix_socks ARGS...: ss's Unix sockets, "TYPE STATE RECV-Q SEND-Q LOCAL
# INODE PEER PEER-INODE" a line (ss -x ARGS: e.g. -l, -a).
unix_socks() { ss -xH "$@" | awk '{ print $1, $2, $3, $4, $5, $6, $7, $8 }'; }

# at_name NAME [STATE]: the sockets bound at NAME (a path or @name), as
# unix_socks shows them, in STATE (LISTEN, ESTAB, UNCONN) if given. A
# server's accepted sockets show its name too.
at_name() { unix_socks -a | awk -v n="$1" -v s="${2:-}" '$5 == n && (s == "" || $2 == s)'; }

# sock_inode PID FD: the inode of the socket behind descriptor FD of PID.
sock_inode() { local t; t=$(fd_target "$1" "$2"); t=${t#socket:[}; echo "${t%]}"; }

# peer_inode INODE: the inode of the socket at the other end of socket INODE.
peer_inode() { unix_socks -a | awk -v i="$1" '$6 == i { print $8 }'; }

# kcmp_file PID1 FD1 PID2 FD2: what kcmp(2) KCMP_FILE says of the two
# descriptors: 0 when they are one open file description (a dup, or one
# passed with SCM_RIGHTS); else another number. (It needs ptrace access to
# both: root here.)
kcmp_file() {
  "$PYTHON" - "$@" <<'PY'
import ctypes, os, platform, sys
nr = {"x86_64": 312, "aarch64": 272}[platform.machine()]     # SYS_kcmp
libc = ctypes.CDLL(None, use_errno=True)
p1, f1, p2, f2 = map(int, sys.argv[1:])
r = libc.syscall(nr, p1, p2, 0, f1, f2)                      # 0: KCMP_FILE
if r < 0:
    sys.exit(f"kcmp: {os.strerror(ctypes.get_errno())}")
print(r)
PY
}

# max_dgram_qlen: the kernel's bound on a datagram socket's queue.
max_dgram_qlen() { cat /proc/sys/net/unix/max_dgram_qlen; }

# lines_in FILE N: FILE has at least N lines.
lines_in() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# assert_gone PATH: nothing at PATH (bats-file's assert_file_not_exists
# looks for a regular file only: a socket passes it).
assert_gone() {
  [ ! -e "$1" ] && [ ! -L "$1" ] || fail "still there: $(ls -ld "$1")"
}

# assert_empty DIR: nothing left in DIR.
assert_empty() {
  [ -z "$(ls -A "$1")" ] || fail "left in $1: $(ls -A "$1" | paste -sd ' ')"
}


