#!/usr/bin/env bats
# Lesson 08: shared memory and semaphores, C <-> Python, both ways.
# Every behaviour is read from the kernel: /dev/shm, ipcs, /proc/PID/wchan,
# sem_getvalue; the lost update is forced call by call in step mode
# (tests/helpers/stepper.py). Each test uses names and keys of its own and
# its teardown fails when a segment, semaphore or /dev/shm file is left.

load helpers/common
load helpers/shm

setup() {
  common_setup
  shm_setup
}

# ---- the kernel's view ------------------------------------------------------

# The counter (u64 at offset 16) of a POSIX segment, read from its file.
posix_counter() { od -An -t u8 -j 16 -N 8 "$(shm_file "$1")" | tr -d ' '; }

ring_is() { [ "$(ring_fields "$1")" = "$2" ]; }

# The counter of a System V segment: attach, read, detach.
sysv_counter() {
  "$PYTHON" -c 'import sys, sysv_ipc
m = sysv_ipc.SharedMemory(int(sys.argv[1]))
print(int.from_bytes(m.read(8, 16), "little")); m.detach()' "$1"
}

# "bytes nattch perms" of the System V segment with key $1, from ipcs.
sysv_shm_info() {
  ipcs -m | awk -v k="$(printf '0x%08x' "$1")" 'tolower($1) == k { print $5, $6, $4 }'
}

# "value ncount" of System V semaphore 0 of the set with key $1, from ipcs.
sysv_sem() {
  local id
  id=$(ipcs -s | awk -v k="$(printf '0x%08x' "$1")" 'tolower($1) == k { print $2 }')
  ipcs -s -i "$id" | awk '$1 == "0" { print $2, $3 }'
}


# Asleep in sem_wait (a futex) or in semop: blocked_in_sem_wait and
# blocked_in_semop (helpers/kernel.bash) match the system call, and the
# wchan only by pattern: its name differs between kernels.

stepper() { run "$PYTHON" "$STEPPER" "$@"; }

# A peer that breaks the rules, for stepper.py's --run: any process that
# can map a segment can write any of its bytes, at any time.
#   $POKE FILE OFFSET VALUE...   write u32 values (little-endian) from OFFSET
poke_command() {
  cat >"$T/poke.py" <<'PY'
import os, struct, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
values = [int(v) for v in sys.argv[3:]]
os.pwrite(fd, struct.pack(f"<{len(values)}I", *values), int(sys.argv[2]))
os.close(fd)
PY
  POKE="$PYTHON $T/poke.py"
}

# no_reader CMD...: run CMD, as a shell would (SIGPIPE at its default), with
# its stdout a pipe whose reader has gone: its first write there fails.
no_reader() {
  "$PYTHON" -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
rc = subprocess.call(sys.argv[1:], stdout=w)
sys.exit(rc if rc >= 0 else 128 - rc)' "$@"
}


no_procs_left() { [ -z "$(our_procs)" ]; }

# ---- both APIs, both languages, both ways -------------------------------------

# posix_round CREATOR ATTACHER: CREATOR makes the segment and adds 3,
# ATTACHER adds 4, CREATOR reads 7 and removes it.
posix_round() {
  run $1 --create -n 3 "$SEG"
  assert_success
  assert_output --regexp "^shm_counter(\.py)?: added 3, counter now 3$"
  # The segment is a 0600 file of 24 bytes in /dev/shm that starts "ICNT".
  assert_equal "$(stat -c '%a %s' "$(shm_file "$SEG")")" "600 24"
  assert_equal "$(head -c 4 "$(shm_file "$SEG")")" ICNT

  run $2 -n 4 "$SEG"
  assert_success
  assert_output --regexp "added 4, counter now 7$"
  # The attacher has exited and the segment is still there, holding 7.
  assert_equal "$(posix_counter "$SEG")" 7

  run $1 -n 0 --unlink "$SEG"
  assert_output --regexp "added 0, counter now 7$"
  assert_file_not_exists "$(shm_file "$SEG")"
}

@test "POSIX segment: C creates, Python attaches and adds, C removes it" {
  posix_round "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"
}

@test "POSIX segment: Python creates, C attaches and adds, Python removes it" {
  posix_round "$PYTHON $D/shm_counter.py" "$BIN/shm_counter"
}

sysv_round() {
  run $1 --create -n 3 "$KEY"
  assert_success
  assert_output --regexp "^sysv_counter(\.py)?: added 3, counter now 3$"
  # ipcs: 24 bytes, nobody attached now, mode 600.
  assert_equal "$(sysv_shm_info "$KEY")" "24 0 600"

  run $2 -n 4 "$KEY"
  assert_success
  assert_output --regexp "added 4, counter now 7$"
  assert_equal "$(sysv_counter "$KEY")" 7

  run $1 -n 0 --unlink "$KEY"
  assert_output --regexp "added 0, counter now 7$"
  assert_equal "$(sysv_shm_info "$KEY")" ""
}

@test "System V segment: C creates, Python attaches and adds, C removes it" {
  sysv_round "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"
}

@test "System V segment: Python creates, C attaches and adds, Python removes it" {
  sysv_round "$PYTHON $D/sysv_counter.py" "$BIN/sysv_counter"
}

# ---- the lost update, forced -------------------------------------------------

@test "lost update (POSIX): C load, Python load, C store, Python store loses one each time" {
  run "$BIN/shm_counter" --create -n 0 "$SEG"
  assert_success
  # Three rounds of one increment each: forced, in turn, forced.
  stepper "c=$BIN/shm_counter -n 3 $SEG" "py=$PYTHON $D/shm_counter.py -n 3 $SEG" -- \
    'c>shm_load py>shm_load c>shm_store py>shm_store' \
    'c>shm_load c>shm_store py>shm_load py>shm_store' \
    'c>shm_load py>shm_load c>shm_store py>shm_store'
  assert_success
  # Both loaded the same value before either stored.
  assert_line "c>shm_load: c waits before shm_store [shm_load data=0000000000000000]"
  assert_line "py>shm_load: py waits before shm_store [shm_load data=0000000000000000]"
  assert_line "end: c exit 0, py exit 0"
  # 6 increments, 2 forced interleavings: exactly 2 lost.
  assert_equal "$(posix_counter "$SEG")" 4
  run "$PYTHON" "$D/shm_counter.py" -n 0 --unlink "$SEG"
  assert_output "shm_counter.py: added 0, counter now 4"
}

@test "lost update (System V): Python load, C load, Python store, C store loses one each time" {
  run "$PYTHON" "$D/sysv_counter.py" --create -n 0 "$KEY"
  assert_success
  stepper "c=$BIN/sysv_counter -n 2 $KEY" "py=$PYTHON $D/sysv_counter.py -n 2 $KEY" -- \
    'py>shm_load c>shm_load py>shm_store c>shm_store' \
    'py>shm_load c>shm_load py>shm_store c>shm_store'
  assert_success
  assert_line "c>shm_load: c waits before shm_store [shm_load data=0100000000000000]"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(sysv_counter "$KEY")" 2
  run "$BIN/sysv_counter" -n 0 --unlink "$KEY"
}

# ---- the fix, twice ----------------------------------------------------------

@test "POSIX semaphore: Python's load waits in sem_wait until C has stored; the count is exact" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  assert_equal "$(posix_sem "$SEM")" 1
  stepper "c=$BIN/shm_counter --sem $SEM -n 2 $SEG" \
          "py=$PYTHON $D/shm_counter.py --sem $SEM -n 2 $SEG" -- \
    'c>shm_load py>shm_load c>shm_store py>shm_store c>sem_post py>shm_load py>shm_store'
  assert_success
  # C holds the semaphore: Python sleeps in sem_wait (a futex), twice.
  assert_line --regexp "^py>shm_load: py blocked in futex( |$)"
  assert_line --regexp "^py>shm_store: py blocked in futex( |$)"
  # Once C posts, Python loads what C stored.
  assert_line "py>shm_load: py waits before shm_store [shm_load data=0100000000000000]"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(posix_counter "$SEG")" 4
  assert_equal "$(posix_sem "$SEM")" 1
  run "$PYTHON" "$D/shm_counter.py" -n 0 --unlink --sem "$SEM" "$SEG"
  assert_file_not_exists "/dev/shm/sem.${SEM#/}"
}

@test "System V semaphore: C's load waits in semop until Python has stored; the count is exact" {
  run "$PYTHON" "$D/sysv_counter.py" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  assert_equal "$(sysv_sem "$SEMKEY")" "1 0"
  stepper "c=$BIN/sysv_counter --sem $SEMKEY -n 2 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 2 $KEY" -- \
    'py>shm_load c>shm_load py>shm_store py>semop c>shm_load c>shm_store'
  assert_success
  assert_line --regexp "^c>shm_load: c blocked in (semop|semtimedop)( |$)"
  assert_line "c>shm_load: c waits before shm_store [shm_load data=0100000000000000]"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(sysv_counter "$KEY")" 4
  assert_equal "$(sysv_sem "$SEMKEY")" "1 0"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
  assert_equal "$(sysv_sem "$SEMKEY")" ""
}

@test "running freely side by side, C and Python count exactly with either semaphore" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  # Luck is no test: started together, C would be done before Python has
  # begun. So each pair starts with the order that loses an update without
  # the lock: C takes it and loads, then Python wants to load too, and must
  # sleep. Then all four run freely, 20000 increments each.
  stepper "c1=$BIN/shm_counter --sem $SEM -n 20000 $SEG" \
          "p1=$PYTHON $D/shm_counter.py --sem $SEM -n 20000 $SEG" \
          "c2=$BIN/sysv_counter --sem $SEMKEY --undo -n 20000 $KEY" \
          "p2=$PYTHON $D/sysv_counter.py --sem $SEMKEY --undo -n 20000 $KEY" -- \
    'c1>shm_load p1>shm_load c2>shm_load p2>shm_load'
  assert_success
  assert_line --regexp "^p1>shm_load: p1 blocked in futex( |$)"
  assert_line --regexp "^p2>shm_load: p2 blocked in (semop|semtimedop)( |$)"
  assert_line "end: c1 exit 0, p1 exit 0, c2 exit 0, p2 exit 0"
  # Without the lock, both loads of the forced start read 0: one increment
  # at least is lost, and neither counter can reach 40000.
  assert_equal "$(posix_counter "$SEG")" 40000
  assert_equal "$(sysv_counter "$KEY")" 40000
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
  run "$PYTHON" "$D/sysv_counter.py" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# ---- killed while holding the semaphore -------------------------------------

@test "POSIX semaphore: C killed while holding it leaves it at 0; Python waits for ever" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  stepper "c=$BIN/shm_counter --sem $SEM -n 1 $SEG" \
          "py=$PYTHON $D/shm_counter.py --sem $SEM -n 1 $SEG" -- \
    'c>sem_wait kill:c py>shm_load kill:py'
  assert_success
  assert_line "c>sem_wait: c waits before shm_load"
  assert_line --regexp "^py>shm_load: py blocked in futex( |$)"
  assert_line "end: c signal SIGKILL, py signal SIGKILL"
  # Nobody holds it any more, yet it is still taken.
  assert_equal "$(posix_sem "$SEM")" 0
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
}

@test "System V semaphore without SEM_UNDO: Python killed while holding it leaves it at 0" {
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  stepper "c=$BIN/sysv_counter --sem $SEMKEY -n 1 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 1 $KEY" -- \
    'py>semop kill:py c>shm_load kill:c'
  assert_success
  assert_line --regexp "^c>shm_load: c blocked in (semop|semtimedop)( |$)"
  assert_equal "$(sysv_sem "$SEMKEY")" "0 0"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

@test "System V semaphore with SEM_UNDO: the kernel gives back what the killed holder took" {
  run "$PYTHON" "$D/sysv_counter.py" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  stepper "c=$BIN/sysv_counter --sem $SEMKEY --undo -n 1 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY --undo -n 1 $KEY" -- \
    'c>semop kill:c py>shm_load'
  assert_success
  assert_line "c>semop: c waits before shm_load"
  assert_line "kill:c: c signal SIGKILL"
  # Python is not blocked: it goes on to load 0 (C never stored).
  assert_line "py>shm_load: py waits before shm_store [shm_load data=0000000000000000]"
  assert_line "end: c signal SIGKILL, py exit 0"
  assert_equal "$(sysv_sem "$SEMKEY")" "1 0"
  assert_equal "$(sysv_counter "$KEY")" 1
  run "$PYTHON" "$D/sysv_counter.py" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# take_give LANG KEY UNDO_TAKE UNDO_GIVE: a process that takes semaphore 0
# of set KEY (semop -1) and gives it back (+1), each with SEM_UNDO when its
# flag is 1, then exits: in C (semop) or in Python (sysv_ipc's undo).
take_give() {
  if [ "$1" = C ]; then
    [ -x "$T/take_give" ] || cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE \
      -o "$T/take_give" -x c - <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/sem.h>
int main(int argc, char *argv[])
{
    int id = argc == 4 ? semget((key_t)strtol(argv[1], NULL, 10), 1, 0) : -1;
    struct sembuf take = { 0, -1, (short)(atoi(argv[2]) ? SEM_UNDO : 0) };
    struct sembuf give = { 0, +1, (short)(atoi(argv[3]) ? SEM_UNDO : 0) };

    if (id == -1 || semop(id, &take, 1) == -1 || semop(id, &give, 1) == -1) {
        perror("take_give");
        return 1;
    }
    return 0;
}
C
    "$T/take_give" "${@:2}"
  else
    "$PYTHON" -c 'import sys, sysv_ipc
s = sysv_ipc.Semaphore(int(sys.argv[1]))
s.undo = sys.argv[2] == "1"
s.acquire()
s.undo = sys.argv[3] == "1"
s.release()' "${@:2}"
  fi
}

@test "SEM_UNDO on the -1 alone: every exit gives 1 more, the semaphore climbs 1, 2, 3 and lets two in at once; on both, or on neither, it stays 1" {
  local lang
  for lang in C Python; do
    run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
    assert_success
    take_give "$lang" "$SEMKEY" 1 1
    take_give "$lang" "$SEMKEY" 0 0
    assert_equal "$(sysv_sem "$SEMKEY")" "1 0"
    take_give "$lang" "$SEMKEY" 1 0
    assert_equal "$(sysv_sem "$SEMKEY")" "2 0"
    take_give "$lang" "$SEMKEY" 1 0
    assert_equal "$(sysv_sem "$SEMKEY")" "3 0"
    run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
  done
  # At 2, a counter between its load and its store does not keep the other
  # out: both load 0, both store 1. At 1, the other sleeps in semop.
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  take_give C "$SEMKEY" 1 0
  stepper "c=$BIN/sysv_counter --sem $SEMKEY -n 1 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 1 $KEY" -- \
    'c>shm_load py>shm_load c>shm_store py>shm_store'
  assert_success
  assert_line "py>shm_load: py waits before shm_store [shm_load data=0000000000000000]"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(sysv_counter "$KEY") $(sysv_sem "$SEMKEY")" "1 2 0"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  take_give Python "$SEMKEY" 1 1
  stepper "c=$BIN/sysv_counter --sem $SEMKEY -n 1 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 1 $KEY" -- \
    'c>shm_load py>shm_load c>shm_store'
  assert_success
  assert_line --regexp "^py>shm_load: py blocked in (semop|semtimedop)( |$)"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(sysv_counter "$KEY") $(sysv_sem "$SEMKEY")" "2 1 0"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# ---- the ring buffer -----------------------------------------------------------

# ring_full PRODUCER CONSUMER LANG: PRODUCER creates a 4-slot ring and sends
# 10 records; nobody consumes, so it blocks on a full ring; then CONSUMER
# takes all 10, in order, and the producer removes the names at its end.
ring_full() {
  bg prod $1 --create --unlink --slots 4 -n 10 "$RING" "$EMPTY" "$FULL"
  wait_for blocked_in_sem_wait "$prod"
  # Full: no free slot, four records, head has come round to tail.
  assert_equal "$(posix_sem "$EMPTY") $(posix_sem "$FULL")" "0 4"
  assert_equal "$(ring_fields "$RING")" "4 36 0 0"

  run $2 -n 10 "$RING" "$EMPTY" "$FULL"
  assert_success
  for i in $(seq 10); do assert_line --index $((i - 1)) "record $i from $3"; done
  assert_line "${2##*/}: received 10 records"
  wait "$prod"
  assert_equal "$(cat "$T/prod.err")" "${1##*/}: sent 10 records"
  assert_file_not_exists "$(shm_file "$RING")"
  assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
}

# ring_empty CONSUMER PRODUCER LANG: CONSUMER creates a 2-slot ring and
# blocks on it, empty; PRODUCER's 5 records arrive in order.
ring_empty() {
  bg cons $1 --create --unlink --slots 2 -n 5 "$RING" "$EMPTY" "$FULL"
  wait_for blocked_in_sem_wait "$cons"
  assert_equal "$(posix_sem "$EMPTY") $(posix_sem "$FULL")" "2 0"
  assert_equal "$(ring_fields "$RING")" "2 36 0 0"

  run $2 -n 5 "$RING" "$EMPTY" "$FULL"
  assert_success
  assert_output "${2##*/}: sent 5 records"
  wait "$cons"
  run cat "$T/cons.out"
  assert_output "$(for i in 1 2 3 4 5; do echo "record $i from $3"; done)"
  assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
}

@test "ring: C producer blocks on a full ring; a Python consumer gets every record in order" {
  ring_full "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_consumer.py" C
}

@test "ring: Python producer blocks on a full ring; a C consumer gets every record in order" {
  ring_full "$PYTHON $D/shm_ring_producer.py" "$BIN/shm_ring_consumer" Python
}

@test "ring: C consumer blocks on an empty ring until a Python producer sends" {
  ring_empty "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_producer.py" Python
}

@test "ring: Python consumer blocks on an empty ring until a C producer sends" {
  ring_empty "$PYTHON $D/shm_ring_consumer.py" "$BIN/shm_ring_producer" C
}

@test "ring: step by step, one record taken lets the blocked producer put one more" {
  bg prod "$BIN/shm_ring_producer" --create --unlink --slots 2 -n 4 "$RING" "$EMPTY" "$FULL"
  wait_for blocked_in_sem_wait "$prod"
  assert_equal "$(ring_fields "$RING")" "2 36 0 0"
  # A consumer takes one record, call by call.
  stepper "py=$PYTHON $D/shm_ring_consumer.py -n 1 $RING $EMPTY $FULL" -- \
    'py>sem_wait py>shm_load py>sem_post'
  assert_success
  assert_line "py>sem_wait: py waits before shm_load"
  assert_line --regexp "^py>shm_load: py waits before sem_post \[shm_load data=0f0000007265636f726420312066726f6d2043(00)*\]$"
  assert_line "record 1 from C"
  assert_line "py>sem_post: py exit 0"
  # The producer, woken, filled slot 0 again and sleeps on a full ring.
  wait_for ring_is "$RING" "2 36 1 1"
  wait_for blocked_in_sem_wait "$prod"
  assert_equal "$(posix_sem "$EMPTY") $(posix_sem "$FULL")" "0 2"
  run "$BIN/shm_ring_consumer" -n 3 "$RING" "$EMPTY" "$FULL"
  assert_line --index 0 "record 2 from C"
  assert_line --index 2 "record 4 from C"
  wait "$prod"
}

# ---- bad input ----------------------------------------------------------------

# bats test_tags=asan
@test "a segment smaller than the counter layout is refused clearly, both languages, both APIs" {
  install -m 600 /dev/null "$(shm_file "$SEG")"
  truncate -s 8 "$(shm_file "$SEG")"
  "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.SharedMemory(int(sys.argv[1]), sysv_ipc.IPC_CREX, 0o600, 8)' "$KEY"
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp ": $SEG: the segment is 8 bytes, the counter layout needs 24$"
  done
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run $prog -n 1 "$KEY"
    assert_failure 1
    assert_output --regexp ": key $KEY: the segment is 8 bytes, the counter layout needs 24$"
  done
  # Nothing was written: still 8 zero bytes.
  assert_equal "$(od -An -t x1 "$(shm_file "$SEG")" | xargs)" "00 00 00 00 00 00 00 00"
  rm "$(shm_file "$SEG")"
  ipcrm -M "$KEY"
}

@test "one of a thing is said in the singular, both languages: a 1-byte segment or semaphore file, 1 slot, 1 record" {
  local prog
  install -m 600 /dev/null "$(shm_file "$SEG")"
  truncate -s 1 "$(shm_file "$SEG")"
  "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.SharedMemory(int(sys.argv[1]), sysv_ipc.IPC_CREX, 0o600, 1)' "$KEY"
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog -n 1 "$SEG"
    assert_output --regexp ": $SEG: the segment is 1 byte, the counter layout needs 24$"
  done
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run $prog -n 1 "$KEY"
    assert_output --regexp ": key $KEY: the segment is 1 byte, the counter layout needs 24$"
  done
  ipcrm -M "$KEY"
  rm_names "$SEG"
  run "$BIN/shm_counter" --create -n 0 "$SEG"
  install -m 600 /dev/null "/dev/shm/sem.${SEM#/}"
  truncate -s 1 "/dev/shm/sem.${SEM#/}"
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog -n 1 --sem "$SEM" "$SEG"
    assert_output --regexp ": sem_open $SEM: /dev/shm/sem.${SEM#/} is 1 byte, too short to be a semaphore \(32\)$"
  done
  rm_names "$SEG" "$SEM"
  # A ring of 1 slot: one record each way.
  for prog in "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_producer.py"; do
    run $prog --create --slots 1 -n 1 "$RING" "$EMPTY" "$FULL"
    assert_output --regexp "^shm_ring_producer(\.py)?: sent 1 record$"
    run "$PYTHON" "$D/shm_ring_consumer.py" -n 1 --unlink "$RING" "$EMPTY" "$FULL"
    assert_output $'record 1 from '"$([[ $prog == *.py ]] && echo Python || echo C)"$'\nshm_ring_consumer.py: received 1 record'
  done
  run "$BIN/shm_ring_producer" --create --slots 1 -n 1 "$RING" "$EMPTY" "$FULL"
  run "$BIN/shm_ring_consumer" -n 1 "$RING" "$EMPTY" "$FULL"
  assert_output $'record 1 from C\nshm_ring_consumer: received 1 record'
  # A tail moved out of a ring of 1 slot, then a header of 1 slot of 1 byte.
  poke_command
  $POKE "$(shm_file "$RING")" 28 5
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run $prog -n 1 "$RING" "$EMPTY" "$FULL"
    assert_output --regexp ": $RING: a broken ring header: 1 slot of 36 bytes, head 0, tail 5, in 68 bytes$"
  done
  $POKE "$(shm_file "$RING")" 20 1 0 0
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run $prog -n 1 "$RING" "$EMPTY" "$FULL"
    assert_output --regexp ": $RING: a broken ring header: 1 slot of 1 byte, head 0, tail 0, in 68 bytes$"
  done
  $POKE "$(shm_file "$RING")" 8 1
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run $prog -n 1 "$RING" "$EMPTY" "$FULL"
    assert_output --regexp ": $RING: the header says 1 byte, the segment has 68$"
  done
  rm_names "$RING" "$EMPTY" "$FULL"
  # Attached and checked (it waits before its first sem_open); then tail := 1.
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run "$BIN/shm_ring_producer" --create --slots 1 -n 1 "$RING" "$EMPTY" "$FULL"
    stepper --run "evil=$POKE $(shm_file "$RING") 28 1" "c=$prog -n 1 $RING $EMPTY $FULL" -- \
      'c>sem_open run:evil'
    assert_line --regexp "^shm_ring_consumer(\.py)?: $RING: a broken ring header: tail is 1, the ring has 1 slot$"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# bats test_tags=asan
@test "a wrong magic or version is refused clearly, both languages" {
  # A ring is not a counter ...
  run "$BIN/shm_ring_producer" --create -n 0 "$RING" "$EMPTY" "$FULL"
  assert_success
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog -n 1 "$RING"
    assert_failure 1
    assert_output --regexp ": $RING: not a counter segment: its magic is \"IRNG\", expected \"ICNT\"$"
  done
  # ... nor a counter (24 bytes) a ring, nor 64 zero bytes.
  run "$BIN/shm_counter" --create -n 5 "$SEG"
  assert_success
  install -m 600 /dev/null "$(shm_file "/ipclab-$ID-zero")"
  truncate -s 64 "$(shm_file "/ipclab-$ID-zero")"
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run $prog -n 1 "$SEG" "$EMPTY" "$FULL"
    assert_failure 1
    assert_output --regexp ": $SEG: the segment is 24 bytes, the ring layout needs 32$"
    run $prog -n 1 "/ipclab-$ID-zero" "$EMPTY" "$FULL"
    assert_failure 1
    assert_output --regexp ": /ipclab-$ID-zero: not a ring segment: its magic is \"\\\\x00\\\\x00\\\\x00\\\\x00\", expected \"IRNG\"$"
  done
  rm "$(shm_file "/ipclab-$ID-zero")"
  # Version 2 of the counter layout.
  printf '\x02' | dd of="$(shm_file "$SEG")" bs=1 seek=4 conv=notrunc status=none
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp ": $SEG: layout version 2, this program knows version 1$"
  done
  assert_equal "$(posix_counter "$SEG")" 5
  run "$BIN/shm_ring_consumer" -n 0 --unlink "$RING" "$EMPTY" "$FULL"
  rm "$(shm_file "$SEG")"
}

# bats test_tags=asan
@test "a ring header that does not add up is refused before any record is read" {
  run "$PYTHON" "$D/shm_ring_producer.py" --create --slots 2 -n 1 "$RING" "$EMPTY" "$FULL"
  assert_success
  # Claim 9 slots in a segment made for 2.
  printf '\x09' | dd of="$(shm_file "$RING")" bs=1 seek=16 conv=notrunc status=none
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run $prog -n 1 "$RING" "$EMPTY" "$FULL"
    assert_failure 1
    assert_output --regexp ": $RING: a broken ring header: 9 slots of 36 bytes, head 1, tail 0, in 104 bytes$"
  done
  assert_equal "$(posix_sem "$FULL")" 1
  rm "$(shm_file "$RING")" "/dev/shm/sem.${EMPTY#/}" "/dev/shm/sem.${FULL#/}"
}

# bats test_tags=asan
@test "a frame longer than its slot is bad data: the consumer says so and stops" {
  run "$BIN/shm_ring_producer" --create --slots 2 -n 1 "$RING" "$EMPTY" "$FULL"
  assert_success
  printf '\xff\x00\x00\x00' | dd of="$(shm_file "$RING")" bs=1 seek=32 conv=notrunc status=none
  run "$PYTHON" "$D/shm_ring_consumer.py" -n 1 "$RING" "$EMPTY" "$FULL"
  assert_failure 1
  assert_output "shm_ring_consumer.py: $RING: slot 0: frame length 255 does not fit the 36-byte slot"
  run "$BIN/shm_ring_producer" -n 1 "$RING" "$EMPTY" "$FULL"
  printf '\x00\x01\x00\x00' | dd of="$(shm_file "$RING")" bs=1 seek=68 conv=notrunc status=none
  run "$BIN/shm_ring_consumer" -n 1 --unlink "$RING" "$EMPTY" "$FULL"
  assert_failure 1
  assert_output "shm_ring_consumer: $RING: slot 1: frame length 256 does not fit the 36-byte slot"
  rm "$(shm_file "$RING")" "/dev/shm/sem.${EMPTY#/}" "/dev/shm/sem.${FULL#/}"
}

# bats test_tags=asan
@test "slot counts and sizes out of range are refused before anything is created" {
  for prog in "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_producer.py" \
              "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run $prog --create --slots 0 "$RING" "$EMPTY" "$FULL"
    assert_failure 2
    assert_output --regexp ": --slots: '0' is not a number from 1 to 64$"
    run $prog --create --slots 65 "$RING" "$EMPTY" "$FULL"
    assert_output --regexp ": --slots: '65' is not a number from 1 to 64$"
    run $prog --create -s 15 "$RING" "$EMPTY" "$FULL"
    assert_output --regexp ": -s: '15' is not a number from 16 to 1024$"
    run $prog --create -s 4096 "$RING" "$EMPTY" "$FULL"
    assert_failure 2
    run $prog --create "$RING" "$EMPTY"
    assert_failure 2
    assert_output --partial "usage:"
  done
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog --create -n -1 "$SEG"
    assert_failure 2
    assert_output --regexp ": -n: '-1' is not a number from 0 to 1000000000$"
  done
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run $prog --create 0
    assert_failure 2
    assert_output --regexp ": KEY: '0' is not a number from 1 to 2147483647$"
  done
  assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
}

@test "attaching to what does not exist names the call and the object" {
  run "$BIN/shm_counter" -n 1 "$SEG"
  assert_failure 1
  assert_output "shm_counter: shm_open $SEG: No such file or directory"
  run "$PYTHON" "$D/shm_counter.py" -n 1 "$SEG"
  assert_output "shm_counter.py: shm_open $SEG: No such file or directory"
  run "$BIN/sysv_counter" -n 1 "$KEY"
  assert_output "sysv_counter: shmget key $KEY: No such file or directory"
  run "$PYTHON" "$D/sysv_counter.py" -n 1 "$KEY"
  assert_failure 1
  assert_output "sysv_counter.py: shmget key $KEY: No such file or directory"
  run "$BIN/shm_counter" --create -n 0 "$SEG"
  assert_success
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog --sem "$SEM" -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp ": sem_open $SEM: No such file or directory$"
    run $prog --create -n 1 "$SEG"
    assert_output --regexp ": shm_open $SEG: File exists$"
  done
  assert_equal "$(posix_counter "$SEG")" 0
  run "$BIN/shm_counter" -n 0 --unlink "$SEG"
}

@test "objects are 0600: another user cannot attach to them, in either language" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  run "$PYTHON" "$D/sysv_counter.py" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  # (A counter segment is 24 bytes; a named semaphore's file, a sem_t, 32.)
  assert_equal "$(stat -c '%a %s' "$(shm_file "$SEG")" "/dev/shm/sem.${SEM#/}")" "600 24
600 32"
  # Python makes them 0600 too (whatever the umask).
  run sh -c 'umask 0; exec "$@"' - "$PYTHON" "$D/shm_counter.py" --create --sem "$SEM-py" -n 0 "$SEG-py"
  assert_success
  assert_equal "$(stat -c '%a %s' "$(shm_file "$SEG-py")" "/dev/shm/sem.${SEM#/}-py")" "600 24
600 32"
  rm_names "$SEG-py" "$SEM-py"
  assert_equal "$(sysv_shm_info "$KEY" | cut -d' ' -f3)" 600
  # Root passes every permission check: run as nobody, from copies nobody
  # can read wherever the checkout is.
  local as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  public_copy "$BIN/shm_counter" "$BIN/sysv_counter" "$PEERS"
  local BIN=$PUB D=$PUB/python_peers/08-shared-memory
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run "${as[@]}" $prog -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: shm_open $SEG: Permission denied$"
  done
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run "${as[@]}" $prog -n 1 "$KEY"
    assert_failure 1
    assert_output --regexp "^sysv_counter(\.py)?: shmget key $KEY: Permission denied$"
  done
  # Given the segment, the semaphore still refuses.
  chmod 666 "$(shm_file "$SEG")"
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run "${as[@]}" $prog --sem "$SEM" -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: sem_open $SEM: Permission denied$"
  done
  # Nor can it remove a name that is not its own (/dev/shm is sticky: the
  # kernel says EPERM, glibc's shm_unlink EACCES, and so does Python's).
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run "${as[@]}" $prog -n 0 --unlink "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: shm_unlink $SEG: Permission denied$"
  done
  assert_equal "$(posix_counter "$SEG")" 0
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# ---- a peer that breaks the rules ------------------------------------------------
# Shared memory is writable by the other side, at any time: what a program
# checked when it attached can be changed the next moment. Each side copies
# what never changes (slots, slot size) once, after the check, and checks
# every index it reads again (head, tail, a frame's length), every time.

# ring_sizes_rewritten PRODUCER CONSUMER LANG: both sides have attached;
# then a peer sets slots to 0 and the slot size to 100000; 6 records still
# pass through the 4 slots, in order.
ring_sizes_rewritten() {
  poke_command
  run "$BIN/shm_ring_producer" --create --slots 4 -n 0 "$RING" "$EMPTY" "$FULL"
  assert_success
  stepper --run "evil=$POKE $(shm_file "$RING") 16 0 100000" \
    "prod=$1 -n 6 $RING $EMPTY $FULL" "cons=$2 -n 6 --unlink $RING $EMPTY $FULL" -- \
    'prod>sem_wait cons>sem_wait run:evil'
  assert_success
  assert_line "prod>sem_wait: prod waits before shm_store"
  assert_line "run:evil: evil exit 0"
  assert_line "end: prod exit 0, cons exit 0"
  local i
  for i in 1 2 3 4 5 6; do assert_line "record $i from $3"; done
  assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
}

# bats test_tags=asan
@test "ring: slots and slot size rewritten by a peer after the check change nothing (C producer, Python consumer)" {
  ring_sizes_rewritten "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_consumer.py" C
}

# bats test_tags=asan
@test "ring: slots and slot size rewritten by a peer after the check change nothing (Python producer, C consumer)" {
  ring_sizes_rewritten "$PYTHON $D/shm_ring_producer.py" "$BIN/shm_ring_consumer" Python
}

# bats test_tags=asan
@test "ring: a head or tail a peer moved out of the ring is a broken ring header, both languages, both roles" {
  poke_command
  local prog
  for prog in "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_producer.py"; do
    run "$BIN/shm_ring_producer" --create --slots 4 -n 0 "$RING" "$EMPTY" "$FULL"
    assert_success
    # Attached and checked (it waits before its second sem_open); then head := 7.
    stepper --run "evil=$POKE $(shm_file "$RING") 24 7" "p=$prog -n 2 $RING $EMPTY $FULL" -- \
      'p>sem_open run:evil'
    assert_success
    assert_line --regexp "^shm_ring_producer(\.py)?: $RING: a broken ring header: head is 7, the ring has 4 slots$"
    assert_line "end: p exit 1"
    # Nothing was written: no slot, no index.
    assert_equal "$(ring_fields "$RING")" "4 36 7 0"
    assert_equal "$(od -An -v -t x1 -j 32 "$(shm_file "$RING")" | tr -d ' \n0')" ""
    rm_names "$RING" "$EMPTY" "$FULL"
  done
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run "$BIN/shm_ring_producer" --create --slots 4 -n 2 "$RING" "$EMPTY" "$FULL"
    assert_success
    stepper --run "evil=$POKE $(shm_file "$RING") 28 9" "c=$prog -n 2 $RING $EMPTY $FULL" -- \
      'c>sem_open run:evil'
    assert_success
    assert_line --regexp "^shm_ring_consumer(\.py)?: $RING: a broken ring header: tail is 9, the ring has 4 slots$"
    assert_line "end: c exit 1"
    refute_line --partial "record"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# bats test_tags=asan
@test "ring: a frame length a peer rewrote is checked against the slot size checked at attach, both languages" {
  poke_command
  local prog
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run "$BIN/shm_ring_producer" --create --slots 2 -n 1 "$RING" "$EMPTY" "$FULL"
    assert_success
    # After the check: slot size := 2000, and slot 0's frame length := 1000.
    stepper --run "evil_size=$POKE $(shm_file "$RING") 20 2000" \
            --run "evil_length=$POKE $(shm_file "$RING") 32 1000" \
            "c=$prog -n 1 $RING $EMPTY $FULL" -- 'c>sem_open run:evil_size run:evil_length'
    assert_success
    assert_line --regexp "^shm_ring_consumer(\.py)?: $RING: slot 0: frame length 1000 does not fit the 36-byte slot$"
    assert_line "end: c exit 1"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# bats test_tags=asan
@test "a segment truncated under a running program ends it with a message naming SIGBUS, both languages" {
  local prog
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run "$BIN/shm_counter" --create -n 0 "$SEG"
    assert_success
    # Between its load and its store, someone else shrinks the segment to 0.
    stepper --run "cut=truncate -s 0 $(shm_file "$SEG")" "c=$prog -n 2 $SEG" -- \
      'c>shm_load run:cut c>shm_store'
    assert_success
    assert_line "c>shm_store: c exit 1"
    assert_line --regexp "^shm_counter(\.py)?: SIGBUS: a shared mapping has lost its bytes: the segment \(or a semaphore's file in /dev/shm\) was truncated under us$"
    rm_names "$SEG"
  done
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run "$BIN/shm_ring_producer" --create --slots 2 -n 1 "$RING" "$EMPTY" "$FULL"
    assert_success
    stepper --run "cut=truncate -s 0 $(shm_file "$RING")" "c=$prog -n 1 $RING $EMPTY $FULL" -- \
      'c>sem_wait run:cut c>shm_load'
    assert_success
    assert_line "c>shm_load: c exit 1"
    assert_line --regexp "^shm_ring_consumer(\.py)?: SIGBUS: .* was truncated under us$"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# bats test_tags=asan
@test "a semaphore's file truncated under a running counter ends it with a message naming SIGBUS, both languages" {
  local prog
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
    assert_success
    # It holds the semaphore; its file shrinks to 0; its sem_post faults.
    stepper --run "cut=truncate -s 0 /dev/shm/sem.${SEM#/}" "c=$prog --sem $SEM -n 1 $SEG" -- \
      'c>sem_wait run:cut c>sem_post'
    assert_success
    assert_line "c>sem_post: c exit 1"
    assert_line --regexp "^shm_counter(\.py)?: SIGBUS: .*semaphore's file in /dev/shm\) was truncated under us$"
    rm_names "$SEG" "$SEM"
  done
}

# bats test_tags=asan
@test "a semaphore file shorter than a sem_t (32 bytes) is refused before it is mapped; 32 bytes is one" {
  run "$BIN/shm_counter" --create -n 0 "$SEG"
  assert_success
  local size prog sem=/dev/shm/sem.${SEM#/}
  for size in 0 31; do
    install -m 600 /dev/null "$sem"
    truncate -s "$size" "$sem"
    for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
      run $prog --sem "$SEM" -n 1 "$SEG"
      assert_failure 1
      assert_output --regexp "^shm_counter(\.py)?: sem_open $SEM: $sem is $size bytes, too short to be a semaphore \(32\)$"
    done
    # The ring programs open theirs the same way.
    for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_producer.py"; do
      run "$BIN/shm_ring_producer" --create -n 0 "$RING" "/ipclab-$ID-empty0" "$FULL"
      assert_success
      run $prog -n 1 "$RING" "$SEM" "$FULL"
      assert_failure 1
      assert_output --regexp ": sem_open $SEM: $sem is $size bytes, too short to be a semaphore \(32\)$"
      rm_names "$RING" "/ipclab-$ID-empty0" "$FULL"
    done
  done
  assert_equal "$(posix_counter "$SEG")" 0
  # 32 zero bytes are a semaphore whose value is 0: opened without a word.
  truncate -s 32 "$sem"
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog --sem "$SEM" -n 0 "$SEG"
    assert_success
  done
  rm_names "$SEG" "$SEM"
}

# ---- a --create that fails half-way -----------------------------------------------

# make_posix_sem NAME VALUE: a POSIX named semaphore that was there before.
make_posix_sem() {
  "$PYTHON" -c 'import os, sys; sys.path.insert(0, sys.argv[3]); from ipclab import posix
posix.sem_close(posix.sem_open(sys.argv[1], os.O_CREAT | os.O_EXCL, 0o600, int(sys.argv[2])))' \
    "$1" "$2" "$PEERS"
}

# make_sysv_sem KEY VALUE: a System V semaphore set that was there before.
make_sysv_sem() {
  "$PYTHON" -c 'import sys, sysv_ipc
sysv_ipc.Semaphore(int(sys.argv[1]), sysv_ipc.IPC_CREX, 0o600, int(sys.argv[2]))' "$1" "$2"
}

# no_fsize CMD...: run CMD with a file size limit of 0 (SIGXFSZ ignored, as
# Python ignores it anyway): its ftruncate of a new segment fails, EFBIG.
no_fsize() { bash -c 'ulimit -f 0; trap "" XFSZ; exec "$@"' - "$@"; }

@test "a counter whose --create fails at the semaphore removes the segment it made, not the semaphore that was there, both languages" {
  local prog
  make_posix_sem "$SEM" 5
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog --create --sem "$SEM" -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: sem_open $SEM: File exists$"
    assert_file_not_exists "$(shm_file "$SEG")"
    assert_equal "$(posix_sem "$SEM")" 5
    # A semaphore name sem_open refuses (a '/' inside): the same.
    run $prog --create --sem /bad/name -n 0 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: sem_open /bad/name: Invalid argument$"
    assert_file_not_exists "$(shm_file "$SEG")"
  done
  rm_names "$SEM"
}

@test "a System V counter whose --create fails at the semaphore set removes the segment it made, not the set that was there, both languages" {
  local prog
  make_sysv_sem "$SEMKEY" 5
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run $prog --create --sem "$SEMKEY" -n 1 "$KEY"
    assert_failure 1
    assert_output --regexp "^sysv_counter(\.py)?: semget key $SEMKEY: File exists$"
    assert_equal "$(sysv_shm_info "$KEY")" ""
    assert_equal "$(sysv_sem "$SEMKEY")" "5 0"
  done
  ipcrm -S "$SEMKEY"
}

@test "a ring program whose --create fails at a semaphore removes what it made, not what was there, both languages, both roles" {
  local role prog
  for role in producer consumer; do
    for prog in "$BIN/shm_ring_$role" "$PYTHON $D/shm_ring_$role.py"; do
      # FULL was there: the ring and EMPTY, made in this run, go.
      make_posix_sem "$FULL" 3
      run $prog --create "$RING" "$EMPTY" "$FULL"
      assert_failure 1
      assert_output --regexp "^shm_ring_$role(\.py)?: sem_open $FULL: File exists$"
      assert_file_not_exists "$(shm_file "$RING")"
      assert_file_not_exists "/dev/shm/sem.${EMPTY#/}"
      assert_equal "$(posix_sem "$FULL")" 3
      rm_names "$FULL"
      # EMPTY was there: the ring goes; FULL was never made.
      make_posix_sem "$EMPTY" 2
      run $prog --create "$RING" "$EMPTY" "$FULL"
      assert_failure 1
      assert_output --regexp "^shm_ring_$role(\.py)?: sem_open $EMPTY: File exists$"
      assert_equal "$(ls /dev/shm | grep "ipclab-$ID-")" "sem.ipclab-$ID-empty"
      assert_equal "$(posix_sem "$EMPTY")" 2
      rm_names "$EMPTY"
    done
  done
}

@test "a --create whose ftruncate fails removes the segment it made, both languages, counter and ring" {
  local prog
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run no_fsize $prog --create -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: ftruncate $SEG: File too large$"
    assert_file_not_exists "$(shm_file "$SEG")"
  done
  for prog in "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_producer.py" \
              "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run no_fsize $prog --create "$RING" "$EMPTY" "$FULL"
    assert_failure 1
    assert_output --regexp "^shm_ring_(producer|consumer)(\.py)?: ftruncate $RING: File too large$"
    assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
  done
}

@test "a --create that fails at its first name leaves the object that had it as it was, both languages, both APIs" {
  local prog
  run "$BIN/shm_counter" --create -n 7 "$SEG"
  assert_success
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run $prog --create -n 1 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: shm_open $SEG: File exists$"
    assert_equal "$(posix_counter "$SEG")" 7
  done
  run "$BIN/sysv_counter" --create -n 7 "$KEY"
  assert_success
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run $prog --create -n 1 "$KEY"
    assert_failure 1
    assert_output --regexp "^sysv_counter(\.py)?: shmget key $KEY: File exists$"
    assert_equal "$(sysv_counter "$KEY")" 7
  done
  rm_names "$SEG"
  ipcrm -M "$KEY"
}

@test "once a --create run has made every object, a later failure leaves them to be looked at, both languages, both APIs" {
  local prog rc
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    # The report cannot be written (its reader has gone): no --unlink,
    # so the names stay, the count done.
    run no_reader $prog --create --sem "$SEM" -n 2 "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$"
    assert_equal "$(posix_counter "$SEG") $(posix_sem "$SEM")" "2 1"
    rm_names "$SEG" "$SEM"
  done
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run no_reader $prog --create --sem "$SEMKEY" -n 2 "$KEY"
    assert_failure 1
    assert_output --regexp "^sysv_counter(\.py)?: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$"
    assert_equal "$(sysv_counter "$KEY") $(sysv_sem "$SEMKEY")" "2 1 0"
    ipcrm -M "$KEY" -S "$SEMKEY"
  done
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    # A consumer that made the ring, with no stdout: the record it takes
    # cannot be written; the three names stay.
    bg cons bash -c 'exec "$@" >&-' - $prog --create -n 1 "$RING" "$EMPTY" "$FULL"
    wait_for blocked_in_sem_wait "$cons"
    run "$BIN/shm_ring_producer" -n 1 "$RING" "$EMPTY" "$FULL"
    assert_success
    rc=0
    wait "$cons" || rc=$?
    assert_equal "$rc" 1
    run cat "$T/cons.err"
    assert_output --regexp "^shm_ring_consumer(\.py)?: write stdout \(fd 1\): Bad file descriptor$"
    assert_equal "$(ring_fields "$RING") $(posix_sem "$EMPTY") $(posix_sem "$FULL")" "4 36 1 1 4 0"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
  poke_command
  for prog in "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_producer.py"; do
    # A producer that made the ring, whose head a peer moves out of it
    # before its second sem_open: it makes FULL, then reads head: bad
    # data, it stops; the three names stay.
    stepper --run "evil=$POKE $(shm_file "$RING") 24 7" \
      "p=$prog --create -n 1 $RING $EMPTY $FULL" -- 'p>sem_open run:evil'
    assert_success
    assert_line --regexp "^shm_ring_producer(\.py)?: $RING: a broken ring header: head is 7, the ring has 4 slots$"
    assert_line "end: p exit 1"
    assert_equal "$(ring_fields "$RING") $(posix_sem "$EMPTY") $(posix_sem "$FULL")" "4 36 7 0 3 0"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# ---- every way out cleans up -------------------------------------------------------

@test "with stdout's reader gone (or no stdout) a counter says so, exits 1 and still removes its names, both languages, both APIs" {
  local prog
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
    assert_success
    run no_reader $prog --sem "$SEM" -n 1 --unlink "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$"
    assert_file_not_exists "$(shm_file "$SEG")"
    assert_file_not_exists "/dev/shm/sem.${SEM#/}"
    # Started with no stdout at all (>&-): the same, with EBADF.
    run "$BIN/shm_counter" --create -n 0 "$SEG"
    run sh -c '"$@" >&-' - $prog -n 1 --unlink "$SEG"
    assert_failure 1
    assert_output --regexp "^shm_counter(\.py)?: write stdout \(fd 1\): Bad file descriptor$"
    assert_file_not_exists "$(shm_file "$SEG")"
  done
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
    assert_success
    run no_reader $prog --sem "$SEMKEY" -n 1 --unlink "$KEY"
    assert_failure 1
    assert_output --regexp "^sysv_counter(\.py)?: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$"
    assert_equal "$(sysv_shm_info "$KEY")" ""
    assert_equal "$(ipcs -s | grep -ci "^$(printf '0x%08x' "$SEMKEY") ")" 0
    run "$BIN/sysv_counter" --create -n 0 "$KEY"
    run sh -c '"$@" >&-' - $prog -n 1 --unlink "$KEY"
    assert_failure 1
    assert_output --regexp "^sysv_counter(\.py)?: write stdout \(fd 1\): Bad file descriptor$"
    assert_equal "$(sysv_shm_info "$KEY")" ""
  done
}

@test "with stdout's reader gone (or no stdout) a ring consumer stops, says so, exits 1 and still removes the names, both languages" {
  local prog
  for prog in "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py"; do
    run "$BIN/shm_ring_producer" --create --slots 4 -n 3 "$RING" "$EMPTY" "$FULL"
    assert_success
    run no_reader $prog -n 3 --unlink "$RING" "$EMPTY" "$FULL"
    assert_failure 1
    assert_output --regexp "^shm_ring_consumer(\.py)?: write pipe:\[[0-9]+\] \(fd 1\): Broken pipe$"
    assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
    # Started with no stdout at all (>&-): the same, with EBADF.
    run "$BIN/shm_ring_producer" --create --slots 4 -n 3 "$RING" "$EMPTY" "$FULL"
    run sh -c '"$@" >&-' - $prog -n 3 --unlink "$RING" "$EMPTY" "$FULL"
    assert_failure 1
    assert_output --regexp "^shm_ring_consumer(\.py)?: write stdout \(fd 1\): Bad file descriptor$"
    assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
  done
}

# WAIT_or_gone PID: asleep on the semaphore again, or no longer there.
asleep_in_semop_or_gone() { blocked_in_semop "$1" || proc_gone "$1"; }
asleep_in_sem_wait_or_gone() { blocked_in_sem_wait "$1" || proc_gone "$1"; }

# stop_and_continue PID WAIT: SIGSTOP the process asleep on a semaphore,
# SIGCONT it (the s key twice in ipclab), and wait until it sleeps there
# again; fail if it died instead.
stop_and_continue() {
  kill -STOP "$1"
  wait_for proc_stopped "$1"
  kill -CONT "$1"
  wait_for "$2_or_gone" "$1"
  ! proc_gone "$1" || fail "it did not survive SIGSTOP and SIGCONT: $(cat "$T/w.err")"
}

@test "a counter asleep on a semaphore sleeps on after SIGSTOP and SIGCONT (EINTR retried), both languages, both APIs" {
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  local prog n=0
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    # Someone else holds the semaphore (no SEM_UNDO: it stays taken).
    "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.Semaphore(int(sys.argv[1])).acquire()' "$SEMKEY"
    bg w $prog --sem "$SEMKEY" -n 1 "$KEY"
    wait_for blocked_in_semop "$w"
    stop_and_continue "$w" asleep_in_semop
    "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.Semaphore(int(sys.argv[1])).release()' "$SEMKEY"
    wait "$w"
    n=$((n + 1))
    assert_equal "$(cat "$T/w.out")" "${prog##*/}: added 1, counter now $n"
  done
  n=0
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[2]); from ipclab import posix
s = posix.sem_open(sys.argv[1]); posix.sem_wait(s); posix.sem_close(s)' "$SEM" "$PEERS"
    bg w $prog --sem "$SEM" -n 1 "$SEG"
    wait_for blocked_in_sem_wait "$w"
    stop_and_continue "$w" asleep_in_sem_wait
    "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[2]); from ipclab import posix
s = posix.sem_open(sys.argv[1]); posix.sem_post(s); posix.sem_close(s)' "$SEM" "$PEERS"
    wait "$w"
    n=$((n + 1))
    assert_equal "$(cat "$T/w.out")" "${prog##*/}: added 1, counter now $n"
  done
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
}

@test "Ctrl-C ends a counter asleep on a semaphore at once, C and Python alike: killed by SIGINT, no traceback" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[2]); from ipclab import posix
s = posix.sem_open(sys.argv[1]); posix.sem_wait(s); posix.sem_close(s)' "$SEM" "$PEERS"
  local prog st
  for prog in "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"; do
    # A background job starts with SIGINT ignored: give it the default a
    # program typed at a terminal has.
    bg w "$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' $prog --sem "$SEM" -n 1 "$SEG"
    wait_for blocked_in_sem_wait "$w"
    kill -INT "$w"
    st=0; wait "$w" || st=$?
    assert_equal "$st" $((128 + 2))
    assert_equal "$(cat "$T/w.err")" ""
  done
  rm_names "$SEG" "$SEM"
}

# ---- C and Python, mirror images -----------------------------------------------------

# same_outcome C_PROG PY_PROG ARGS...: both programs, given the same bad
# input, fail with the same status and say the same, but for their names.
same_outcome() {
  local c=$1 py=$2 c_out py_out c_st py_st
  shift 2
  c_st=0; c_out=$("$c" "$@" 2>&1) || c_st=$?
  py_st=0; py_out=$("$PYTHON" "$py" "$@" 2>&1) || py_st=$?
  c_out=${c_out//"$c"/PROG}; c_out=${c_out//"${c##*/}:"/PROG:}
  py_out=${py_out//"$py"/PROG}; py_out=${py_out//"${py##*/}:"/PROG:}
  if [ "$c_st" != "$py_st" ] || [ "$c_out" != "$py_out" ] || [ "$c_st" = 0 ]; then
    echo "with: $*" >&2
    echo "C ($c_st):      $c_out" >&2
    echo "Python ($py_st): $py_out" >&2
    return 1
  fi
}

# each_line_of_args CPROG PYPROG: same_outcome for each line of stdin, one
# command line a line (split like the shell's words).
same_outcomes() {
  local line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    eval "set -- $line"
    same_outcome "$1" "$2" "${@:3}" || return 1
  done
}

# bats test_tags=asan
@test "C and Python say the same and exit the same on the same bad input, program by program" {
  run "$BIN/shm_counter" --create -n 0 "$SEG"
  assert_success
  local none=/ipclab-$ID-none role
  same_outcomes <<ARGS
$BIN/shm_counter $D/shm_counter.py -n
$BIN/shm_counter $D/shm_counter.py --sem
$BIN/shm_counter $D/shm_counter.py $SEG -n
$BIN/shm_counter $D/shm_counter.py $SEG --sem
$BIN/shm_counter $D/shm_counter.py -n 12x $SEG
$BIN/shm_counter $D/shm_counter.py -n -1 $SEG
$BIN/shm_counter $D/shm_counter.py --bogus $SEG
$BIN/shm_counter $D/shm_counter.py $SEG $SEG
$BIN/shm_counter $D/shm_counter.py -n 1 --sem $none $SEG
$BIN/shm_counter $D/shm_counter.py --create -n 1 $SEG
$BIN/shm_counter $D/shm_counter.py -n 1 $none
$BIN/shm_counter $D/shm_counter.py -n 1 $(name_of 300)
$BIN/shm_counter $D/shm_counter.py --create -n 1 $(name_of 300)
$BIN/shm_counter $D/shm_counter.py -n 1 --sem $(name_of 300) $SEG
$BIN/shm_counter $D/shm_counter.py -n 1 /
$BIN/shm_counter $D/shm_counter.py -n 1 /a/b
$BIN/shm_counter $D/shm_counter.py -n 1 /.
$BIN/sysv_counter $D/sysv_counter.py -n
$BIN/sysv_counter $D/sysv_counter.py --sem
$BIN/sysv_counter $D/sysv_counter.py $KEY --sem
$BIN/sysv_counter $D/sysv_counter.py --sem 0 $KEY
$BIN/sysv_counter $D/sysv_counter.py --sem x $KEY
$BIN/sysv_counter $D/sysv_counter.py 0
$BIN/sysv_counter $D/sysv_counter.py abc
$BIN/sysv_counter $D/sysv_counter.py $KEY $KEY
$BIN/sysv_counter $D/sysv_counter.py -n 1 $KEY
ARGS
  for role in producer consumer; do
    same_outcomes <<ARGS
$BIN/shm_ring_$role $D/shm_ring_$role.py --slots
$BIN/shm_ring_$role $D/shm_ring_$role.py -s
$BIN/shm_ring_$role $D/shm_ring_$role.py $RING $EMPTY $FULL -n
$BIN/shm_ring_$role $D/shm_ring_$role.py $RING $EMPTY $FULL --slots
$BIN/shm_ring_$role $D/shm_ring_$role.py $RING $EMPTY $FULL -s
$BIN/shm_ring_$role $D/shm_ring_$role.py --slots 0 $RING $EMPTY $FULL
$BIN/shm_ring_$role $D/shm_ring_$role.py -s 15 $RING $EMPTY $FULL
$BIN/shm_ring_$role $D/shm_ring_$role.py -n 1 $SEG $EMPTY $FULL
$BIN/shm_ring_$role $D/shm_ring_$role.py $RING $EMPTY
$BIN/shm_ring_$role $D/shm_ring_$role.py $RING $EMPTY $FULL extra
$BIN/shm_ring_$role $D/shm_ring_$role.py -n 1 $RING $EMPTY $FULL
$BIN/shm_ring_$role $D/shm_ring_$role.py -n 1 $(name_of 300) $EMPTY $FULL
$BIN/shm_ring_$role $D/shm_ring_$role.py --create -n 1 $(name_of 300) $EMPTY $FULL
ARGS
  done
  # Nothing was made, nothing was changed.
  assert_equal "$(posix_counter "$SEG")" 0
  rm_names "$SEG"
  assert_equal "$(ls /dev/shm | grep -c "ipclab-$ID-")" 0
}

# name_of LEN: a POSIX name of this test's own, LEN bytes after its slash.
name_of() {
  local n="ipclab-$ID-"
  while ((${#n} < $1)); do n+=x; done
  echo "/$n"
}

# bats test_tags=asan
@test "a POSIX name may be 255 bytes after its slash for a segment, 251 for a semaphore; C and Python refuse longer ones alike" {
  local c=$BIN/shm_counter py=$D/shm_counter.py long
  # The longest names work, either language creating, the other attaching.
  run "$c" --create -n 1 --sem "$(name_of 251)" "$(name_of 255)"
  assert_success
  run "$PYTHON" "$py" -n 1 --unlink --sem "$(name_of 251)" "$(name_of 255)"
  assert_output "shm_counter.py: added 1, counter now 2"
  run "$PYTHON" "$py" --create -n 1 --sem "$(name_of 251)" "$(name_of 255)"
  assert_success
  run "$c" -n 1 --unlink --sem "$(name_of 251)" "$(name_of 255)"
  assert_output "shm_counter: added 1, counter now 2"
  # One byte more: open() refuses the file name (NAME_MAX 255, "sem."
  # included), up to where glibc refuses the name itself, before any call.
  run "$c" --create -n 0 "$SEG"
  assert_success
  same_outcomes <<ARGS
$c $py --create -n 1 $(name_of 256)
$c $py -n 1 $(name_of 259)
$c $py --create -n 1 $(name_of 260)
$c $py -n 1 $(name_of 260)
$c $py -n 1 --sem $(name_of 252) $SEG
$c $py -n 1 --sem $(name_of 255) $SEG
$c $py -n 1 --sem $(name_of 256) $SEG
ARGS
  for long in 256 259; do
    run "$PYTHON" "$py" -n 1 "$(name_of $long)"
    assert_output "shm_counter.py: shm_open $(name_of $long): File name too long"
  done
  run "$PYTHON" "$py" --create -n 1 "$(name_of 260)"
  assert_output "shm_counter.py: shm_open $(name_of 260): Invalid argument"
  for long in 252 255; do
    run "$PYTHON" "$py" -n 1 --sem "$(name_of $long)" "$SEG"
    assert_output "shm_counter.py: sem_open $(name_of $long): File name too long"
  done
  run "$PYTHON" "$py" -n 1 --sem "$(name_of 256)" "$SEG"
  assert_output "shm_counter.py: sem_open $(name_of 256): Invalid argument"
  assert_equal "$(posix_counter "$SEG")" 0
  rm_names "$SEG"
}

@test "a System V semaphore set removed under a running counter: C and Python fail alike, naming the call" {
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  local prog
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    # Removed after it got the set's id, before its semop: EINVAL.
    stepper --run "rm=ipcrm -S $SEMKEY" "c=$prog --sem $SEMKEY -n 1 $KEY" -- 'c>semget run:rm'
    assert_success
    assert_line --regexp "^sysv_counter(\.py)?: semop -1 key $SEMKEY: Invalid argument$"
    assert_line "end: c exit 1"
    "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.Semaphore(int(sys.argv[1]), sysv_ipc.IPC_CREX, 0o600, 1)' "$SEMKEY"
    # Removed before its --unlink does: EINVAL too (the segment does go).
    stepper --run "rm=ipcrm -S $SEMKEY" "c=$prog --sem $SEMKEY -n 0 --unlink $KEY" -- 'c>semget run:rm'
    assert_line --regexp "^sysv_counter(\.py)?: semctl IPC_RMID key $SEMKEY: Invalid argument$"
    assert_line "end: c exit 1"
    assert_equal "$(sysv_shm_info "$KEY")" ""
    run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
    assert_success
  done
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# ---- the tests' own keys ----------------------------------------------------------------

@test "new_key: a test's System V keys hold its pid, and a key some other program holds is skipped" {
  local k1 k2 taken
  k1=$((KEY_BASE + ($$ << 7)))
  assert_equal "$KEY $SEMKEY" "$k1 $((k1 + 1))"
  # Someone else holds the next one: new_key takes the one after it.
  taken=$((k1 + 2))
  "$PYTHON" -c 'import sys, sysv_ipc; sysv_ipc.SharedMemory(int(sys.argv[1]), sysv_ipc.IPC_CREX, 0o600, 8)' "$taken"
  new_key k2
  ipcrm -M "$taken"
  assert_equal "$k2" "$((k1 + 3))"
}

# ---- Python's resource tracker ----------------------------------------------

@test "Python 3.11's resource tracker unlinks a segment it only attached to; unregistering stops it" {
  run "$BIN/shm_counter" --create -n 7 "$SEG"
  assert_success
  # Attach with multiprocessing.shared_memory, read, close, exit.
  run "$PYTHON" -c 'import sys; from multiprocessing import shared_memory
m = shared_memory.SharedMemory(name=sys.argv[1]); print(bytes(m.buf[16:17])[0]); m.close()' "${SEG#/}"
  assert_line 7
  # Its tracker outlived it (run waited for its stderr) and removed the segment.
  assert_output --partial "leaked shared_memory"
  wait_for no_procs_left
  assert_file_not_exists "$(shm_file "$SEG")"

  run "$BIN/shm_counter" --create -n 7 "$SEG"
  assert_success
  run "$PYTHON" -c 'import sys; from multiprocessing import resource_tracker, shared_memory
m = shared_memory.SharedMemory(name=sys.argv[1])
resource_tracker.unregister(m._name, "shared_memory"); m.close()' "${SEG#/}"
  assert_success
  wait_for no_procs_left
  assert_equal "$(posix_counter "$SEG")" 7
  run "$BIN/shm_counter" -n 0 --unlink "$SEG"
}

# ---- the lesson's scenarios ------------------------------------------------------

@test "the lesson's scenarios play headless, every expectation met, nothing left" {
  [ -x "$BIN/ipclab" ] || skip "ipclab is not built: $BIN/ipclab"
  export PYTHON XDG_RUNTIME_DIR=$T/xdg
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  local s run key
  for s in "$ROOT"/lessons/08-shared-memory/scenarios/*.lua; do
    [[ ${s##*/} == your-* ]] && continue    # the learner's own file: tests/exercises.bats
    run "$BIN/ipclab" run "$s" --headless
    assert_success
    assert_output --regexp "end: [0-9]+ expectations?, [0-9]+ passed, 0 failed"
    # The run's own names (ipclab-RUN-...) and keys are gone.
    for run in $(grep -o 'ipclab-[0-9]*-' <<<"$output" | sort -u); do
      assert_equal "$(ls /dev/shm | grep -c -- "$run")" 0
    done
    for key in $(grep -o 'key 0x[0-9a-f]*' <<<"$output" | sort -u | cut -d' ' -f2); do
      assert_equal "$(ipcs -m -s | grep -ci "^$key ")" 0
    done
  done
}
