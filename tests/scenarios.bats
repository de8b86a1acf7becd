#!/usr/bin/env bats
# Every scenario of every lesson runs headless to its end with every
# expectation held, says what it shows, and leaves nothing behind.
load helpers/common
load helpers/ipclab

# bats test_tags=demo
@test "every lesson scenario runs headless with all its expectations held" {
  local f n=0 bad=""
  for f in "$ROOT"/lessons/*/scenarios/*.lua; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    run "$IPCLAB" run "$f" --headless
    if [ "$status" -ne 0 ] || ! grep -Eq 'end: [1-9][0-9]* expectations?, 0 failed$' <<<"$output" ||
       ! grep -q '^ *[0-9.]* scenario ' <<<"$output" || ! grep -q '^ *[0-9.]* say ' <<<"$output"; then
      bad+="${f#$ROOT/} (exit $status):"$'\n'"$(grep -E 'FAILED|error|end:' <<<"$output")"$'\n'
    fi
  done
  [ "$n" -gt 0 ] || fail "no scenarios found under lessons/"
  [ -z "$bad" ] || fail "scenarios that did not hold:"$'\n'"$bad"
}

@test "ipclab list shows every lesson with its scenarios" {
  run "$IPCLAB" list
  assert_success
  local d
  for d in "$ROOT"/lessons/*/; do
    assert_output --partial "$(head -1 "$d/README.md" | sed 's/^# //')"
  done
  assert_output --partial "ipclab run lessons/01-pipes/scenarios/"
}
