# tests/helpers/signals.bash - what the kernel shows about a process's
# signals, for lesson 03's tests:  load helpers/signals  (after common).
# /proc/PID/status: SigPnd (pending for the thread), ShdPnd (for the
# process), SigBlk (blocked), SigCgt (caught: a handler), 64-bit hex masks,
# bit N-1 for signal N; SigQ queued/limit for the user (RLIMIT_SIGPENDING).

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/03-signals/$1.py"; }
lang() { [[ $1 == *.py* ]] && echo Python || echo C; }
prog() { local w=${1%% *}; [[ $1 == *.py* ]] && { w=${1##*/}; w=${w%% *}; }; basename "$w"; }

SIGINT=2 SIGKILL=9 SIGUSR1=10 SIGUSR2=12 SIGTERM=15 SIGCHLD=17
SIGRTMIN=$(kill -l SIGRTMIN)   # glibc's, as Python's signal.SIGRTMIN (a builtin: no process)

# status_field PID FIELD: the value of FIELD (SigBlk, SigQ, ...). The file
# is read in one read(): read a line at a time, bash seeks back after each
# line and the kernel writes the file anew at each read, so a line that
# changed length in between (SigQ counts every pending signal of the user,
# other processes' too) shifted the next ones, and a field was now and then
# missed (read as "hdPnd:"). No fork: it is polled often.
status_field() {
  local text="" re=$'(^|\n)'"$2"$':[ \t]*([^ \t\n]*)'
  proc_text text "/proc/$1/status" || return 1      # kernel.bash
  [[ $text =~ $re ]] || return 1
  echo "${BASH_REMATCH[2]}"
}

# sig_in PID FIELD SIG: signal number SIG is set in mask FIELD.
sig_in() {
  local m
  m=$(status_field "$1" "$2") || return 1
  (( (16#$m >> ($3 - 1)) & 1 ))
}

# nothing_pending PID: neither the thread nor the process has a signal pending.
nothing_pending() {
  [ "$(status_field "$1" SigPnd)" = 0000000000000000 ] &&
  [ "$(status_field "$1" ShdPnd)" = 0000000000000000 ]
}

# ready_for PID SIG...: the program has exec'd, and each SIG is caught (a
# handler is installed) or blocked. Until it execs, a background child is
# a copy of this shell, which catches SIGUSR1, SIGINT and SIGTERM itself
# (bats' traps): a signal sent then lands in the copy, not the program (a
# loop run: SIGINT killed the copy before its redirections, and the test
# read the previous worker's output as this one's, with status 130).
ready_for() {
  local p=$1 s
  shift
  [ "$(readlink "/proc/$p/exe")" != "$(readlink "/proc/$BASHPID/exe")" ] || return 1
  for s; do sig_in "$p" SigCgt "$s" || sig_in "$p" SigBlk "$s" || return 1; done
}

# syscall_sp PID: the stack pointer in /proc/PID/syscall (it moves when a
# handler runs on top of the interrupted call).
syscall_sp() { local a; read -ra a <"/proc/$1/syscall" && echo "${a[7]}"; }

blocked_in_pause() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == "pause "* ]]
}

# blocked_reading_fd PID FD: asleep in read() on descriptor FD.
blocked_reading_fd() {
  [ "$(proc_state "$1")" = S ] && [ "$(proc_syscall "$1")" = "read $2" ]
}

# children PID: its children, space-separated.
children() { proc_children "$1" | paste -sd ' '; }

# count_lines FILE PATTERN: lines of FILE matching the extended regex.
count_lines() { grep -cE -- "$2" "$1" || true; }

# bg_in NAME CMD...: bg, but standard input is the FIFO $T/in, which the
# test holds open read-write as $IN (its close is the end of input); the
# program does not get the test's descriptor.
bg_in() {
  local __name=$1; shift
  ( trap - EXIT ERR DEBUG INT TERM; eval "exec $IN>&-"; exec "$@" ) \
    >"$T/$__name.out" 2>"$T/$__name.err" <"$T/in" 3>&- &
  printf -v "$__name" '%s' "$!"
}

open_input() {
  [ -p "$T/in" ] || mkfifo -m 600 "$T/in"
  exec {IN}<>"$T/in"
}
close_input() { exec {IN}>&-; }

# gone PID: no such process any more (not even a zombie).
gone() { [ ! -e "/proc/$1" ]; }

# has_lines N FILE PATTERN: FILE has exactly N lines matching PATTERN (for
# wait_for: counted again on every poll).
has_lines() { [ "$(grep -cE -- "$3" "$2" 2>/dev/null)" = "$1" ]; }

# in_syscall PID NAME: asleep in system call NAME.
in_syscall() { [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == "$2 "* ]]; }

# finished PID: wait for our child PID; its exit status in $status.
finished() { reaped "$1"; }

# has_children N PID: PID has N children now.
has_children() { [ "$(proc_children "$2" | wc -l)" = "$1" ]; }

# switches PID: how many times PID has gone to sleep so far
# (voluntary_ctxt_switches, proc(5)): unchanged between two looks, it did
# not run in between.
switches() { status_field "$1" voluntary_ctxt_switches; }

# where PID: what PID does, in words, for a check's message: it spins (how
# long, from not_ended), runs, or sleeps in which call (and its wchan).
where() {
  local s
  s=$(proc_syscall "$1" 2>/dev/null) || { echo "gone"; return; }
  if spinning "$1"; then
    echo "it $(not_ended "$1")"
  elif [ "$s" = running ]; then
    echo "running, in no system call"
  else
    echo "state $(proc_state "$1"), in ${s%% *}() ($(proc_wchan "$1"))"
  fi
}
