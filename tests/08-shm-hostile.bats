#!/usr/bin/env bats
# Lesson 08 facing hostile peers (tests/hostile/hostile_shm.py,
# docs/hostile-peers.md): a process that maps the segment and rewrites its
# header and the ring's fields while the programs run, writes anywhere,
# floods the ring past its semaphores, or stops for ever mid-record. Every
# program ends with status 0 and the right count, or 1 and a message naming
# the segment and what was wrong, C and Python alike: never a signal, a
# sanitizer report, a traceback or a hang. Where the right thing is to
# wait (a semaphore nobody will post: it cannot know), the kernel shows the
# program asleep in futex.

load helpers/common
load helpers/shm
bats_require_minimum_version 1.5.0

setup() {
  common_setup
  shm_setup
  HOSTILE=$ROOT/tests/hostile/hostile_shm.py
  PRODUCERS=("$BIN/shm_ring_producer" "$PYTHON $D/shm_ring_producer.py")
  CONSUMERS=("$BIN/shm_ring_consumer" "$PYTHON $D/shm_ring_consumer.py")
}

slot0_length_is() { [ "$(od -An -t u4 -j 32 -N 4 "$(shm_file "$RING")" | xargs)" = "$1" ]; }
# stepper ARGS...: stepper.py, its stderr (a time-out says why there) shown
# when a check after it fails.
stepper() {
  run --separate-stderr "$PYTHON" "$STEPPER" "$@"
  [ -z "$stderr" ] || echo "stepper.py's stderr: $stderr" >&2
}

# hostile NAME STEP...: hostile_shm.py in the background, held (SIGUSR1)
# before its steps; its pid in NAME. For stepper.py: "--run go=$GO" lets it
# go and returns once it has written the segment (its "first write" line).
# At the lowest priority (nice 19): it writes in a loop that never sleeps,
# and on a busy machine it took the CPU the programs it attacks needed (a
# loop run: 64 of 100 records in the stepper's 20 s). It still writes
# whenever a core is free; go.sh waits for its first write (beside another
# nice-19 job it was once let go and made none before the programs ended),
# and stop_hostile checks that it wrote.
hostile() {
  local __name=$1
  shift
  bg "$__name" nice -n 19 "$PYTHON" "$HOSTILE" "$@"
  wait_for blocked_in_sigwait "${!__name}"
  cat >"$T/go.sh" <<'SH'
kill -USR1 "$1"
until grep -qx 'hostile_shm.py: first write' "$2"; do kill -0 "$1" || exit 1; done
SH
  GO="bash $T/go.sh ${!__name} $T/$__name.err"
}

# stop_hostile NAME: end it (SIGTERM) and check it made writes.
stop_hostile() {
  kill "${!1}"
  wait "${!1}" || true
  [[ $(<"$T/$1.err") =~ ^hostile_shm\.py:\ first\ write$'\n'hostile_shm\.py:\ ([0-9]+)\ writes$ ]] &&
    ((BASH_REMATCH[1] > 0)) ||
    fail "the hostile peer made no writes: $(<"$T/$1.err")"
}

# bats test_tags=asan
@test "ring programs facing a peer that rewrites the header's checked fields while they run pass every record, in order, C and Python both ways" {
  local pair prod cons lang i
  for pair in "0 1 C" "1 0 Python"; do
    read -r prod cons lang <<<"$pair"
    run "$BIN/shm_ring_producer" --create --slots 4 -n 0 "$RING" "$EMPTY" "$FULL"
    assert_success
    # magic, version, size, slots and slot size: read once, checked, and
    # copied when the programs attached; rewritten at random from then on.
    hostile h --seed 3 --posix "$RING" hold scramble 0 magic,version,size,reserved,slots,slot_size
    stepper --run "go=$GO" "prod=${PRODUCERS[prod]} -n 100 $RING $EMPTY $FULL" \
      "cons=${CONSUMERS[cons]} -n 100 $RING $EMPTY $FULL" -- 'prod>sem_wait cons>sem_wait run:go'
    assert_success
    assert_line "end: prod exit 0, cons exit 0"
    assert_equal "$(grep '^record ' <<<"$output")" "$(for i in $(seq 100); do echo "record $i from $lang"; done)"
    stop_hostile h
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# One program's last words facing random writes: a report of the right
# count, or a broken head or tail, or a frame length past the slot.
allowed_words() {
  local pattern="^shm_ring_(producer|consumer)(\\.py)?: (sent 300 records|received 300 records"
  pattern+="|$RING: a broken ring header: (head|tail) is [0-9]+, the ring has 4 slots"
  pattern+="|$RING: slot [0-3]: frame length [0-9]+ does not fit the 36-byte slot)\$"
  echo "$pattern"
}

# bats test_tags=asan
@test "ring programs facing a peer that writes random values anywhere in the segment while they run finish or stop with a message naming the segment, status 1; the other side sleeps in sem_wait (it cannot know); never a signal, a sanitizer report or a traceback; C and Python both ways" {
  local seed pair prod cons line records
  # Seed 1 with a C producer and a Python consumer, seed 2 the other way.
  for pair in "1 0 1" "2 1 0"; do
    read -r seed prod cons <<<"$pair"
    run "$BIN/shm_ring_producer" --create --slots 4 -n 0 "$RING" "$EMPTY" "$FULL"
    hostile h --seed "$seed" --posix "$RING" hold smash 0
    stepper --run "go=$GO" "prod=${PRODUCERS[prod]} -n 300 $RING $EMPTY $FULL" \
      "cons=${CONSUMERS[cons]} -n 300 $RING $EMPTY $FULL" -- 'prod>sem_wait cons>sem_wait run:go'
    stop_hostile h
    # The programs' words on stderr: each one allowed, nothing else.
    while IFS= read -r line; do
      [[ $line == stepper.py:* || $line =~ $(allowed_words) ]] ||
        fail "seed $seed, ${PRODUCERS[prod]##*/} and ${CONSUMERS[cons]##*/}: $line"
    done <<<"$stderr"
    if [ "$status" = 0 ]; then
      # Both ran to their end: exit 0 with the right count, or 1.
      [[ $output =~ end:\ prod\ exit\ [01],\ cons\ exit\ [01] ]] || fail "seed $seed: $output"
    else
      # One stopped (status 1, its words above); the other sleeps in
      # sem_wait for a post that will never come: the stepper sees every
      # program left asleep on a semaphore, and says so.
      [[ $stderr =~ stuck\ for\ good.*:\ (prod\ exit\ 1,\ cons\ blocked\ in\ futex|prod\ blocked\ in\ futex[^,]*,\ cons\ exit\ 1) ]] ||
        fail "seed $seed: $stderr"
    fi
    # Each record the consumer printed is printable text, whatever the
    # peer wrote into its slot.
    records=$(grep -v -e '^prod>' -e '^cons>' -e '^run:go:' -e '^end:' <<<"$output" || true)
    ! LC_ALL=C grep -q '[^[:print:]]' <<<"$records" ||
      fail "seed $seed: a record with bytes that are not printable: $(LC_ALL=C grep -m1 '[^[:print:]]' <<<"$records" | od -c | head -3)"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# bats test_tags=asan
@test "a ring consumer shows a peer's bytes, never obeys them: a NUL and an escape in a record print as '.', C and Python alike" {
  local cons
  for cons in "${CONSUMERS[@]}"; do
    run "$BIN/shm_ring_producer" --create -n 1 "$RING" "$EMPTY" "$FULL"
    assert_success
    # "record 1 from C": bytes 4 to 7 of the payload ("rd 1") := "rd" NUL ESC.
    run "$PYTHON" "$HOSTILE" --posix "$RING" set @40 0x1b006472
    assert_success
    run --separate-stderr $cons -n 1 --unlink "$RING" "$EMPTY" "$FULL"
    assert_success
    assert_output "record.. from C"
  done
}

# bats test_tags=asan
@test "a ring consumer facing a producer that floods past EMPTY (500 records into 4 slots, never waiting) takes exactly its -n records, each printable, status 0, C and Python" {
  run "$BIN/shm_ring_producer" --create --slots 4 -n 0 "$RING" "$EMPTY" "$FULL"
  # The C consumer is asleep on FULL when the flood comes.
  bg c "${CONSUMERS[0]}" -n 50 "$RING" "$EMPTY" "$FULL"
  wait_for blocked_in_sem_wait "$c"
  run "$PYTHON" "$HOSTILE" --posix "$RING" flood 500 "$EMPTY" "$FULL"
  assert_success
  status=0
  wait "$c" || status=$?
  assert_equal "$status" 0
  assert_equal "$(<"$T/c.err")" "shm_ring_consumer: received 50 records"
  # It took 50 of the 500 posts, and gave 50 slots back: more than the ring has.
  assert_equal "$(posix_sem "$FULL") $(posix_sem "$EMPTY")" "450 54"
  run --separate-stderr ${CONSUMERS[1]} -n 50 --unlink "$RING" "$EMPTY" "$FULL"
  assert_success
  assert_equal "$stderr" "shm_ring_consumer.py: received 50 records"
  assert_equal "${#lines[@]}" 50
  # Records read while the flood wrote over them may mix two ("flood 1"
  # over "flood 12"): still printable, still one a line.
  local line c_lines
  mapfile -t c_lines <"$T/c.out"
  assert_equal "${#c_lines[@]}" 50
  for line in "${lines[@]}" "${c_lines[@]}"; do
    [[ $line =~ ^flood\ [0-9.]*$ ]] || fail "a record: '$line'"
  done
}

# bats test_tags=asan
@test "a ring producer facing a FULL semaphore flooded to its limit (SEM_VALUE_MAX) refuses: sem_post names it, status 1, C and Python" {
  local prod
  for prod in "${PRODUCERS[@]}"; do
    run "$BIN/shm_ring_producer" --create -n 0 "$RING" "$EMPTY" "$FULL"
    run "$PYTHON" "$HOSTILE" --posix "$RING" semset "$FULL" 2147483647
    assert_success
    run --separate-stderr $prod -n 1 "$RING" "$EMPTY" "$FULL"
    assert_failure 1
    [[ $stderr =~ ^shm_ring_producer(\.py)?:\ sem_post\ $FULL:\ Value\ too\ large\ for\ defined\ data\ type$ ]] ||
      fail "$prod: $stderr"
    rm_names "$RING" "$EMPTY" "$FULL"
  done
}

# bats test_tags=asan
@test "a ring consumer facing a producer stopped mid-record sleeps in sem_wait, even once the producer is dead (it cannot know); the half record is never delivered, the next producer's arrives whole, C and Python" {
  local pair cons prod lang
  for pair in "0 1 Python" "1 0 C"; do
    read -r cons prod lang <<<"$pair"
    run "$BIN/shm_ring_producer" --create --slots 4 -n 0 "$RING" "$EMPTY" "$FULL"
    bg c ${CONSUMERS[cons]} -n 1 --unlink "$RING" "$EMPTY" "$FULL"
    wait_for blocked_in_sem_wait "$c"
    # It takes a free slot and writes a length of 32 and 16 bytes of payload
    # into slot 0, then stops: neither head nor FULL moves.
    bg h "$PYTHON" "$HOSTILE" --posix "$RING" stall "$EMPTY" "$FULL" pause
    wait_for slot0_length_is 32
    assert_equal "$(ring_fields "$RING") $(posix_sem "$EMPTY") $(posix_sem "$FULL")" "4 36 0 0 3 0"
    kill -9 "$h"
    wait "$h" || true
    blocked_in_sem_wait "$c"
    # A producer that plays by the rules: its record, whole, overwrites the half.
    run --separate-stderr ${PRODUCERS[prod]} -n 1 "$RING" "$EMPTY" "$FULL"
    assert_success
    status=0
    wait "$c" || status=$?
    assert_equal "$status" 0
    assert_equal "$(<"$T/c.out")" "record 1 from $lang"
  done
}

# bats test_tags=asan
@test "counters facing a peer that rewrites the header while they count (checked once, never used again) count exactly with the semaphore, POSIX and System V, C and Python" {
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  assert_success
  hostile h --seed 5 --posix "$SEG" hold scramble 0
  stepper --run "go=$GO" "c=$BIN/shm_counter --sem $SEM -n 300 $SEG" \
    "py=$PYTHON $D/shm_counter.py --sem $SEM -n 100 $SEG" -- 'c>sem_wait py>sem_wait run:go'
  assert_success
  assert_line "end: c exit 0, py exit 0"
  stop_hostile h
  # (Its header is garbage now: the counter is read from the file.)
  assert_equal "$(od -An -t u8 -j 16 -N 8 "$(shm_file "$SEG")" | xargs)" 400
  rm_names "$SEG" "$SEM"

  run "$PYTHON" "$D/sysv_counter.py" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  hostile h --seed 6 --sysv "$KEY" hold scramble 0
  stepper --run "go=$GO" "c=$BIN/sysv_counter --sem $SEMKEY -n 300 $KEY" \
    "py=$PYTHON $D/sysv_counter.py --sem $SEMKEY -n 100 $KEY" -- 'c>semop py>semop run:go'
  assert_success
  assert_line "end: c exit 0, py exit 0"
  stop_hostile h
  run "$PYTHON" -c 'import sys, sysv_ipc
m = sysv_ipc.SharedMemory(int(sys.argv[1]))
print(int.from_bytes(m.read(8, 16), "little")); m.detach()' "$KEY"
  assert_output 400
  ipcrm -M "$KEY" -S "$SEMKEY"
}

# bats test_tags=asan
@test "a semaphore whose file a peer overwrote makes the C library abort in sem_wait: the program says so, status 1, not a death by SIGABRT; counter and ring, C and Python" {
  local prog
  run "$BIN/shm_counter" --create --sem "$SEM" -n 0 "$SEG"
  run "$BIN/shm_ring_producer" --create -n 0 "$RING" "$EMPTY" "$FULL"
  # Count 0 (a sem_wait must sleep), and futex flags the kernel refuses.
  run "$PYTHON" "$HOSTILE" --posix "$SEG" semset "$SEM" 0 semset "$SEM" 0x7fffffff @8 \
    semset "$FULL" 0x7fffffff @8
  assert_success
  for prog in "$BIN/shm_counter --sem $SEM -n 1 $SEG" "$PYTHON $D/shm_counter.py --sem $SEM -n 1 $SEG" \
              "${CONSUMERS[0]} -n 1 $RING $EMPTY $FULL" "${CONSUMERS[1]} -n 1 $RING $EMPTY $FULL"; do
    run --separate-stderr $prog
    [ "$status" = 1 ] || fail "$prog: status $status: $stderr"
    # (glibc's own words, "The futex facility returned an unexpected error
    # code.", come first.)
    [[ ${stderr##*$'\n'} =~ ^(shm_counter|shm_ring_consumer)(\.py)?:\ SIGABRT:\ the\ C\ library\ gave\ up\ on\ a\ semaphore\ \(its\ words\ are\ above\):\ its\ file\ in\ /dev/shm\ was\ overwritten\ under\ us$ ]] ||
      fail "$prog: $stderr"
  done
  rm_names "$SEG" "$SEM" "$RING" "$EMPTY" "$FULL"
}

# bats test_tags=asan
@test "a System V semaphore a peer set to its largest value (32767) while a counter held it: semop +1 is refused, naming it, status 1, C and Python alike, no traceback" {
  local prog
  run "$BIN/sysv_counter" --create --sem "$SEMKEY" -n 0 "$KEY"
  assert_success
  for prog in "$BIN/sysv_counter" "$PYTHON $D/sysv_counter.py"; do
    # It has taken the semaphore (-1); the peer sets it to 32767; its +1 fails.
    stepper --run "evil=$PYTHON $HOSTILE --sysv $KEY semval $SEMKEY 32767" \
      "c=$prog --sem $SEMKEY -n 1 $KEY" -- 'c>semop run:evil'
    assert_success
    assert_line "run:evil: evil exit 0"
    assert_line "end: c exit 1"
    [[ $stderr =~ ^sysv_counter(\.py)?:\ semop\ \+1\ key\ $SEMKEY:\ Numerical\ result\ out\ of\ range$ ]] ||
      fail "$prog: $stderr"
  done
  ipcrm -M "$KEY" -S "$SEMKEY"
}

# bats test_tags=asan
@test "a segment a peer truncates between fstat and mmap: C meets SIGBUS at its first load, Python's mmap refuses; both say it was truncated under us, status 1, counter and ring" {
  local prog name
  run "$BIN/shm_counter" --create -n 0 "$SEG"
  run "$BIN/shm_ring_producer" --create -n 0 "$RING" "$EMPTY" "$FULL"
  for prog in "$BIN/shm_counter -n 1 $SEG" "$PYTHON $D/shm_counter.py -n 1 $SEG" \
              "${CONSUMERS[0]} -n 1 $RING $EMPTY $FULL" "${CONSUMERS[1]} -n 1 $RING $EMPTY $FULL"; do
    [[ $prog == *counter* ]] && name=$SEG || name=$RING
    # Held before its mmap (step mode), the segment is cut to 0 bytes.
    stepper --run "cut=$PYTHON $HOSTILE --posix $name truncate 0" "c=$prog" -- 'c>shm_open run:cut'
    assert_success
    assert_line "c>shm_open: c waits before mmap"
    assert_line "end: c exit 1"
    [[ $stderr =~ ^shm_[a-z_]+:\ SIGBUS:\ a\ shared\ mapping\ has\ lost\ its\ bytes:\ the\ segment\ \(or\ a\ semaphore\'s\ file\ in\ /dev/shm\)\ was\ truncated\ under\ us$ ||
       $stderr =~ ^shm_[a-z_]+\.py:\ mmap\ $name:\ the\ segment\ is\ 0\ bytes,\ not\ (24|176):\ it\ was\ truncated\ under\ us$ ]] ||
      fail "$prog: $stderr"
    truncate -s $([ "$name" = "$SEG" ] && echo 24 || echo 176) "$(shm_file "$name")"
  done
  rm_names "$SEG" "$RING" "$EMPTY" "$FULL"
}
