# tests/helpers/shm.bash - lesson 08's tests: each test's own POSIX names
# and System V keys, checked to be gone at its end, and the segments' bytes
# read from /dev/shm. Loaded by 08-shared-memory.bats and 08-shm-hostile.bats.

# shm_setup: the test's names ($SEG $SEM $RING $EMPTY $FULL, all holding
# $IPCLAB_TESTID) and two keys ($KEY $SEMKEY).
shm_setup() {
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

# new_key VAR: a System V key of this test's own, that no segment or
# semaphore set uses now. Each test runs in a process of its own ($$, also
# in $IPCLAB_TESTID): the key holds all of its pid (pid_max is at most
# 2^22) and a number of its own, so no two live tests, here or in another
# run side by side, can ever get the same key; the check skips a key some
# other program holds.
KEY_BASE=$((0x40000000))
new_key() {
  local k n=${#KEYS[@]}
  while :; do
    ((n < 128)) || fail "new_key: 128 keys of test $$ taken"
    k=$((KEY_BASE + ($$ << 7) + n))
    n=$((n + 1))
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

shm_file() { echo "/dev/shm/${1#/}"; }

# slots slot_size head tail (u32 at 16) of a POSIX ring.
ring_fields() { od -An -t u4 -j 16 -N 16 "$(shm_file "$1")" | xargs; }

# The value of a POSIX named semaphore: sem_open, sem_getvalue, sem_close.
posix_sem() {
  "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[2]); from ipclab import posix
s = posix.sem_open(sys.argv[1]); print(posix.sem_getvalue(s)); posix.sem_close(s)' "$1" "$PEERS"
}

# rm_names NAME...: remove POSIX segments and semaphores a test left on purpose.
rm_names() {
  local n
  for n in "$@"; do rm -f "$(shm_file "$n")" "/dev/shm/sem.${n#/}"; done
}
