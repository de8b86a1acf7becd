#!/usr/bin/env bats
# A short, seeded soak (scripts/soak): lesson scenarios played over and over
# with kills at random moments; nothing of any run may be left.
BATS_TEST_TIMEOUT=300
load helpers/common
load helpers/ipclab

# bats test_tags=demo
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
  printf '#!/bin/sh\n[ "$1" = clean ] || echo "end: 1 expectation, 1 failed"\nexit 1\n' >"$T/bin/ipclab"
  chmod +x "$T/bin/ipclab"
  run env IPCLAB_BIN="$T/bin" "$PYTHON" "$ROOT/scripts/soak" --runs 10 --seed 5 --jobs 2
  assert_failure 1
  local first                           # (a run with no kill planned: it fails every time)
  first=$(grep -m1 '^FAIL run .*, no kill$' <<<"$output")
  [ -n "$first" ] || fail "no failing run: $output"
  local k=${first#FAIL run }
  k=${k%%:*}
  # The soak's replay, and ipclab's alone: the scenario with its --seed
  # (its math.random: a hostile peer's steps).
  local replay
  replay=$(grep -E "^  replay: scripts/soak --seed 5 --run $k \(or: ipclab run [^ ]+\.lua --headless --seed [0-9]+\)$" <<<"$output") ||
    fail "no replay line for run $k: $output"
  run env IPCLAB_BIN="$T/bin" "$PYTHON" "$ROOT/scripts/soak" --seed 5 --run "$k"
  assert_failure 1
  assert_line "$first"                  # the same scenario, the same plan
  assert_line "$replay"                 # and the same seed for it
}

@test "scripts/soak refuses bad usage with a message, exit 2" {
  run "$PYTHON" "$ROOT/scripts/soak" --runs 0
  assert_failure 2
  assert_output --partial "--runs '0': a whole number, 1 or more"
  run "$PYTHON" "$ROOT/scripts/soak" --lesson 99
  assert_failure 2
  assert_output --partial "no lesson '99' with scenarios"
  run env IPCLAB_BIN="$T" "$PYTHON" "$ROOT/scripts/soak" --runs 1
  assert_failure 2
  assert_output --partial "$T/ipclab: no ipclab there"
}
