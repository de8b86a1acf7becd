# tests/helpers/grading.bash - loaded by every exercise's grade.bats:
#   load ../../../../tests/helpers/grading
#
# Gives a grading test everything common.bash gives ($ROOT, $PYTHON, $T, bg,
# wait_for, the kernel's view, the teardown that fails on a process left
# behind), plus:
#   $EXERCISE_DIR   the folder being graded: the learner's exercise folder by
#                   default, a reference solution with EXERCISE_DIR=... (what
#                   scripts/grade --solutions does)
#   compile_c / assert_compiled / need_exe    C with the kit's flags
#   c_has_type / c_declared                   how a C file declares a name
#   feed / finish                             run a program on a pipe, safely
#   run_graded, left_running                  what a graded program leaves running
#   frame / header                            frames of the kit's wire format
#   taken_and_waiting                         "it read all we sent and waits"

load "$(cd "${BASH_SOURCE[0]%/*}" && pwd)/common"

EXERCISE_DIR=${EXERCISE_DIR:-$BATS_TEST_DIRNAME}
[[ $EXERCISE_DIR = /* ]] || EXERCISE_DIR=$PWD/$EXERCISE_DIR

# A Python exercise finds ipclab relative to its own folder; a copy graded
# elsewhere (scripts/grade --skeletons takes the committed one) finds it here.
export PYTHONPATH=$ROOT/python_peers${PYTHONPATH:+:$PYTHONPATH}

# A program that makes this many read()/write() calls without ending is
# stuck in a loop (a read() loop that never sees EOF, a write() retried
# forever): far more than any correct program here needs. A count of calls
# the kernel keeps, not a time.
SPIN_CALLS=200000
# And a program that uses this much CPU time without ending loops without
# ever waiting (for (;;) {} or while True: pass): the programs here use a
# few hundredths of a second. CPU time the kernel counts, not wall time.
SPIN_CPU_TICKS=$((2 * $(getconf CLK_TCK)))

# exercise_file VAR NAME: the graded file's path into VAR; fails the check
# when it is missing (a variable, not $(...): a failure in a command
# substitution would not stop the check, and a missing program "passes"
# the checks that only ask it not to crash).
# A Python file that does not compile fails every check that runs it, with
# Python's words (compiled in memory: no __pycache__ beside the learner's
# file), so a program that never ran passes no check ("no traceback").
# Compiled once a grading for the file as it is (its inode, size and
# modification time in ns): the grading's other checks read the verdict.
exercise_file() {
  local f=$EXERCISE_DIR/$2 stamp verdict tmp
  [ -f "$f" ] || fail "$2 is missing from $EXERCISE_DIR (ipclab reset brings the skeleton back)"
  if [[ $f == *.py ]]; then
    stamp=$(stat -L -c '%i-%s-%.9Y' -- "$f") || fail "$2: cannot stat it"
    verdict=$BATS_FILE_TMPDIR/compiled-$2-$stamp   # one grading, one folder
    if [ ! -f "$verdict.ok" ] && [ ! -f "$verdict.bad" ]; then
      tmp=$verdict.$BASHPID                      # this check's own, then renamed whole
      if "$PYTHON" -c '
import sys
try:
    compile(open(sys.argv[1], "rb").read(), sys.argv[1], "exec")
except (SyntaxError, ValueError) as e:
    where = f" (line {e.lineno})" if getattr(e, "lineno", None) else ""
    msg = getattr(e, "msg", e)
    print(f"{type(e).__name__}: {msg}{where}")
    sys.exit(1)' "$f" >"$tmp" 2>&1; then
        mv -f "$tmp" "$verdict.ok"
      else
        mv -f "$tmp" "$verdict.bad"
      fi
    fi
    [ ! -f "$verdict.bad" ] || fail "$2 does not compile, so it never runs: $(<"$verdict.bad")"
  fi
  printf -v "$1" '%s' "$f"
}

# ---- C ----------------------------------------------------------------------

# compile_c SRC: compile SRC with demos/common the way the kit builds its
# demos; for setup_file. Never fails: the result is kept for the tests (the
# program, named after SRC so its messages do, and the compiler's words).
# demos/common comes as make built it (build/obj/common/*.o) when every
# object is there and newer than its source and every header: a grading
# then compiles the learner's file alone (eleven files fewer, for every
# grading); otherwise from its sources.
compile_c() {
  local src=$EXERCISE_DIR/$1 cc=${CC:-cc} out c h o common=()
  out=$BATS_FILE_TMPDIR/bin/$(basename "$1" .c)
  mkdir -p "$BATS_FILE_TMPDIR/bin"
  for c in "$ROOT"/demos/common/*.c; do
    o=$ROOT/build/obj/common/${c##*/}
    o=${o%.c}.o
    [ "$o" -nt "$c" ] || { common=("$ROOT"/demos/common/*.c); break; }
    for h in "$ROOT"/demos/common/*.h; do
      [ "$o" -nt "$h" ] || { common=("$ROOT"/demos/common/*.c); break 2; }
    done
    common+=("$o")
  done
  local cmd=("$cc" -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
             -I"$ROOT/demos/common" "$src" "${common[@]}" -o "$out")
  echo "${cmd[*]}" >"$BATS_FILE_TMPDIR/cc.cmd"
  rm -f "$BATS_FILE_TMPDIR/exe.path"
  rm -f "$BATS_FILE_TMPDIR/missing"
  if [ ! -f "$src" ]; then
    echo "$1 is missing from $EXERCISE_DIR (ipclab reset brings the skeleton back)" \
      >"$BATS_FILE_TMPDIR/missing"
    return 0
  fi
  "${cmd[@]}" >"$BATS_FILE_TMPDIR/cc.log" 2>&1 </dev/null 3>&- &&
    echo "$out" >"$BATS_FILE_TMPDIR/exe.path"
  return 0
}

# assert_compiled: the check that shows the compiler's errors (and its
# warnings, when it compiled all the same).
assert_compiled() {
  if [ -s "$BATS_FILE_TMPDIR/missing" ]; then
    cat "$BATS_FILE_TMPDIR/missing" >&2
    return 1
  fi
  if [ ! -s "$BATS_FILE_TMPDIR/exe.path" ]; then
    echo "It does not compile. The command was:" >&2
    echo "  $(<"$BATS_FILE_TMPDIR/cc.cmd")" >&2
    echo "and the compiler said:" >&2
    sed 's/^/  /' "$BATS_FILE_TMPDIR/cc.log" >&2
    return 1
  fi
  [ ! -s "$BATS_FILE_TMPDIR/cc.log" ] || cat "$BATS_FILE_TMPDIR/cc.log" >&2
}

# need_exe VAR: the compiled program's path into VAR, or skip the check: it
# cannot run a program that did not compile (the compile check fails and
# says why; scripts/grade counts a skipped check as not passed, "not run").
need_exe() {
  [ ! -s "$BATS_FILE_TMPDIR/missing" ] || skip "the file is missing"
  [ -s "$BATS_FILE_TMPDIR/exe.path" ] || skip "it does not compile"
  printf -v "$1" '%s' "$(<"$BATS_FILE_TMPDIR/exe.path")"
}

# c_probe SRC CODE: compile (syntax only, the kit's flags, C locale) the
# learner's SRC with CODE added after it, in one translation unit, so CODE
# sees SRC's static names; the compiler's words land in $BATS_TEST_TMPDIR/
# probe.log, with SRC's lines numbered as in SRC. Succeeds when it compiles.
# For what no run can show: how SRC declares a name.
c_probe() {
  local src=$EXERCISE_DIR/$1 f=$BATS_TEST_TMPDIR/probe.c
  { printf '#line 1 "%s"\n' "$1"; cat "$src"; printf '\n#line 1 "(grader)"\n%s\n' "$2"; } >"$f"
  LC_ALL=C "${CC:-cc}" -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$ROOT/demos/common" \
    -fsyntax-only "$f" >"$BATS_TEST_TMPDIR/probe.log" 2>&1 </dev/null 3>&-
}

# c_has_type SRC NAME TYPE: SRC declares NAME at file scope with TYPE, as
# the compiler sees it (qualifiers and typedefs in any order or spelling:
# `sig_atomic_t volatile x` and `volatile sig_atomic_t y, x = 0` alike).
c_has_type() { c_probe "$1" "_Static_assert(_Generic(&$2, $3 *: 1, default: 0), \"\");"; }

# c_declared SRC NAME: how SRC declares NAME at file scope, in words the
# compiler gives: "with type 'long int' (line 25: static long notified;)";
# "nowhere" when NAME is no name at file scope; "" when the compiler does
# not say (a compiler other than gcc).
c_declared() {
  local line type
  # A second declaration of another type makes gcc name the first one's.
  c_probe "$1" "static struct ipclab_probe_ { int x_; } $2;" && return 0
  if grep -q "'$2' undeclared" "$BATS_TEST_TMPDIR/probe.log"; then echo nowhere; return 0; fi
  line=$(sed -n "s/^$1:\([0-9]*\):[0-9]*: note: previous .* of '$2' .*/\1/p" "$BATS_TEST_TMPDIR/probe.log" | head -n 1)
  type=$(sed -n "s/^$1:[0-9]*:[0-9]*: note: previous .* of '$2' with type \('[^']*'\).*/\1/p" "$BATS_TEST_TMPDIR/probe.log" | head -n 1)
  [ -n "$line" ] || return 0
  echo "${type:+with type $type }(line $line: $(sed -n "${line}p" "$EXERCISE_DIR/$1" | sed 's/^[[:space:]]*//' | cut -c1-120))"
}

# ---- running a program --------------------------------------------------------

# feed NAME FILE CMD...: start CMD in the background reading FILE's bytes
# through a pipe, as `cat FILE | CMD` does; bats' fd 3 closed on both sides.
# CMD's pid lands in NAME, its output in $T/NAME.out and $T/NAME.err; the
# feeding cat's pid in FEEDERS, for finish to stop. CMD is marked as the
# graded program (see left_running).
FEEDERS=()
feed() {
  local __name=$1 __file=$2; shift 2
  mkfifo "$T/$__name.pipe"
  cat "$__file" >"$T/$__name.pipe" 2>/dev/null 3>&- &
  FEEDERS+=("$!")
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$@" <"$T/$__name.pipe" >"$T/$__name.out" \
    2>"$T/$__name.err" 3>&- &
  printf -v "$__name" '%s' "$!"
}

# calls PID: read() plus write() calls the process has made so far. The
# file is read in one read(), as signals.bash's status_field does: read a
# line at a time, its counts changing length between reads shifted the
# lines, and syscr or syscw was now and then missed.
calls() {
  local text="" key val n=0
  proc_text text "/proc/$1/io" || return 1           # read whole: kernel.bash
  while read -r key val; do
    case $key in syscr:|syscw:) n=$((n + val)) ;; esac
  done <<<"$text"
  echo "$n"
}

# cpu_ticks PID: the user plus system CPU time the process has used, in
# clock ticks (proc(5): /proc/PID/stat fields 14 and 15, after the name).
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  set -- ${stat##*) }
  echo $((${12} + ${13}))
}

# spinning PID: the process loops without end: too many read()/write()
# calls, or too much CPU time.
spinning() {
  [ "$(calls "$1" 2>/dev/null || echo 0)" -gt "$SPIN_CALLS" ] ||
    [ "$(cpu_ticks "$1" 2>/dev/null || echo 0)" -gt "$SPIN_CPU_TICKS" ]
}

# capped FILE: what a program wrote to FILE, for a check: NUL bytes dropped
# (a shell variable cannot hold them) and the first 256 KiB, under a first
# line saying how much there was when there was more. A program that floods
# its output costs the grading no more than this.
CAP_BYTES=262144
capped() {
  local size
  size=$(stat -c %s "$1" 2>/dev/null || echo 0)
  [ "$size" -le "$CAP_BYTES" ] || echo "(only the first $CAP_BYTES bytes of $size kept)"
  head -c "$CAP_BYTES" "$1" 2>/dev/null | tr -d '\0'
}

# not_ended PID: why the process has not ended, in words (it spins, or
# where it sleeps). SPIN_HINT, when set, is the question asked of a spin
# (what the check knows the program was given: an end of file, say).
not_ended() {
  if [ "$(calls "$1" 2>/dev/null || echo 0)" -gt "$SPIN_CALLS" ]; then
    echo "made over $SPIN_CALLS read()/write() calls without ending:" \
         "is it looping on read() returning 0 at EOF, or retrying a write() that fails?"
  elif spinning "$1"; then
    echo "used over $((SPIN_CPU_TICKS / $(getconf CLK_TCK))) s of CPU time without ending" \
         "or waiting for anything: ${SPIN_HINT:-is it in a loop whose condition never changes?}"
  elif [ "$(proc_syscall "$1")" = running ]; then
    echo "did not end: it was still running, in no system call (a loop without end?)"
  else
    echo "did not end: it is asleep in $(sock_syscall "$1") ($(proc_wchan "$1"))"
  fi
}

# wait_settled BOUND PID PRED...: wait_until BOUND PRED..., and when it
# gives up while PID is runnable (state R), as long again, twice at most:
# on a loaded machine a loop without end may not yet have had the CPU time
# that names it (SPIN_CPU_TICKS) when the bound comes; an idle machine
# never waits longer than BOUND for it.
wait_settled() {
  local bound=$1 pid=$2 tries=0
  shift 2
  until wait_until "$bound" "$@" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 2 ] || [ "$(proc_state "$pid" 2>/dev/null)" != R ]; then
      echo "wait_until: gave up waiting for: $*" >&2
      return 1
    fi
  done
}

# finish PID [NAME]: wait until PID (a child of this test) exits and put its
# exit status in $status, its stdout in $output, its stderr in $stderr (from
# $T/NAME.out and .err when NAME is given). A program caught looping stuck
# is killed and the check fails, saying so; so does one that leaves a
# process running (left_running), which is killed too.
finish() {
  local pid=$1 name=${2:-}
  wait_settled 30 "$pid" proc_gone_or_spinning "$pid" || true
  if ! proc_gone "$pid"; then
    local why
    why=$(not_ended "$pid")
    stop "$pid"
    kill_left_running
    stop_feeders
    fail "the program $why${LEFT:+$'\n'$(left_message)}"
  fi
  status=0
  wait "$pid" || status=$?
  # Before the feeders: one left holding the pipe would keep a feeder
  # asleep in write() for ever.
  kill_left_running
  stop_feeders
  if [ -n "$name" ]; then
    output=$(capped "$T/$name.out")
    stderr=$(capped "$T/$name.err")
  fi
  [ -z "$LEFT" ] || fail "$(left_message)"
}

# stop PID: kill a child of this test (SIGKILL) and reap it.
stop() {
  # In one group with stderr muted: bash reports a child killed by a signal.
  { kill -9 "$1"; wait "$1"; } 2>/dev/null || true
}

# stop_feeders: reap the feeders. Their reader has ended, so a feeder still
# writing gets EPIPE and ends too: a wait, not a kill (its pid may be reaped
# and reused already).
stop_feeders() {
  local f
  for f in "${FEEDERS[@]}"; do wait "$f" 2>/dev/null || true; done
  FEEDERS=()
}

proc_gone_or_spinning() { proc_gone "$1" || spinning "$1"; }

# ---- what the graded program leaves running ------------------------------------------
#
# A graded program is started with IPCLAB_GRADED=$IPCLAB_TESTID in its
# environment (feed, bg_reaper and run_graded do it; by hand:
# env IPCLAB_GRADED="$IPCLAB_TESTID" CMD... &), and every process it starts
# inherits it. Once the program has ended, whatever it started must have
# ended too: a child or grandchild left running (asleep, holding a pipe end
# the grader waits on) would keep the check waiting for ever. finish,
# finish_reaped and run_graded name each such process, kill it, and fail.

# left_running: the processes marked graded that still run (zombies do not
# count), one "pid PID: COMMAND" a line (a command's own newlines, as in
# python3 -c 'PROGRAM', become spaces: one line a process, counted right).
left_running() {
  local f p cmd files=(/proc/[0-9]*/environ)
  for f in $(grep -lz "^IPCLAB_GRADED=$IPCLAB_TESTID\$" "${files[@]}" 2>/dev/null); do
    p=${f#/proc/}; p=${p%/environ}
    proc_gone "$p" && continue
    cmd=$(tr '\0\n' '  ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    echo "pid $p: ${cmd% }"
  done
  return 0
}

# kill_left_running: kill what left_running lists (SIGKILL, which also ends
# a stopped process); the list stays in $LEFT for left_message.
kill_left_running() {
  local p
  LEFT=$(left_running)
  for p in $(sed -n 's/^pid \([0-9]*\):.*/\1/p' <<<"$LEFT"); do
    kill -9 "$p" 2>/dev/null || true
  done
  # Gone before we go on: none may hold a pipe end the grader waits on.
  for p in $(sed -n 's/^pid \([0-9]*\):.*/\1/p' <<<"$LEFT"); do
    wait_for proc_gone "$p" || true
  done
}

left_message() {
  local n
  n=$(wc -l <<<"$LEFT")
  echo "once the program had ended, $n $( ((n == 1)) && echo process || echo processes)" \
       "it started still ran (the grader killed them):"
  sed 's/^/  /' <<<"$LEFT"
  echo "Every process a program starts must have ended (and been reaped) before it ends."
}

# run_graded CMD...: bats' run for a graded program: $status, and in
# $output and $lines what it printed (stdout and stderr together). The
# output goes through a file, not a pipe, so that a process CMD leaves
# running cannot keep run waiting; such a process is named and killed, and
# the check fails. A CMD that spins (spinning), or that the check's
# function $STUCK (given PID) finds stuck for good, is killed at once and
# the check fails saying why ($STUCK_WHY, or not_ended's words); one that
# runs on regardless is killed after 120 s, the last resort.
run_graded() {
  local pid why=""
  env IPCLAB_GRADED="$IPCLAB_TESTID" "$@" >"$T/run_graded.out" 2>&1 </dev/null 3>&- &
  pid=$!
  wait_until 120 ended_or_stuck_graded "$pid" || true
  if ! proc_gone "$pid"; then
    if ! spinning "$pid" && [ -n "${STUCK:-}" ] && "$STUCK" "$pid"; then
      why=${STUCK_WHY:-$(not_ended "$pid")}
    else
      why=$(not_ended "$pid")
    fi
    stop "$pid"
  fi
  status=0
  wait "$pid" 2>/dev/null || status=$?
  output=$(capped "$T/run_graded.out")
  mapfile -t lines <<<"$output"
  kill_left_running
  # What it printed (nothing: no empty line), then why it was stopped.
  [ -z "$why" ] || { [ -z "$output" ] || echo "$output" >&2
                     fail "the program $why${LEFT:+$'\n'$(left_message)}"; }
  [ -z "$LEFT" ] || { [ -z "$output" ] || echo "$output" >&2; fail "$(left_message)"; }
}
ended_or_stuck_graded() {
  proc_gone "$1" || spinning "$1" || { [ -n "${STUCK:-}" ] && "$STUCK" "$1"; }
}

# show_run: what a failing check should print about the run it judged.
show_run() {
  {
    echo "exit status: $status"
    echo "stdout:"; printf '%s\n' "$output" | head -20 | cut -c1-200 | sed 's/^/  /'
    echo "stderr:"; printf '%s\n' "$stderr" | head -20 | cut -c1-200 | sed 's/^/  /'
  } >&2
  # A grader may say more about what the run shows (explain_run, if it
  # defines one: an error whose usual cause in that exercise is known).
  [ "$(type -t explain_run)" != function ] || explain_run >&2
}

# ---- saying what a check found -----------------------------------------------------
#
# A failing check says in words what it looked at, what it expected and what
# it found, with every number named:
#   the ring's header after the run: expected slots 4, slot size 36, head 0,
#   tail 0; found slots 4, slot size 36, head 0, tail 4

# lines_of TEXT: "nothing", "1 line", "3 lines".
lines_of() {
  if [ -z "$1" ]; then echo nothing
  elif [[ $1 != *$'\n'* ]]; then echo "1 line"
  else echo "$(($(wc -l <<<"$1"))) lines"
  fi
}

# shown TEXT: TEXT on one line, or "nothing"; text of several lines under
# the line before, indented.
shown() {
  if [ -z "$1" ]; then echo nothing
  elif [[ $1 != *$'\n'* ]]; then echo "$1"
  else block "$1"
  fi
}

# block TEXT: "(N lines):" then TEXT's lines, indented; or "nothing".
block() {
  if [ -z "$1" ]; then echo nothing
  else
    echo "($(lines_of "$1")):"
    # 40 lines at most, each cut at 200 characters: a flood stays readable.
    awk 'NR <= 40 { print "    " (length($0) > 200 ? substr($0, 1, 200) "..." : $0) }
         END { if (NR > 40) print "    ... (" NR - 40 " more lines)" }' <<<"$1"
  fi
}

# expect_equal WHAT EXPECTED FOUND: fail unless FOUND is EXPECTED.
expect_equal() {
  [ "$3" = "$2" ] && return 0
  if [[ $2$3 == *$'\n'* ]]; then
    fail "$1:"$'\n'"  expected $(block "$2")"$'\n'"  found $(block "$3")"
  else
    fail "$1: expected $(shown "$2"); found $(shown "$3")"
  fi
}

# expect_match WHAT REGEX FOUND: fail unless FOUND matches REGEX (extended).
expect_match() {
  [[ $3 =~ $2 ]] && return 0
  fail "$1: expected words matching '$2'; found $(shown "$3")"
}

# expect_number WHAT N FOUND: fail unless FOUND holds the number N as a
# word of its own (not inside a longer one: a temporary folder's random
# name, bats-run-53dRp8, holds "-5" as a substring).
expect_number() {
  local re="(^|[^[:alnum:]._/-])${2//./\\.}([^[:alnum:]]|\$)"
  [[ $3 =~ $re ]] && return 0
  fail "$1: expected the number $2; found $(shown "$3")"
}

# expect_no_match WHAT REGEX FOUND: fail if FOUND matches REGEX.
expect_no_match() {
  [[ $3 =~ $2 ]] || return 0
  fail "$1: expected nothing matching '$2'; found $(shown "$3")"
}

# expect_line WHAT REGEX: fail unless a line of $output matches REGEX (a
# check that has shown $output already: it is not shown again).
expect_line() {
  local line
  while IFS= read -r line; do
    [[ $line =~ $2 ]] && return 0
  done <<<"$output"
  fail "$1: expected a line matching '$2'; none of the $(lines_of "$output") above does"
}

# ---- the kit's wire format ------------------------------------------------------

# header LEN: the 4-byte little-endian signed length (LEN may be negative).
header() {
  local n=$(($1 & 0xffffffff))
  printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8 & 255)))"
  printf "\\x$(printf %02x $((n >> 16 & 255)))\\x$(printf %02x $((n >> 24 & 255)))"
}

# frame PAYLOAD...: one whole frame per argument (text payloads).
frame() {
  local p
  for p in "$@"; do header "${#p}"; printf '%s' "$p"; done
}

# decode_frames: read frames from stdin, print them the way the exercises
# do ("frame N: LEN bytes: PAYLOAD"); stray bytes at the end are reported.
decode_frames() {
  "$PYTHON" -c '
import struct, sys
data, i, n = sys.stdin.buffer.read(), 0, 0
while i + 4 <= len(data):
    (length,) = struct.unpack_from("<i", data, i)
    payload = data[i + 4:i + 4 + length]
    i += 4 + len(payload)
    n += 1
    text = "".join(chr(b) if 32 <= b < 127 and b != 92 else "\\x%02x" % b for b in payload)
    unit = "byte" if len(payload) == 1 else "bytes"
    print(f"frame {n}: {len(payload)} {unit}: {text}")
if i != len(data):
    unit = "byte" if len(data) - i == 1 else "bytes"
    print(f"{len(data) - i} stray {unit}")
'
}

# ---- the kernel's view -------------------------------------------------------------

# taken_and_waiting PID: the process sleeps in read() on a pipe that holds
# nothing: it has taken every byte sent so far and waits for more. The queue
# is checked first: once it is empty the process has run its read, so a
# sleep seen after that is a new one (the next read), not the one from
# before our bytes arrived.
taken_and_waiting() {
  local call fd q c
  call=$(proc_syscall "$1") && [[ $call == "read "* ]] || return 1
  fd=${call#read }
  read -r q c < <(pipe_level "$1" "$fd") && [ "$q" -eq 0 ] &&
    blocked_reading_pipe "$1" && [ "$(proc_syscall "$1")" = "$call" ]
}

# taken_or_gone PID: taken_and_waiting, or the process has ended (a check
# then judges what it printed instead of waiting for a read that never comes),
# or it spins (finish then says so).
taken_or_gone() { proc_gone "$1" || taken_and_waiting "$1" || spinning "$1"; }

# no_live_children PID: every child of PID has exited (or it has none).
no_live_children() {
  local c
  for c in $(proc_children "$1"); do proc_gone "$c" || return 1; done
}

# write_ends_of PID FD: PID's descriptors open for writing on the same pipe
# as its descriptor FD.
write_ends_of() {
  local target
  target=$(fd_target "$1" "$2") || return 0
  fds_on "$1" "$target" | awk '$2 == "w" { print $1 }'
}

# holders PIPE MODE: the processes that hold PIPE (pipe:[81234]) open for
# MODE (r or w), one "pid PID: COMMAND (fd FD)" a line.
holders() {
  local f p fd cmd pattern=${1//[/\\[}
  pattern=${pattern//]/\\]}              # -lname takes a pattern: pipe:\[81234\]
  for f in $(find /proc/[0-9]*/fd -mindepth 1 -lname "$pattern" 2>/dev/null); do
    p=${f#/proc/}; p=${p%%/*}; fd=${f##*/}
    [ "$(fd_mode "$p" "$fd" 2>/dev/null)" = "$2" ] || continue
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    echo "pid $p: ${cmd% } (fd $fd)"
  done
  return 0
}

# ---- a program that forks ------------------------------------------------------------

# bg_reaper NAME CMD...: start CMD in the background under a small reaper
# (a child subreaper) that stays until every descendant is gone, so a child
# orphaned when a check kills CMD is reaped at once, not left to init.
# NAME gets CMD's pid, marked as the graded program (see left_running);
# finish_reaped NAME waits for the end of it all.
bg_reaper() {
  local __name=$1; shift
  rm -f "$T/$__name.pid" "$T/$__name.status" "$T/$__name.adopted"
  "$PYTHON" -c '
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
out, err = os.dup(1), os.dup(2)
pid = os.fork()
if pid == 0:
    os.environ["IPCLAB_GRADED"] = os.environ["IPCLAB_TESTID"]
    os.execvp(sys.argv[2], sys.argv[2:])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{pid}\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1] + ".pid")
while True:
    try:
        p, st = os.wait()
    except ChildProcessError:
        break
    if p == pid:      # CMD: its status the way a shell shows it
        code = os.waitstatus_to_exitcode(st)
        with open(sys.argv[1] + ".status", "w") as f:
            f.write(f"{code if code >= 0 else 128 - code}\n")
    else:             # a child CMD never waited for, adopted by us
        with open(sys.argv[1] + ".adopted", "a") as f:
            f.write(f"{p}\n")
' "$T/$__name" "$@" >"$T/$__name.out" 2>"$T/$__name.err" </dev/null 3>&- &
  printf -v "${__name}_reaper" '%s' "$!"
  wait_for test -s "$T/$__name.pid"
  printf -v "$__name" '%s' "$(<"$T/$__name.pid")"
}

# finish_reaped NAME: once CMD of bg_reaper NAME has ended (or been killed
# by the check), wait for its reaper (every process gone); status, output
# and stderr as finish sets them, and ADOPTED: the pids of children CMD
# never waited for (the reaper reaped them). A process CMD left running
# would keep the reaper waiting: it is named and killed, and the check fails.
finish_reaped() {
  local reaper=${1}_reaper pid=${!1} ended=1
  wait_for test -s "$T/$1.status" || ended=0
  kill_left_running
  wait "${!reaper}" || true
  status=$(cat "$T/$1.status" 2>/dev/null || echo "unknown")
  # The pids of the processes CMD left for its reaper to reap (a child it
  # never waited for becomes the reaper's when CMD ends).
  ADOPTED=$(sed "s/^/pid /" "$T/$1.adopted" 2>/dev/null | paste -sd " ")
  output=$(capped "$T/$1.out")
  stderr=$(capped "$T/$1.err")
  [ "$ended" = 1 ] || fail "the program (pid $pid) did not end; the grader killed:"$'\n'"$LEFT"
  [ -z "$LEFT" ] || fail "$(left_message)"
}
