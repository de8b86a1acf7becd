#!/usr/bin/env bats
# The fuzz targets (docs/fuzzing.md) in make test: every input of the seed
# corpus and every regression input through each C target, built with
# ASan+UBSan and a plain main (make fuzz-replay-build; make test builds
# them first), and a short fixed-seed pass of the Python parsers. Fuzzing
# for longer is scripts/fuzz's job.

load helpers/common

REPLAY=$ROOT/build/fuzz/replay
FUZZ=$ROOT/tests/fuzz

# The folders of a target's inputs: its corpus, and its regressions if any.
inputs_of() {
  echo "$FUZZ/corpus/$1"
  [ ! -d "$FUZZ/regressions/$1" ] || echo "$FUZZ/regressions/$1"
}

@test "every fuzz corpus and regression input runs clean under ASan and UBSan" {
  local f t n
  for f in "$FUZZ"/fuzz_*.c; do
    t=${f##*/fuzz_}; t=${t%.c}
    [ -x "$REPLAY/$t" ] || fail "no $REPLAY/$t: run make fuzz-replay-build (make test does)"
    # Every file is replayed: as many as the folders hold, notes aside.
    n=$(find $(inputs_of "$t") -type f ! -name '*.note' ! -name '.*' | wc -l)
    [ "$n" -gt 0 ] || fail "target $t has no seed corpus in tests/fuzz/corpus/$t"
    run "$REPLAY/$t" $(inputs_of "$t")
    assert_success
    assert_output "$t: $n $( [ "$n" = 1 ] && echo input || echo inputs) replayed"
  done
}

@test "the Python parsers only parse or refuse the documented way, on the corpus and 50000 mutations (seed 1)" {
  run "$PYTHON" "$FUZZ/fuzz_python.py" --seed 1 --iterations 50000
  assert_success
  assert_output --regexp "^python: [0-9]+ inputs in .* every property held: frame [0-9]+, records [0-9]+, reply [0-9]+, request [0-9]+, ring [0-9]+, shmseg [0-9]+, tcpserver [0-9]+$"
}

@test "scripts/fuzz refuses bad usage with a message and status 2" {
  run "$ROOT/scripts/fuzz" nosuch
  assert_failure 2
  assert_output --partial "no target 'nosuch': the targets are frame records reply request ring shmseg sigmask sockdiag tcpserver trace unixdiag python"
  run "$ROOT/scripts/fuzz" frame --time
  assert_failure 2
  assert_output --partial "--time needs a value"
  run "$ROOT/scripts/fuzz" frame --runs 0
  assert_failure 2
  assert_output --partial "--runs: '0' is not a whole number from 1 to 999999999"
  run "$ROOT/scripts/fuzz" frame --time 99999999999999999999
  assert_failure 2
  assert_output --partial "--time: '99999999999999999999' is not a whole number from 1 to 999999999"
  run "$ROOT/scripts/fuzz" frame trace
  assert_failure 2
  run "$ROOT/scripts/fuzz" --help
  assert_success
  assert_output --partial "Usage: scripts/fuzz [TARGET] [--time SECONDS] [--runs N]"
}

# A user who cannot write build/fuzz (another user built it) once got the
# last run's crash reported as new, and "CRASH kept as" a file never kept.
@test "scripts/fuzz run by a user who cannot write build/fuzz says so and reports no earlier crash" {
  command -v clang >/dev/null || skip "no clang (scripts/setup installs it)"
  make -s -C "$ROOT" build/fuzz/frame
  mkdir -p "$ROOT/build/fuzz/crashes/frame" "$ROOT/build/fuzz/work/frame" "$ROOT/build/fuzz/logs"
  # An earlier run's crash and log, as root left them.
  local stale=$ROOT/build/fuzz/crashes/frame/crash-ipclabtest$$
  echo x >"$stale"
  cd "$ROOT"
  run setpriv --reuid=nobody --regid=nogroup --clear-groups scripts/fuzz frame --time 1
  rm -f "$stale"
  assert_failure 1
  assert_output "frame: cannot write under build/fuzz (its crashes, work and logs folders): another user's build? (make clean, or fuzz as that user)"
}
