#!/usr/bin/env bats
# The hostile peers themselves (tests/hostile/, docs/hostile-peers.md): they
# break rules on purpose toward the lesson programs, never toward whoever
# runs them. Their own command line is untrusted input: a bad word is
# refused before any step runs, on one line naming it, status 2, never a
# traceback, and nothing is written; a name is a POSIX IPC name, and the
# file behind it a regular file in /dev/shm, reached through no symbolic
# link. Every file these tests aim at is one of their own ($T, and
# /dev/shm names holding $IPCLAB_TESTID): never a system file. No lesson
# program runs here (no demo tag).

load helpers/common
load helpers/shm
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  shm_setup
  PIPE=$ROOT/tests/hostile/hostile_pipe.py
  SHM=$ROOT/tests/hostile/hostile_shm.py
}

teardown() {
  # Folders in /dev/shm some tests make (no_ipc_left removes files only).
  rmdir "/dev/shm/ipclab-$ID-dir" "/dev/shm/sem.ipclab-$ID-dir" 2>/dev/null || true
  local err=0
  assert_nothing_left || err=1
  no_ipc_left || err=1
  return "$err"
}

# make_seg NAME ring|counter|SIZE: a segment file written by the test
# itself: a ring (4 slots of 36 bytes: 176), a counter (24), or SIZE zero
# bytes. Its bytes are kept in $T/NAME.orig for unchanged.
make_seg() {
  "$PYTHON" -c 'import struct, sys
kind = sys.argv[2]
if kind == "ring":
    data = struct.pack("<4sIIIIIII", b"IRNG", 1, 176, 0, 4, 36, 0, 0) + bytes(144)
elif kind == "counter":
    data = struct.pack("<4sIIIQ", b"ICNT", 1, 24, 0, 0)
else:
    data = bytes(int(kind))
open(sys.argv[1], "wb").write(data)' "$(shm_file "$1")" "$2"
  cp "$(shm_file "$1")" "$T/${1#/}.orig"
}

# unchanged NAME...: each segment holds the bytes make_seg gave it.
unchanged() {
  local n
  for n in "$@"; do
    cmp -s "$(shm_file "$n")" "$T/${n#/}.orig" || fail "$n was changed: $(od -An -tx1 "$(shm_file "$n")" | head -2)"
  done
}

# refused STATUS "WORDS" CMD...: CMD ends with STATUS and one line on
# stderr that starts "PROG: WORDS" (PROG the peer's name), and at status
# 2 ends "(see PROG --help)"; no traceback, nothing on stdout.
refused() {
  local want=$1 words=$2 prog
  shift 2
  run --separate-stderr "$@"
  prog=$(basename "$(printf '%s\n' "$@" | grep -m1 'hostile_.*\.py$')")
  [ "$status" = "$want" ] || fail "${*:2}: status $status, not $want: $stderr"
  [[ $stderr != *Traceback* && $stderr != *$'\n'* ]] || fail "${*:2}: not one line: $stderr"
  [[ $stderr == "$prog: $words"* ]] || fail "${*:2}: '$stderr' does not start '$prog: $words'"
  [ "$want" != 2 ] || [[ $stderr == *" (see $prog --help)" ]] || fail "${*:2}: $stderr"
  [ -z "$output" ] || fail "${*:2}: wrote to stdout: $output"
}

@test "hostile_shm.py refuses a name that is not a POSIX IPC name (../../etc/passwd, a symlink, a folder) and writes nothing" {
  local name step link
  echo "a victim: a file of this test's own" >"$T/victim"
  cp "$T/victim" "$T/victim.orig"
  make_seg "$RING" ring
  # Names that climb out of /dev/shm to the victim ($T is absolute):
  # /dev/shm/../..$T/victim is $T/victim; so is a path through a folder.
  mkdir "/dev/shm/ipclab-$ID-dir" "/dev/shm/sem.ipclab-$ID-dir"
  for name in "../..$T/victim" "/../..$T/victim" "/ipclab-$ID-dir/../..$T/victim" \
              "/ipclab-$ID-dir/../../..$T/victim"; do
    for step in "set magic 1" "truncate 0"; do
      refused 2 "--posix: '" "$PYTHON" "$SHM" --posix "$name" $step
      [[ $stderr == *"is not a POSIX IPC name ('/' and 1 to 255 bytes with no '/')"* ]] || fail "$stderr"
    done
    # A semaphore's name too: its file is /dev/shm/sem.NAME.
    refused 2 "semset SEM: '" "$PYTHON" "$SHM" --posix "$RING" semset "$name" 7
    refused 2 "post SEM: '" "$PYTHON" "$SHM" --posix "$RING" post "$name" 1
  done
  for name in "" / /.. /. "//ipclab-$ID-ring" "ipclab-$ID-ring"; do
    refused 2 "--posix: '$name' is not a POSIX IPC name" "$PYTHON" "$SHM" --posix "$name" set magic 1
  done
  refused 2 "--posix: '/aaaa" "$PYTHON" "$SHM" --posix "/$(printf 'a%.0s' {1..256})" set magic 1
  [[ $stderr == *": 256 bytes after the '/', more than 255 "* ]] || fail "$stderr"

  # A name that is one, but its file is no segment: the open fails, status 1.
  link=/dev/shm/ipclab-$ID-link
  ln -s "$T/victim" "$link"
  for step in "set magic 1" "truncate 0"; do
    refused 1 "open $link: a symbolic link: refused" "$PYTHON" "$SHM" --posix "/ipclab-$ID-link" $step
  done
  ln -s "$T/victim" "/dev/shm/sem.ipclab-$ID-link"
  refused 1 "open /dev/shm/sem.ipclab-$ID-link: a symbolic link: refused" \
    "$PYTHON" "$SHM" --posix "$RING" semset "/ipclab-$ID-link" 7
  refused 1 "open /dev/shm/ipclab-$ID-dir: Is a directory" "$PYTHON" "$SHM" --posix "/ipclab-$ID-dir" set magic 1
  mkfifo "/dev/shm/ipclab-$ID-fifo"
  refused 1 "open /dev/shm/ipclab-$ID-fifo: not a regular file" "$PYTHON" "$SHM" --posix "/ipclab-$ID-fifo" set magic 1
  refused 1 "open /dev/shm/ipclab-$ID-none: No such file or directory" "$PYTHON" "$SHM" --posix "/ipclab-$ID-none" set magic 1
  refused 1 "shmget key $KEY: No such file or directory" "$PYTHON" "$SHM" --sysv "$KEY" set magic 1

  assert_equal "$(cat "$T/victim")" "$(cat "$T/victim.orig")"
  unchanged "$RING"
  rm "$link" "/dev/shm/sem.ipclab-$ID-link" "/dev/shm/ipclab-$ID-fifo"
  rmdir "/dev/shm/ipclab-$ID-dir" "/dev/shm/sem.ipclab-$ID-dir"
  rm_names "$RING"
}

@test "hostile_pipe.py and hostile_shm.py refuse each bad word of their command line (a count out of range, a status past 255, a bad descriptor, a field that does not exist, a step after one that never returns): status 2, one line naming it, no traceback, nothing written" {
  local case words
  # "ARGUMENTS|the message's first words": hostile_pipe.py, stdout the pipe.
  while IFS='|' read -r case words; do
    read -ra case <<<"$case"
    refused 2 "$words" "$PYTHON" "$PIPE" "${case[@]}"
  done <<'CASES'
frames 1 -5|frames SIZE: -5 is not from 0 to 1048576
frames 1 1048577|frames SIZE: 1048577 is not from 0 to 1048576
frames -1|frames N: -1 is not from 0 to 2147483647
frames|frames: no N (frames N [SIZE])
frames x|frames N: 'x' is not a number
garbage -1|garbage N: -1 is not from 0 to 2147483647
bytes -3|bytes N: -3 is not from 0 to 2147483647
flood -1|flood N: -1 is not from 0 to 2147483647
length 2147483648|length L: 2147483648 is not from -2147483648 to 2147483647
chaos 0|chaos N: 0 is not from 1 to 1000
chaos -1|chaos N: -1 is not from 1 to 1000
exit 300|exit STATUS: 300 is not from 0 to 255
exit -1|exit STATUS: -1 is not from 0 to 255
--fd -1 frames 1|--fd: -1 is not from 0 to 1023
--fd 1023 frames 1|--fd: descriptor 1023 is not open
--child frames 1|--child: the command must end with RFD WFD (the descriptors pipe_parent appends), not 'frames 1'
--fd 1 --child frames 1 3 4|--fd N and --child: one or the other
--seed -1 frames 1|--seed: -1 is not from 0 to 4294967295
bogus|unknown step 'bogus'
frames 1 --seed 2|unknown step '--seed' (options go before the steps)
exit frames 1|'frames' would never run: it comes after 'exit', which ends the peer
pause exit|'exit' would never run: it comes after 'pause', which never returns
chaos 3 frames 1|'frames' would never run: it comes after 'chaos', which ends with exit, kill or pause
flood 0 exit|'exit' would never run: it comes after 'flood 0'
close frames 1|'frames' after 'close' with no 'reopen' in between: our end is closed
CASES
  refused 2 "frames N: '1\\n2' is not a number" "$PYTHON" "$PIPE" frames $'1\n2'

  # hostile_shm.py, on a ring of the test's own: it stays as it was.
  make_seg "$RING" ring
  while IFS='|' read -r case words; do
    read -ra case <<<"${case//RING/$RING}"
    refused 2 "$words" "$PYTHON" "$SHM" "${case[@]}"
  done <<'CASES'
--posix RING set bogus 1|set: unknown field 'bogus': one of magic, version, size, reserved, counter, slots, slot_size, head, tail, or @OFFSET
--posix RING set magic ABCDE|set magic: 'ABCDE' is not 4 ASCII characters (nor a number)
--posix RING set magic AB|set magic: 'AB' is not 4 ASCII characters (nor a number)
--posix RING set head 4294967296|set head VALUE: 4294967296 is not from 0 to 4294967295
--posix RING set head -1|set head VALUE: -1 is not from 0 to 4294967295
--posix RING set @-4 1|set @OFFSET: -4 is not from 0 to 4294967295
--posix RING set head|set: no VALUE (set FIELD VALUE)
--posix RING scramble 1 counter|scramble: 'counter' is not a 4-byte field: one of magic, version, size, reserved, slots, slot_size, head, tail
--posix RING scramble -1|scramble N: -1 is not from 0 to 2147483647
--posix RING smash x|smash N: 'x' is not a number
--posix RING post /ipclab-x 2147483648|post N: 2147483648 is not from 0 to 2147483647
--posix RING semset /ipclab-x 1 @30|semset @OFFSET: 30 is not from 0 to 28
--posix RING semset /ipclab-x 4294967296|semset VALUE: 4294967296 is not from 0 to 4294967295
--posix RING semval 0 1|semval KEY: 0 is not from 1 to 2147483647
--posix RING semval 5 32768|semval VALUE: 32768 is not from 0 to 32767
--posix RING exit 256|exit STATUS: 256 is not from 0 to 255
--posix RING smash 0 exit|'exit' would never run: it comes after 'smash 0', which goes on until the peer is killed
--posix RING kill set head 1|'set' would never run: it comes after 'kill', which ends the peer
--posix RING frob|unknown step 'frob'
--sysv 0 set head 1|--sysv KEY: 0 is not from 1 to 2147483647
--sysv 0x80000000 set head 1|--sysv KEY: 2147483648 is not from 1 to 2147483647
--sysv 5 --posix RING set head 1|name one segment: --posix NAME or --sysv KEY
--posix RING|no STEP
--seed x --posix RING set head 1|--seed: 'x' is not a number
CASES
  unchanged "$RING"
  rm_names "$RING"
}

@test "hostile_shm.py refuses a step its segment cannot take (an empty segment, smash on 2 bytes, a field or offset past the end, flood or stall on no ring, truncate past the size): status 2, the size and what the step needs, the segment unchanged" {
  local zero=/ipclab-$ID-zero two=/ipclab-$ID-two
  make_seg "$SEG" counter
  make_seg "$zero" 0
  make_seg "$two" 2
  make_seg "$RING" ring
  refused 2 "set magic: bytes 0 to 3 are past the end of the 0-byte segment" \
    "$PYTHON" "$SHM" --posix "$zero" set magic 1
  refused 2 "smash: the segment has 0 bytes: smash writes 4 at a time" "$PYTHON" "$SHM" --posix "$zero" smash 1
  refused 2 "scramble magic (a field of the default list): bytes 0 to 3 are past the end of the 0-byte segment" \
    "$PYTHON" "$SHM" --posix "$zero" scramble 1
  refused 2 "smash: the segment has 2 bytes: smash writes 4 at a time" "$PYTHON" "$SHM" --posix "$two" smash 1
  refused 2 "scramble tail: bytes 28 to 31 are past the end of the 24-byte segment" \
    "$PYTHON" "$SHM" --posix "$SEG" scramble 3 tail
  refused 2 "set head: bytes 24 to 27 are past the end of the 24-byte segment" \
    "$PYTHON" "$SHM" --posix "$SEG" set head 1
  refused 2 "set @176: bytes 176 to 179 are past the end of the 176-byte segment" \
    "$PYTHON" "$SHM" --posix "$RING" set @176 1
  refused 2 "flood: $SEG (24 bytes) is not a ring: its magic is 'ICNT', not 'IRNG'" \
    "$PYTHON" "$SHM" --posix "$SEG" flood 1 "$EMPTY" "$FULL"
  refused 2 "stall: $SEG (24 bytes) is not a ring: its magic is 'ICNT', not 'IRNG'" \
    "$PYTHON" "$SHM" --posix "$SEG" stall "$EMPTY" "$FULL"
  refused 2 "stall: $zero (0 bytes) is not a ring" "$PYTHON" "$SHM" --posix "$zero" stall "$EMPTY" "$FULL"
  refused 2 "truncate SIZE: 99999999999999 is more than the segment's 176 bytes (truncate only cuts: 0 to 176)" \
    "$PYTHON" "$SHM" --posix "$RING" truncate 99999999999999
  refused 2 "truncate SIZE: 1 is more than the segment's 0 bytes" "$PYTHON" "$SHM" --posix "$zero" truncate 1
  # As its own truncate leaves it: checked before the truncate is made.
  refused 2 "set head: bytes 24 to 27 are past the end of the 16-byte segment" \
    "$PYTHON" "$SHM" --posix "$RING" truncate 16 set head 1
  refused 2 "flood: $RING (100 bytes) is not a ring: its 4 slots of 36 bytes end at byte 176" \
    "$PYTHON" "$SHM" --posix "$RING" truncate 100 flood 1 "$EMPTY" "$FULL"
  # A ring whose header says more slots than the segment holds.
  run "$PYTHON" "$SHM" --posix "$RING" set slots 5
  assert_success
  cp "$(shm_file "$RING")" "$T/${RING#/}.orig"
  refused 2 "stall: $RING (176 bytes) is not a ring: its 5 slots of 36 bytes end at byte 212" \
    "$PYTHON" "$SHM" --posix "$RING" stall "$EMPTY" "$FULL"
  unchanged "$SEG" "$zero" "$two" "$RING"
  # What fits is done: an empty segment cut to 0, a ring cut to its size.
  run --separate-stderr "$PYTHON" "$SHM" --posix "$zero" truncate 0
  assert_success
  run --separate-stderr "$PYTHON" "$SHM" --posix "$RING" truncate 176 set magic ABCD
  assert_success
  assert_equal "$(head -c 4 "$(shm_file "$RING")")" ABCD
  rm_names "$SEG" "$zero" "$two" "$RING"
}
