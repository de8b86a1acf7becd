# tests/helpers/ipclab.bash - running ipclab in tests.
IPCLAB=$BIN/ipclab
FIX=$ROOT/tests/fixtures
# A private base directory per test: runs of parallel tests never meet.
export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
export TZ=UTC LANG=C.UTF-8
# tmux's socket in the test's own folder too: nothing left in /tmp/tmux-UID.
export TMUX_TMPDIR=$BATS_TEST_TMPDIR
TMUX_STARTS=0

no_procs_left() { [ -z "$(our_procs)" ]; }

# The janitor is ipclab's child that runs ipclab too, in its own group.
janitor_of() {
  local kid
  for kid in $(cat "/proc/$1/task/$1/children"); do
    [ "$(cat "/proc/$kid/comm" 2>/dev/null)" != ipclab ] || echo "$kid"
  done
}

# ipclab on a real terminal: a private tmux server per test. The command's
# exit status goes to a file (tmux does not always record a pane's status).
tmux_start() {       # COLS ROWS COMMAND
  # In the test's folder (kill-server leaves the socket file), a new one
  # each start: a server still on its way out after tmux_stop must not take
  # the next start's connection ("server exited unexpectedly").
  TMUXS="$T/tmux-$((++TMUX_STARTS)).sock"
  rm -f "$T/exit-status"
  printf 'set -g remain-on-exit on\nset -g status off\n' >"$T/tmux.conf"
  tmux -S "$TMUXS" -f "$T/tmux.conf" new-session -d -x "$1" -y "$2" \
    "$3; echo \$? >$T/exit-status.tmp; mv $T/exit-status.tmp $T/exit-status" 3>&-
}
screen() { tmux -S "$TMUXS" capture-pane -p; }
screen_has() { screen | grep -qF -- "$1"; }
screen_has_any() { local s; s=$(screen); for x; do [[ $s == *"$x"* ]] && return 0; done; return 1; }
keys() { tmux -S "$TMUXS" send-keys "$@"; }
pane_exited() { [ -s "$T/exit-status" ]; }
pane_status() { cat "$T/exit-status" 2>/dev/null; }
# tmux_stop: end the server and wait until it is gone.
tmux_stop() {
  local pid
  pid=$(tmux -S "$TMUXS" display-message -p '#{pid}' 2>/dev/null) || pid=
  tmux -S "$TMUXS" kill-server 2>/dev/null || true
  [ -z "$pid" ] || wait_for proc_gone "$pid"
}
