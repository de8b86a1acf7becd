# tests/helpers/ipclab.bash - running ipclab in tests.
IPCLAB=$BIN/ipclab
FIX=$ROOT/tests/fixtures
# A private base directory per test: runs of parallel tests never meet.
export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
export TZ=UTC LANG=C.UTF-8

no_procs_left() { [ -z "$(our_procs)" ]; }

# The janitor is ipclab's child that runs ipclab too, in its own group.
janitor_of() {
  local kid
  for kid in $(cat "/proc/$1/task/$1/children"); do
    [ "$(cat "/proc/$kid/comm")" = ipclab ] && echo "$kid"
  done
}

# ipclab on a real terminal: a private tmux server per test; the pane stays
# after ipclab exits so its exit status can be read.
tmux_start() {       # COLS ROWS COMMAND
  TMUXS="ipclab-$IPCLAB_TESTID"
  printf 'set -g remain-on-exit on\nset -g status off\n' >"$T/tmux.conf"
  tmux -L "$TMUXS" -f "$T/tmux.conf" new-session -d -x "$1" -y "$2" "$3" 3>&-
}
screen() { tmux -L "$TMUXS" capture-pane -p; }
screen_has() { screen | grep -qF -- "$1"; }
keys() { tmux -L "$TMUXS" send-keys "$@"; }
# The pane can be dead (its pty closed) before tmux has the exit status.
pane_exited() { [ -n "$(pane_status)" ]; }
pane_status() { tmux -L "$TMUXS" display -p "#{pane_dead_status}#{?pane_dead_signal,signal #{pane_dead_signal},}"; }
tmux_stop() { tmux -L "$TMUXS" kill-server 2>/dev/null || true; }
