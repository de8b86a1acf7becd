# tests/helpers/common.bash - loaded by every test file:  load helpers/common
#
# Gives each test: $BIN (the demos, normal or sanitizer build), $PYTHON,
# $ROOT, $PEERS (python_peers), a private $T directory, background
# launching that never hangs bats, waits on what the kernel shows, and a
# check in teardown that the test left no process of ours behind.

# bats-support, bats-assert and bats-file: their own src/*.bash, sourced
# here, as their load.bash does, but without its dirname(1) a file (17
# processes a test, run for every test and every grading check). A library
# laid out otherwise is loaded the usual way.
_load_lib() {
  local dir f
  local -a dirs
  IFS=: read -ra dirs <<<"${BATS_LIB_PATH:-/usr/lib/bats}"
  for dir in "${dirs[@]}"; do
    [ -f "$dir/$1/load.bash" ] || continue
    if [ -d "$dir/$1/src" ]; then
      for f in "$dir/$1"/src/*.bash; do
        source "$f"
      done
      return 0
    fi
    break
  done
  bats_load_library "$1"
}
_load_lib bats-support
_load_lib bats-assert
_load_lib bats-file
# Found from this file's own place, so any .bats file anywhere can load it.
# (Without a process when the path is plain, as bats gives it for tests/:
# this runs for every test and every grading check.)
_helpers=${BASH_SOURCE[0]%/*}
[[ $_helpers == /* ]] || _helpers=$PWD/$_helpers
if [[ $_helpers == */tests/helpers && $_helpers != *"/./"* && $_helpers != *"/../"* ]]; then
  ROOT=${_helpers%/tests/helpers}
else
  _helpers=$(cd "$_helpers" && pwd)
  ROOT=$(cd "$_helpers/../.." && pwd)
fi
load "$_helpers/kernel"

BIN=${IPCLAB_BIN:-$ROOT/build/bin}
[[ $BIN = /* ]] || BIN=$ROOT/$BIN
PYTHON=${PYTHON:-/usr/bin/python3}
PEERS=$ROOT/python_peers
: "${BATS_TEST_TIMEOUT:=60}"
# Grading records progress under XDG_STATE_HOME: a test's own, never the
# machine's ~/.local/state.
export XDG_STATE_HOME=${BATS_TEST_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}}/state

common_setup() {
  T=$BATS_TEST_TMPDIR
  # Every process a test starts inherits this marker; teardown looks for it.
  # (Under scripts/grade it starts with the grading's own mark, g<pid>-.)
  export IPCLAB_TESTID="${IPCLAB_GRADE_RUN:+$IPCLAB_GRADE_RUN-}t$$-$RANDOM$RANDOM"
  # ASan must not mistake a program killed on purpose for a leak report run.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
}

setup() { common_setup; }
teardown() { assert_nothing_left; }

# reaped PID: wait for our child PID to end; its exit status in $status
# (128 + N: killed by signal N). bash's wait also returns 128 + N when a
# signal the shell traps reaches the test shell itself while it waits
# (bats traps SIGINT): the child has not ended then. It is waited for
# again, and that is said on stderr (a failing test's account shows it).
reaped() {
  status=0
  wait "$1" || status=$?
  while [ "$status" -gt 128 ] && kill -0 "$1" 2>/dev/null; do
    echo "reaped $1: wait returned $status while it still ran (a signal to the test shell)" >&2
    status=0
    wait "$1" || status=$?
  done
}

# bg NAME CMD...: start CMD in the background with bats' fd 3 closed;
# its pid lands in the variable NAME. Output goes to $T/NAME.out/.err.
# Until it execs, the background child is a copy of this shell holding
# bats' EXIT, ERR and DEBUG traps: a signal then would make it report the
# test a second time. It drops them first; still, signal it only once it
# shows its own program (see execed).
bg() {
  local __name=$1; shift
  ( trap - EXIT ERR DEBUG INT TERM; exec "$@" ) \
    >"$T/$__name.out" 2>"$T/$__name.err" </dev/null 3>&- &
  printf -v "$__name" '%s' "$!"
}

# execed PID NAME: PID runs the program NAME (its comm) now.
execed() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

# bg_pipe WPID RPID "WRITER" "READER": WRITER | READER in the background,
# each side's pid in the named variable (each side records its pid, then
# execs, so the pid is that of the real program). Output in $T/WPID.err,
# $T/RPID.out and $T/RPID.err.
bg_pipe() {
  local __w=$1 __r=$2 wcmd=$3 rcmd=$4
  rm -f "$T/$__w.pid" "$T/$__r.pid"
  { bash -c 'echo $$ >"$0.pid"; exec '"$wcmd" "$T/$__w" 2>"$T/$__w.err" |
    bash -c 'echo $$ >"$0.pid"; exec '"$rcmd" "$T/$__r" >"$T/$__r.out" 2>"$T/$__r.err"
  } </dev/null 3>&- &
  wait_for test -s "$T/$__w.pid" -a -s "$T/$__r.pid"
  printf -v "$__w" '%s' "$(<"$T/$__w.pid")"
  printf -v "$__r" '%s' "$(<"$T/$__r.pid")"
}

# wait_until SECONDS CMD...: poll CMD until it succeeds (what the kernel
# shows: a state, a wchan, a file), giving up after SECONDS of wall time
# however long each poll takes. Polling is not timing: nothing here assumes
# how long anything takes; the bound only ends a test that would hang (a
# child asleep for ever while its parent waits for it).
# (It naps with sleep(1): a process substitution to nap in bash's own
# read -t would set $!, which callers read after it: bg_pipe's job.)
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while ((SECONDS < deadline)); do
    "$@" 2>/dev/null && return 0
    sleep 0.02
  done
  echo "wait_until: gave up waiting for: $*" >&2
  return 1
}

# wait_for CMD...: wait_until with a bound of 30 s.
wait_for() { wait_until 30 "$@"; }

# wait_exit PID: wait until the process is gone (or a zombie nobody reaps).
wait_exit() {
  wait_for proc_gone "$1"
}

# at_most N PID...: wait until fewer than N of the PIDs (this shell's
# background jobs) run. Commands that spend their time waiting on their
# programs, not on the CPU, go side by side: start each with bats' fd 3
# closed, and wait for their PIDs (a bare wait would wait for bats' own
# time-out, which runs beside the test).
at_most() {
  local max=$1 p running
  shift
  while :; do
    running=0
    for p in "$@"; do
      ! kill -0 "$p" 2>/dev/null || running=$((running + 1))
    done
    [ "$running" -ge "$max" ] || return 0
    wait -n "$@" 2>/dev/null || true
  done
}

# ours_running PATTERN: the pid of this test's process (our_procs) whose
# command line matches the extended regular expression PATTERN (arguments
# joined by spaces), never another test's, which pgrep -f could pick when
# tests side by side run the same command. Of a match and its forked copy
# (ipclab and its janitor), the parent.
ours_running() {
  local p args stat matches=" "
  for p in $(our_procs); do
    args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    [[ $args =~ $1 ]] && matches+="$p "
  done
  for p in $matches; do
    stat=$(<"/proc/$p/stat") || continue
    stat=${stat##*) }
    stat=${stat#* }
    [[ $matches == *" ${stat%% *} "* ]] || { echo "$p"; return 0; }
  done
  return 1
}

# Processes started by this test: they carry $IPCLAB_TESTID in their
# environment. The test's own shell and its ancestors are not counted.
# Runs in every test's teardown: one grep and one awk, no loop in bash
# (under bats every bash command costs a DEBUG trap, and reading each
# ancestor's stat in a $( ) forked: 15 ms a test, 16 s of make test).
our_procs() {
  # One grep over every environment: a grep per process costs ~1 s a test.
  # The list first, then grep: grep's own pid (its environment matches too)
  # is not in it, whether or not bash execs grep in the $( ) subshell.
  local files=(/proc/[0-9]*/environ)
  grep -lz "^IPCLAB_TESTID=$IPCLAB_TESTID\$" "${files[@]}" 2>/dev/null |
    awk -v p="$BASHPID" '
      BEGIN {                 # this shell and its ancestors, by their stat
        while (p > 1) {
          ours[p] = 1
          f = "/proc/" p "/stat"
          if ((getline s < f) <= 0) break
          close(f)
          sub(/.*\) /, "", s)   # after the name (which may hold spaces): state ppid ...
          split(s, a, " ")
          p = a[2]
        }
      }
      { q = $0; sub(/^\/proc\//, "", q); sub(/\/environ$/, "", q); if (!(q in ours)) print q }'
  return 0
}

# public_copy FILE|DIR...: copies another user can run, in a fresh 0755
# folder whose path lands in $PUB (the checkout may sit where only its
# owner can read, like /root). Removed in teardown.
public_copy() {
  PUB=$(mktemp -d /tmp/ipclab-pub.XXXXXX)
  chmod 755 "$PUB"
  cp -R "$@" "$PUB/"
  chmod -R a+rX "$PUB"
}

none_of_ours() { [ -z "$(our_procs)" ]; }

# Teardown: fail when a test left a process of ours, then kill it anyway.
assert_nothing_left() {
  [ -z "${PUB:-}" ] || rm -rf "$PUB"
  local left
  left=$(our_procs)
  # One on its way out (killed a moment ago, not yet reaped) is not left
  # behind: what is still there 5 s later is.
  if [ -n "$left" ] && wait_until 5 none_of_ours 2>/dev/null; then
    left=""
  fi
  [ -z "$left" ] || left=$(our_procs)
  if [ -n "$left" ]; then
    ps -o pid,stat,wchan:20,args -p "${left//$'\n'/,}" >&2 || true
    kill -9 $left 2>/dev/null || true
    fail "processes left behind: $left"
  fi
}

# bg_reaped NAME CMD...: like bg, but CMD runs under a small reaper that
# stays until every descendant is gone. A program whose parent dies first
# (pipe_parent's child, once a test kills pipe_parent) is handed to this
# reaper, which reaps it at once, instead of to init. NAME gets CMD's pid,
# NAME_reaper the reaper's: `wait "$NAME_reaper"` returns when all are gone,
# with CMD's status (128 + N if a signal N killed it). Output goes to
# $T/NAME.out/.err.
bg_reaped() {
  local __name=$1; shift
  rm -f "$T/$__name.pid"
  "$PYTHON" -c '
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{pid}\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
status = 0
while True:
    try:
        p, st = os.wait()
    except ChildProcessError:
        break
    if p == pid:
        status = os.waitstatus_to_exitcode(st)
sys.exit(status if status >= 0 else 128 - status)
' "$T/$__name.pid" "$@" >"$T/$__name.out" 2>"$T/$__name.err" </dev/null 3>&- &
  printf -v "${__name}_reaper" '%s' "$!"
  wait_for test -s "$T/$__name.pid"
  printf -v "$__name" '%s' "$(<"$T/$__name.pid")"
}

# A lesson's programs (its helper defines c NAME and py NAME, the C
# program's and the Python mirror's command): prog CMD is the name it says
# in its messages (uds_server, uds_server.py).
prog() { local w=($1); echo "${w[-1]##*/}"; }

# same_usage PROG EXPECTED ARGS...: C and Python both end with status 2
# and EXPECTED on stderr (PROG: the program's name, .py added for Python),
# nothing on stdout.
same_usage() {
  local p=$1 expected=$2 cmd
  shift 2
  for cmd in "$(c "$p")" "$(py "$p")"; do
    ends one $cmd "$@"
    assert_equal "$status" 2
    assert_equal "$stderr" "$(prog "$cmd"): $expected"
    assert_equal "$output" ""
  done
}

# ends NAME CMD...: bats' run for a program that should end on its own (a
# server that refuses to start), that never waits for ever if it does not:
# CMD runs in the background (bg), and is waited for until it has ended
# (wait_for: 30 s at most), else the test fails and teardown kills it.
# (bats' run would wait for its output for good, and BATS_TEST_TIMEOUT
# cannot stop a test waiting in a command substitution.) Its exit status
# in $status, its stdout in $output (and $lines), its stderr in $stderr.
ends() {
  local __name=$1
  shift
  bg "$__name" "$@"
  wait_for proc_gone "${!__name}" ||
    fail "still running: $*: $(cat "$T/$__name.out" "$T/$__name.err")"
  reaped "${!__name}"
  output=$(<"$T/$__name.out")
  stderr=$(<"$T/$__name.err")
  lines=()
  [ -z "$output" ] || mapfile -t lines <<<"$output"
}
