# tests/helpers/fifos.bash - lesson 02's tests: a FIFO another user planted.
# Loaded after helpers/common (bg, wait_for, public_copy's $PUB).

AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

# plant_foreign PATH MODE: a FIFO made by nobody (mkfifo run as nobody, in a
# folder of nobody's under $PUB, which teardown removes), moved to PATH by
# root (a rename keeps its owner), and a reader of nobody's on it: cat,
# which also holds a write end (so it never reads EOF), its pid in $spy,
# what it read in $T/spy.out.
plant_foreign() {
  if [ -z "${PUB:-}" ]; then
    PUB=$(mktemp -d /tmp/ipclab-pub.XXXXXX)
    chmod 755 "$PUB"
  fi
  [ -d "$PUB/nobody" ] || install -d -m 700 -o nobody -g nogroup "$PUB/nobody"
  local f=$PUB/nobody/planted
  runuser -u nobody -- mkfifo -m "$2" "$f"
  bg spy "${AS_NOBODY[@]}" sh -c 'exec 3<>"$1"; exec cat <&3' - "$f"
  wait_for blocked_reading_pipe "$spy"
  mv "$f" "$1"
  assert_equal "$(stat -c '%F %U %a' "$1")" "fifo nobody $2"
}

# spy_got_nothing: nobody's reader is asleep in read() with nothing read,
# and nothing waits in its FIFO; then it is ended and reaped.
spy_got_nothing() {
  wait_for blocked_reading_pipe "$spy"
  assert_equal "$(pipe_level "$spy" 0)" "0 65536"
  assert_equal "$(stat -c %s "$T/spy.out")" 0
  kill "$spy"
  wait "$spy" || true
  rm "$T/spy.out" "$T/spy.err"
}
