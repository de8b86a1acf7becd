#!/usr/bin/env bats
# Every scenario of every lesson runs headless to its end with every
# expectation held, says what it shows, and leaves nothing behind.
load helpers/common
load helpers/ipclab
bats_require_minimum_version 1.5.0

# listed_scenarios: the scenarios ipclab list prints a command for
# ("ipclab run 01/empty-pipe": 01/empty-pipe), one a line, the learner's own
# (your-*) left out. (list prints ipclab's path as it was called.)
listed_scenarios() {
  "$IPCLAB" list | sed -n 's/^  [^ ]* run \([^ ]*\).*/\1/p' | grep -v '/your-'
}

# play_all [--stepping] [IPCLAB OPTIONS...]: every lesson scenario, headless,
# by the name ipclab list prints for it (ipclab run 01/empty-pipe); fails
# naming each that did not hold, and
# each scenario file that list prints no command for. --stepping: only the
# scenarios that hold a process in step mode (spawn { ..., step = true }).
play_all() {
  local name f n=0 i bad="" stepping=0 played=" " names=() pids=()
  [ "${1-}" != --stepping ] || { stepping=1; shift; }
  cd "$ROOT"
  mkdir -p "$T/play"
  while read -r name; do
    f=$(ls -d lessons/"${name%%/*}"-*/scenarios/"${name#*/}".lua)
    played+="$f "
    [ "$stepping" = 0 ] || grep -q 'step *= *true' "$f" || continue
    n=$((n + 1))
    names[n]=$name
    # Three at a time: a scenario spends its time waiting on its programs.
    at_most 3 "${pids[@]}"
    { local rc=0
      "$IPCLAB" run "$name" --headless "$@" >"$T/play/$n.out" 2>&1 || rc=$?
      echo "$rc" >"$T/play/$n.status"; } </dev/null 3>&- &
    pids+=("$!")
  done < <(listed_scenarios)
  wait "${pids[@]}" || true          # (not bare wait: bats' time-out runs beside)
  for ((i = 1; i <= n; i++)); do
    name=${names[i]} status=$(<"$T/play/$i.status") output=$(<"$T/play/$i.out")
    if [ "$status" -ne 0 ] || ! grep -Eq 'end: [1-9][0-9]* expectations?, [0-9]+ passed, 0 failed$' <<<"$output" ||
       ! grep -q '^ *[0-9.]* scenario ' <<<"$output" || ! grep -q '^ *[0-9.]* say ' <<<"$output"; then
      bad+="$name (exit $status):"$'\n'"$(grep -E 'FAILED|error|end:' <<<"$output")"$'\n'
    fi
    # A read or write that slept, then runs a moment to copy, is no spin.
    ! grep -E 'busy-polling in (read|write)' <<<"$output" || bad+="$name: busy-polling"$'\n'
  done
  for f in lessons/*/scenarios/*.lua; do
    [[ ${f##*/} == your-* || $played == *" $f "* ]] || bad+="ipclab list prints no command for $f"$'\n'
  done
  [ "$n" -gt 0 ] || fail "no scenario played"
  [ -z "$bad" ] || fail "scenarios that did not hold:"$'\n'"$bad"
}

# Every scenario is played to its end by the tour (below: its status is 0
# only when every check of every scenario held); here each command ipclab
# list prints names a scenario file, and one runs as printed.
@test "ipclab list prints a command for every lesson scenario, naming its file; one runs as printed, headless, its expectations held" {
  local name f listed=" " bad=""
  cd "$ROOT"
  while read -r name; do
    f=$(ls -d lessons/"${name%%/*}"-*/scenarios/"${name#*/}".lua 2>/dev/null) ||
      { bad+="ipclab list prints $name: no such scenario file"$'\n'; continue; }
    listed+="$f "
  done < <(listed_scenarios)
  for f in lessons/*/scenarios/*.lua; do
    [[ ${f##*/} == your-* || $listed == *" $f "* ]] || bad+="ipclab list prints no command for $f"$'\n'
  done
  [ -z "$bad" ] || fail "$bad"
  run "$IPCLAB" run "$(listed_scenarios | tail -1)" --headless
  assert_success
  assert_output --regexp 'end: [1-9][0-9]* expectations?, [0-9]+ passed, 0 failed$'
}

# Each pause lasts 0.3 s, as when a teacher talks: a process held in step
# mode meanwhile must not fool step() (it once returned before the process
# moved, and the lost update failed on screen only).
@test "every scenario that holds a process in step mode holds at a teacher's pace too, and no blocking read or write is called busy-polling" {
  play_all --stepping --pace 0.3
}

# tests/hostile/scenarios: a lesson's programs facing a peer that plays
# random steps (docs/hostile-peers.md); the soak plays them under kills.
# bats test_tags=asan
@test "every hostile scenario holds under five seeds: the programs end with their own words, status 0 or 1, never a signal" {
  local f seed n=0 bad=""
  for f in "$ROOT"/tests/hostile/scenarios/*.lua; do
    n=$((n + 1))
    for seed in 1 2 3 4 5; do
      run "$IPCLAB" run "$f" --headless --seed "$seed"
      [ "$status" -eq 0 ] && grep -Eq 'end: [1-9][0-9]* expectations?, [0-9]+ passed, 0 failed$' <<<"$output" ||
        bad+="${f#$ROOT/} --seed $seed (exit $status):"$'\n'"$(grep -E 'FAILED|error|end:' <<<"$output")"$'\n'
    done
  done
  [ "$n" -gt 0 ] || fail "no scenarios under tests/hostile/scenarios/"
  [ -z "$bad" ] || fail "hostile scenarios that did not hold:"$'\n'"$bad"
}

# bats test_tags=asan
@test "ipclab list shows every lesson with its scenarios; list LESSON one lesson, named as tour names it; a lesson it does not have is refused, status 3" {
  run "$IPCLAB" list
  assert_success
  local d all=$output
  for d in "$ROOT"/lessons/*/; do
    assert_output --partial "$(head -1 "$d/README.md" | sed 's/^# //')"
  done
  assert_output --partial "ipclab run 01/empty-pipe"
  for d in 01 1 01-pipes pipes; do
    run "$IPCLAB" list "$d"
    assert_success
    # Lesson 01's part of the whole list, and nothing else.
    assert_output "$(awk '/^[^ ]/ { on = /^01 / } on' <<<"$all" | sed '$d')"
  done
  run --separate-stderr "$IPCLAB" list 99
  assert_equal "$status" 3
  assert_equal "$stderr" "ipclab: list 99: no such lesson (ipclab list shows them)"
}

@test "every exercise ipclab list prints works as printed from the kit's folder: its own scenario, its grade command, its file" {
  # (The other scenario commands are played as printed by "every lesson
  # scenario runs headless, by the command ipclab list prints".)
  cd "$ROOT"
  run "$IPCLAB" list
  local list=$output cmd n=0 arg f
  # Each learner's scenario is printed as .../ipclab run NN/your-NAME (as
  # ipclab was called), a scenario of lesson NN; tests/exercises.bats plays
  # each by that brief name, on the skeleton and on the solution.
  while read -r cmd; do
    n=$((n + 1))
    [[ $cmd =~ ^[^\ ]*ipclab\ run\ ([0-9]{2})/(your-[a-z0-9-]+)$ ]] ||
      fail "not as the other commands: $cmd"
    f=$(ls lessons/"${BASH_REMATCH[1]}"-*/scenarios/"${BASH_REMATCH[2]}".lua 2>/dev/null || true)
    [ -f "$f" ] || fail "printed, but no such scenario: $cmd"
  done < <(grep -oE '^  [^ ]+ run [^ ]+/your-[^ ]+' <<<"$list")
  [ "$n" -eq "$(ls lessons/*/scenarios/your-*.lua | wc -l)" ] || fail "$n of the learners' scenarios listed: $list"
  # Each exercise: its grade command names exactly it, its file exists.
  n=0
  while read -r arg; do
    n=$((n + 1))
    run scripts/grade "$arg" --list
    assert_success
    assert_equal "${#lines[@]}" 1
  done < <(sed -n 's/^  make grade LESSON=\([^ ]*\).*/\1/p' <<<"$list")
  [ "$n" -eq "$(ls -d lessons/*/exercises/*/ | wc -l)" ] || fail "$n exercises listed: $list"
  while read -r f; do
    [ -f "$f" ] || fail "ipclab list says to edit $f, which is not there"
  done < <(sed -n 's/^      edit //p' <<<"$list")
}

@test "every lesson's steps list each of its scenarios and exercises once, in files that exist: ipclab list reports no fault" {
  local d
  for d in "$ROOT"/lessons/*/; do
    [ -f "$d/steps" ] || fail "no steps file in $d"
    assert_equal "$(sed 's/#.*//' "$d/steps" | awk '$1 == "scenario" {print $2 ".lua"}
                      $1 == "exercise" && $4 ~ /^run=/ {print substr($4, 5) ".lua"}' | sort)" \
                 "$(cd "$d/scenarios" && ls *.lua | sort)"
    assert_equal "$(sed 's/#.*//' "$d/steps" | awk '$1 == "exercise" {print $2}' | sort)" \
                 "$(cd "$d/exercises" && ls | sort)"
  done
  run "$IPCLAB" list
  assert_success
  refute_output --partial "steps"
}

@test "a steps file that leaves a scenario out or names a file that is not there is reported, and what the folders hold still shows" {
  local r=$T/root
  mkdir -p "$r/lessons"
  cp -R "$ROOT/lessons/01-pipes" "$r/lessons/"
  # (A learner's file deleted is no fault of the list: reset brings it back.
  # A folder that is not there is.)
  sed -i '/^scenario sigpipe/d; s/^exercise 02-safe-writer .*/exercise 09-nothere nothere.py/' "$r/lessons/01-pipes/steps"
  run env IPCLAB_ROOT="$r" "$IPCLAB" list
  assert_success
  assert_line "  (steps:12: no file exercises/09-nothere/nothere.py)"
  assert_output --partial "run 01/sigpipe"
  assert_output --partial "Exercise 02 · A writer that survives its reader"
  sed -i '/nothere/d' "$r/lessons/01-pipes/steps"
  run env IPCLAB_ROOT="$r" "$IPCLAB" list
  assert_line "  (steps: scenarios/sigpipe.lua is not listed)"
  echo 'scenario' >>"$r/lessons/01-pipes/steps"
  run env IPCLAB_ROOT="$r" "$IPCLAB" list
  assert_line "  (steps:13: not a step: scenario (scenario NAME, or exercise FOLDER FILE [run=NAME]))"
}

@test "every ipclab command in the READMEs and slides works as printed from the kit's folder" {
  cd "$ROOT"
  local cmd n=0 listed
  # A command ipclab list prints is played as printed by the tests above
  # (the learners' own scenarios too).
  listed=" $("$IPCLAB" list | sed -n 's/^  [^ ]* run \([^ ]*\).*/\1/p' | tr '\n' ' ')"
  while read -r cmd; do
    n=$((n + 1))
    [[ $listed != *" ${cmd##* } "* ]] || continue
    run ${cmd/build\/bin\/ipclab/$IPCLAB} --headless
    # your-*: the learner's own file, its checks may fail (1) on a skeleton.
    [ "$status" -eq 0 ] || { [[ $cmd == */your-* ]] && [ "$status" -eq 1 ]; } ||
      fail "printed, but fails (exit $status): $cmd"$'\n'"$output"
  done < <(grep -ohE 'build/bin/ipclab run [0-9]{2}/[a-z0-9-]+' README.md lessons/*/README.md slides/*.md | sort -u)
  [ "$n" -gt 5 ] || fail "only $n commands found"
}

@test "a scenario named briefly: LESSON/NAME by lesson number, folder or topic, with or without .lua; a wrong one is named with the lesson's scenarios, status 3" {
  local b
  for b in 01/empty-pipe 1/empty-pipe 01-pipes/empty-pipe pipes/empty-pipe.lua; do
    run "$IPCLAB" run "$b" --headless
    assert_success
    assert_line --regexp '^ *[0-9.]+ scenario The reader sleeps on an empty pipe$'
  done
  run "$IPCLAB" run 99/empty-pipe --headless
  assert_failure 3
  assert_output "ipclab: 99/empty-pipe: no lesson '99' (ipclab list shows them)"
  local all
  all=$(cd lessons/01-pipes/scenarios && ls *.lua | sed 's/\.lua$//' | sort | tr '\n' ' ')
  run "$IPCLAB" run 01/nope --headless
  assert_failure 3
  assert_output --regexp "^ipclab: 01/nope: lesson 01-pipes has no scenario 'nope'; it has: [a-z0-9, -]+; for example: .*ipclab run 01/[a-z0-9-]+$"
  assert_equal "$(echo "${output#*it has: }" | sed 's/; for example.*//' | tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')" "$all"
  run ${output##*for example: } --headless
  assert_success
  # A lesson alone: its scenarios, and a command that works as printed.
  run "$IPCLAB" run 01 --headless
  assert_failure 3
  assert_equal "$(echo "${output#*its scenarios: }" | sed 's/; for example.*//' | tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')" "$all"
  local cmd=${output##*for example: }
  run $cmd --headless
  assert_success
}

# (On the normal build only: on the sanitizer build the seeded soak,
# tests/soak.bats, plays 30 runs drawn from every scenario, and the tour's
# own code runs in the next test.)
@test "ipclab tour tells every lesson in text, in the order of its steps: its title, each scenario's title, what was said, each check" {
  run "$IPCLAB" tour
  assert_success
  # Each line looked for with grep, not assert_line: assert_line walks the
  # tour's 1500 lines in bash for each of 70 titles (20 s on a busy machine).
  local d f t wrong=
  for d in "$ROOT"/lessons/*/; do
    t=$(head -1 "$d/README.md" | sed 's/^# //')
    grep -Fxq -- "$t" <<<"$output" || wrong+="lesson not told: $t"$'\n'
    for f in "$d"/scenarios/*.lua; do
      [ -e "$f" ] || continue                   # a lesson with no scenarios yet
      t=$(sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$f" | head -1)
      if [[ ${f##*/} == your-* ]]; then       # the learner's own file: not told
        ! grep -Fxq -- "  * $t" <<<"$output" || wrong+="told, but the learner's own: $t"$'\n'
      else
        grep -Fxq -- "  * $t" <<<"$output" || wrong+="scenario not told: $t"$'\n'
      fi
    done
  done
  [ -z "$wrong" ] || fail "$wrong"
  assert_line --regexp '^      \[ok\] '
  # Every scenario told was played to its end, each with checks, none
  # failed (the status above says so too); no blocking read or write was
  # shown as busy-polling (one that slept, then runs a moment to copy).
  local told tallies
  told=$(grep -c '^  \* ' <<<"$output")
  tallies=$(grep -Ec '^      = [1-9][0-9]* expectations?, [0-9]+ passed, 0 failed$' <<<"$output")
  assert_equal "$tallies" "$told"
  ! tr -s ' \n' '  ' <<<"$output" | grep -Eo '.{0,60}busy-polling in (read|write).{0,20}' ||
    fail "a blocking call shown as busy-polling (above)"
  refute_output --partial "Press space"          # a pause's words are the screen's
  refute_output --regexp '[0-9]+\.[0-9]{3} (trace|note|spawn) '
  # Lesson 01's scenarios come in the order its steps file lists them.
  local want got
  want=$(sed -n 's/^scenario  *\([a-z0-9-]*\).*/\1/p' "$ROOT/lessons/01-pipes/steps" |
         while read -r b; do sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$ROOT/lessons/01-pipes/scenarios/$b.lua" | head -1; done)
  got=$(awk '/^[0-9][0-9] /{in01 = /^01 /} in01' <<<"$output" | sed -n 's/^  \* //p')
  assert_equal "$got" "$want"
}

# bats test_tags=asan
@test "ipclab tour 08 tells lesson 08 alone, a step-mode hold as a hold; a lesson it does not have is refused, status 3" {
  run "$IPCLAB" tour 08
  assert_success
  # ipclab's step pipe is no kernel fact about the lesson: said as a hold.
  assert_line --regexp '^        kernel: C held in step mode, before its next traced call$'
  refute_output --partial "(held in step mode)"
  assert_line "$(head -1 "$ROOT/lessons/08-shared-memory/README.md" | sed 's/^# //')"
  refute_line "$(head -1 "$ROOT/lessons/01-pipes/README.md" | sed 's/^# //')"
  run "$IPCLAB" tour 99
  assert_failure 3
  assert_output "ipclab: tour 99: no such lesson (ipclab list shows them)"
}

@test "the tour tells a scenario that does not load, or has to be stopped hard, under its file name, and goes on to the next lesson" {
  local r=$T/root
  mkdir -p "$r/lessons"
  cp -R "$ROOT/lessons/01-pipes" "$ROOT/lessons/08-shared-memory" "$r/lessons/"
  ln -s "$PEERS" "$r/python_peers"
  rm "$r"/lessons/01-pipes/scenarios/*.lua
  printf 'scenario { title = "broken"\nsay("x"\n' >"$r/lessons/01-pipes/scenarios/zz-broken.lua"
  # Backtracking string.find: Lua's hooks do not stop it; the watchdog must.
  printf 'scenario { title = "A run-away search" }\nsay("before")\nstring.find(string.rep("a", 40), string.rep("a?", 40) .. string.rep("a", 40) .. "c")\n' \
    >"$r/lessons/01-pipes/scenarios/zz-slow.lua"
  printf '# 01-pipes\nbuild/bin/ipclab run 01/zz-broken\nbuild/bin/ipclab run 01/zz-slow\n' >"$r/lessons/01-pipes/README.md"
  run env IPCLAB_ROOT="$r" "$IPCLAB" tour
  assert_failure 2
  assert_line "  * zz-broken.lua"
  assert_line --regexp "^      ERROR .*zz-broken.lua:2: "
  assert_line "  * A run-away search"
  assert_line --regexp "^      ERROR .*zz-slow.lua:3: the scenario ran more than 5 s without waiting"
  assert_line "      = scenario error"
  # Lesson 08 is told after it, whole.
  assert_line "$(head -1 "$ROOT/lessons/08-shared-memory/README.md" | sed 's/^# //')"
  assert_equal "$(grep -c '^      = .* expectations, .* passed, 0 failed$' <<<"$output")" \
    "$(ls "$ROOT"/lessons/08-shared-memory/scenarios/*.lua | grep -vc '/your-')"
}

@test "a check is told after what it relied on: the writer asleep and the pipe full come before the checks that say so" {
  run "$IPCLAB" run 01/full-pipe --headless
  assert_success
  local asleep full c1 c2
  asleep=$(grep -n ' state writer sleeping in write(fd 1 -> pipe:' <<<"$output" | head -1 | cut -d: -f1)
  full=$(grep -n ' channel pipe 65536/65536 bytes$' <<<"$output" | head -1 | cut -d: -f1)
  c1=$(grep -n ' expect ok: the writer sleeps in write() on its stdout$' <<<"$output" | cut -d: -f1)
  c2=$(grep -n ' expect ok: full: the pipe holds all it can$' <<<"$output" | cut -d: -f1)
  [ -n "$asleep" ] && [ -n "$full" ] && [ -n "$c1" ] && [ -n "$c2" ] || fail "$output"
  [ "$asleep" -lt "$c1" ] || fail "the check (line $c1) before the state it saw (line $asleep)"
  [ "$full" -lt "$c2" ] || fail "the check (line $c2) before the level it saw (line $full)"
}

@test "make run without a terminal prints the tour of the kit's lessons, status 0" {
  # A kit of one lesson with one scenario (the whole tour is told by the
  # test above): make run finds the lessons the way ipclab does.
  local r=$T/root
  mkdir -p "$r/lessons/01-pipes/scenarios"
  cp "$ROOT/lessons/01-pipes/README.md" "$r/lessons/01-pipes/"
  cp "$ROOT/lessons/01-pipes/scenarios/empty-pipe.lua" "$r/lessons/01-pipes/scenarios/"
  echo 'scenario empty-pipe' >"$r/lessons/01-pipes/steps"
  ln -s "$PEERS" "$r/python_peers"
  cd "$ROOT"
  # On make's command line: the Makefile's own IPCLAB_ROOT (the checkout)
  # would win over the environment's, and the tour be the whole kit's.
  run bash -c 'make -s run IPCLAB_BIN= IPCLAB_ROOT="$0" </dev/null 2>&1' "$r"
  assert_success
  refute_output --partial "02 · "                # its one lesson, not the checkout's
  assert_line "$(head -1 "$ROOT/lessons/01-pipes/README.md" | sed 's/^# //')"
  assert_line "  * $(sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$ROOT/lessons/01-pipes/scenarios/empty-pipe.lua" | head -1)"
  assert_line --regexp '^      = [0-9]+ expectations, [0-9]+ passed, 0 failed$'
}
