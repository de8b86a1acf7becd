#!/usr/bin/env bats
# A short, seeded soak (scripts/soak): lesson scenarios played over and over
# with kills at random moments; nothing of any run may be left.
BATS_TEST_TIMEOUT=300
load helpers/common
load helpers/ipclab

# A test whose fake ipclab made System V segments ($T/keys) removes them
# even when it fails.
teardown() {
  local key id
  [ ! -f "$T/keys" ] || while read -r key; do
    id=$(awk -v k="$key" 'NR > 1 && $1 == k { print $2 }' /proc/sysvipc/shm)
    [ -z "$id" ] || ipcrm -m "$id"
  done <"$T/keys"
  assert_nothing_left
}

# Run on the ASan build (tagged asan, as every test is that ipclab's
# engine runs): the same 30 runs, memory errors and leaks checked too.
# bats test_tags=asan
@test "a seeded soak of 30 runs with random kills leaves nothing behind and crashes nothing" {
  run "$PYTHON" "$ROOT/scripts/soak" --runs 30 --seed 20261130 --jobs 4
  echo "$output" >&2
  assert_success
  assert_line --regexp "^  kills: [1-9][0-9]*; "
  assert_line "  crashes: 0; hangs: 0; left behind: 0"
  assert_line "  failed runs: 0"
}

@test "a soak's failing run prints its seed and the command that plays the same run again" {
  # An ipclab that holds no expectation: every run without a kill fails.
  mkdir "$T/bin"
  printf '#!/bin/sh\n[ "$1" = clean ] || echo "end: 1 expectation, 0 passed, 1 failed"\nexit 1\n' >"$T/bin/ipclab"
  chmod +x "$T/bin/ipclab"
  # With --lesson: a run is drawn from that lesson's scenarios, so its
  # replay needs the same --lesson.
  run env IPCLAB_BIN="$T/bin" "$PYTHON" "$ROOT/scripts/soak" --runs 10 --seed 5 --jobs 2 --lesson 1
  assert_failure 1
  local first                           # (a run with no kill planned: it fails every time)
  first=$(grep -m1 '^FAIL run .*, no kill$' <<<"$output")
  [ -n "$first" ] || fail "no failing run: $output"
  local k=${first#FAIL run }
  k=${k%%:*}
  # The soak's replay, and ipclab's alone: the scenario with its --seed
  # (its math.random: a hostile peer's steps).
  local replay
  replay=$(grep -E "^  replay: IPCLAB_BIN=$T/bin scripts/soak --seed 5 --lesson 1 --run $k \(or: [^ ]*/bin/ipclab run [^ ]+\.lua --headless --seed [0-9]+\)$" <<<"$output") ||
    fail "no replay line for run $k: $output"
  run env IPCLAB_BIN="$T/bin" "$PYTHON" "$ROOT/scripts/soak" --seed 5 --lesson 1 --run "$k"
  assert_failure 1
  assert_line "$first"                  # the same scenario, the same plan
  assert_line "$replay"                 # and the same seed for it
}

@test "scripts/soak refuses bad usage with a message, exit 2" {
  run "$PYTHON" "$ROOT/scripts/soak" --runs 0
  assert_failure 2
  assert_output --partial "--runs '0': a whole number from 1 to 1000000"
  local bad
  for bad in "--runs ²" "--runs 9999999" "--jobs 0" "--run -1" "--seed x"; do
    run "$PYTHON" "$ROOT/scripts/soak" $bad
    assert_failure 2
    assert_line --index 0 --regexp "^soak: ${bad%% *} '[^']*': a whole number from [0-9]+ to [0-9]+\$"
    refute_output --partial Traceback
  done
  run "$PYTHON" "$ROOT/scripts/soak" --lesson 99
  assert_failure 2
  assert_output --partial "no lesson '99' with scenarios"
  run env IPCLAB_BIN="$T" "$PYTHON" "$ROOT/scripts/soak" --runs 1
  assert_failure 2
  assert_output --partial "$T/ipclab: no ipclab there"
}

@test "a run that leaves a System V object of its own making is reported, and the soak removes it" {
  # An ipclab whose run makes a segment with the run's key (its pid << 8 | 7)
  # that no janitor knows of, and holds its expectations.
  mkdir "$T/bin"
  cat >"$T/bin/ipclab" <<SH
#!/bin/sh
[ "\$1" = clean ] && exit 0
exec "$PYTHON" -c '
import ctypes, os
key = os.getpid() << 8 | 7
assert ctypes.CDLL(None).shmget(key, 4096, 0o1600) != -1
open("$T/keys", "a").write(f"{key}\\n")
print("end: 1 expectation, 1 passed, 0 failed")'
SH
  chmod +x "$T/bin/ipclab"
  run env IPCLAB_BIN="$T/bin" "$PYTHON" "$ROOT/scripts/soak" --runs 2 --seed 5 --jobs 2
  assert_failure 1
  assert_line --regexp '^  left behind: System V shm key 0x[0-9a-f]+$'
  local key
  while read -r key; do
    ! awk -v k="$key" 'NR > 1 && $1 == k { found = 1 } END { exit !found }' /proc/sysvipc/shm ||
      fail "System V segment key $key still there after the soak"
  done <"$T/keys"
  [ -s "$T/keys" ] || fail "the fake ipclab made no segment"
}

@test "scripts/soak ended by SIGTERM or SIGHUP leaves no folder of its own in TMPDIR" {
  local sig pid
  for sig in TERM HUP; do
    mkdir -p "$T/tmp-$sig"
    TMPDIR=$T/tmp-$sig "$PYTHON" "$ROOT/scripts/soak" --runs 50 --lesson 01 --seed 7 \
      >/dev/null 2>&1 3>&- &
    pid=$!
    wait_for compgen -G "$T/tmp-$sig/ipclab-soak-*"
    kill -"$sig" "$pid"
    wait "$pid" || true
    assert_equal "$(ls -A "$T/tmp-$sig")" ""
  done
}
