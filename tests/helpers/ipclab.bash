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
