#!/usr/bin/env bats
# The graders themselves: every exercise of every lesson (found by globbing
# lessons/*/exercises/*/) has its files, and its grade.bats FAILS on the
# skeleton as shipped and PASSES on the reference solution, through
# scripts/grade, the way learners and teachers run it.

# A whole lesson's graders run inside one check: give it time.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-900}
load helpers/common
bats_require_minimum_version 1.5.0

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

# skeleton_grading tap|people: scripts/grade --skeletons over every lesson,
# run once for the whole file (three tests read it; grading every skeleton
# is the suite's dearest step): -v for the why, with --junit, --csv and
# --tap beside. Sets status, and output and lines to the TAP on standard
# output (tap) or the lines for people on standard error (people); the
# reports are $SK/j.xml and $SK/c.csv.
skeleton_grading() {
  SK=$BATS_FILE_TMPDIR/skeletons
  (
    flock 9
    if [ ! -s "$SK/status" ]; then
      mkdir -p "$SK"
      local rc=0
      "$GRADE" --skeletons -v --junit "$SK/j.xml" --csv "$SK/c.csv" --tap \
        >"$SK/tap" 2>"$SK/people" </dev/null 3>&- || rc=$?
      echo "$rc" >"$SK/status"
    fi
  ) 9>"$BATS_FILE_TMPDIR/skeletons.lock"
  status=$(<"$SK/status")
  output=$(<"$SK/$1")
  mapfile -t lines <<<"$output"
}

@test "every exercise's grade test fails on its skeleton" {
  skeleton_grading people
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

@test "scripts/grade names a lesson as 01, 1, 01-pipes or pipes, an exercise also by its path, and refuses one it does not have" {
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
    run "$GRADE" "${l#*-}" --list
    assert_output "$want"
  done
  # An exercise as ipclab names it, or by its path (tab completion).
  local one=lessons/01-pipes/exercises/02-safe-writer/README.md
  for l in 01/02 pipes/safe-writer 01-pipes/02-safe-writer lessons/01-pipes/exercises/02-safe-writer \
           lessons/01-pipes/exercises/02-safe-writer/safe_writer.py; do
    run "$GRADE" "$l" --list
    assert_output "$one"
  done
  run "$GRADE" 99-nothing --list
  assert_equal "$status" 2
  assert_output --partial "no lesson '99-nothing'"
  # A number too big for the shell's arithmetic is no lesson, not lesson 1.
  run "$GRADE" 18446744073709551617 --list
  assert_equal "$status" 2
  # What the user typed comes back cut short and without control characters.
  run "$GRADE" "$(printf '\e[31m%03000d' 0)" --list
  assert_equal "$status" 2
  assert_output --regexp "^grade: no lesson '\?\[31m0{52}\.\.\.' with exercises"
  run "$GRADE" 01/03 --junit "$T"
  assert_equal "$status" 2
  assert_output "grade: --junit $T: a folder, not a file name"
  run "$GRADE" 01/03 --junit "$T/r" --csv "$T/./r"
  assert_equal "$status" 2
  assert_output "grade: --junit and --csv name the same file, $T/r"
  run "$GRADE" ""
  assert_equal "$status" 2
  assert_line --index 0 "grade: an empty name is no lesson"
  run "$GRADE" --no-such-option
  assert_equal "$status" 2
}

@test "scripts/grade takes the exercises in the order of the lesson's steps file" {
  local k=$T/kit
  mkdir -p "$k/lessons"
  cp -R "$ROOT/scripts" "$k/"
  cp -R "$ROOT/lessons/01-pipes" "$k/lessons/"
  run "$k/scripts/grade" 01 --list
  assert_output "$(printf 'lessons/01-pipes/exercises/%s/README.md\n' 01-frame-reader 02-safe-writer 03-close-write-end)"
  sed -i '/^exercise 01-frame-reader/d' "$k/lessons/01-pipes/steps"
  echo 'exercise 01-frame-reader frame_reader.c' >>"$k/lessons/01-pipes/steps"
  run "$k/scripts/grade" 01 --list
  assert_output "$(printf 'lessons/01-pipes/exercises/%s/README.md\n' 02-safe-writer 03-close-write-end 01-frame-reader)"
}

@test "--junit FILE is valid XML, a testsuite an exercise named after it, a testcase a check; --csv and --tap say the same" {
  local checks n
  checks=$(cat "$ROOT"/lessons/*/exercises/*/grade.bats | grep -c '^@test ')
  n=$(all_exercises | wc -l)
  skeleton_grading tap
  assert_equal "$status" 1
  # Standard output is TAP alone: an exercise a test, all failing here.
  assert_line --index 0 "1..$n"
  assert_line --index 1 --regexp '^not ok 1 01-pipes/01-frame-reader # [0-9]+ of [0-9]+ checks passed$'
  assert_equal "$(grep -c '^not ok ' <<<"$output")" "$n"
  refute_output --partial "FAIL "
  [[ $(<"$SK/people") == *"FAIL 01-pipes/01-frame-reader"* ]] || fail "people's lines not on stderr"
  "$PYTHON" - "$SK/j.xml" "$checks" $(all_exercises) <<'PY'
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
suites = [s.getAttribute("name") for s in d.getElementsByTagName("testsuite")]
assert suites == sys.argv[3:], suites
cases = d.getElementsByTagName("testcase")
assert len(cases) == int(sys.argv[2]), (len(cases), sys.argv[2])
failures = d.getElementsByTagName("failure")
assert failures, "no failure on a skeleton"
for f in failures:
    # A one-line verdict CI shows, and the why without bats' plumbing.
    text = "".join(n.data for n in f.childNodes)
    assert f.getAttribute("message"), ("no message=", text)
    assert "in test file" not in text and "' failed" not in text, text
messages = [f.getAttribute("message") for f in failures]
assert "what it printed: expected 2 lines; found 3 lines" in messages, messages
PY
  assert_equal "$(head -1 "$SK/c.csv")" "lesson,exercise,passed,total,status,seconds"
  assert_equal "$(sed 1d "$SK/c.csv" | cut -d, -f1,2,5 | tr '\n' ' ')" \
    "$(all_exercises | sed 's|/|,|; s|$|,fail|' | tr '\n' ' ')"
  assert_equal "$(sed 1d "$SK/c.csv" | awk -F, '{ n += $4 } END { print n }')" "$checks"
  run "$GRADE" 01 --junit
  assert_failure 2
  assert_output --partial "--junit needs a file name"
  run "$GRADE" 01 --junit --tap             # an option is no file name
  assert_failure 2
  assert_output --partial "--junit needs a file name"
  run "$GRADE" 01 --csv "$T/nodir/c.csv"
  assert_failure 2
  assert_output "grade: --csv $T/nodir/c.csv: no folder $T/nodir"
}

@test "grading your own files records each result per checkout, the latest one an exercise; solutions and skeletons are not recorded, and no graded file changes" {
  export XDG_STATE_HOME=$T/state
  local k=$T/kit
  mkdir -p "$k/lessons" "$k/tests"
  cp -R "$ROOT/scripts" "$ROOT/python_peers" "$ROOT/demos" "$k/"
  cp -R "$ROOT/tests/helpers" "$k/tests/"
  cp -R "$ROOT/lessons/01-pipes" "$k/lessons/"
  local sum
  sum=$(cd "$k/lessons" && find . -type f -exec sha256sum {} + | sort)
  run "$k/scripts/grade" 01/02
  assert_failure 1
  local f
  f=$(echo "$T"/state/ipclab/*/progress)
  [ -f "$f" ] || fail "no progress file under $T/state/ipclab"
  assert_equal "$(cat "$(dirname "$f")/root")" "$k"
  run cat "$f"
  assert_output --regexp '^01-pipes/02-safe-writer fail [0-9]+ 5 [0-9T:-]+Z [0-9]+:[0-9]+\.[0-9]{9}$'
  # Solved: the same line says so, once.
  cp "$k/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" "$k/lessons/01-pipes/exercises/02-safe-writer/"
  run "$k/scripts/grade" 01/02
  assert_success
  run cat "$f"
  assert_output --regexp '^01-pipes/02-safe-writer pass 5 5 [0-9T:-]+Z [0-9]+:[0-9]+\.[0-9]{9}$'
  # The stamp is the graded file's size and modification time, in ns.
  assert_equal "${output##* }" "$(stat -c '%s:%.9Y' "$k/lessons/01-pipes/exercises/02-safe-writer/safe_writer.py")"
  assert_equal "${#lines[@]}" 1
  # A stray NUL byte in the file costs no other exercise's line.
  printf '01-pipes/01-frame-reader pass 9 9 2026-01-01T00:00:00Z\n\0garbage\n' >>"$f"
  run "$k/scripts/grade" 01/02
  assert_success
  run grep -ac '^01-pipes/01-frame-reader pass 9 9 ' "$f"
  assert_output 1
  grep -av '^01-pipes/01-' "$f" >"$f.new" && mv "$f.new" "$f"
  sed -i '/garbage/d' "$f"
  # Solutions and skeletons are the kit's, not the learner's: not recorded.
  "$k/scripts/grade" 01/03 --solutions >/dev/null
  "$k/scripts/grade" 01/01 --skeletons >/dev/null || true
  assert_equal "$(wc -l <"$f")" 1
  # Grading changed no file it graded (the one copied in aside).
  cp "$ROOT/lessons/01-pipes/exercises/02-safe-writer/safe_writer.py" "$k/lessons/01-pipes/exercises/02-safe-writer/"
  assert_equal "$(cd "$k/lessons" && find . -type f -exec sha256sum {} + | sort)" "$sum"
}

# grade_folder EXERCISE DIR: EXERCISE's grade.bats (01-pipes/exercises/03-...)
# on the files in DIR, the way scripts/grade runs it (bats' own variables
# from this run unset); bounded, so that a grader that hangs fails here.
grade_folder() {
  local v unset=()
  for v in $(compgen -v BATS_); do
    [ "$v" = BATS_LIB_PATH ] || unset+=(-u "$v")
  done
  run env "${unset[@]}" EXERCISE_DIR="$2" timeout 200 \
    bats --formatter tap ${3:+-f "$3"} "$ROOT/lessons/$1/grade.bats" </dev/null 3>&-
  echo "$output" >&2
}

# python_exercises: the exercises whose file to edit is a Python program.
python_exercises() {
  local ex
  for ex in $(all_exercises); do
    [[ $(ls "$ROOT/lessons/${ex%%/*}/solutions/${ex#*/}") != *.py ]] || echo "$ex"
  done
}

# grade_each PREPARE CHECK [LIST]: grade_folder of every exercise (those
# the function LIST prints, if given) on the folder that the function
# PREPARE EX makes and prints, two exercises at a time (a grading
# spends most of its time waiting on its programs, and the sweeps below
# grow with every exercise); then, for each in order, sets output and
# lines to what its grading said and calls the function CHECK EX.
grade_each() {
  local ex dir pids=() n=0 list=${3:-all_exercises}
  mkdir -p "$T/graded"
  for ex in $("$list"); do
    n=$((n + 1))
    dir=$("$1" "$ex")
    ( grade_folder "${ex%%/*}/exercises/${ex#*/}" "$dir" 2>/dev/null
      printf '%s\n' "$output" >"$T/graded/$n" ) 3>&- &
    pids+=("$!")
    at_most 2 "${pids[@]}"
  done
  at_most 1 "${pids[@]}"
  n=0
  for ex in $("$list"); do
    n=$((n + 1))
    [ -s "$T/graded/$n" ] || fail "$ex: no grading output"
    output=$(<"$T/graded/$n")
    mapfile -t lines <<<"$output"
    echo "$output" >&2
    "$2" "$ex"
  done
}

# passes_of EX: the checks of grade_folder's last run that passed (not the
# skipped ones: not run is no pass), each after "EX: ".
passes_of() { grep '^ok ' <<<"$output" | grep -v ' # skip' | sed "s|^|$1: |"; }

# skipped_badly EX: the checks of grade_folder's last run that were skipped
# but failed all the same (a check that started a process before asking
# for the program, which then stayed behind), each after "EX: ".
skipped_badly() { grep -E '^not ok [0-9]+ .*# skip|left behind' <<<"$output" | sed "s|^|$1: |"; }

# patched SRC DIR PYTHON-CODE: copy SRC into DIR, changed by PYTHON-CODE,
# which edits the string s (the file's text).
patched() {
  mkdir -p "$2"
  "$PYTHON" -c 'import sys
s = open(sys.argv[1]).read()
exec(sys.argv[3])
open(sys.argv[2] + "/" + sys.argv[1].rsplit("/", 1)[1], "w").write(s)' "$1" "$2" "$3"
}

# left_and_killed WHAT: every check that ran the program failed naming a
# process it left running (pid and a command matching WHAT), and none of
# those is left now.
left_and_killed() {
  local p
  [ "$status" -ne 124 ] || fail "the grader hung: stopped after 200 s"
  # Only "X compiles with the kit's flags" may pass.
  assert_equal "$(grep '^ok ' <<<"$output" | grep -v ' compiles with ')" ""
  assert_line --regexp '^# once the program had ended, 1 process it started still ran \(the grader killed them\):$'
  assert_line --regexp "^#   pid [0-9]+: .*$1"
  for p in $(sed -n 's/^#   pid \([0-9]*\): .*/\1/p' <<<"$output"); do
    proc_gone "$p" || fail "pid $p is still there: $(ps -o args= -p "$p")"
  done
  assert_equal "$(pgrep -f "$T/" | xargs)" ""
}

@test "a grading check whose program leaves a process running fails at once, naming it, and kills it" {
  local sol=$ROOT/lessons/01-pipes/solutions
  # 03: the child forks a grandchild that keeps the pipe's write end: the
  # parent waits for EOF for ever.
  patched "$sol/03-close-write-end/parent_reader.py" "$T/held" '
s = s.replace("def child(w, count):\n", "def child(w, count):\n    if os.fork() == 0:\n        import time\n        time.sleep(3600)\n        os._exit(0)\n", 1)'
  grade_folder 01-pipes/exercises/03-close-write-end "$T/held"
  left_and_killed "$T/held"
  assert_line --regexp "^#   pid [0-9]+: .*$T/held/parent_reader.py -n [0-9] \\(fd [0-9]+\\)$"

  # 03: a grandchild that holds nothing, left running after a clean end.
  patched "$sol/03-close-write-end/parent_reader.py" "$T/orphan" '
s = s.replace("        os.close(r)           # the child only writes\n", "        os.close(r)\n        if os.fork() == 0:\n            os.close(w)\n            import time\n            time.sleep(3600)\n            os._exit(0)\n", 1)'
  grade_folder 01-pipes/exercises/03-close-write-end "$T/orphan"
  left_and_killed "$T/orphan"

  # 02: a child that holds the writer's stdout.
  patched "$sol/02-safe-writer/safe_writer.py" "$T/stdout" '
s = s.replace("    sent = 0\n", "    import subprocess\n    subprocess.Popen([sys.executable, \"-c\", \"import time; time.sleep(3600)\", __file__])\n    sent = 0\n", 1)'
  grade_folder 01-pipes/exercises/02-safe-writer "$T/stdout"
  left_and_killed "import time; time.sleep\\(3600\\) $T/stdout/safe_writer.py"

  # 01 (C): a child that holds the reader's stdin, the grader's pipe.
  patched "$sol/01-frame-reader/frame_reader.c" "$T/stdin" '
s = s.replace("    set_progname(argv[0]);\n", "    set_progname(argv[0]);\n    if (fork() == 0) {\n        sleep(3600);\n        _exit(0);\n    }\n", 1)'
  grade_folder 01-pipes/exercises/01-frame-reader "$T/stdin"
  left_and_killed "bin/frame_reader"
  assert_line --regexp "^ok 1 frame_reader.c compiles"
}

@test "a grader's failing check says in words what it looked at, what it expected and what it found" {
  # The skeletons as shipped: every failing check speaks through
  # grading.bash's expect_* (every number named), never with bats-assert's
  # bare "expected : 4 36 0 0 / actual : 4 36 0 4".
  skeleton_grading people
  assert_line --regexp "^ +the ring's header after the run: expected slots 4, slot size 36, head 0, tail 0; found slots 4, slot size 36, head 0, tail 4$"
  assert_line --regexp "^ +the counter after three increments each \(from 0\): expected 6; found 3$"
  assert_line --regexp "^ +its message on stderr \(the length\): expected the number -5; found frame_reader: "
  assert_line --regexp "^ +what it said on stderr: expected nothing matching 'Traceback\|Exception\|Error'; found \([0-9]+ lines\):$"
  refute_output --partial "values do not equal"
  refute_output --partial "regular expression does not match"
  refute_output --regexp "(expected|actual|regexp|value) +: "
  # A solution that ends with another status, one that prints a frame more.
  local sol=$ROOT/lessons/01-pipes/solutions
  patched "$sol/03-close-write-end/parent_reader.py" "$T/status" '
s = s.replace("          file=sys.stderr)\n    return 0\n", "          file=sys.stderr)\n    return 3\n", 1)'
  grade_folder 01-pipes/exercises/03-close-write-end "$T/status"
  assert_line "# its exit status: expected 0; found 3"
  patched "$sol/01-frame-reader/frame_reader.c" "$T/more" '
s = s.replace("    close_stdout();", "    print_frame(frames + 1, (const unsigned char *)\"!\", 1);\n    close_stdout();", 1)'
  grade_folder 01-pipes/exercises/01-frame-reader "$T/more"
  assert_line "# what it printed: expected nothing; found frame 1: 1 byte: !"
  assert_line "#   expected (2 lines):"
  assert_line "#   found (3 lines):"
}

@test "every grader passes no check when the learner's file is missing, and its skipped checks leave nothing behind" {
  local passed="" bad=""
  mkdir -p "$T/empty"
  missing() { echo "$T/empty"; }
  # Skipped (not run) is no pass; any other ok is.
  judge() { passed+=$(passes_of "$1"); bad+=$(skipped_badly "$1"); }
  grade_each missing judge
  assert_equal "$passed" ""
  assert_equal "$bad" ""
}

# spin_patched SRC DIR: SRC copied into DIR with a loop without end at the
# top of main (C: for (;;) {}, Python: while True: pass).
spin_patched() {
  case $1 in
    *.c) patched "$1" "$2" '
s = s.replace("    set_progname(argv[0]);\n", "    set_progname(argv[0]);\n    for (volatile int spin = 1; spin;) {}\n", 1)' ;;
    *.py) patched "$1" "$2" '
s = s.replace("    args = iter(argv[1:])\n", "    while True:\n        pass\n    args = iter(argv[1:])\n", 1)' ;;
  esac
  grep -q 'spin = 1\|while True:' "$2/$(basename "$1")" || fail "no loop added to $1"
}

@test "a learner's program that loops without end is stopped and named as looping, by every way a grader waits" {
  local sol=$ROOT/lessons
  # finish (01/01), run_parent (01/03), run_graded and stepper.py (08/01),
  # consume (08/02): each says it spins, not that it sleeps or timed out.
  spin_patched "$sol/01-pipes/solutions/01-frame-reader/frame_reader.c" "$T/a"
  grade_folder 01-pipes/exercises/01-frame-reader "$T/a" "an empty stream"
  assert_line "# the program used over 2 s of CPU time without ending or waiting for anything: is it in a loop whose condition never changes?"
  spin_patched "$sol/01-pipes/solutions/03-close-write-end/parent_reader.py" "$T/b"
  grade_folder 01-pipes/exercises/03-close-write-end "$T/b" "at once when the child writes nothing"
  assert_line --regexp "^# parent_reader.py \(pid [0-9]+\) used over 2 s of CPU time without ending"
  spin_patched "$sol/08-shared-memory/solutions/01-counter-lock/locked_counter.c" "$T/c"
  grade_folder 08-shared-memory/exercises/01-counter-lock "$T/c" "alone|forced three times"
  assert_line "# the program used over 2 s of CPU time without ending or waiting for anything: is it in a loop whose condition never changes?"
  assert_line --regexp "^#   stepper.py: c used over 2 s of CPU time without ending \(a loop without end\?\)"
  spin_patched "$sol/08-shared-memory/solutions/02-ring-wraparound/ring_consumer.py" "$T/d"
  grade_folder 08-shared-memory/exercises/02-ring-wraparound "$T/d" "a single slot"
  assert_line "# the program used over 2 s of CPU time without ending or waiting for anything: is it in a loop whose condition never changes?"
  refute_output --partial "timed out"
  refute_output --partial "gave up waiting"
}

@test "08/01: a correct lock passes without trace calls of its own; one that never posts is named at once" {
  local sol=$ROOT/lessons/08-shared-memory/solutions/01-counter-lock/locked_counter.c
  # sem_wait and sem_post as a student writes them: no trace_before/after.
  patched "$sol" "$T/plain" '
import re
s = re.sub(r"        int r;\n        trace_before\(\"sem_wait\".*?die\(\"sem_wait %s\", sem_name\);\n",
           "        while (sem_wait(sem) == -1)\n            if (errno != EINTR)\n                die(\"sem_wait %s\", sem_name);\n", s, count=1, flags=re.S)
s = re.sub(r"        trace_before\(\"sem_post\".*?die\(\"sem_post %s\", sem_name\);\n",
           "        if (sem_post(sem) == -1)\n            die(\"sem_post %s\", sem_name);\n", s, count=1, flags=re.S)
assert "trace_before(\"sem_" not in s'
  grade_folder 08-shared-memory/exercises/01-counter-lock "$T/plain"
  assert_success
  # The same without its sem_post: alone, it takes the semaphore twice.
  patched "$T/plain/locked_counter.c" "$T/nopost" '
s = s.replace("        if (sem_post(sem) == -1)\n            die(\"sem_post %s\", sem_name);\n", "", 1)'
  grade_folder 08-shared-memory/exercises/01-counter-lock "$T/nopost" "alone"
  assert_failure
  assert_line "# the program is asleep in sem_wait (a futex wait) while it runs alone: nobody else can post the semaphore, so it took it and never gave it back (a sem_post after each store?)"
}

@test "01/03: a parent that never waits for its child fails the reaping check, whatever it prints" {
  patched "$ROOT/lessons/01-pipes/solutions/03-close-write-end/parent_reader.py" "$T/noreap" '
s = s.replace("    _, wstatus = os.waitpid(pid, 0)\n", "    wstatus = 0\n", 1)
assert "waitpid" not in s'
  grade_folder 01-pipes/exercises/03-close-write-end "$T/noreap" "reaps the child"
  assert_failure
  assert_line --regexp "^# the children it never waited for \(the grader reaped them\): expected nothing; found pid [0-9]+$"
}

@test "every grader passes no check on a file that does not compile, and names the error" {
  local passed="" bad=""
  broken() {
    local sol=$ROOT/lessons/${1%%/*}/solutions/${1#*/} f
    f=$(ls "$sol")
    mkdir -p "$T/$1"
    { cat "$sol/$f"; echo; echo "@@ not valid ${f##*.} @@"; } >"$T/$1/$f"
    echo "$T/$1"
  }
  judge() {
    local f
    f=$(ls "$ROOT/lessons/${1%%/*}/solutions/${1#*/}")
    passed+=$(passes_of "$1")
    bad+=$(skipped_badly "$1")
    case $f in
      *.py) assert_line --regexp "^# $f does not compile, so it never runs: SyntaxError: .* \(line [0-9]+\)$" ;;
      *.c) assert_line --regexp "^#   .*$f:[0-9]+:[0-9]+: error: " ;;
    esac
  }
  grade_each broken judge
  assert_equal "$passed" ""
  assert_equal "$bad" ""
  # Nothing written beside the graded file (no __pycache__).
  assert_equal "$(find "$T" -name __pycache__)" ""
}

@test "a program that floods its output is judged on its first 256 KiB: the check says how much there was, and what it prints stays short" {
  patched "$ROOT/lessons/01-pipes/solutions/02-safe-writer/safe_writer.py" "$T/flood" '
s = s.replace("def main(argv):\n", "def main(argv):\n    sys.stderr.write((\"x\" * 1000 + \"\\n\") * 20000 + \"\\0\")\n", 1)'
  grade_folder 01-pipes/exercises/02-safe-writer "$T/flood" "reader gone after 0 frames"
  assert_failure
  assert_line --regexp "^# +\(only the first 262144 bytes of [0-9]{8} kept\)$"
  assert_line --regexp "^# +\.\.\. \([0-9]+ more lines\)$"
  refute_output --partial "ignored null byte"
  [ "${#output}" -lt 20000 ] || fail "the check printed ${#output} characters"
}

# Every Python exercise, and one C exercise: an empty C file does not link
# (no main), so every C grader meets it as a file that does not compile,
# the test above (whose sweep grades them all).
empty_sweep() {
  local ex
  python_exercises
  for ex in $(all_exercises); do
    [[ $(ls "$ROOT/lessons/${ex%%/*}/solutions/${ex#*/}") != *.c ]] || { echo "$ex"; break; }
  done
}

@test "every grader passes no check on an empty file: a program that does nothing proves nothing" {
  local passed=""
  emptied() {
    local f
    f=$(ls "$ROOT/lessons/${1%%/*}/solutions/${1#*/}")
    mkdir -p "$T/$1"
    : >"$T/$1/$f"
    echo "$T/$1"
  }
  judge() { passed+=$(passes_of "$1"); }
  grade_each emptied judge empty_sweep
  assert_equal "$passed" ""
}

@test "02/03: a sender that checks with stat() and S_ISFIFO only fails at the link to our FIFO and the 0644 FIFO; each verdict names what was planted and shows that run's own output" {
  patched "$ROOT/lessons/02-fifos/solutions/03-safe-open/fifo_send.c" "$T/stat" '
s = s.replace("    if (lstat(path, &st) == -1)\n        die(\"lstat %s\", path);", "    if (stat(path, &st) == -1)\n        die(\"stat %s\", path);", 1)
i = s.index("    if (st.st_uid != geteuid()")
j = s.index("    /* Sleeps until the server")
s = s[:i] + s[j:]
s = s.replace("O_WRONLY | O_NOFOLLOW | O_CLOEXEC", "O_WRONLY | O_CLOEXEC", 1)
assert "lstat(path" not in s and "st_uid" not in s'
  grade_folder 02-fifos/exercises/03-safe-open "$T/stat" "symbolic link|0644"
  assert_failure
  # The link check ran twice: the link to a file was refused (its own
  # output), the link to our FIFO was not, and the verdict says which.
  assert_line --regexp "^# a symbolic link to a regular file of ours at the path: fifo_send .*/server hello$"
  assert_line --regexp "^#   exit status 1; it printed fifo_send: .*/server: a regular file, not a FIFO: refused$"
  assert_line --regexp "^# the program did not refuse a symbolic link to a FIFO of ours \(mode 0600\) at .*/server: it sleeps in open\(\) of it"
  assert_line --regexp "^# the program did not refuse a FIFO of ours with mode 0644 at .*/server: it sleeps in open\(\) of it"
}

@test "02/02: a server that opens its write end before its read end (a deadlock with its clients) is named once a check, in words, from the kernel's view: no raw numbers, no helper names" {
  patched "$ROOT/lessons/02-fifos/solutions/02-eof-spin/log_server.py" "$T/wfirst" '
a = "    try:\n        rfd = os.open(fifo, os.O_RDONLY"
assert a in s
s = s.replace(a, "    os.open(fifo, os.O_WRONLY | os.O_CLOEXEC)\n" + a, 1)'
  grade_folder 02-fifos/exercises/02-eof-spin "$T/wfirst"
  assert_failure
  [ "$(grep -c '^not ok ' <<<"$output")" -eq 3 ] || fail "expected 3 checks failed"
  [ "$(grep -c "^# log_server.py is asleep in open() of FIFO .*/log for writing: no reader has it open, and it opens its read end only after\." <<<"$output")" -eq 3 ] ||
    fail "expected the deadlock named once in each of the 3 checks"
  refute_output --partial "gave up waiting"
  refute_output --partial "wait_until"
  refute_output --partial "client_done"
  refute_output --partial "4294967196"
  refute_output --regexp "openat [0-9]"
}

@test "02/02: a server that sleeps at EOF (time.sleep) fails, its call named in words: 'asleep in clock_nanosleep() (kernel function ...)', no stray clock number" {
  patched "$ROOT/lessons/02-fifos/exercises/02-eof-spin/log_server.py" "$T/nap" '
a = "            at_eof = True\n            continue"
assert a in s
s = s.replace(a, "            at_eof = True\n            __import__(\"time\").sleep(0.2)\n            continue", 1)'
  grade_folder 02-fifos/exercises/02-eof-spin "$T/nap" "no spinning at EOF"
  assert_failure
  assert_line --regexp "^# with no client left: it is asleep in clock_nanosleep\(\) \(kernel function [a-z_.0-9]+\), not in read\(\) or open\(\) of its FIFO"
  refute_output --regexp "clock_nanosleep [0-9]"
}

@test "02/02: a server that opens its FIFO O_RDWR passes, as its README says (it works on Linux; POSIX leaves it undefined)" {
  patched "$ROOT/lessons/02-fifos/exercises/02-eof-spin/log_server.py" "$T/rdwr" '
a = "rfd = os.open(fifo, os.O_RDONLY | os.O_NOFOLLOW"
assert a in s
s = s.replace(a, "rfd = os.open(fifo, os.O_RDWR | os.O_NOFOLLOW", 1)'
  grade_folder 02-fifos/exercises/02-eof-spin "$T/rdwr"
  assert_success
  grep -q 'Open the FIFO `O_RDWR`' "$ROOT/lessons/02-fifos/exercises/02-eof-spin/README.md"
}

@test "03/01: a handler that write()s its notice itself fails, seen inside the handler in write(), a line torn; one that only counts, with no notice printed, fails the notice checks only" {
  local sol=$ROOT/lessons/03-signals/solutions/01-handler-flag/notify_worker.c
  patched "$sol" "$T/write" '
a = "    if (sig == SIGUSR1)\n        notified++;"
assert a in s
s = s.replace(a, "    if (sig == SIGUSR1) {\n        notified++;\n        (void)!write(1, \"worker: notified by SIGUSR1\\n\", 28);\n    }", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/write" "full pipe"
  assert_failure
  assert_line --regexp "^# after SIGUSR1 the kernel shows it asleep in write\(\) with SIGUSR1 blocked \(SigBlk [0-9a-f]{16} in /proc/PID/status\)"
  assert_line --regexp "^# what it printed, counted .*; found [0-9]+ numbered lines, .*; [1-9][0-9]* torn;"
  patched "$sol" "$T/silent" '
a = "    while (*seen < notified) {"
assert a in s
s = s.replace(a, "    while (0) {", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/silent"
  assert_failure
  assert_line --regexp "^ok [0-9]+ two SIGUSR1 while printf is writing to a full pipe: its handler writes nothing"
  assert_line --regexp "^# after SIGUSR1 number 1 \(taken: nothing pending\) it printed no 'notified by SIGUSR1 \(1 so far\)' line; it sleeps: state S, in rt_sigsuspend\(\)"
}

@test "03/01: an act() that prints one notice a look (if, not while) fails: two SIGUSR1 taken while one printf waits come out with a line between" {
  patched "$ROOT/lessons/03-signals/solutions/01-handler-flag/notify_worker.c" "$T/if" '
a = "    while (*seen < notified) {"
assert a in s
s = s.replace(a, "    if (*seen < notified) {", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/if"
  assert_failure
  [ "$(grep -c '^not ok ' <<<"$output")" -eq 1 ] || fail "expected only the check of the two notices to fail"
  assert_line --regexp "^# its first notice and the line after it \(both SIGUSR1 came while one printf waited, so act\(\) finds two when it next looks, and prints both\):$"
  assert_line --regexp "^#     worker [0-9]+: line [0-9]+$"
}

@test "03/02: a worker that installs its handler with SA_RESTART, or reads again on EINTR without act(), fails: it took SIGUSR1 and went back to read() without a word, and the verdict is true of both" {
  # The kernel shows the two alike (asleep in read() again, nothing
  # pending, the same call, the same stack): the verdict names both causes.
  local why="^# SIGUSR1 number 1 came while it slept in read\(\); it took it \(nothing pending\) and sleeps in read\(\) again without saying 'notified by SIGUSR1 \(1 so far\)': after its handler ran, either the kernel restarted the read\(\) \(a handler installed with SA_RESTART\) or read\(\) returned -1, EINTR and the loop read again without act\(\)\. Either way the notice waits for the next line of input"
  patched "$ROOT/lessons/03-signals/exercises/02-retry-eintr/read_worker.c" "$T/restart" '
a = ".sa_flags = 0 }"
assert a in s
s = s.replace(a, ".sa_flags = SA_RESTART }", 1)'
  grade_folder 03-signals/exercises/02-retry-eintr "$T/restart" "SIGUSR1 while it waits"
  assert_failure
  assert_line --regexp "$why"
  patched "$ROOT/lessons/03-signals/solutions/02-retry-eintr/read_worker.c" "$T/noact" '
a = "            act(&seen);                     /* say so, and read again */\n"
assert a in s
s = s.replace(a, "", 1)'
  grade_folder 03-signals/exercises/02-retry-eintr "$T/noact" "SIGUSR1 while it waits"
  assert_failure
  assert_line --regexp "$why"
  refute_output --partial "(SA_RESTART?)"
}

@test "03/02: a worker that retries read() once after EINTR, not each time, fails at the second SIGUSR1 that comes while it waits with no input between, named as dying of EINTR" {
  patched "$ROOT/lessons/03-signals/solutions/02-retry-eintr/read_worker.c" "$T/once" '
a = "            act(&seen);                     /* say so, and read again */\n            continue;\n"
assert a in s
s = s.replace(a, "            act(&seen);\n            n = read(0, buf, sizeof buf);\n", 1)'
  grade_folder 03-signals/exercises/02-retry-eintr "$T/once"
  assert_failure
  assert_line --regexp "^ok [0-9]+ prints each read of its input"
  assert_line --regexp "^# SIGUSR1 number 2 came while it slept in read\(\) again, with no input since SIGUSR1 number 1, and it ended: read\(\) returned -1 with errno EINTR \(its stderr: read_worker: read .*/in \(fd 0\): Interrupted system call\), which is no error of its input\. It read on after the one before: a read\(\) must be retried each time a signal interrupts it, not once\. Expected it to say 'notified by SIGUSR1 \(2 so far\)' and read on"
}

@test "03/02: a worker that retries every failed read(), not only EINTR, fails: with its input a folder it loops on EISDIR, named as retrying an error it must not" {
  patched "$ROOT/lessons/03-signals/solutions/02-retry-eintr/read_worker.c" "$T/any" '
a = "        if (n == -1 && errno == EINTR) {"
assert a in s
s = s.replace(a, "        if (n == -1) {", 1)'
  grade_folder 03-signals/exercises/02-retry-eintr "$T/any"
  assert_failure
  [ "$(grep -c '^not ok ' <<<"$output")" -eq 1 ] || fail "expected only the check of another error to fail"
  assert_line --regexp "^# with standard input a folder, each read\(\) fails with EISDIR \(Is a directory\), and it did not end: it made over [0-9]+ read\(\)/write\(\) calls without ending \(read\(\) calls that fail, retried\)\. Only EINTR is to be retried: any other error of read\(\) stays fatal\. Expected it to say 'read \.\.\.: Is a directory' on stderr and end with status 1$"
}

@test "03/03: a master that waits for its workers in the order it started them fails when they end in another order, naming the zombie and where it sleeps" {
  patched "$ROOT/lessons/03-signals/solutions/03-reap-all/reaping_master.py" "$T/inorder" '
a = "    running = n\n"
assert a in s and "            os._exit(127)\n" in s
s = s.replace("    old = signal.pthread_sigmask", "    pids = []\n    old = signal.pthread_sigmask", 1)
s = s.replace("            os._exit(127)\n", "            os._exit(127)\n        pids.append(pid)\n", 1)
s = s.replace(a, "    for p in pids:\n        pid, status = os.waitpid(p, 0)\n        out(f\"master: worker {pid} {how_it_ended(os.waitstatus_to_exitcode(status))}\")\n    running = 0\n", 1)'
  grade_folder 03-signals/exercises/03-reap-all "$T/inorder" "one's end as it comes"
  assert_failure
  assert_line --regexp "^# its child [0-9]+ is a zombie \(state Z in /proc/PID/stat\) while it sleeps \(state S, in wait4\(\) .*\), SIGCHLD pending and blocked: what it sleeps in does not take it, nor reap them \(the grader then killed it\)$"
}

@test "03/03: a master that, once a SIGCHLD came, waits in os.wait() for the workers still running fails, seen asleep in wait4 with no worker ended" {
  patched "$ROOT/lessons/03-signals/solutions/03-reap-all/reaping_master.py" "$T/blocking" '
i = s.index("        while True:\n            try:\n                pid, status = os.waitpid(-1, os.WNOHANG)")
j = s.index("    out(f\"master: all {n} workers reaped\")")
s = s[:i] + "        while running > 0:\n            pid, status = os.wait()\n            running -= 1\n            out(f\"master: worker {pid} {how_it_ended(os.waitstatus_to_exitcode(status))}\")\n" + s[j:]
assert "os.WNOHANG" not in s'
  grade_folder 03-signals/exercises/03-reap-all "$T/blocking"
  assert_failure
  assert_line --regexp "^not ok [0-9]+ between SIGCHLDs it waits in sigwaitinfo for the next one, not for the workers still running"
  assert_line --regexp "^# after it reaped worker [0-9]+, its workers [0-9]+ [0-9]+ still run and none has ended, and it sleeps in wait4\(\) \(.*\): a wait for a child to end \(os\.wait\(\), or waitpid without WNOHANG\), so it waits for the workers still running\. Expected it to reap only the workers that have ended \(os\.waitpid\(-1, os\.WNOHANG\) until it returns \(0, 0\)\) and wait for the next SIGCHLD in sigwaitinfo \(rt_sigtimedwait\) \(the grader then killed it\)$"
}

@test "03/01: a SIGUSR1 counter left a plain long fails the check of its declaration, named with its type and line; volatile sig_atomic_t passes however it is spelled" {
  local sol=$ROOT/lessons/03-signals/solutions/01-handler-flag/notify_worker.c
  # No run shows the difference here (a long is stored in one instruction
  # on x86_64, and every read of it follows a call the compiler must
  # assume runs the handler): the check is of the declared type.
  patched "$sol" "$T/long" '
a = "static volatile sig_atomic_t notified, stop;\n"
assert a in s
s = s.replace(a, "static volatile sig_atomic_t stop;\nstatic long notified;\n", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/long"
  assert_failure
  [ "$(grep -c '^not ok ' <<<"$output")" -eq 1 ] || fail "expected only the declaration check to fail"
  assert_line --regexp "^# notified, the counter its SIGUSR1 handler adds to, is declared with type 'long int' \(line [0-9]+: static long notified;\), not volatile sig_atomic_t"
  patched "$sol" "$T/plain" '
a = "static volatile sig_atomic_t notified, stop;\n"
s = s.replace(a, "static volatile sig_atomic_t stop;\nstatic sig_atomic_t notified;\n", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/plain" "declared"
  assert_failure
  assert_line --regexp "^# notified, the counter its SIGUSR1 handler adds to, is declared with type 'sig_atomic_t' \(line [0-9]+: static sig_atomic_t notified;\), not volatile sig_atomic_t"
  patched "$sol" "$T/spelled" '
a = "static volatile sig_atomic_t notified, stop;\n"
s = s.replace(a, "static sig_atomic_t volatile\n    stop,\n    notified = 0;\n", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/spelled"
  assert_success
}

@test "03/01: a main flow that decrements notified (a SIGUSR1 between its load and its store is lost) fails the check that only the handler writes it" {
  patched "$ROOT/lessons/03-signals/solutions/01-handler-flag/notify_worker.c" "$T/dec" '
a = "    while (*seen < notified) {\n"
assert a in s
s = s.replace(a, "    while (notified > 0) {\n        notified--;\n", 1)'
  grade_folder 03-signals/exercises/01-handler-flag "$T/dec" "only the handler writes notified"
  assert_failure
  assert_line --regexp "^# the main flow writes notified \(notified--;\): a decrement or a reset"
}

@test "03/02: a handler that printf()s, with SA_RESTART and no retry, fails: seen asleep in write() inside the handler, its output full" {
  patched "$ROOT/lessons/03-signals/solutions/02-retry-eintr/read_worker.c" "$T/print" '
a = "    notified++;             /* only this: the main flow prints */\n"
assert a in s
s = s.replace(a, "    notified++;\n    printf(\"worker %ld: notified by SIGUSR1 (%ld so far)\\n\", (long)getpid(), (long)notified);\n    fflush(stdout);\n", 1)
a = ".sa_flags = 0 }"
assert a in s
s = s.replace(a, ".sa_flags = SA_RESTART }", 1)'
  grade_folder 03-signals/exercises/02-retry-eintr "$T/print" "output is full"
  assert_failure
  assert_line --regexp "^# after SIGUSR1 it sleeps in write\(\) on its full standard output with SIGUSR1 blocked"
}

@test "04/03: SO_REUSEPORT instead of SO_REUSEADDR fails: a second server listens on the port the first still listens on" {
  patched "$ROOT/lessons/04-tcp/solutions/03-restart-at-once/restart_server.c" "$T/port" '
a = "SO_REUSEADDR, &on"
assert a in s
s = s.replace(a, "SO_REUSEPORT, &on", 1)'
  grade_folder 04-tcp/exercises/03-restart-at-once "$T/port" "refuses a port"
  assert_failure
  assert_line --regexp "^# started with --port [0-9]+ while the first server still listened there, it listened too: two servers on one port"
}

@test "03/03: a master that ends at once, leaving its workers running, fails naming each worker once, on one line (its python3 -c program's newlines do not count as processes)" {
  patched "$ROOT/lessons/03-signals/solutions/03-reap-all/reaping_master.py" "$T/leaves" '
a = "    out(f\"master: {n} workers started\")\n"
assert a in s
s = s.replace(a, "    os._exit(0)\n", 1)'
  grade_folder 03-signals/exercises/03-reap-all "$T/leaves" "one's end as it comes"
  assert_failure
  assert_line "# once the program had ended, 3 processes it started still ran (the grader killed them):"
  [ "$(grep -cE "^#   pid [0-9]+: $PYTHON -c import signal, sys signal\.signal\(signal\.SIGTERM, .* signal\.pause\(\)$" <<<"$output")" -eq 3 ] ||
    fail "expected the 3 workers named, one line each"
}

@test "04/02: a server that leaves its loop at recv() returning b\"\" without closing the connection fails: the kernel shows it in CLOSE-WAIT, held while the server sleeps in accept()" {
  patched "$ROOT/lessons/04-tcp/solutions/02-client-left/msg_server.py" "$T/noclose" '
a = "        if not chunk:\n            break\n"
assert a in s
s = s.replace(a, "        if not chunk:\n            return n\n", 1)'
  grade_folder 04-tcp/exercises/02-client-left "$T/noclose" "closes the connection"
  assert_failure
  assert_line --regexp "^# once the client had left: the kernel shows the client.s connection in CLOSE-WAIT, still held by the server \(fd [0-9]+: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+\), while it sleeps \(state S\) in accept4?\(\): .* It waits for the next client with the old connection open"
}

@test "05/01: a safe_server that skips the lstat() check fails: a connect() to a regular file is refused too, and it removes the file" {
  patched "$ROOT/lessons/05-unix-sockets/solutions/01-safe-bind/safe_server.c" "$T/nostat" '
a = "        if (!S_ISSOCK(st.st_mode))\n"
assert a in s
s = s.replace(a, "        if (0)\n", 1)'
  grade_folder 05-unix-sockets/exercises/01-safe-bind "$T/nostat" "never removes"
  assert_failure
  assert_line --regexp "^# it removed the regular file at .*/srv\.sock and listens there: only a socket nobody listens on may be removed"
}

@test "05/01: a safe_server whose probe connect() blocks, or that removes the file whatever connect() failed with, fails at a server whose queue is full: seen asleep in connect(), or listening in its place" {
  patched "$ROOT/lessons/05-unix-sockets/solutions/01-safe-bind/safe_server.c" "$T/blocking" '
a = "SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC"
assert a in s
s = s.replace(a, "SOCK_STREAM | SOCK_CLOEXEC", 1)'
  grade_folder 05-unix-sockets/exercises/01-safe-bind "$T/blocking" "queue full"
  assert_failure
  assert_line --regexp "^# it sleeps in connect\(\) to .*/srv\.sock, where a server listens with its queue full"
  patched "$ROOT/lessons/05-unix-sockets/solutions/01-safe-bind/safe_server.c" "$T/anyerror" '
a = "        if (err != ECONNREFUSED)\n"
assert a in s
s = s.replace(a, "        if (0)\n", 1)'
  grade_folder 05-unix-sockets/exercises/01-safe-bind "$T/anyerror" "queue full"
  assert_failure
  assert_line --regexp "^# it listens at .*/srv\.sock, where a server listens with its queue full: it removed that server's socket file"
}

@test "05/02: a cred_server that unpacks SO_PEERCRED in the wrong order (uid, gid, pid) fails: the pid it prints is not the client's" {
  patched "$ROOT/lessons/05-unix-sockets/solutions/02-peer-credentials/cred_server.py" "$T/order" '
a = "        pid, uid, gid = struct.unpack("
assert a in s
s = s.replace(a, "        uid, gid, pid = struct.unpack(", 1)'
  grade_folder 05-unix-sockets/exercises/02-peer-credentials "$T/order" "its own user"
  assert_failure
  assert_line --regexp "^# what it printed on stdout:"
}

@test "05/02: a cred_server that reads the whole message before it asks who sent it fails: a client of another user that sends nothing and stays finds it asleep in recvfrom()" {
  patched "$ROOT/lessons/05-unix-sockets/solutions/02-peer-credentials/cred_server.py" "$T/late" '
a = "    if uid != os.geteuid():"
b = "    total = 0"
i, j, k = s.index(a), s.index(b), s.index("    out(f\"client pid")
s = s[:i] + s[j:k] + s[i:j] + s[k:]'
  grade_folder 05-unix-sockets/exercises/02-peer-credentials "$T/late" "before reading anything"
  assert_failure
  assert_line --regexp "^# a client of another user \(uid [0-9]+ gid [0-9]+\) connected, sent nothing and stayed: the server sleeps in recvfrom\(\) of fd [0-9]+ \(kernel function [a-z_]+\), reading from it before asking"
}

@test "05/02: a cred_server that dies at a client of another user (getsockopt without its buffer length: TypeError) fails at once, told it ended without refusing on stderr" {
  patched "$ROOT/lessons/05-unix-sockets/solutions/02-peer-credentials/cred_server.py" "$T/dies" '
a = "socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(\"3i\")))"
assert a in s
s = s.replace(a, "socket.SOL_SOCKET, socket.SO_PEERCRED))", 1)'
  grade_folder 05-unix-sockets/exercises/02-peer-credentials "$T/dies" "before reading anything"
  assert_failure
  assert_line --regexp "^# a client of another user \(uid [0-9]+ gid [0-9]+\) connected and stayed: the server ended \(status 1\) without a line ending ': refused' on stderr: refuse it on stderr"
}

@test "05/02 graded by a learner who is not root: the solution passes, the skeleton and a server that reads first fail; the server runs as if it were another user" {
  local ex=05-unix-sockets/exercises/02-peer-credentials uid=4321 v unset=() f
  public_copy "$ROOT/lessons/05-unix-sockets/solutions/02-peer-credentials"
  mv "$PUB/02-peer-credentials" "$PUB/solution"
  mkdir "$PUB/skeleton" "$PUB/tmp"
  cp "$ROOT/lessons/$ex/cred_server.py" "$PUB/skeleton/"
  patched "$PUB/solution/cred_server.py" "$PUB/late" '
a = "    if uid != os.geteuid():"
b = "    total = 0"
i, j, k = s.index(a), s.index(b), s.index("    out(f\"client pid")
s = s[:i] + s[j:k] + s[i:j] + s[k:]'
  chown -R "$uid:$uid" "$PUB"
  for v in $(compgen -v BATS_); do
    [ "$v" = BATS_LIB_PATH ] || unset+=(-u "$v")
  done
  for f in solution skeleton late; do
    run setpriv --reuid="$uid" --regid="$uid" --clear-groups env "${unset[@]}" HOME="$PUB" \
      TMPDIR="$PUB/tmp" EXERCISE_DIR="$PUB/$f" timeout 200 \
      bats --formatter tap "$ROOT/lessons/$ex/grade.bats" </dev/null 3>&-
    echo "$f: $output" >&2
    case $f in
      solution) assert_success ;;
      skeleton) assert_failure; assert_line --regexp "^not ok 2 refuses a client of another user" ;;
      late) assert_failure
            assert_line "ok 1 says who a client of its own user is, from the kernel: 'client pid P uid U gid G: read 5 bytes', status 0"
            assert_line --regexp "^# a client of another user \(uid $uid gid $uid\) connected, sent nothing and stayed: the server sleeps in recvfrom" ;;
    esac
  done
}

@test "06/01: a sized_receiver with a guessed 8192-byte buffer (the default queue's size) takes the default queue's messages and fails the queue of 100000-byte messages: EMSGSIZE, said in words" {
  patched "$ROOT/lessons/06-posix-mq/solutions/01-sized-receiver/sized_receiver.c" "$T/guess" '
a = "    size_t size = (size_t)a.mq_msgsize;\n"
assert a in s
s = s.replace(a, "    size_t size = 8192;\n", 1)'
  grade_folder 06-posix-mq/exercises/01-sized-receiver "$T/guess"
  assert_failure
  assert_line --regexp "^ok 2 takes 4 messages from a queue of the kernel's default size"
  assert_line --regexp "^not ok 3 sizes its buffer from mq_getattr, not from a guess"
  assert_line --regexp "^# mq_receive failed with EMSGSIZE \(Message too long\): the buffer it was given is smaller than the queue's mq_msgsize \(100000 bytes\)\. .*a buffer of any fixed size, 8192 or 1024, is too small here"
}

@test "06/01: a sized_receiver that prints each message with %s (up to a NUL, not its length) fails: a short message after a longer one shows the longer one's bytes" {
  patched "$ROOT/lessons/06-posix-mq/solutions/01-sized-receiver/sized_receiver.c" "$T/nul" '
a = "out(\"message %ld: priority %u, %zd %s: %.*s\\n\", got, prio, n,\n            plural(n, \"byte\", \"bytes\"), (int)n, buf);"
assert a in s
s = s.replace(a, "out(\"message %ld: priority %u, %zd %s: %s\\n\", got, prio, n,\n            plural(n, \"byte\", \"bytes\"), buf);", 1)'
  grade_folder 06-posix-mq/exercises/01-sized-receiver "$T/nul" "default size"
  assert_failure
  assert_line --regexp "^# what it printed on stdout \(a line over 120 characters shortened here, compared whole\):"
  assert_line "#     message 2: priority 2, 5 bytes: caf.."
  assert_line --regexp "^#     message 2: priority 2, 5 bytes: caf\.\.t"
}

@test "06/02: a notified_receiver that takes every message but registers again only after, or never, fails: the message sent at its EAGAIN is never notified, said with what the kernel showed" {
  local sol=$ROOT/lessons/06-posix-mq/solutions/02-notified-receiver/notified_receiver.py
  patched "$sol" "$T/late" '
a = "        register(q, name)\n        # One notification may stand for many messages: take them all,\n        # until the queue says it is empty.\n        while got < count and take_one(q, name, size, got):\n            got += 1\n"
assert a in s
s = s.replace(a, "        while got < count and take_one(q, name, size, got):\n            got += 1\n        register(q, name)\n", 1)'
  grade_folder 06-posix-mq/exercises/02-notified-receiver "$T/late"
  assert_failure
  assert_line --regexp "^ok 1 "
  assert_line --regexp "^ok 2 "
  assert_line --regexp "^not ok 3 registers again before it takes"
  assert_line --regexp "^# message 'second' came right after its mq_receive found the queue empty \(EAGAIN\), having taken message 1; it was not registered then: .* register again FIRST, then take until EAGAIN \(the kernel shows it asleep in rt_sigtimedwait, state S; 1 message queued, mq_getattr; a SIGUSR2 pending: no\)$"
  patched "$sol" "$T/forget" '
a = "        register(q, name)\n        # One notification"
assert a in s
s = s.replace(a, "        # One notification", 1)'
  grade_folder 06-posix-mq/exercises/02-notified-receiver "$T/forget" "registers again"
  assert_failure
  assert_line --regexp "^# message 'second' came right after its mq_receive found the queue empty \(EAGAIN\), having taken message 1; it was not registered then"
}

@test "06/02: a notified_receiver that registers first but takes one message a notification fails: two messages sent while it was stopped leave one queued, and it waits for good" {
  patched "$ROOT/lessons/06-posix-mq/solutions/02-notified-receiver/notified_receiver.py" "$T/one" '
a = "        while got < count and take_one(q, name, size, got):\n            got += 1\n    try:"
assert a in s
s = s.replace(a, "        if take_one(q, name, size, got):\n            got += 1\n    try:", 1)'
  grade_folder 06-posix-mq/exercises/02-notified-receiver "$T/one"
  assert_failure
  assert_line --regexp "^not ok 2 takes every message a notification stands for"
  assert_line --regexp "^ok 3 registers again before it takes"
  assert_line --regexp "^# two messages came while it was stopped \(SIGSTOP\) before taking anything; .* \(the kernel shows it asleep in rt_sigtimedwait, state S; 1 message queued, mq_getattr; a SIGUSR2 pending: no\)$"
}

@test "06/02: a notified_receiver that registers again at the top of its loop too (twice before one fires) fails, told that EBUSY means its own registration was still there" {
  patched "$ROOT/lessons/06-posix-mq/solutions/02-notified-receiver/notified_receiver.py" "$T/twice" '
a = "        notes += 1\n        wait_notification(notes)\n"
assert a in s
s = s.replace(a, "        register(q, name)\n" + a, 1)'
  grade_folder 06-posix-mq/exercises/02-notified-receiver "$T/twice"
  assert_failure
  assert_line --regexp "^# mq_notify failed with EBUSY: the queue already had a registration\. .* never twice\.$"
}

@test "06/01 and 06/02 graded by a learner who is not root: the solutions pass, the skeletons fail; the queue over msgsize_max is made in a user namespace of the learner's own" {
  local uid=4321 v unset=() ex f
  for v in $(compgen -v BATS_); do
    [ "$v" = BATS_LIB_PATH ] || unset+=(-u "$v")
  done
  for ex in 01-sized-receiver 02-notified-receiver; do
    public_copy "$ROOT/lessons/06-posix-mq/solutions/$ex"
    mv "$PUB/$ex" "$PUB/solution"
    mkdir "$PUB/skeleton" "$PUB/tmp"
    f=$(ls "$PUB/solution")
    cp "$ROOT/lessons/06-posix-mq/exercises/$ex/$f" "$PUB/skeleton/"
    chown -R "$uid:$uid" "$PUB"
    for f in solution skeleton; do
      run setpriv --reuid="$uid" --regid="$uid" --clear-groups env "${unset[@]}" HOME="$PUB" \
        TMPDIR="$PUB/tmp" EXERCISE_DIR="$PUB/$f" timeout 200 \
        bats --formatter tap "$ROOT/lessons/06-posix-mq/exercises/$ex/grade.bats" </dev/null 3>&-
      echo "$ex $f: $output" >&2
      case $ex/$f in
        */solution) assert_success ;;
        01-*/skeleton) assert_failure
          assert_line --regexp "^not ok 3 sizes its buffer from mq_getattr"
          assert_line --regexp "^# mq_receive failed with EMSGSIZE .*\(100000 bytes\)" ;;
        02-*/skeleton) assert_failure
          assert_line --regexp "^not ok 2 takes every message"
          assert_line --regexp "^not ok 3 registers again" ;;
      esac
    done
    rm -rf "$PUB"
  done
}

@test "make grade: an exercise that fails is said by the grading alone (status 0, no make error); a lesson it cannot grade is make's error" {
  run make -s -C "$ROOT" grade LESSON=02/02
  assert_success
  assert_line --regexp "^FAIL 02-fifos/02-eof-spin "
  refute_output --partial "Error"
  run make -s -C "$ROOT" grade LESSON=99
  assert_failure
  assert_output --partial "grade: no lesson '99' with exercises"
  assert_output --partial "Error 1"
}
