#!/usr/bin/env bats
# The graders themselves: every exercise of every lesson (found by globbing
# lessons/*/exercises/*/) has its files, and its grade.bats FAILS on the
# skeleton as shipped and PASSES on the reference solution, through
# scripts/grade, the way learners and teachers run it.

# A whole lesson's graders run inside one check: give it time.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-900}
load helpers/common

GRADE=$ROOT/scripts/grade

# Every exercise folder, as scripts/grade names it: 01-pipes/01-frame-reader
all_exercises() {
  local d
  for d in "$ROOT"/lessons/*/exercises/*/; do
    d=${d%/}
    d=${d#"$ROOT"/lessons/}
    echo "${d/\/exercises\//\/}"
  done
}

@test "every exercise has a README.md, a HINT.md, a grade.bats, one file to edit and its solution" {
  local ex dir sol f files missing=""
  for ex in $(all_exercises); do
    dir=$ROOT/lessons/${ex%%/*}/exercises/${ex#*/}
    sol=$ROOT/lessons/${ex%%/*}/solutions/${ex#*/}
    for f in README.md HINT.md grade.bats; do
      [ -s "$dir/$f" ] || missing+="  $ex: no $f"$'\n'
    done
    files=$(cd "$dir" && ls -p | grep -v / | grep -vx -e README.md -e HINT.md -e grade.bats || true)
    if [ "$(wc -w <<<"$files")" -ne 1 ]; then
      missing+="  $ex: not one file to edit but: ${files:-none}"$'\n'
    elif [ ! -f "$sol/$files" ]; then
      missing+="  $ex: no solution ${sol#"$ROOT"/}/$files"$'\n'
    fi
  done
  [ -z "$missing" ] || fail "exercises not complete:"$'\n'"$missing"
}

@test "every exercise's grade test fails on its skeleton" {
  run "$GRADE" --skeletons
  echo "$output" >&2
  local ex
  for ex in $(all_exercises); do
    assert_line --regexp "^FAIL $ex \\([0-9]+ of [0-9]+ checks failed\\)\$"
  done
  refute_line --regexp "^PASS "
  assert_line --regexp "^0 of [0-9]+ exercises? pass\$"
  assert_equal "$status" 1
  refute_output --partial $'\e['           # no colour without a terminal
}

@test "every exercise's grade test passes on its reference solution" {
  run "$GRADE" --solutions
  echo "$output" >&2
  local ex n=0
  for ex in $(all_exercises); do
    assert_line "PASS $ex"
    n=$((n + 1))
  done
  refute_line --regexp "^FAIL "
  assert_line "$n of $n exercise$([ "$n" -eq 1 ] || echo s) pass"
  assert_equal "$status" 0
  refute_output --partial $'\e['
}

@test "scripts/grade names a lesson as 01, 1 or 01-pipes, and refuses one it does not have" {
  local l n
  for l in "$ROOT"/lessons/*/exercises; do
    l=${l%/exercises}; l=${l##*/}
    n=${l%%-*}
    run "$GRADE" "$l" --list
    assert_success
    local want=$output
    [ -n "$want" ]
    run "$GRADE" "$n" --list
    assert_output "$want"
    run "$GRADE" "$((10#$n))" --list
    assert_output "$want"
  done
  run "$GRADE" 99-nothing --list
  assert_equal "$status" 2
  assert_output --partial "no lesson '99-nothing'"
  run "$GRADE" --no-such-option
  assert_equal "$status" 2
}
