#!/usr/bin/env bats
# Lesson 02: stale and hostile names (issue 11, point 7). A node that joins
# FIFOs it did not make looks at the name first (lstat) and opens only a
# FIFO of its own that nobody else can open: a regular file, a directory, a
# symbolic link, another user's FIFO or one whose mode lets others in is
# refused, status 1, a message naming the path and what is there, and
# nothing is opened or written through it. After open() it checks the
# descriptor is the FIFO it looked at (fstat: the same device and inode):
# a name swapped in between is refused. With --make, anything already at a
# name (a FIFO left from an earlier run?) is said as such. Each case for C
# and Python. The tutorial's writer, which writes into all of these, is in
# 02-fifos-naive.bats.

load helpers/common
load helpers/fifos
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/02-fifos/$1.py"; }
prog() { [[ $1 == *.py* ]] && echo fifo_node.py || echo fifo_node; }

setup() {
  common_setup
  D=$T/run                      # the run's private directory
  mkdir -m 700 "$D"
}

teardown() {
  assert_nothing_left
  [ -z "$(ls -A "$D")" ] || fail "left in $D: $(ls -A "$D")"
}

# refused MESSAGE NODE-ARGS...: C and Python end with status 1 and say
# MESSAGE (after "PROG ROLE: ", "fifo_node b: "), nothing else (no
# "opening ...", no traceback).
# Nobody holds the other end of what they are given: had either opened a
# FIFO there, it would sleep in openat for ever (timeout: a bound that ends
# such a broken node, status 124, instead of the test; never a wait).
refused() {
  local msg=$1 node role
  shift
  for role in "$@"; do [[ $role == [ab] ]] && break; done
  for node in "$(c fifo_node)" "$(py fifo_node)"; do
    run --separate-stderr timeout -s KILL 30 $node "$@"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(prog "$node") $role: $msg"
  done
}

# bats test_tags=asan
@test "a regular file at a FIFO's name is refused before open(), for reading and writing; the file is unchanged" {
  printf 'planted\n' >"$D/a-to-b"
  touch -d @1000000000 "$D/a-to-b"
  refused "$D/a-to-b: a regular file, not a FIFO: refused" a "$D"
  refused "$D/a-to-b: a regular file, not a FIFO: refused" b "$D"
  assert_equal "$(stat -c '%s %Y' "$D/a-to-b")" "8 1000000000"
  assert_equal "$(<"$D/a-to-b")" planted
  rm "$D/a-to-b"
}

# bats test_tags=asan
@test "a directory at a FIFO's name is refused before open()" {
  mkdir -m 700 "$D/a-to-b"
  refused "$D/a-to-b: a directory, not a FIFO: refused" a "$D"
  refused "$D/a-to-b: a directory, not a FIFO: refused" b "$D"
  assert_equal "$(ls -A "$D/a-to-b")" ""
  rmdir "$D/a-to-b"
}

# bats test_tags=asan
@test "a symbolic link at a FIFO's name is refused, never followed: the FIFO and the file it names get nothing" {
  local h
  mkdir -m 700 "$T/elsewhere"
  mkfifo -m 600 "$T/elsewhere/fifo"
  exec {h}<>"$T/elsewhere/fifo"     # a reader there: a followed link would open at once
  printf 'planted\n' >"$T/elsewhere/file"
  ln -s "$T/elsewhere/fifo" "$D/a-to-b"
  refused "$D/a-to-b: a symbolic link, not a FIFO: refused" a "$D"
  refused "$D/a-to-b: a symbolic link, not a FIFO: refused" b "$D"
  assert_equal "$(pipe_level "$BASHPID" "$h")" "0 65536"
  ln -sf "$T/elsewhere/file" "$D/a-to-b"
  refused "$D/a-to-b: a symbolic link, not a FIFO: refused" a "$D"
  assert_equal "$(<"$T/elsewhere/file")" planted
  exec {h}>&-
  rm -r "$D/a-to-b" "$T/elsewhere"
}

# bats test_tags=asan
@test "a FIFO of another user's, with that user's reader on it, is refused before open(): the reader gets nothing" {
  local mode why
  for mode in 600 666; do
    plant_foreign "$D/a-to-b" "$mode"
    # Only what is wrong is named: the owner, and the mode when it is wrong too.
    why="owner uid $(id -u nobody), not $EUID (us)"
    [ "$mode" = 600 ] || why+="; mode 0$mode, not 0600"
    refused "$D/a-to-b: $why: not a private FIFO of ours: refused" a "$D"
    refused "$D/a-to-b: $why: not a private FIFO of ours: refused" b "$D"
    spy_got_nothing
    rm "$D/a-to-b"
  done
}

# bats test_tags=asan
@test "a FIFO of ours whose mode lets the group or others in (0660, 0606, 0644, 0611) is refused before open()" {
  local mode
  for mode in 660 606 644 611; do
    mkfifo -m "$mode" "$D/a-to-b"
    refused "$D/a-to-b: mode 0$mode, not 0600: not a private FIFO of ours: refused" a "$D"
    refused "$D/a-to-b: mode 0$mode, not 0600: not a private FIFO of ours: refused" b "$D"
    rm "$D/a-to-b"
  done
}

# bats test_tags=asan
@test "--make with something already at a name: 'mkfifo NAME: File exists (left from an earlier run?)', nothing opened, what this run made removed, the thing left as it was" {
  mkfifo -m 600 "$D/a-to-b"         # left by an earlier run
  refused "mkfifo $D/a-to-b: File exists (left from an earlier run?)" --make a "$D"
  refused "mkfifo $D/a-to-b: File exists (left from an earlier run?)" --make b "$D"
  assert_equal "$(ls -A "$D")" a-to-b
  mv "$D/a-to-b" "$D/b-to-a"        # the second name: the first, made now, is removed
  refused "mkfifo $D/b-to-a: File exists (left from an earlier run?)" --make a "$D"
  assert_equal "$(ls -A "$D")" b-to-a
  rm "$D/b-to-a"
  printf 'planted\n' >"$D/b-to-a"
  refused "mkfifo $D/b-to-a: File exists (left from an earlier run?)" --make b "$D"
  assert_equal "$(<"$D/b-to-a")" planted
  rm "$D/b-to-a"
}

# swapped NODE: the node has looked at DIR/a-to-b (a FIFO of ours, 0600) and
# waits, in step mode, before its open(); the name is then given to a
# regular file. open() succeeds on the file, fstat shows another inode: the
# node refuses it, status 1, and the file is unchanged.
swapped() {
  local node=$1 go
  mkfifo -m 600 "$D/a-to-b" "$T/step"
  exec {go}<>"$T/step"              # ours alone: its close is the node's EOF
  bg nd env IPCLAB_STEP_FD=7 IPCLAB_TRACE_FD=8 $node a "$D" 7<"$T/step" 8>>"$T/nd.trace" {go}>&-
  wait_for grep -q 'ev=before op=open .*step=wait' "$T/nd.trace"
  assert_equal "$(<"$T/nd.err")" "$(prog "$node") a: opening $D/a-to-b for writing: waits for the other end"
  printf 'planted\n' >"$T/file"
  mv "$T/file" "$D/a-to-b"
  exec {go}>&-                      # end of file on the step FIFO: it runs freely
  reaped "$nd"
  assert_equal "$status" 1
  assert_equal "$(tail -n 1 "$T/nd.err")" "$(prog "$node") a: $D/a-to-b: replaced between lstat and open: refused"
  assert_equal "$(<"$D/a-to-b")" planted
  rm "$D/a-to-b" "$T/step" "$T/nd.trace"
}

# bats test_tags=asan
@test "a name swapped for a file between lstat and open() is refused after open() (fstat: another inode), nothing written" {
  swapped "$(c fifo_node)"
  swapped "$(py fifo_node)"
}

# bats test_tags=asan
@test "as another user in its own 0700 directory the nodes talk (FIFOs 0600, that user's); root joining that directory is refused" {
  local a b
  public_copy "$BIN/fifo_node" "$PEERS"
  install -d -m 711 "$PUB/w"        # a 0711 folder of the test, and in it...
  install -d -m 700 -o nobody -g nogroup "$PUB/w/run"     # ...nobody's own
  local E=$PUB/w/run C=$PUB/fifo_node P="$PYTHON $PUB/python_peers/02-fifos/fifo_node.py"
  for a in "$C" "$P"; do
    b=$P; [[ $a == *.py ]] && b=$C
    bg node_a "${AS_NOBODY[@]}" $a --make -n 2 a "$E"
    wait_for test -p "$E/b-to-a"
    assert_equal "$(stat -c '%U %a' "$E/a-to-b" "$E/b-to-a")" "nobody 600
nobody 600"
    # Root, who could open anything, is refused by the directory check.
    run --separate-stderr $(c fifo_node) b "$E"
    assert_equal "$status" 1
    assert_equal "$stderr" "fifo_node b: $E: owner uid $(id -u nobody), not $EUID (us): not a directory of ours (mktemp -d makes one)"
    run --separate-stderr $(py fifo_node) b "$E"
    assert_equal "$stderr" "fifo_node.py b: $E: owner uid $(id -u nobody), not $EUID (us): not a directory of ours (mktemp -d makes one)"
    run --separate-stderr "${AS_NOBODY[@]}" $b b "$E"
    assert_success
    reaped "$node_a"
    assert_equal "$status" 0
    assert_equal "$(wc -l <"$T/node_a.out")" 2
    assert_equal "$(ls -A "$E")" ""
  done
}

# dir_refused MESSAGE AS DIR: fifo_node, fifo_server and fifo_client, C and
# Python (the copies in $PUB), run on DIR (as nobody when AS is "nobody"):
# each ends with status 1 and says "PROG: MESSAGE" ("fifo_node a: MESSAGE"),
# nothing else.
dir_refused() {
  local msg=$1 as=() cmd words
  [ "$2" != nobody ] || as=("${AS_NOBODY[@]}")
  local P="$PYTHON $PUB/python_peers/02-fifos"
  for cmd in "$PUB/fifo_node a @" "$P/fifo_node.py a @" "$PUB/fifo_server @" \
             "$P/fifo_server.py @" "$PUB/fifo_client @ t" "$P/fifo_client.py @ t"; do
    read -ra words <<<"${cmd/@/$3}"
    run --separate-stderr "${as[@]}" "${words[@]}"
    assert_equal "$status" 1
    local role=""
    [[ $cmd != *fifo_node* ]] || role=" a"      # a node names its role
    [[ $cmd == *.py* ]] && cmd=${cmd%%.py*}.py || cmd=${cmd%% *}
    assert_equal "$stderr" "${cmd##*/}$role: $msg"
  done
}

# bats test_tags=asan
@test "DIR not a private directory of ours: each program says what is wrong (its mode, its owner, what it is), C and Python alike" {
  public_copy "$BIN/fifo_node" "$BIN/fifo_server" "$BIN/fifo_client" "$PEERS"
  mkdir -m 777 "$T/open"
  chmod 777 "$T/open"               # whatever the umask
  dir_refused "$T/open: mode 0777, not 0700: not a private directory of ours (mktemp -d makes one)" "" "$T/open"
  assert_equal "$(ls -A "$T/open")" ""
  chmod 750 "$T/open"
  dir_refused "$T/open: mode 0750, not 0700: not a private directory of ours (mktemp -d makes one)" "" "$T/open"
  dir_refused "/: mode $(stat -c %04a /), not 0700: not a private directory of ours (mktemp -d makes one)" "" /
  touch "$T/file"
  dir_refused "$T/file: a regular file, not a directory" "" "$T/file"
  ln -s "$D" "$T/link"              # even to a good one: never followed
  dir_refused "$T/link: a symbolic link, not a directory" "" "$T/link"
  install -d -m 700 "$PUB/root"     # root's own, 0700: as nobody
  dir_refused "$PUB/root: owner uid $EUID, not $(id -u nobody) (us): not a directory of ours (mktemp -d makes one)" nobody "$PUB/root"
  assert_equal "$(ls -A "$PUB/root")$(ls -A "$T/open")$(ls -A "$D")" ""     # nothing made
  rm -r "$T/open" "$T/file" "$T/link"
}

# bats test_tags=asan
@test "fifo_node's open_fifo, asked for O_RDWR, says 'for reading and writing' (C and Python, each called on its own)" {
  # fifo_node opens each FIFO one way; its function says any of the three.
  # The C one, its main renamed, with a main of ours that calls it.
  printf '#define main fifo_node_main\n#include "fifo_node.c"\n#undef main\n%s\n' \
    'int main(int argc, char *argv[]) { (void)argc; set_progname("fifo_node a");
       return close(open_fifo(argv[1], O_RDWR)) == -1; }' |
    cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$ROOT/demos/common" \
       -I"$ROOT/demos/02-fifos" -o "$T/open_rdwr" -x c - "$ROOT"/demos/common/*.c
  mkfifo -m 600 "$D/f"
  run --separate-stderr "$T/open_rdwr" "$D/f"
  assert_success
  assert_equal "$stderr" "fifo_node a: opening $D/f for reading and writing: waits for the other end"
  run --separate-stderr "$PYTHON" - "$PEERS/02-fifos/fifo_node.py" "$D/f" <<'PY'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("fifo_node", sys.argv[1])
node = importlib.util.module_from_spec(spec)
spec.loader.exec_module(node)
node.set_progname("fifo_node.py a")     # its messages' name, as main() sets it
os.close(node.open_fifo(sys.argv[2], os.O_RDWR))
PY
  assert_success
  assert_equal "$stderr" "fifo_node.py a: opening $D/f for reading and writing: waits for the other end"
  rm "$D/f" "$T/open_rdwr"
}
