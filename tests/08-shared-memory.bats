#!/usr/bin/env bats
# Lesson 08: shared memory and semaphores, C <-> Python, both ways.
# Every behaviour is read from the kernel: /dev/shm, ipcs, /proc/PID/wchan,
# sem_getvalue; the lost update is forced call by call in step mode
# (tests/helpers/stepper.py). Each test uses names and keys of its own and
# its teardown fails when a segment, semaphore or /dev/shm file is left.

load helpers/common

setup() {
  common_setup
  ID=$IPCLAB_TESTID
  SEG=/ipclab-$ID-seg SEM=/ipclab-$ID-lock
  RING=/ipclab-$ID-ring EMPTY=/ipclab-$ID-empty FULL=/ipclab-$ID-full
  KEYS=()
  new_key KEY
  new_key SEMKEY
  D=$PEERS/08-shared-memory
  STEPPER=$ROOT/tests/helpers/stepper.py
}

teardown() {
  local err=0
  assert_nothing_left || err=1
  no_ipc_left || err=1
  return "$err"
}

# new_key VAR: a System V key no segment or semaphore set uses now.
new_key() {
  local k
  while :; do
    k=$(( (RANDOM << 15 | RANDOM) + 0x10000000 ))
    [[ " ${KEYS[*]} " == *" $k "* ]] && continue
    ipcs -m -s | grep -qi "^$(printf '0x%08x' "$k") " || break
  done
  KEYS+=("$k")
  printf -v "$1" '%s' "$k"
}

# Teardown: fail when this test left a /dev/shm file (segment or named
# semaphore) or a System V segment or semaphore set; remove them anyway.
no_ipc_left() {
  local left="" f k hex
  for f in /dev/shm/ipclab-"$ID"-* /dev/shm/sem.ipclab-"$ID"-*; do
    [ -e "$f" ] || continue
    left+=" $f"
    rm -f "$f"
  done
  for k in "${KEYS[@]}"; do
    hex=$(printf '0x%08x' "$k")
    if ipcs -m | grep -qi "^$hex "; then left+=" shm $hex"; ipcrm -M "$k"; fi
    if ipcs -s | grep -qi "^$hex "; then left+=" sem $hex"; ipcrm -S "$k"; fi
  done
  [ -z "$left" ] || { echo "IPC objects left behind:$left" >&2; return 1; }
}

# ---- the kernel's view ------------------------------------------------------

shm_file() { echo "/dev/shm/${1#/}"; }

# The counter (u64 at offset 16) of a POSIX segment, read from its file.
posix_counter() { od -An -t u8 -j 16 -N 8 "$(shm_file "$1")" | tr -d ' '; }

# slots slot_size head tail (u32 at 16) of a POSIX ring.
ring_fields() { od -An -t u4 -j 16 -N 16 "$(shm_file "$1")" | xargs; }
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

# The value of a POSIX named semaphore: sem_open, sem_getvalue, sem_close.
posix_sem() {
  "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[2]); from ipclab import posix
s = posix.sem_open(sys.argv[1]); print(posix.sem_getvalue(s)); posix.sem_close(s)' "$1" "$PEERS"
}

# Asleep in sem_wait (a futex) / in semop (semtimedop).
blocked_in_futex() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_wchan "$1") == *futex* ]]
}
blocked_in_semop() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_wchan "$1") == *semtimedop* ]]
}

stepper() { run "$PYTHON" "$STEPPER" "$@"; }

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

# bats test_tags=demo
@test "POSIX segment: C creates, Python attaches and adds, C removes it" {
  posix_round "$BIN/shm_counter" "$PYTHON $D/shm_counter.py"
}

# bats test_tags=demo
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

# bats test_tags=demo
@test "System V segment: C creates, Python attaches and adds, C removes it" {
  sysv_round "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"
}

# bats test_tags=demo
@test "System V segment: Python creates, C attaches and adds, Python removes it" {
  sysv_round "$PYTHON $D/sysv_counter.py" "$BIN/sysv_counter"
}

# ---- the lost update, forced -------------------------------------------------

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
@test "POSIX semaphore: Python's load waits in sem_wait until C has stored; the count is exact" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  assert_equal "$(posix_sem "$SEM")" 1
  stepper "c=$BIN/shm_counter --sem $SEM -n 2 $SEG" \
          "py=$PYTHON $D/shm_counter.py --sem $SEM -n 2 $SEG" -- \
    'c>shm_load py>shm_load c>shm_store py>shm_store c>sem_post py>shm_load py>shm_store'
  assert_success
  # C holds the semaphore: Python sleeps in sem_wait (a futex), twice.
  assert_line "py>shm_load: py blocked in futex_do_wait"
  assert_line "py>shm_store: py blocked in futex_do_wait"
  # Once C posts, Python loads what C stored.
  assert_line "py>shm_load: py waits before shm_store [shm_load data=0100000000000000]"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(posix_counter "$SEG")" 4
  assert_equal "$(posix_sem "$SEM")" 1
  run "$PYTHON" "$D/shm_counter.py" -n 0 --unlink --sem "$SEM" "$SEG"
  assert_file_not_exists "/dev/shm/sem.${SEM#/}"
}

# bats test_tags=demo
@test "System V semaphore: C's load waits in semop until Python has stored; the count is exact" {
  run "$PYTHON" "$D/sysv_counter.py" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  assert_equal "$(sysv_sem "$SEMKEY")" "1 0"
  stepper "c=$BIN/sysv_counter --sem $SEMKEY -n 2 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 2 $KEY" -- \
    'py>shm_load c>shm_load py>shm_store py>semop c>shm_load c>shm_store'
  assert_success
  assert_line "c>shm_load: c blocked in __do_semtimedop"
  assert_line "c>shm_load: c waits before shm_store [shm_load data=0100000000000000]"
  assert_line "end: c exit 0, py exit 0"
  assert_equal "$(sysv_counter "$KEY")" 4
  assert_equal "$(sysv_sem "$SEMKEY")" "1 0"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
  assert_equal "$(sysv_sem "$SEMKEY")" ""
}

# bats test_tags=demo
@test "running freely side by side, C and Python count exactly with either semaphore" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  bg c1 "$BIN/shm_counter" --sem "$SEM" -n 20000 "$SEG"
  bg p1 "$PYTHON" "$D/shm_counter.py" --sem "$SEM" -n 20000 "$SEG"
  bg c2 "$BIN/sysv_counter" --sem "$SEMKEY" --undo -n 20000 "$KEY"
  bg p2 "$PYTHON" "$D/sysv_counter.py" --sem "$SEMKEY" --undo -n 20000 "$KEY"
  wait "$c1"; wait "$p1"; wait "$c2"; wait "$p2"
  assert_equal "$(posix_counter "$SEG")" 40000
  assert_equal "$(sysv_counter "$KEY")" 40000
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
  run "$PYTHON" "$D/sysv_counter.py" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# ---- killed while holding the semaphore -------------------------------------

# bats test_tags=demo
@test "POSIX semaphore: C killed while holding it leaves it at 0; Python waits for ever" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  stepper "c=$BIN/shm_counter --sem $SEM -n 1 $SEG" \
          "py=$PYTHON $D/shm_counter.py --sem $SEM -n 1 $SEG" -- \
    'c>sem_wait kill:c py>shm_load kill:py'
  assert_success
  assert_line "c>sem_wait: c waits before shm_load"
  assert_line "py>shm_load: py blocked in futex_do_wait"
  assert_line "end: c signal SIGKILL, py signal SIGKILL"
  # Nobody holds it any more, yet it is still taken.
  assert_equal "$(posix_sem "$SEM")" 0
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
}

# bats test_tags=demo
@test "System V semaphore without SEM_UNDO: Python killed while holding it leaves it at 0" {
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  stepper "c=$BIN/sysv_counter --sem $SEMKEY -n 1 $KEY" \
          "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 1 $KEY" -- \
    'py>semop kill:py c>shm_load kill:c'
  assert_success
  assert_line "c>shm_load: c blocked in __do_semtimedop"
  assert_equal "$(sysv_sem "$SEMKEY")" "0 0"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
}

# bats test_tags=demo
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

# ---- the ring buffer -----------------------------------------------------------

# ring_full PRODUCER CONSUMER LANG: PRODUCER creates a 4-slot ring and sends
# 10 records; nobody consumes, so it blocks on a full ring; then CONSUMER
# takes all 10, in order, and the producer removes the names at its end.
ring_full() {
  bg prod $1 --create --unlink --slots 4 -n 10 "$RING" "$EMPTY" "$FULL"
  wait_for blocked_in_futex "$prod"
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
  wait_for blocked_in_futex "$cons"
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

# bats test_tags=demo
@test "ring: C producer blocks on a full ring; a Python consumer gets every record in order" {
  ring_full "$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_consumer.py" C
}

# bats test_tags=demo
@test "ring: Python producer blocks on a full ring; a C consumer gets every record in order" {
  ring_full "$PYTHON $D/shm_ring_producer.py" "$BIN/shm_ring_consumer" Python
}

# bats test_tags=demo
@test "ring: C consumer blocks on an empty ring until a Python producer sends" {
  ring_empty "$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_producer.py" Python
}

# bats test_tags=demo
@test "ring: Python consumer blocks on an empty ring until a C producer sends" {
  ring_empty "$PYTHON $D/shm_ring_consumer.py" "$BIN/shm_ring_producer" C
}

# bats test_tags=demo
@test "ring: step by step, one record taken lets the blocked producer put one more" {
  bg prod "$BIN/shm_ring_producer" --create --unlink --slots 2 -n 4 "$RING" "$EMPTY" "$FULL"
  wait_for blocked_in_futex "$prod"
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
  wait_for blocked_in_futex "$prod"
  assert_equal "$(posix_sem "$EMPTY") $(posix_sem "$FULL")" "0 2"
  run "$BIN/shm_ring_consumer" -n 3 "$RING" "$EMPTY" "$FULL"
  assert_line --index 0 "record 2 from C"
  assert_line --index 2 "record 4 from C"
  wait "$prod"
}

# ---- bad input ----------------------------------------------------------------

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
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

# bats test_tags=demo
@test "objects are 0600: another user cannot attach to them, in either language" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  run "$PYTHON" "$D/sysv_counter.py" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  assert_equal "$(stat -c %a "$(shm_file "$SEG")" "/dev/shm/sem.${SEM#/}")" "600
600"
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
  assert_equal "$(posix_counter "$SEG")" 0
  run "$BIN/shm_counter" -n 0 --unlink --sem "$SEM" "$SEG"
  run "$BIN/sysv_counter" -n 0 --unlink --sem "$SEMKEY" "$KEY"
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

# bats test_tags=demo
@test "the lesson's scenarios play headless, every expectation met, nothing left" {
  [ -x "$BIN/ipclab" ] || skip "ipclab is not built: $BIN/ipclab"
  export PYTHON XDG_RUNTIME_DIR=$T/xdg
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  local s run key
  for s in "$ROOT"/lessons/08-shared-memory/scenarios/*.lua; do
    run "$BIN/ipclab" run "$s" --headless
    assert_success
    assert_output --regexp "end: [0-9]+ expectations?, 0 failed"
    # The run's own names (ipclab-RUN-...) and keys are gone.
    for run in $(grep -o 'ipclab-[0-9]*-' <<<"$output" | sort -u); do
      assert_equal "$(ls /dev/shm | grep -c -- "$run")" 0
    done
    for key in $(grep -o 'key 0x[0-9a-f]*' <<<"$output" | sort -u | cut -d' ' -f2); do
      assert_equal "$(ipcs -m -s | grep -ci "^$key ")" 0
    done
  done
}
