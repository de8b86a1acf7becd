#!/usr/bin/env bats
# Lesson 02: a FIFO opened with O_NONBLOCK (fifo_nonblock.c and .py, each
# driven one command at a time). Nothing waits: opening the write end with
# no reader fails with ENXIO; the read end opens at once; a read returns 0
# whenever no writer has the FIFO open (before the first one came, and
# after the last one left), EAGAIN while a writer has it open and it is
# empty; a write with no reader left fails with EPIPE.

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/02-fifos/$1.py"; }

setup() {
  common_setup
  D=$T/run
  mkdir -m 700 "$D"
  mkfifo -m 600 "$D/fifo"
  PROBE_FDS=()
}

# probe NAME CMD...: start CMD (a fifo_nonblock) reading its commands from
# a FIFO this test holds open; NAME gets its pid, NAME_fd the test's end.
# The probe closes every test end it inherits, so it sees the end of its
# commands when the test closes its own (end_probe).
probe() {
  local __name=$1 __fd
  shift
  mkfifo "$T/$__name.cmd"
  # Made here, empty, before the child opens it: ask counts its lines at
  # once (an earlier probe's are gone), whenever the child gets there.
  : >"$T/$__name.out"
  exec {__fd}<>"$T/$__name.cmd"         # read-write: the open never waits
  PROBE_FDS+=("$__fd")
  printf -v "${__name}_fd" '%s' "$__fd"
  (
    trap - EXIT ERR DEBUG INT TERM
    for f in "${PROBE_FDS[@]}"; do eval "exec $f>&-"; done
    exec "$@"
  ) <"$T/$__name.cmd" >"$T/$__name.out" 2>"$T/$__name.err" 3>&- &
  printf -v "$__name" '%s' "$!"
}

lines_over() { [ "$(wc -l <"$1")" -gt "$2" ]; }

# ask NAME COMMAND ANSWER: send one command; its one line of output is ANSWER.
ask() {
  local fd=${1}_fd n
  n=$(wc -l <"$T/$1.out")
  echo "$2" >&"${!fd}"
  wait_for lines_over "$T/$1.out" "$n"
  assert_equal "$(tail -n 1 "$T/$1.out")" "$3"
}

# end_probe NAME: the end of its commands; it ends with status 0, says nothing.
end_probe() {
  local fd=${1}_fd status=0
  eval "exec ${!fd}>&-"
  wait "${!1}" || status=$?
  assert_equal "$status" 0
  assert_equal "$(<"$T/$1.err")" ""
}

# fifo_fd_flags PID: the octal flags of PID's descriptor on the run's FIFO.
fifo_fd_flags() {
  local f
  for f in /proc/"$1"/fd/*; do
    if [ "$(readlink "$f")" = "$D/fifo" ]; then
      sed -n 's/^flags:[[:space:]]*//p' "/proc/$1/fdinfo/${f##*/}"
      return 0
    fi
  done
  return 1
}

ENXIO="open-write: ENXIO: No such device or address: no reader has the FIFO open"
EOF0="read: 0: end of file: no writer has the FIFO open"
EAGAIN="read: EAGAIN: Resource temporarily unavailable: a writer has it open, nothing to read yet"

@test "O_NONBLOCK: opening the write end fails with ENXIO while no reader has the FIFO open, succeeds while one has" {
  local w r
  for w in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    r=$(py fifo_nonblock); [[ $w == *.py ]] && r=$(c fifo_nonblock)
    probe writer $w "$D/fifo"
    probe reader $r "$D/fifo"
    ask writer open-write "$ENXIO"
    ask reader open-read "open-read: opened"
    ask writer open-write "open-write: opened"
    ask writer close "close: closed"
    ask reader close "close: closed"
    ask writer open-write "$ENXIO"          # the reader gone: ENXIO again
    end_probe writer
    end_probe reader
    PROBE_FDS=()
    rm "$T/writer.cmd" "$T/reader.cmd"
  done
}

@test "O_NONBLOCK: the read end opens at once; read returns 0 before any writer, EAGAIN while a writer holds it empty, the bytes, then 0 once the writer leaves" {
  local w r flags
  for r in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    w=$(py fifo_nonblock); [[ $r == *.py ]] && w=$(c fifo_nonblock)
    probe reader $r "$D/fifo"
    probe writer $w "$D/fifo"
    ask reader open-read "open-read: opened"
    # Not asleep in openat: the kernel shows the descriptor open read-only,
    # O_NONBLOCK (04000) set, and the probe back asleep reading commands.
    flags=$(fifo_fd_flags "$reader")
    (( (8#$flags & 3) == 0 && (8#$flags & 8#4000) != 0 )) || fail "flags $flags"
    wait_for blocked_reading_pipe "$reader"
    assert_equal "$(proc_syscall "$reader")" "read 0"
    ask reader read "$EOF0"                 # no writer yet: end of file, not EAGAIN
    ask writer open-write "open-write: opened"
    ask reader read "$EAGAIN"               # a writer, nothing written
    ask reader read "$EAGAIN"
    ask writer "write hello" "write: 5 bytes"
    ask reader read "read: 5 bytes: hello"
    ask reader read "$EAGAIN"
    ask writer close "close: closed"
    ask reader read "$EOF0"                 # the writer gone: end of file
    end_probe reader
    end_probe writer
    PROBE_FDS=()
    rm "$T/writer.cmd" "$T/reader.cmd"
  done
}

@test "O_NONBLOCK: a write with no reader left fails with EPIPE, and the writer lives on" {
  local w r
  for w in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    r=$(py fifo_nonblock); [[ $w == *.py ]] && r=$(c fifo_nonblock)
    probe reader $r "$D/fifo"
    probe writer $w "$D/fifo"
    ask reader open-read "open-read: opened"
    ask writer open-write "open-write: opened"
    ask writer "write x" "write: 1 byte"
    ask reader close "close: closed"
    ask writer "write y" "write: EPIPE: Broken pipe: no reader has the FIFO open"
    ask writer close "close: closed"
    end_probe writer
    end_probe reader
    PROBE_FDS=()
    rm "$T/writer.cmd" "$T/reader.cmd"
  done
}

# bats test_tags=asan
@test "fifo_nonblock refuses bad usage and bad commands with status 2, a missing path or a file that is no FIFO with status 1" {
  local p name
  echo data >"$D/file"
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    name=${p##*/}
    run --separate-stderr $p
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: usage: ${p##* } [--] PATH   (commands on stdin: open-read, open-write, read, write TEXT, close)"
    run --separate-stderr $p "$D/fifo" <<<"bogus"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 1: unknown command 'bogus' (open-read, open-write, read, write TEXT, close)"
    run --separate-stderr $p "$D/fifo" <<<"read"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 1: read: nothing is open"
    run --separate-stderr $p "$D/fifo" <<<$'open-read\nopen-read'
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 2: open-read: already open (close first)"
    run --separate-stderr $p "$D/nothere" <<<"open-read"
    assert_equal "$status" 1
    assert_equal "$stderr" "$name: open $D/nothere: No such file or directory"
    run --separate-stderr $p "$D/file" <<<"open-write"
    assert_equal "$status" 1
    assert_equal "$stderr" "$name: $D/file: a regular file, not a FIFO: refused"
    assert_equal "$(<"$D/file")" data
  done
}

@test "fifo_nonblock: standard input closed, a write to the read end, a read of the write end, bytes that are no command: said alike in C and Python, no traceback" {
  local p name h
  exec {h}<>"$D/fifo"               # a reader (and writer): open-write succeeds
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    name=${p##*/}
    # Closed in the program only: run's own output pipe would take fd 0.
    run --separate-stderr bash -c 'exec "$@" <&-' - $p "$D/fifo"
    assert_equal "$status" 1
    assert_equal "$stderr" "$name: read stdin (fd 0): Bad file descriptor"
    run --separate-stderr $p "$D/fifo" <<<$'open-read\nwrite x'
    assert_equal "$status" 1
    assert_equal "$output" "open-read: opened"
    assert_equal "$stderr" "$name: write $D/fifo: Bad file descriptor: opened for reading"
    run --separate-stderr $p "$D/fifo" <<<$'open-write\nread'
    assert_equal "$status" 1
    assert_equal "$output" "open-write: opened"
    assert_equal "$stderr" "$name: read $D/fifo: Bad file descriptor: opened for writing"
    run --separate-stderr $p "$D/fifo" < <(printf 'bo\377gus\033[2J\n')
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 1: unknown command 'bo.gus.[2J' (open-read, open-write, read, write TEXT, close)"
    run --separate-stderr $p "$D/fifo" < <(printf 'open-read\nopen-\377\n')
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 2: open-.: already open (close first)"
  done
  exec {h}>&-
}

# bats test_tags=asan
@test "fifo_nonblock: a NUL byte is no command character ('read\\0zz' is an unknown command 'read.zz'), C and Python alike" {
  local p
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    run --separate-stderr $p "$D/fifo" < <(printf 'read\0zz\n')
    assert_equal "$status" 2
    assert_equal "$stderr" "${p##*/}: line 1: unknown command 'read.zz' (open-read, open-write, read, write TEXT, close)"
  done
}

# bats test_tags=asan
@test "fifo_nonblock: a long line is quoted cut short with '...' so that the reason after it always shows, C and Python alike" {
  local p name long
  long="write $(printf 'a%.0s' {1..1016})"          # 1022 bytes, the longest line
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    name=${p##*/}
    run --separate-stderr $p "$D/fifo" <<<"$long"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 1: ${long:0:40}...: nothing is open"
    run --separate-stderr $p "$D/fifo" <<<"open-read"$'\n'"${long/write/open-}"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 2: open- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: already open (close first)"
    run --separate-stderr $p "$D/fifo" <<<"${long/write/bogus}"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 1: unknown command 'bogus aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (open-read, open-write, read, write TEXT, close)"
    run --separate-stderr $p "$D/fifo" <<<"x${long}"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: line 1: longer than 1022 bytes"
  done
}

# bats test_tags=asan
@test "fifo_nonblock: a symbolic link or a directory at PATH is refused as the other programs say ('a symbolic link, not a FIFO: refused'), an empty PATH is a usage error, C and Python alike" {
  local p name
  ln -s "$D/fifo" "$D/link"
  mkdir "$D/dir"
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    name=${p##*/}
    run --separate-stderr $p "$D/link" <<<"open-read"
    assert_equal "$status" 1
    assert_equal "$stderr" "$name: $D/link: a symbolic link, not a FIFO: refused"
    run --separate-stderr $p "$D/dir" <<<"open-write"
    assert_equal "$status" 1
    assert_equal "$stderr" "$name: $D/dir: a directory, not a FIFO: refused"
    run --separate-stderr $p "$D/dir" <<<"open-read"
    assert_equal "$status" 1
    assert_equal "$stderr" "$name: $D/dir: a directory, not a FIFO: refused"
    run --separate-stderr $p "" <<<"open-read"
    assert_equal "$status" 2
    assert_equal "$stderr" "$name: PATH is empty: give a FIFO's path"
  done
}

# bats test_tags=asan
@test "fifo_nonblock: write TEXT writes TEXT's bytes as they are, a NUL among them, in C and Python alike" {
  local p h
  exec {h}<>"$D/fifo"
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    run --separate-stderr $p "$D/fifo" < <(printf 'open-write\nwrite a\0b\n')
    assert_success
    assert_equal "$output" "open-write: opened
write: 3 bytes"
    assert_equal "$(pipe_level "$BASHPID" "$h")" "3 65536"
    assert_equal "$(head -c 3 <&"$h" | od -An -c | tr -s ' ')" " a \\0 b"
  done
  exec {h}>&-
}
