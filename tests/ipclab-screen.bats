#!/usr/bin/env bats
# ipclab on a real 80x24 terminal (tmux): what a person would read.
load helpers/common
load helpers/ipclab

teardown() {
  tmux_stop
  assert_nothing_left
}

# bats test_tags=asan
@test "the lesson menu lists the lessons and their scenarios" {
  tmux_start 80 24 "$IPCLAB"
  wait_for screen_has "01 · Anonymous pipes"
  assert screen_has "enter/right its steps"
  keys Enter
  wait_for screen_has "Scenarios and exercises, in order:"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "a blocked writer is shown sleeping in write with the pipe at capacity" {
  tmux_start 80 24 "$IPCLAB run $FIX/full-pipe-screen.lua"
  wait_for screen_has "65536/65536 bytes 100%"
  wait_for screen_has "paused: press space"
  run screen
  assert_output --regexp "writer  C  pid [0-9]+"
  assert_output --regexp "sleeping [0-9.]+s in write"
  assert_output --regexp "fd 1 -> pipe:\[[0-9]+\]"
  assert_output --partial "The pipe is full: the writer sleeps in write()."
  keys Space
  wait_for screen_has "The reader reads; the writer goes on."
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "with four lanes at 80x24 a timeline row is whole: the writer's state names its call, descriptor and pipe" {
  # (A fixture: in 01/full-pipe a second writer's rows may push the first
  # one's off the screen on a loaded machine.)
  tmux_start 80 24 "$IPCLAB run $FIX/four-lanes.lua"
  wait_for screen_has "paused: press space"
  # The timeline's row (number, time, then the text in the writer's lane).
  screen | grep -qE '^ +[0-9]+ +[0-9.]+ +: sleeping in write\(fd 1 -> pipe:\[[0-9]+\]\)$' || fail "no whole state row: $(screen)"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "? or h shows the keys and any key, q too, closes the help" {
  tmux_start 80 24 "$IPCLAB run $FIX/full-pipe-screen.lua"
  wait_for screen_has "paused: press space"
  keys '?'
  wait_for screen_has "ipclab keys"
  run screen
  assert_output --partial "stop / continue the selected process (SIGSTOP/SIGCONT)"
  assert_output --partial "quit (everything is cleaned up)"
  keys x
  wait_for bash -c "! tmux -S $TMUXS capture-pane -p | grep -q 'ipclab keys'"
  # h opens it too; q on it only closes it (the scenario goes on).
  keys h
  wait_for screen_has "ipclab keys"
  keys q
  wait_for bash -c "! tmux -S $TMUXS capture-pane -p | grep -q 'ipclab keys'"
  refute pane_exited
  assert screen_has "paused: press space"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "a 60x15 or 20x5 terminal asks to be enlarged, the sizes whole, instead of drawing a broken screen" {
  tmux_start 60 15 "$IPCLAB run $FIX/full-pipe-screen.lua"
  wait_for screen_has "Enlarge the terminal to at least 80x24 (it is 60x15)."
  # Narrower than the message: it wraps between words, no number cut.
  tmux -S "$TMUXS" resize-window -x 50 -y 15
  wait_for screen_has "50x15). q quits."
  tmux -S "$TMUXS" resize-window -x 20 -y 5
  wait_for screen_has "20x5)."
  assert screen_has "at least 80x24"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "NO_COLOR gives a screen without colours" {
  tmux_start 80 24 "env NO_COLOR=1 $IPCLAB run $FIX/full-pipe-screen.lua"
  wait_for screen_has "paused: press space"
  # Colour escapes are 3x/4x/9x parameters; bold and reverse remain.
  run bash -c "tmux -S $TMUXS capture-pane -p -e | grep -cE $'\e\\\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7])(;[0-9;]*)?m'"
  assert_output 0
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "s stops the selected process and r restarts the scenario with new processes" {
  tmux_start 80 24 "$IPCLAB run $FIX/full-pipe-screen.lua 2>$T/ipclab.err"
  wait_for screen_has "paused: press space"
  local old
  old=$(screen | sed -n 's/.*writer  C  pid \([0-9]*\).*/\1/p')
  keys Tab s
  wait_for screen_has "stopped"
  assert_equal "$(proc_state "$old")" T
  keys r
  wait_for proc_gone "$old"
  new_writer_shown() { screen | grep -q "writer  C  pid" && ! screen_has "pid $old"; }
  wait_for new_writer_shown
  wait_for screen_has "paused: press space"
  keys q
  wait_for pane_exited
  cat "$T/ipclab.err" >&2
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "Ctrl-\\ (SIGQUIT) on screen cleans up and gives the terminal back: main screen, echo on" {
  tmux_start 80 24 "$IPCLAB run $FIX/full-pipe-screen.lua; stty -a >$T/stty"
  wait_for screen_has "paused: press space"
  keys 'C-\'
  wait_for pane_exited
  assert_equal "$(pane_status)" 0        # the status of stty; ipclab's is below
  assert_equal "$(tmux -S "$TMUXS" display -p '#{alternate_on}')" 0
  run cat "$T/stty"
  assert_output --regexp '(^| )echo( |$)'
  assert_output --regexp '(^| )icanon( |$)'
}

@test "the lost update played on screen at a teacher's pace: every check holds" {
  tmux_start 80 24 "$IPCLAB run $ROOT/lessons/08-shared-memory/scenarios/lost-update.lua --record $T/t.txt"
  local presses=0
  until screen_has "finished: "; do
    wait_for screen_has_any "paused: press space" "finished: "
    if screen_has "paused: press space"; then
      local said
      said=$(screen | tail -4)           # the narration area: it changes once we go on
      sleep "1.$((RANDOM % 10))"         # a teacher talks (1 to 2 s) before each step
      keys Space
      presses=$((presses + 1))
      wait_for bash -c "[ \"\$(tmux -S $TMUXS capture-pane -p | tail -4)\" != \"\$0\" ]" "$said"
    fi
  done
  assert_equal "$presses" 7             # the first round a step at a time
  # The run's seed is on screen at the end, as in the transcript: a run seen
  # in class can be played again (ipclab run FILE --seed N).
  screen_has "(seed $(sed -n 's/^ *[0-9.]* seed //p' "$T/t.txt"))" ||
    fail "no seed on screen: $(screen | head -1)"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0        # 1 if any expectation failed
  run cat "$T/t.txt"
  refute_output --partial "FAILED"
  assert_output --partial "expect ok: 6 increments, 3 forced interleavings: the counter says 3"
}

# bats test_tags=asan
@test "SIGKILL of ipclab on screen: its janitor gives the terminal back" {
  tmux_start 80 24 "$IPCLAB run $FIX/full-pipe-screen.lua; read -r _; stty -a >$T/stty"
  wait_for screen_has "paused: press space"
  local ipid janitor
  ipid=$(ours_running "^$IPCLAB run $FIX/full-pipe-screen.lua")
  janitor=$(janitor_of "$ipid")
  kill -KILL "$ipid"
  wait_for proc_gone "$janitor"          # it has cleaned up and restored
  main_screen() { [ "$(tmux -S "$TMUXS" display -p '#{alternate_on}')" = 0 ]; }
  wait_for main_screen                   # once tmux has read what it wrote
  keys Enter                             # read returns only in canonical mode
  wait_for pane_exited
  run cat "$T/stty"
  assert_output --regexp '(^| )echo( |$)'
  assert_output --regexp '(^| )icanon( |$)'
}

# bats test_tags=asan
@test "SIGKILL of ipclab started by an interactive bash: the janitor leaves the alternate screen too" {
  # bash puts back the terminal modes of a job killed by a signal, before
  # the janitor looks: modes as they were, but the screen still the alternate.
  tmux_start 80 24 "bash --norc --noprofile -i -c '$IPCLAB run $FIX/full-pipe-screen.lua; read -r _'"
  wait_for screen_has "paused: press space"
  local ipid janitor
  ipid=$(ours_running "^$IPCLAB run $FIX/full-pipe-screen.lua")
  janitor=$(janitor_of "$ipid")
  kill -KILL "$ipid"
  wait_for proc_gone "$janitor"
  main_screen() { [ "$(tmux -S "$TMUXS" display -p '#{alternate_on}')" = 0 ]; }
  wait_for main_screen
  keys Enter
  wait_for pane_exited
}

# bats test_tags=asan
@test "q ends ipclab on screen while it loads a scenario file that blocks" {
  mkfifo "$T/blocks.lua"
  tmux_start 80 24 "$IPCLAB run $T/blocks.lua 2>$T/err"
  wait_for screen_has "loading $T/blocks.lua"   # the screen is up, the load blocks
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
  run cat "$T/err"
  assert_output --partial "quit (q), but the scenario did not stop within half a second"
}

# bats test_tags=asan
@test "what was said and checked stays on screen: Up scrolls back through every say() line, each check is marked ok or FAILED, the end counts them" {
  NO_COLOR=1 tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/story.lua"
  wait_for screen_has "The end: 1 of 2 checks passed, 1 failed."
  assert screen_has "finished: 1 passed, 1 failed"
  # Back through the story, one entry a key: every line comes into view,
  # and the checks with their words (NO_COLOR: the word is the mark).
  # Up until each comes into view (at most 20 presses, each read).
  local i tries
  upto() {
    for tries in $(seq 20); do
      screen | grep -qE -- "$1" && return 0
      keys Up
      sleep 0.2                          # a person reading; the next frame
    done
    fail "never shown: $1"$'\n'"$(screen)"
  }
  upto '^ +FAILED this check fails on purpose'
  upto '^ +ok this check holds'
  for i in $(seq 12 -1 1); do upto "> line $i of the story"; done
  assert screen_has "newer: Down"
  for i in $(seq 16); do keys Down; done
  wait_for screen_has "The end: 1 of 2 checks passed, 1 failed."
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "scrolled back with Up, space at a pause follows the narration again: what the scenario says next is on screen" {
  cat >"$T/scroll.lua" <<'LUA'
scenario { title = "Going on follows the story" }
for i = 1, 8 do say(("line %d of the story, long enough to need its own row on the screen."):format(i)) end
pause("Press space: first pause.")
say("Said after the first pause.")
pause("Press space: second pause.")
LUA
  NO_COLOR=1 tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $T/scroll.lua"
  wait_for screen_has "Press space: first pause."
  keys Up Up Up
  wait_for screen_has "newer: Down"
  refute screen_has "Press space: first pause."
  keys Space
  wait_for screen_has "Press space: second pause."
  assert screen_has "Said after the first pause."
  refute screen_has "newer: Down"
  keys q
  wait_for pane_exited
}

@test "a line of CJK text wraps between characters, each two cells wide, never split" {
  export LC_ALL=C.UTF-8                  # ${#s} counts characters
  LANG=C.UTF-8 tmux_start 80 24 "LANG=C.UTF-8 $IPCLAB run $FIX/story.lua"
  wait_for screen_has "The end:"
  # 120 cells of 漢字 after an 8-cell gutter: 72 cells (36 characters) on the
  # first line, the other 24 on the next; nothing lost, no broken bytes.
  local first second
  first=$(screen | grep -m1 '漢' | sed 's/^ *> //')
  second=$(screen | grep '漢' | sed -n 2p | sed 's/^ *//')
  assert_equal "${#first}" 36
  assert_equal "${#second}" 24
  assert_equal "$first$second" "$(printf '漢字%.0s' $(seq 30))"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "q in a scenario chosen in the menu goes back to the menu, that scenario selected; a process killed with k is no error: q in the menu quits with status 0" {
  tmux_start 80 24 "$IPCLAB"
  wait_for screen_has "01 · Anonymous pipes"
  keys Enter
  wait_for screen_has "Scenarios and exercises, in order:"
  keys Down Enter                        # the lesson's second scenario
  wait_for screen_has "paused: press space"
  local title
  title=$(screen | head -1 | sed -E 's/^ ipclab  01-pipes  //; s/  +(paused|running).*//')
  keys k                                 # kill the selected process, as the help invites
  sleep 1
  keys q
  wait_for screen_has "Scenarios and exercises, in order:"
  # The scenario just played is the one selected (reverse video).
  run bash -c "tmux -S $TMUXS capture-pane -p -e | grep -F \"\${0:0:20}\"" "$title"
  assert_output --partial $'\e[7m'
  refute pane_exited
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "a process killed with k is said at once (the narration after may describe a run where it lives); a wait on it times out naming it as killed with k, not only as a timeout" {
  tmux_start 80 24 "$IPCLAB run $FIX/killed-with-k.lua --record $T/t.txt"
  wait_for screen_has "paused: press space"
  keys k                                 # the selected process: the sleeper
  wait_for screen_has "EXITED"
  keys Space
  wait_for screen_has "s  error ─"               # the status line: the scenario ended in error
  keys q
  wait_for pane_exited
  run cat "$T/t.txt"
  assert_output --regexp "timed out after 2 s waiting for the sleeper to say awake \(sleeper killed with k: the scenario cannot go on as written\)"
  assert_output --regexp "say \(You killed sleeper with k: from here on the scenario may describe a run where it lives\.\)"
}

# bats test_tags=asan
@test "a scenario's error after a process was killed with k names it as killed with k" {
  tmux_start 80 24 "$IPCLAB run $FIX/killed-with-k-error.lua --record $T/t.txt"
  wait_for screen_has "paused: press space"
  keys k
  wait_for screen_has "EXITED"
  keys Space
  wait_for screen_has "s  error ─"
  keys q
  wait_for pane_exited
  run cat "$T/t.txt"
  assert_output --regexp "error .*killed-with-k-error\.lua:9: .*nil value.*\(sleeper killed with k: the scenario cannot go on as written\)"
}

# bats test_tags=asan
@test "panes keep the order processes appeared in, an exited one in its place; the first live one is selected; the selection follows a process by name across restarts" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/order.lua"   # selected: reverse video
  wait_for screen_has "paused: press space"
  # Its panes in order: first (exited, in its place), then the two others.
  local order
  order=$(screen | grep -E '^ (first|alpha|beta)  ' | grep -oE '(first|alpha|beta)  program' | head -3 | sed 's/  program//' | tr '\n' ' ')
  assert_equal "$order" "first $(screen | sed -n 's/.*order: first //p' | tr -s ' ' | sed 's/ *$//') "
  assert screen_has "EXITED: exit 0"
  # Select alpha (tab from the first pane), then restart until alpha has
  # another slot; each time the selection is alpha's.
  selected() {                          # the pane in reverse video (SGR 7)
    tmux -S "$TMUXS" capture-pane -p -e | grep -oE $'\e''\[([0-9]+;)*7m('$'\e''\[[0-9;]*m)* (first|alpha|beta) ' |
      grep -oE '(first|alpha|beta)'
  }
  is_selected() { [ "$(selected)" = "$1" ]; }
  # Nothing chosen yet: the first live process is selected, not the exited
  # first one; tab goes on in order of appearance.
  local live
  read -ra live <<<"$(screen | sed -n 's/.*order: first //p')"
  wait_for is_selected "${live[0]}"
  keys Tab
  wait_for is_selected "${live[1]}"
  is_selected alpha || { keys Tab Tab; wait_for is_selected alpha; }
  local was i flipped=0
  was=$(screen | sed -n 's/.*order: first //p')
  local pid
  new_run() { ! screen_has "pid $1" && screen_has "paused: press space"; }
  for i in $(seq 12); do
    pid=$(screen | sed -n 's/.*alpha  program  pid \([0-9]*\).*/\1/p')
    # The order follows a pid's parity: on a quiet machine each run takes
    # the same number of pids, so one more fork every other time makes
    # sure the parity changes.
    (( i % 2 )) && /bin/true
    keys r
    wait_for new_run "$pid"
    wait_for is_selected alpha
    [ "$(screen | sed -n 's/.*order: first //p')" = "$was" ] || { flipped=1; break; }
  done
  [ "$flipped" = 1 ] || fail "alpha never got another slot in 12 restarts"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "after a scenario error r reloads cleanly: the error in the narration area again, nothing written over the screen" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/runtime-error.lua 2>$T/err"
  wait_for screen_has "no_such_function"
  keys r
  sleep 1.5                              # a person reads; the run reloads
  wait_for screen_has "no_such_function"
  # The screen is whole: the key bar once, on the last line; nothing was
  # written to stderr while curses owned the screen.
  assert_equal "$(screen | grep -c 'q quit')" 1
  assert_equal "$(screen | tail -1 | grep -c 'q quit')" 1
  assert_equal "$(wc -c <"$T/err")" 0
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 2
  assert_equal "$(grep -c 'attempt to call a nil value' "$T/err")" 1   # once, after the screen
}

# bats test_tags=asan
@test "--record is written as events happen: a teacher can tail -f it while the scenario runs, and sees its tally when it finishes" {
  tmux_start 80 24 "$IPCLAB run $FIX/full-pipe-screen.lua --record $T/live.txt"
  wait_for screen_has "paused: press space"
  # Still running, held at its pause: the lines so far are in the file.
  wait_for grep -q ' say ' "$T/live.txt"
  wait_for grep -q ' state writer sleeping in write' "$T/live.txt"
  refute pane_exited
  keys q
  wait_for pane_exited
  tmux_stop
  # A scenario that finishes on screen: its tally is in the file at once,
  # not only after q.
  tmux_start 80 24 "$IPCLAB run $FIX/expect-fails.lua --record $T/done.txt"
  wait_for grep -q ' finished: 2 expectations, 1 passed, 1 failed$' "$T/done.txt"
  refute pane_exited
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "the timeline scrolls back with PgUp and stays put while new events come; End follows again; Home shows a whole first page" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/timeline.lua"
  wait_for screen_has "100 frames went through"
  # The event numbers shown (the timeline's first column).
  numbers() { screen | grep -oE '^ *[0-9]+ +[0-9]+\.[0-9]{2} ' | awk '{print $1}' | tr '\n' ' '; }
  local before after
  before=$(numbers)
  keys PPage
  wait_for screen_has "newer: PgDn, End"
  after=$(numbers)
  [ "${after%% *}" -lt "${before%% *}" ] || fail "PgUp showed no older events: $before / $after"
  keys Space                             # 20 more frames: new events
  wait_for screen_has "Done. Press space to end."
  # The view has not moved: it ends at the same event (new panes may take
  # rows from the top of it).
  assert_equal "$(numbers | awk '{print $NF}')" "$(awk '{print $NF}' <<<"$after")"
  assert screen_has "newer: PgDn, End"
  keys End
  wait_for bash -c '! tmux -S "$0" capture-pane -p | grep -q "newer: PgDn"' "$TMUXS"
  [ "$(numbers | awk '{print $1}')" -gt "${before%% *}" ] || fail "End did not follow"
  # Home: a whole page from the oldest event, every row used (events that
  # get no row, a "before" not held, do not count); PgDn then PgUp: back.
  local full home
  full=$(numbers | wc -w)
  keys Home
  wait_for screen_has "newer: PgDn, End"
  home=$(numbers)
  assert_equal "$(wc -w <<<"$home")" "$full"
  [ "${home%% *}" -le 3 ] || fail "Home did not show the oldest events: $home"
  keys NPage
  wait_for bash -c '[ "$(tmux -S "$0" capture-pane -p | grep -oE "^ *[0-9]+ +[0-9]+\.[0-9]{2} " | awk "NR==1{print \$1}")" -gt "$1" ]' "$TMUXS" "$(awk '{print $NF}' <<<"$home")"
  assert_equal "$(numbers | wc -w)" "$full"
  keys PPage
  wait_for bash -c '[ "$(tmux -S "$0" capture-pane -p | grep -oE "^ *[0-9]+ +[0-9]+\.[0-9]{2} " | awk "NR==1{print \$1}")" = "$1" ]' "$TMUXS" "${home%% *}"
  keys q
  wait_for pane_exited
}

# The screen's text from column x on (or up to x: "to"), lines joined by
# single spaces: a title wrapped over lines reads whole.
columns_from() { screen | cut -c"$(($1 + 1))"- | tr -s ' \n' '  '; }
columns_to() { screen | cut -c1-"$1" | tr -s ' \n' '  '; }
detail_x() { screen | awk '/Scenarios and exercises, in order:/ { print index($0, "Scenarios") - 1; exit }'; }

# bats test_tags=asan
@test "at 80x24 the menu shows every lesson's and scenario's title whole, and the chosen scenario's about text" {
  export LC_ALL=C.UTF-8                  # cut counts characters ("·")
  LANG=C.UTF-8 tmux_start 80 24 "LANG=C.UTF-8 NO_COLOR=1 $IPCLAB"
  wait_for screen_has "Scenarios and exercises, in order:"
  local d t x n=0 kind name rest
  for d in "$ROOT"/lessons/*/; do
    wait_for screen_has "$(head -1 "$d/README.md" | sed 's/^# //' | cut -c1-12)"
    x=$(detail_x)
    t=$(head -1 "$d/README.md" | sed 's/^# //')
    [[ "$(columns_to "$x")" == *"$t"* ]] || fail "lesson title cut: $t"$'\n'"$(screen)"
    # Its steps, one at a time: the chosen one's title is whole (the list
    # starts later when it must), a scenario's about text under it.
    keys Enter
    local first=1
    while read -r kind name rest; do
      case $kind in
        scenario) t=$(sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$d/scenarios/$name.lua" | head -1) ;;
        exercise) t=$(head -1 "$d/exercises/$name/README.md" | sed 's/^# Exercise //') ;;
        *) continue ;;
      esac
      [ "$first" = 1 ] || keys Down
      first=0
      wait_for bash -c '[[ "$(tmux -S "$0" capture-pane -p | cut -c"$(($1 + 1))"- | tr -s " \n" "  ")" == *"$2"* ]]' "$TMUXS" "$x" "$t"
      n=$((n + 1))
      # An exercise's own scenario comes right after it.
      if [[ $rest == *run=* ]]; then
        t=$(sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$d/scenarios/${rest##*run=}.lua" | head -1)
        keys Down
        wait_for bash -c '[[ "$(tmux -S "$0" capture-pane -p | cut -c"$(($1 + 1))"- | tr -s " \n" "  ")" == *"$2"* ]]' "$TMUXS" "$x" "$t"
      fi
    done < <(sed 's/#.*//' "$d/steps")
    keys Left Down
  done
  [ "$n" -gt 0 ]
  # The steps in focus: the first one (a scenario) is chosen, and its about
  # text shows (its first string, whole).
  keys Enter
  local last first_scen
  last=$(ls -d "$ROOT"/lessons/*/ | tail -1)
  first_scen=$(awk '$1 == "scenario" { print $2; exit }' "$last/steps")
  t=$(grep -A3 'about *=' "$last/scenarios/$first_scen.lua" | grep -o '"[^"]*"' | head -1 | tr -d '"' | cut -c1-40)
  wait_for bash -c '[[ "$(tmux -S "$0" capture-pane -p | tr -s " \n" "  ")" == *"$1"* ]]' "$TMUXS" "$t"
  keys q
  wait_for pane_exited
}

# The first line is the title's heading, ' TITLE' at the shortest (ui.c
# picks the longest heading that fits): a title is whole when it is ASCII
# and fits in 79 columns. Every title is measured so; the longest is drawn
# on screen (one ipclab, not one a scenario: the sweep grows with every
# lesson; the drawing runs under the sanitizers in the next tests).
@test "at 80x24 every scenario's title is whole on its first line" {
  local f t longest="" file="" bad=""
  for f in "$ROOT"/lessons/*/scenarios/*.lua; do
    t=$(sed -n 's/.*title = "\([^"]*\)".*/\1/p' "$f" | head -1)
    [ -n "$t" ] || bad+="no title: $f"$'\n'
    ! LC_ALL=C grep -q '[^ -~]' <<<"$t" || bad+="not ASCII: $t"$'\n'
    [ "${#t}" -le "${#longest}" ] || { longest=$t file=$f; }
  done
  [ -z "$bad" ] || fail "$bad"
  [ "$(( ${#longest} + 1 ))" -le 80 ] || fail "longer than 79 columns: $longest"
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $file"
  wait_for screen_has "s "                 # drawn
  wait_for bash -c 'tmux -S "$0" capture-pane -p | head -1 | grep -qF -- "$1"' "$TMUXS" "$longest"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "at 80x24 a long output line shows its end (the number), not its start; o shows it whole, wrapped, and q goes back" {
  cat >"$T/long.lua" <<'LUA'
scenario { title = "A long line of output" }
local p = spawn { "sh", "-c", "echo 'counter: a line of output far too long for its pane, and at its end: counter now 4'; exec sleep 30", name = "counter" }
wait_until(function() return p:output():find("now 4") end, 10)
pause("look")
p:kill()
LUA
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $T/long.lua"
  wait_for screen_has "paused: press space"
  assert screen_has "counter now 4"
  assert screen_has "counter  program  pid"   # sh is no C lesson program
  refute screen_has "counter: a line of output"
  keys o                                        # its whole output, wrapped at a space
  wait_for screen_has "output of counter (pid "
  assert screen_has " counter: a line of output far too long for its pane, and at its end: counter"
  assert screen_has " now 4"
  keys q                                        # back to the run, not out of it
  wait_for screen_has "paused: press space"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "resizing while a scenario runs redraws it: larger, too small (a message), back to 80x24; q still ends it" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/full-pipe-screen.lua"
  wait_for screen_has "paused: press space"
  tmux -S "$TMUXS" resize-window -x 120 -y 40
  wait_for bash -c '[ "$(tmux -S "$0" capture-pane -p | head -1 | wc -c)" -gt 0 ] && tmux -S "$0" capture-pane -p | sed -n 40p | grep -q "q quit"' "$TMUXS"
  tmux -S "$TMUXS" resize-window -x 60 -y 20
  wait_for screen_has "Enlarge the terminal to at least 80x24 (it is 60x20)."
  tmux -S "$TMUXS" resize-window -x 80 -y 24
  wait_for bash -c 'tmux -S "$0" capture-pane -p | sed -n 24p | grep -q "q quit"' "$TMUXS"
  assert screen_has "65536/65536 bytes 100%"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "running processes that do not fit are said to be running, by name when one, never counted as exited" {
  cat >"$T/crowd.lua" <<'LUA'
scenario { title = "A crowd" }
local ps = {}
for i = 1, 11 do ps[i] = spawn { "sleep", "30", name = "s" .. i } end
wait_until(function() return ps[11]:state().state == "sleeping" end, 10)
pause("look")
for i = 1, 11 do ps[i]:kill() end
LUA
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $T/crowd.lua"
  wait_for screen_has "paused: press space"
  assert screen_has "running processes not shown (no room)"
  refute screen_has "exited process"
  tmux -S "$TMUXS" resize-window -x 80 -y 27
  wait_for screen_has "s11 not shown (no room)"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "more processes than the screen holds: the live one is shown, then the exited that ended last; the others are counted, panes never overlap, each still shows what it printed last; the timeline has lanes for the latest" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/many.lua --record $T/rec.txt"
  wait_for screen_has "paused: press space"
  assert screen_has "sleeper  program  pid"
  assert screen_has "late  program  pid"     # first to come, last to end: kept
  assert screen_has "exited processes not shown"
  # Every pane header sits on its own row (no output line drawn over it).
  run bash -c "tmux -S $TMUXS capture-pane -p | grep -cE '^ (short[0-9]+|sleeper) .*pid [0-9]+'"
  [ "$output" -ge 3 ]
  refute screen_has " > short"
  # Three lines a pane: what an exited one printed takes the line no object
  # needs, under its state.
  run bash -c "tmux -S $TMUXS capture-pane -p | grep -A2 -E '^ short[0-9]+ ' | grep -cE '^ > said[0-9]+ *( > said[0-9]+)? *$'"
  [ "$output" -ge 1 ]
  # The timeline's lanes include the sleeper, the newest.
  lane_for() { screen | grep -E '^ +# +time ' | grep -q "$1"; }
  wait_for lane_for sleeper               # its first event (asleep) makes it one
  # The record holds the say() on one line, its control byte made harmless.
  keys q
  wait_for pane_exited
  assert_equal "$(grep -c 'say A say() with a control byte ?\[2J in it, and a line break\.' "$T/rec.txt")" 1
}

# bats test_tags=asan
@test "in the menu a scenario that does not load shows its error on screen; q goes back to the menu; q there quits with 0" {
  mkdir -p "$T/kit/lessons/01-x/scenarios"
  printf '# 01 · X\n\nA lesson.\n' >"$T/kit/lessons/01-x/README.md"
  printf 'scenario { title = "Broken\n' >"$T/kit/lessons/01-x/scenarios/a.lua"
  mkdir "$T/kit/lessons/01-x/scenarios/b.lua"          # a folder named like a scenario
  tmux_start 80 24 "NO_COLOR=1 IPCLAB_ROOT=$T/kit $IPCLAB"
  wait_for screen_has "01 · X"
  keys Enter Enter
  wait_for screen_has "unfinished string near"
  keys q
  wait_for screen_has "Scenarios and exercises, in order:"
  keys Down Enter
  wait_for screen_has "! cannot read"
  keys q
  wait_for screen_has "Scenarios and exercises, in order:"
  keys q
  wait_for pane_exited
  assert_equal "$(pane_status)" 0
}

# bats test_tags=asan
@test "while the terminal is too small only q acts: a space typed unseen does not pass a pause" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/full-pipe-screen.lua"
  wait_for screen_has "paused: press space"
  tmux -S "$TMUXS" resize-window -x 70 -y 20
  wait_for screen_has "Enlarge the terminal"
  keys Space
  sleep 0.5                              # a frame reads the key
  tmux -S "$TMUXS" resize-window -x 80 -y 24
  wait_for screen_has "paused: press space"
  keys q
  wait_for pane_exited
}

@test "a process stopped with s holds the scenario's clock: the status says who and how to go on; a wait times out only once it is continued" {
  tmux_start 80 24 "$IPCLAB run $FIX/held.lua --record $T/held.txt 2>$T/ipclab.err"
  wait_for screen_has "paused: press space"
  keys s
  wait_for screen_has "sleeper stopped: s continues it"
  assert screen_has "(You stopped sleeper with s: SIGSTOP. s again continues it: SIGCONT.)"
  keys Space
  # The wait's timeout is 1 s: let the run's clock, on screen, pass 2.5 s.
  clock_past() { local t; t=$(screen | sed -n 's/.* \([0-9][0-9]*\)\.[0-9]s .*/\1/p' | head -1); [ "${t:-0}" -ge 3 ]; }
  wait_for clock_past
  ! screen_has "timed out"
  screen_has "sleeper stopped: s continues it"
  keys s
  wait_for screen_has "timed out after 1 s waiting"
  keys q
  wait_for pane_exited
  run grep -c "say (You stopped sleeper with s: SIGSTOP\|say (You continued sleeper with s: SIGCONT.)" "$T/held.txt"
  assert_output 2
}

@test "at 80x24 a scenario with many processes and objects keeps a timeline at every pause: exited panes and removed objects give way" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run 08/killed-holder --record $T/rec.txt"
  timeline_rows() { screen | grep -cE '^ +[0-9]+ +[0-9]+\.[0-9]{2} '; }
  pauses_or_end() { [ "$(grep -c ' pause (waiting for space)$' "$T/rec.txt")" -gt "$1" ] || grep -q ' finished: ' "$T/rec.txt"; }
  new_frame() { [ "$(screen | md5sum)" != "$1" ]; }   # the clock moves every frame
  local pauses=0
  while :; do
    wait_for pauses_or_end "$pauses"
    grep -q ' finished: ' "$T/rec.txt" && break
    pauses=$((pauses + 1))
    wait_for new_frame "$(screen | md5sum)"
    screen | grep -qE '^ +# +time ' || fail "no timeline at pause $pauses: $(screen)"
    [ "$(timeline_rows)" -ge 3 ] || fail "a timeline of $(timeline_rows) rows at pause $pauses: $(screen)"
    # A removed object is one line, not a line and a "(no such ...)".
    ! screen_has "(no such" || fail "$(screen)"
    keys Space
  done
  [ "$pauses" -ge 4 ] || fail "only $pauses pauses"
  wait_for screen_has "finished: "
  keys q
  wait_for pane_exited
}

@test "the timeline tells an end of file as such, after the writer's exit that caused it; calls that return nothing say ok" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run 01/empty-pipe --record $T/rec.txt"
  wait_for screen_has "paused: press space"
  keys Space
  wait_for screen_has "finished: "
  # On screen the end of file is said so; the writer's exit (which may be
  # above the rows shown) comes before it, in the timeline's order.
  assert screen_has "<-- read 0: end of file"
  local exited eof
  exited=$(grep -n ' exit writer exit 0$' "$T/rec.txt" | cut -d: -f1)
  eof=$(grep -n ' trace reader read(fd 0) = 0$' "$T/rec.txt" | cut -d: -f1)
  [ -n "$exited" ] && [ -n "$eof" ] && [ "$exited" -lt "$eof" ] || fail "$(cat "$T/rec.txt")"
  keys q
  wait_for pane_exited
  tmux_stop
  tmux_start 100 30 "NO_COLOR=1 $IPCLAB run 08/posix-semaphore"
  wait_for screen_has "paused: press space"
  wait_for screen_has "<-- sem_open ok"
  keys q
  wait_for pane_exited
}

@test "on screen a bidirectional override, C1 or escape in what a scenario says or a program prints is a '?', never passed to the terminal" {
  tmux_start 80 24 "$IPCLAB run $FIX/say-bytes.lua"
  wait_for screen_has "finished: "
  # Up to the entries with the bytes (the narration keeps them all).
  keys Up Up Up Up Up
  wait_for screen_has "rtl ?evil? ok"
  ! screen | grep -q $'\u202e' || fail "U+202E reached the terminal"
  ! screen | grep -q $'\u2066' || fail "U+2066 reached the terminal"
  keys q
  wait_for pane_exited
  tmux_stop
  tmux_start 80 24 "$IPCLAB run $FIX/screen-bytes.lua"
  wait_for screen_has "finished: "
  wait_for screen_has "out ? x ? y"
  assert screen_has "na?me"
  ! screen | grep -qP '[\x{80}-\x{9f}\x{202a}-\x{202e}]' || fail "$(screen)"
  keys q
  wait_for pane_exited
}

# bats test_tags=asan
@test "at 80x24 a POSIX queue's row shows its messages, bytes queued and its size limit, or, while someone is registered with mq_notify, who" {
  tmux_start 80 24 "NO_COLOR=1 $IPCLAB run $FIX/queue-notify.lua"
  wait_for screen_has "The sender asleep on the full queue."
  wait_for screen_has " 2/2 msgs 8 B (max 8192 B)"
  keys space
  wait_for screen_has "Registered by a thread."
  wait_for screen_has " 0/2 msgs 0 B; registered: by thread"
  keys space
  wait_for screen_has "Registered with SIGUSR2."
  wait_for screen_has " 0/2 msgs 0 B; registered: by signal"
  keys space
  wait_for screen_has "(no such queue)"      # the remover took it away
  keys q
  wait_for pane_exited
}
