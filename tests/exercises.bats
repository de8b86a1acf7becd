#!/usr/bin/env bats
# A student's exercises from the command line: ipclab progress, hint,
# solution and reset, on a copy of the kit that is a git checkout of its
# own (reset takes the skeleton from the last commit).
bats_require_minimum_version 1.5.0
# Many checks here grade an exercise several times (watch grades at each
# save): on a slow machine a minute is not enough. The bound only ends a
# test that would hang; it asserts no speed.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}
load helpers/common
load helpers/ipclab

setup() {
  common_setup
  K=$T/kit
  mkdir -p "$K/tests"
  cp -R "$ROOT/scripts" "$ROOT/python_peers" "$ROOT/demos" "$ROOT/lessons" "$K/"
  cp -R "$ROOT/tests/helpers" "$K/tests/"
  git -C "$K" init -q
  git -C "$K" add -A
  git -C "$K" -c user.name=t -c user.email=t@example.org commit -qm kit
  export IPCLAB_ROOT=$K
  EX=$K/lessons/01-pipes/exercises/02-safe-writer
  # Every lesson's exercises: the progress line counts them all.
  NEX=$(ls -d "$K"/lessons/*/exercises/*/ | wc -l)
}

teardown() {
  tmux_stop
  assert_nothing_left
}

@test "ipclab hint prints the exercise's HINT.md under its title; an exercise it does not have is named, status 3" {
  run "$IPCLAB" hint 01/02
  assert_success
  assert_line --index 0 "Exercise 02 · A writer that survives its reader (Python): a hint (lessons/01-pipes/exercises/02-safe-writer/HINT.md)"
  assert_output --partial "$(sed -n 3p "$EX/HINT.md")"
  run "$IPCLAB" hint pipes/safe-writer
  assert_success
  run "$IPCLAB" hint 01/09
  assert_failure 3
  assert_output "ipclab: hint 01/09: lesson 01-pipes has no exercise '09'; it has: 01-frame-reader 02-safe-writer 03-close-write-end"
  run "$IPCLAB" hint 99/01
  assert_failure 3
  assert_output "ipclab: hint 99/01: no lesson '99' (ipclab list shows them)"
  run "$IPCLAB" hint
  assert_failure 3
  assert_line --index 0 "ipclab: hint needs an exercise: LESSON/EXERCISE, as in 01/02"
}

@test "progress survives a restart and a second grading: not tried, failing n of m, done; the next one is the first not done; the solution opens only once it passes; a file put back since is no longer done" {
  run "$IPCLAB" progress
  assert_success
  assert_line --regexp '^  not tried +01/02  Exercise 02 · A writer that survives its reader \(Python\)$'
  assert_line --regexp "^0 of $NEX exercises done\\. Next: Exercise 01 · "
  run "$IPCLAB" solution 01/02
  assert_failure 1
  assert_output --partial "solution 01/02: not solved yet (never graded)"
  "$K/scripts/grade" 01/02 >/dev/null || true
  run "$IPCLAB" progress
  assert_line --regexp '^  [0-3] of 5 checks +01/02  Exercise 02 · '
  run "$IPCLAB" solution 01/02
  assert_failure 1
  assert_output --regexp 'not solved yet \([0-3] of 5 checks pass\): it opens once make grade LESSON=01/02 passes; a hint first: .*ipclab hint 01/02$'
  cp "$K/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" "$EX/"
  "$K/scripts/grade" 01/02 >/dev/null
  run "$IPCLAB" progress
  assert_line --regexp '^  done +01/02  Exercise 02 · '
  assert_line --regexp "^1 of $NEX exercises done\\. Next: Exercise 01 · Read whole frames from a pipe \\(C\\)\$"
  run "$IPCLAB" solution 01/02
  assert_success
  assert_line --index 0 "Exercise 02 · A writer that survives its reader (Python): the reference solution (lessons/01-pipes/solutions/02-safe-writer/safe_writer.py)"
  assert_output --partial "$(tail -1 "$K/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py")"
  # Put back to the skeleton by hand (not ipclab reset): the pass no longer
  # holds for this file; the solution stays open (it was solved).
  git -C "$K" checkout -q -- "$EX/safe_writer.py"
  run "$IPCLAB" progress
  assert_line --regexp '^  changed +01/02  Exercise 02 · .* \(it passed; the file has changed since: grade it again\)$'
  assert_line --regexp "^0 of $NEX exercises done\\. Next: Exercise 01 · "
  run "$IPCLAB" solution 01/02
  assert_success
}

@test "reset restores the skeleton byte for byte from the last commit, keeps the learner's version, and forgets the old result" {
  local skel
  skel=$(sha256sum <"$EX/safe_writer.py")
  echo "# my change" >>"$EX/safe_writer.py"
  local mine
  mine=$(sha256sum <"$EX/safe_writer.py")
  "$K/scripts/grade" 01/02 >/dev/null || true
  run "$IPCLAB" reset 01/02 --yes </dev/null
  assert_success
  assert_output --regexp "^lessons/01-pipes/exercises/02-safe-writer/safe_writer.py is the skeleton again \(from the checkout's last commit\)\. Your version: $T/state/ipclab/backups/01-pipes/02-safe-writer/safe_writer.py\.[0-9]{8}T[0-9]{6}Z$"
  assert_equal "$(sha256sum <"$EX/safe_writer.py")" "$skel"
  assert_equal "$(sha256sum <"${output##*Your version: }")" "$mine"
  run "$IPCLAB" progress
  assert_line --regexp '^  not tried +01/02  '
  run "$IPCLAB" reset 01/02 --yes
  assert_success
  assert_output "lessons/01-pipes/exercises/02-safe-writer/safe_writer.py is the skeleton already: nothing changed."
  # Two resets in one second: both versions kept, under two names.
  echo "# v1" >>"$EX/safe_writer.py"
  run "$IPCLAB" reset 01/02 --yes
  local v1=${output##*Your version: }
  echo "# v2" >>"$EX/safe_writer.py"
  run "$IPCLAB" reset 01/02 --yes
  local v2=${output##*Your version: }
  [ "$v1" != "$v2" ] || fail "both kept as $v1"
  assert_equal "$(tail -1 "$v1")$(tail -1 "$v2")" "# v1# v2"
  # A deleted file comes back; the list still names it.
  rm "$EX/safe_writer.py"
  run "$IPCLAB" list
  assert_line "      edit lessons/01-pipes/exercises/02-safe-writer/safe_writer.py"
  refute_output --partial "(steps"
  run "$IPCLAB" reset 01/02 --yes
  assert_success
  assert_output "lessons/01-pipes/exercises/02-safe-writer/safe_writer.py is back, the skeleton (from the checkout's last commit)."
  assert_equal "$(sha256sum <"$EX/safe_writer.py")" "$skel"
}

@test "reset asks first: without --yes and no terminal it refuses and changes nothing; at a terminal n keeps the file, y resets it" {
  echo "# my change" >>"$EX/safe_writer.py"
  local mine
  mine=$(sha256sum <"$EX/safe_writer.py")
  run "$IPCLAB" reset 01/02 </dev/null
  assert_failure 2
  assert_output "ipclab: reset 01/02: it replaces lessons/01-pipes/exercises/02-safe-writer/safe_writer.py: add --yes, or run it at a terminal to be asked"
  assert_equal "$(sha256sum <"$EX/safe_writer.py")" "$mine"
  [ -z "$(ls "$EX" | grep reset)" ] || fail "a temporary file left: $(ls "$EX")"
  tmux_start 80 24 "IPCLAB_ROOT=$K XDG_STATE_HOME=$XDG_STATE_HOME $IPCLAB reset 01/02"
  wait_for screen_has "[y/N]"
  keys n Enter
  wait_for pane_exited
  assert_equal "$(pane_status)" 1
  assert_equal "$(sha256sum <"$EX/safe_writer.py")" "$mine"
  tmux_stop
  tmux_start 80 24 "IPCLAB_ROOT=$K XDG_STATE_HOME=$XDG_STATE_HOME $IPCLAB reset 01/02"
  wait_for screen_has "[y/N]"
  keys y Enter
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
  assert_equal "$(sha256sum <"$EX/safe_writer.py")" "$(git -C "$K" show HEAD:lessons/01-pipes/exercises/02-safe-writer/safe_writer.py | sha256sum)"
}

@test "watch grades on every save, a plain write or a new file renamed over it; n and s open only once it passes; q leaves with 0" {
  tmux_start 80 24 "IPCLAB_ROOT=$K XDG_STATE_HOME=$XDG_STATE_HOME $IPCLAB watch 01/02"
  wait_for screen_has "FAILED: fix what it says and save"
  assert screen_has "- prints no traceback when the reader goes away"
  assert screen_has "+ writes every frame when the reader reads them all"
  keys n s                                  # not yet: nothing happens
  wait_for screen_has "(n and s open once it passes)"
  refute screen_has "01/03"
  refute screen_has "the reference solution"
  # A plain write of the solution: graded again, passes.
  cat "$K/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" >"$EX/safe_writer.py"
  wait_for screen_has "PASSED: n goes on to the next exercise"
  # An editor's save: a new file renamed over the old one (the skeleton).
  git -C "$K" show HEAD:lessons/01-pipes/exercises/02-safe-writer/safe_writer.py >"$EX/.safe_writer.py.swp"
  mv "$EX/.safe_writer.py.swp" "$EX/safe_writer.py"
  wait_for screen_has "FAILED: fix what it says and save"
  cp "$K/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" "$EX/new.tmp"
  mv "$EX/new.tmp" "$EX/safe_writer.py"
  wait_for screen_has "PASSED: n goes on to the next exercise"
  # Deleted: graded again (missing), not the last verdict left on screen.
  rm "$EX/safe_writer.py"
  wait_for screen_has "FAILED: fix what it says and save"
  cp "$K/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" "$EX/"
  wait_for screen_has "PASSED: n goes on to the next exercise"
  keys h
  wait_for screen_has "the hint (Up/Down scroll"
  keys x
  wait_for screen_has "PASSED: n goes on to the next exercise"
  keys s
  wait_for screen_has "the reference solution (Up/Down scroll"
  keys x
  wait_for screen_has "PASSED: n goes on to the next exercise"
  keys n
  wait_for screen_has "01/03  EOF needs every write end closed"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
  run "$IPCLAB" progress
  assert_line --regexp '^  done +01/02  '
}

@test "watch never stalls on a grading that prints a lot, and leaves no temporary folder behind" {
  export TMPDIR=$T/tmp
  mkdir -p "$TMPDIR"
  # A grading that prints 300 KB, well over a pipe's 64 KiB (the kit's
  # graders cap what they print, so a stand-in for scripts/grade does it).
  printf '#!/bin/sh\nyes "a line of what the grading printed" | head -c 300000\nexit 1\n' \
    >"$K/scripts/grade"
  tmux_start 80 24 "TMPDIR=$TMPDIR IPCLAB_ROOT=$K XDG_STATE_HOME=$XDG_STATE_HOME $IPCLAB watch 01/02"
  wait_for screen_has "FAILED: fix what it says and save"
  keys End
  wait_for screen_has "the rest is cut"
  keys r q                                  # q while the new grading runs
  wait_for pane_exited
  [ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
}

@test "watch scrolls to the end of a report whose long lines wrap: End shows its last line, Home its first" {
  # A stand-in for scripts/grade: 12 lines of 400 characters (wrapped, six
  # rows each at 80 columns: far more than a screen), then a last short one.
  printf '#!/bin/sh\necho "the first line"\nfor i in 1 2 3 4 5 6 7 8 9 10 11 12; do printf "%%0400d\\n" "$i"; done\necho "the last line"\nexit 1\n' \
    >"$K/scripts/grade"
  tmux_start 80 24 "IPCLAB_ROOT=$K XDG_STATE_HOME=$XDG_STATE_HOME $IPCLAB watch 01/02"
  wait_for screen_has "FAILED: fix what it says and save"
  assert screen_has "the first line"
  refute screen_has "the last line"
  keys End
  wait_for screen_has "the last line"
  refute screen_has "the first line"
  keys Home
  wait_for screen_has "the first line"
  keys q
  wait_for pane_exited
}

@test "watch needs a terminal and an exercise it knows: a clear message, status 3" {
  run "$IPCLAB" watch 01/02 </dev/null
  assert_failure 3
  assert_output "ipclab: watch 01/02: needs a terminal; without one: make grade LESSON=01/02"
  run "$IPCLAB" watch 01/99
  assert_failure 3
  assert_output --partial "ipclab: watch 01/99: lesson 01-pipes has no exercise '99'"
}

@test "the menu shows each exercise's state among the scenarios and how many are done; it opens on the first not done; enter watches it, q comes back" {
  cp "$K/lessons/01-pipes/solutions/01-frame-reader/frame_reader.c" "$K/lessons/01-pipes/exercises/01-frame-reader/"
  "$K/scripts/grade" 01/01 >/dev/null
  "$K/scripts/grade" 01/02 >/dev/null || true
  tmux_start 80 24 "IPCLAB_ROOT=$K XDG_STATE_HOME=$XDG_STATE_HOME NO_COLOR=1 $IPCLAB"
  wait_for screen_has "1 of $NEX exercises done"
  # At 80x24 the titles wrap in the right column: read it joined.
  joined() { screen | cut -c38- | tr '\n' ' ' | tr -s ' '; }
  has_done() { [[ $(joined) == *"[done] 01 · Read whole frames from a pipe (C)"* ]]; }
  wait_for has_done
  [[ $(joined) =~ \[[0-4]\ of\ 5\]\ 02\ ·\ A\ writer\ that\ survives ]] || fail "$(screen)"
  # Resumed on exercise 02: its file and what enter does are shown.
  [[ $(joined) == *"Edit safe_writer.py (exercises/02-safe-writer); enter grades it at each save"* ]] ||
    fail "$(screen)"
  keys Down Down                            # past exercise 02's own scenario
  has_03() { [[ $(joined) == *"[ ] 03 · EOF needs every write end closed"* ]]; }
  wait_for has_03
  keys Up Up
  wait_for bash -c 'tmux -S "$0" capture-pane -p | grep -q "Edit safe_writer.py"' "$TMUXS"
  keys Enter
  wait_for screen_has "ipclab watch  01/02"
  wait_for screen_has "FAILED: fix what it says and save"
  keys q
  wait_for screen_has "1 of $NEX exercises done"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

@test "an exercise's scenario runs the learner's own file: built in the run's folder, seen asleep in read(); the skeleton's faults are FAILED checks, the solution passes, and the end says the grader checks every case" {
  run "$IPCLAB" run 01/your-frame-reader --headless
  assert_failure 1
  assert_line --regexp '^ *[0-9.]+ expect ok: your frame_reader.c compiles with the kit.s flags$'
  assert_line --regexp '^ *[0-9.]+ state your reader sleeping in read\(fd 0 -> pipe:\[[0-9]+\], its input from ipclab\)$'
  # The skeleton takes 3 bytes of a header for a whole one: caught there.
  assert_line --regexp '^ *[0-9.]+ expect FAILED: after 3 header bytes it waits in read\(\) for the 4th, printing nothing$'
  assert_line --regexp '^ *[0-9.]+ expect FAILED: after 3 of 5 payload bytes it still waits'
  # Built where the run keeps its objects, never beside the learner's file.
  assert_line --regexp "^ *[0-9.]+ spawn cc pid [0-9]+ \\[program\\] cc .* -o yours-frame_reader$"
  [ -z "$(ls "$K/lessons/01-pipes/exercises/01-frame-reader" | grep -v -e '\.c$' -e '\.md$' -e '\.bats$')" ] ||
    fail "something was built beside the learner's file"
  cp "$K/lessons/01-pipes/solutions/01-frame-reader/frame_reader.c" "$K/lessons/01-pipes/exercises/01-frame-reader/"
  run "$IPCLAB" run 01/your-frame-reader --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ end: 7 expectations, 7 passed, 0 failed$'
  # Passing one run is not passing the exercise: the end says what does.
  assert_line --regexp '^ *[0-9.]+ say One case only: scripts/grade 01/01 -v checks them all\.$'
  # A file that does not compile: said, and the scenario stops there.
  echo 'this is not C' >>"$K/lessons/01-pipes/exercises/01-frame-reader/frame_reader.c"
  run "$IPCLAB" run 01/your-frame-reader --headless
  assert_failure 1
  assert_line --regexp '^ *[0-9.]+ expect FAILED: your frame_reader.c compiles with the kit.s flags$'
}

# your_scenario_both D FOLDER FILE SCENARIO OUT: the exercise's own scenario
# on the skeleton, then on the solution copied in, each run by the brief
# name ipclab list prints for it (NN/SCENARIO, in the kit IPCLAB_ROOT names): the
# two exit statuses to OUT.status, the transcripts to OUT.skeleton and
# OUT.solution. (scenarios.bats checks that list prints them so.)
your_scenario_both() {
  local rc=0 brief=${1%/}
  brief=${brief##*/}
  brief=${brief:0:2}/$4
  "$IPCLAB" run "$brief" --headless >"$5.skeleton" 2>&1 || rc=$?
  echo "$rc" >"$5.status"
  cp "$1/solutions/$2/$3" "$1/exercises/$2/$3"
  rc=0
  "$IPCLAB" run "$brief" --headless >"$5.solution" 2>&1 || rc=$?
  echo "$rc" >>"$5.status"
}

@test "every exercise's own scenario fails checks on the skeleton (no scenario error) and passes them all on the solution" {
  local d kind folder file run n=0 i names=() pids=()
  mkdir -p "$T/your"
  for d in "$K"/lessons/*/; do
    while read -r kind folder file run; do
      [ "$kind" = exercise ] && [[ $run == run=* ]] || continue
      n=$((n + 1))
      local lesson=${d%/}; lesson=${lesson##*/}
      names[n]=$lesson/$folder
      # Three exercises at a time: a scenario waits on its programs.
      at_most 3 "${pids[@]}"
      your_scenario_both "$d" "$folder" "$file" "${run#run=}" "$T/your/$n" </dev/null 3>&- &
      pids+=("$!")
    done < <(sed 's/#.*//' "$d/steps")
  done
  wait "${pids[@]}" || true
  for ((i = 1; i <= n; i++)); do
    [ "$(tr '\n' ' ' <"$T/your/$i.status")" = "1 0 " ] ||
      fail "${names[i]}: exit $(head -1 "$T/your/$i.status") on the skeleton, $(sed -n 2p "$T/your/$i.status") on the solution"$'\n'"$(cat "$T/your/$i.skeleton" "$T/your/$i.solution")"
    grep -q "expect FAILED: " "$T/your/$i.skeleton" || fail "${names[i]}: no FAILED check on the skeleton"$'\n'"$(cat "$T/your/$i.skeleton")"
  done
  [ "$n" -ge 3 ] || fail "only $n exercises have a scenario of their own"
}

@test "a C file that does not compile fails the compile check with the compiler's words; the checks that need the program are not run, not failed" {
  local src=$K/lessons/01-pipes/exercises/01-frame-reader/frame_reader.c n
  n=$(grep -c '^@test ' "${src%/*}/grade.bats")
  printf '\nint broken(void) { return }\n' >>"$src"
  run "$K/scripts/grade" 01/01 -v
  assert_failure 1
  assert_line --index 0 "FAIL 01-pipes/01-frame-reader (1 of $n checks failed, $((n - 1)) not run)"
  assert_line "       - frame_reader.c compiles with the kit's flags"
  assert_line --regexp "^ +.*frame_reader.c:[0-9]+:[0-9]+: error: "
  assert_line "       . an empty stream is a clean end: no frames, status 0 (not run: it does not compile)"
  [ "$(grep -c '^       \. .*(not run: it does not compile)$' <<<"$output")" -eq $((n - 1)) ]
  run "$IPCLAB" progress
  assert_line --regexp "^  0 of $n checks +01/01  "
  # For CI: the compile check's failure says the compiler's first error;
  # the others are skipped.
  "$K/scripts/grade" 01/01 --junit "$T/j.xml" >/dev/null || true
  run grep -c '<skipped' "$T/j.xml"
  assert_output "$((n - 1))"
  run grep -o 'message="[^"]*"' "$T/j.xml"
  assert_output --regexp '^message="it does not compile: .*frame_reader.c:[0-9]+:[0-9]+: error: '
}

@test "a grading ended by SIGTERM (watch does it at each save) leaves no process and nothing in /dev/shm" {
  local src=$K/lessons/08-shared-memory/exercises/01-counter-lock/locked_counter.c pid
  # A program that loops without end while it holds the segment open.
  cp "$K/lessons/08-shared-memory/solutions/01-counter-lock/locked_counter.c" "$src"
  sed -i 's/^    set_progname(argv\[0\]);/&\n    for (volatile int spin = 1; spin;) {}/' "$src"
  grep -q 'spin = 1' "$src"
  setsid "$K/scripts/grade" 08/01 >"$T/grade.out" 2>&1 </dev/null 3>&- &
  pid=$!
  wait_for compgen -G "/dev/shm/ipclab-g$pid-*-counter"
  wait_for pgrep -f "bin/locked_counter .*/ipclab-g$pid-"
  # As watch stops it: SIGTERM to the group, SIGKILL 1 s later (for what
  # ignores SIGTERM).
  kill -TERM -- "-$pid"
  wait_until 1 proc_gone "$pid" || true
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" || true
  run compgen -G "/dev/shm/*ipclab-g$pid-*"
  assert_output ""
  # kill(2) does not wait for a SIGKILLed process to finish dying (on a busy
  # machine its /proc entry stays a moment): given the time to end, every
  # process of the grading's is gone; one outside the group would stay.
  graders_gone() { ! grep -lqz "^IPCLAB_TESTID=$1-" /proc/[0-9]*/environ 2>/dev/null; }
  wait_for graders_gone "g$pid" ||
    fail "left running: $(grep -lz "^IPCLAB_TESTID=g$pid-" /proc/[0-9]*/environ 2>/dev/null |
                          sed 's|/environ$|/cmdline|' | xargs -r cat 2>/dev/null | tr '\0' ' ')"
}

@test "reset in a clone where the learner committed and pushed their work restores the kit's skeleton, not their commit" {
  local B=$T/origin.git C=$T/clone f skel
  git clone -q --bare "$K" "$B"
  git clone -q "$B" "$C"
  git -C "$C" config user.name s
  git -C "$C" config user.email s@example.org
  f=$C/lessons/01-pipes/exercises/02-safe-writer/safe_writer.py
  skel=$(sha256sum <"$f")
  echo "# my work" >>"$f"
  git -C "$C" commit -qam "my work"
  git -C "$C" push -q origin HEAD 2>/dev/null
  echo "# more" >>"$f"
  IPCLAB_ROOT=$C run "$IPCLAB" reset 01/02 --yes </dev/null
  assert_success
  assert_output --regexp "is the skeleton again \(from the last commit of it that is not yours: a commit of yours changed it\)\. Your version: "
  assert_equal "$(sha256sum <"$f")" "$skel"
  # Nothing of theirs committed: the last commit.
  echo "# mine" >>"$EX/safe_writer.py"
  run "$IPCLAB" reset 01/02 --yes </dev/null
  assert_output --regexp "\(from the checkout's last commit\)"
}

@test "JUnit stays valid XML, a testcase a check, when the learner's program prints control characters" {
  local n
  n=$(grep -c '^@test ' "$EX/grade.bats")
  printf 'import sys\nsys.stderr.write("\\x01\\x02\\x1b[31m\\x07\\xff\\n")\nsys.exit(3)\n' >"$EX/safe_writer.py"
  run "$K/scripts/grade" 01/02 --junit "$T/j.xml"
  assert_failure 1
  run "$PYTHON" -c 'import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
print(len(d.getElementsByTagName("testcase")), len(d.getElementsByTagName("error")))' "$T/j.xml"
  assert_output "$n 0"
  # For a person at a terminal, they are shown as ?, never obeyed.
  run "$K/scripts/grade" 01/02 -v
  assert_output --partial "??[31m?"
  [[ $output != *$'\e'* && $output != *$'\a'* ]] || fail "a control character reached the terminal"
}

@test "a progress file replaced by a folder or a symbolic link is never followed or filled: said once, nothing recorded; the state is private" {
  local state
  "$K/scripts/grade" 01/02 >/dev/null || true
  state=$(dirname "$(find "$T/state/ipclab" -name progress)")
  assert_equal "$(stat -c %a "$state") $(stat -c %a "$state/progress")" "700 600"
  echo "secret" >"$T/target"
  for kind in folder link; do
    rm -rf "$state/progress"
    if [ "$kind" = folder ]; then mkdir "$state/progress"; else ln -s "$T/target" "$state/progress"; fi
    run "$K/scripts/grade" 01/03
    assert_line "grade: $state/progress is not a regular file: progress not recorded"
    [ "$(grep -c 'not a regular file' <<<"$output")" -eq 1 ]
    assert_equal "$(ls -A "$state" | xargs)" "progress root"
    run "$IPCLAB" progress
    assert_line "ipclab: $state/progress is not a regular file: progress not read"
  done
  assert_equal "$(cat "$T/target")" "secret"
}

@test "a learner's program that signals its whole process group ends only its own grading: the caller goes on, the JUnit report says so, no bats folder is left" {
  "$PYTHON" - "$K/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" "$EX/safe_writer.py" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("def main(argv):\n", "def main(argv):\n    import signal\n    os.kill(0, signal.SIGTERM)\n", 1)
open(sys.argv[2], "w").write(s)
PY
  mkdir -p "$T/tmp"
  run setsid bash -c 'TMPDIR=$1 "$2" 01/02 --junit "$3"; echo "after: $?"' _ "$T/tmp" "$K/scripts/grade" "$T/j.xml"
  assert_success
  assert_line --index 0 "FAIL 01-pipes/02-safe-writer (no check finished; what bats said:)"
  assert_line "after: 1"
  run grep -o 'message="[^"]*"' "$T/j.xml"
  assert_output 'message="no check of grade.bats finished (bats was stopped: by a signal to its group?)"'
  assert_equal "$(ls -A "$T/tmp")" ""
}

# play_yours SCENARIO: ipclab run 02/SCENARIO --headless on the kit copy's
# exercise file as it is now; it must end with FAILED checks (status 1),
# never with a scenario error (status 2: a wait that timed out).
play_yours() {
  run "$IPCLAB" run "02/$1" --headless
  [ "$status" -eq 1 ] || fail "02/$1: exit $status, expected 1 (FAILED checks)"$'\n'"$output"
  refute_output --partial "scenario error"
}

@test "your-open-order on nodes that open the FIFO they read O_RDWR: they never see EOF, caught asleep in read(), told from the kernel's view, FAILED checks" {
  local f=$K/lessons/02-fifos/exercises/01-open-order/ping_node.c
  sed -i 's/rfd = open_fifo(role, rpath, O_RDONLY);/rfd = open_fifo(role, rpath, O_RDWR);/' "$f"
  grep -q 'O_RDWR);' "$f"
  play_yours your-open-order
  # Node b opened a-to-b at once (O_RDWR never waits) and sleeps on b-to-a.
  assert_line --regexp '^ *[0-9.]+ say Your node b is asleep in open\(\) of FIFO b-to-a for writing; '
  assert_line --regexp '^ *[0-9.]+ say Your node a is asleep in read\(\) of FIFO b-to-a; open on it: .*your node a fd [0-9]+ \(read-write\)\. It holds a write end of it itself'
  assert_line --regexp '^ *[0-9.]+ expect FAILED: both nodes ended: their opens met; instead they sleep in read\(\) for good: .*\(O_RDWR\) never sees EOF there$'
}

@test "your-safe-open on a sender that checks with stat() and S_ISFIFO only: FAILED at the link to our FIFO, the 0644 FIFO and (as root) nobody's FIFO, each caught asleep in open()" {
  local f=$K/lessons/02-fifos/exercises/03-safe-open/fifo_send.c
  sed -i 's|^     \* or one others may open, hands them to whoever reads it. \*/$|&\n    struct stat st;\n    if (stat(path, \&st) == -1)\n        die("stat %s", path);\n    if (!S_ISFIFO(st.st_mode))\n        fail(1, "%s: not a FIFO: refused", path);|' "$f"
  grep -q 'stat(path, &st)' "$f"
  play_yours your-safe-open
  assert_line --regexp "^ *[0-9.]+ expect ok: it refused the symbolic link to a file, status 1"
  assert_line --regexp "^ *[0-9.]+ expect FAILED: it refused the symbolic link to a FIFO of ours, status 1, .*; instead it is asleep in open\(\) of link-to-fifo for writing, waiting for a reader"
  assert_line --regexp "^ *[0-9.]+ expect FAILED: it refused the FIFO with mode 0644, status 1, .*; instead it is asleep in open\(\) of fifo-0644 for writing"
  if [ "$(id -u)" = 0 ]; then
    assert_line --regexp "^ *[0-9.]+ expect FAILED: it refused the FIFO of another user \(nobody\), status 1, naming the path and saying '$(id -u nobody)'; instead it is asleep in open\(\) of fifo-of-nobody"
  fi
  # Nothing left of the run, nobody's FIFO included (the run's clean-up
  # removes only what this user owns).
  assert_equal "$(ls -A "$XDG_RUNTIME_DIR/ipclab")" ""
}

@test "your-eof-spin narrates from the kernel's view: the solution's own write end is named as the writer left; a server that opens its write end first is caught asleep in open(), FAILED checks" {
  local ex=$K/lessons/02-fifos/exercises/02-eof-spin sol=$K/lessons/02-fifos/solutions/02-eof-spin
  cp "$sol/log_server.py" "$ex/"
  run "$IPCLAB" run 02/your-eof-spin --headless
  assert_success
  assert_line --regexp '^ *[0-9.]+ say The client has gone; the FIFO still has a writer: your server fd [0-9]+ \(write\)\. '
  refute_output --partial "no process has the FIFO open for writing"
  "$PYTHON" - "$sol/log_server.py" "$ex/log_server.py" <<'PY'
import sys
s = open(sys.argv[1]).read()
a = "    try:\n        rfd = os.open(fifo, os.O_RDONLY"
assert a in s
open(sys.argv[2], "w").write(s.replace(a, "    os.open(fifo, os.O_WRONLY | os.O_CLOEXEC)\n" + a, 1))
PY
  play_yours your-eof-spin
  assert_line --regexp '^ *[0-9.]+ say Your server is asleep in open\(\) of FIFO log for writing; open on it: nobody\.$'
  assert_line --regexp '^ *[0-9.]+ expect FAILED: your server printed the client.s two messages; instead it is asleep in open\(\) of FIFO log for writing, before its read end is open'
}
