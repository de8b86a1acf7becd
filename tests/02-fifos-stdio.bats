#!/usr/bin/env bats
# Lesson 02's programs (C and Python) started with a standard descriptor
# closed or full, given long paths or bad options: a message that cannot be
# written never stops the clean-up; a closed stdout is never taken by a FIFO
# the program opens (nothing reaches a peer, the error names "stdout"); a
# long message keeps its reason; -h, --help and unknown options are usage
# errors; "--" lets a path start with '-'; DIR/ makes DIR/server, an
# empty reply path shows as ''. Every test fails when a process
# or a file in the run's directory is left.

load helpers/common
bats_require_minimum_version 1.5.0

c()  { echo "$BIN/$1"; }
py() { echo "$PYTHON $PEERS/02-fifos/$1.py"; }
name() { local w=($1); echo "${w[-1]##*/}"; }   # fifo_node, fifo_node.py

setup() {
  common_setup
  D=$T/run                      # the run's private directory
  mkdir -m 700 "$D"
}

teardown() {
  assert_nothing_left
  [ -z "$(ls -A "$D")" ] || fail "left in $D: $(ls -A "$D")"
}

# "${WITH[@]}" REDIR CMD...: CMD with its descriptors redirected by REDIR
# ("2>&-"), the same process (exec).
WITH=(bash -c 'eval "exec \"\$@\" $0"')

# queued FD: the bytes waiting in the FIFO this shell holds open as FD.
queued() {
  "$PYTHON" -c 'import fcntl, struct, sys, termios
print(struct.unpack("i", fcntl.ioctl(int(sys.argv[1]), termios.FIONREAD, b"0000"))[0])' "$1"
}

@test "stderr closed or full: node, server and client, C and Python, still clean up and end with C's status, nothing left" {
  local redir lang node server client
  for redir in "2>&-" "2>/dev/full"; do
    for lang in c py; do
      node=$($lang fifo_node) server=$($lang fifo_server) client=$($lang fifo_client)
      # A node that made the FIFOs, ended by SIGTERM while it waits in open().
      bg n "${WITH[@]}" "$redir" $node --make b "$D"
      wait_for blocked_opening_fifo "$n"
      assert_fifo_exists "$D/a-to-b"
      kill -TERM "$n"
      reaped "$n"
      assert_equal "$status $redir $node" "143 $redir $node"
      assert_equal "$(ls -A "$D")" ""
      # A server for one request: its client answered, its FIFO removed, 0.
      bg s "${WITH[@]}" "$redir" $server -n 1 "$D"
      wait_for blocked_opening_fifo "$s"
      run --separate-stderr $(c fifo_client) "$D" hi
      assert_success
      reaped "$s"
      assert_equal "$status $redir $server" "0 $redir $server"
      # A client: answered, 0, its FIFO removed.
      bg s $(c fifo_server) -n 1 "$D"
      wait_for blocked_opening_fifo "$s"
      run "${WITH[@]}" "$redir" $client "$D" hi
      assert_equal "$status $redir $client" "0 $redir $client"
      assert_output "answer 1: hi (from C)"
      reaped "$s"
      assert_equal "$(ls -A "$D")" ""
    done
  done
}

@test "stdout closed: fifo_nonblock writes nothing into the FIFO it opened and says 'write stdout (fd 1)', C and Python" {
  local p r
  mkfifo -m 600 "$D/x"
  exec {r}<>"$D/x"                  # a reader: open-write succeeds
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    run --separate-stderr "${WITH[@]}" ">&-" $p "$D/x" <<<$'open-write\nwrite hello\nclose'
    assert_equal "$status" 1
    assert_equal "$stderr" "$(name "$p"): write stdout (fd 1): Bad file descriptor"
    assert_equal "$(queued $r)" 0
  done
  exec {r}<&-
  rm "$D/x"
}

@test "stdout closed: node a's replies never go into a-to-b; it says 'write stdout (fd 1)', node b ends well, C and Python" {
  local a b
  for a in "$(c fifo_node)" "$(py fifo_node)"; do
    for b in "$(c fifo_node)" "$(py fifo_node)"; do
      bg nb $b --make b "$D"
      wait_for blocked_opening_fifo "$nb"
      run --separate-stderr "${WITH[@]}" ">&-" $a -n 2 a "$D"
      assert_equal "$status" 1
      assert_equal "${stderr##*$'\n'}" "$(name "$a") a: write stdout (fd 1): Bad file descriptor"
      reaped "$nb"
      assert_equal "$status" 0
      assert_equal "$(tail -n 1 "$T/nb.err")" "$(name "$b") b: answered 1 ping"
    done
  done
}

# bats test_tags=asan
@test "stdin closed or stderr closed at start: /dev/null stands in, unusable the same way (EBADF), named stdin; no FIFO of the run takes fds 0-2" {
  local p
  mkfifo -m 600 "$D/x"
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    run --separate-stderr "${WITH[@]}" "<&-" $p "$D/x"
    assert_equal "$status" 1
    assert_equal "$stderr" "$(name "$p"): read stdin (fd 0): Bad file descriptor"
  done
  # A server started with 0, 1 and 2 closed: none of them is its FIFO.
  for p in "$(c fifo_server)" "$(py fifo_server)"; do
    bg s "${WITH[@]}" "<&- >&- 2>&-" $p -n 1 "$D"
    wait_for blocked_opening_fifo "$s"
    assert_equal "$(readlink /proc/$s/fd/0 /proc/$s/fd/1 /proc/$s/fd/2)" $'/dev/null\n/dev/null\n/dev/null'
    kill -TERM "$s"
    reaped "$s"
    assert_equal "$status" 143
  done
  rm "$D/x"
}

# long_path N: a path of N bytes under $D that does not exist.
long_path() { printf '%s/%s' "$D" "$(head -c $(($1 - ${#D} - 1)) /dev/zero | tr '\0' x)"; }

# bats test_tags=asan
@test "a message about a 5000-byte path keeps its reason and its newline: the path's middle cut ('...'), at most 4096 bytes, C and Python the same words" {
  local p path line c_line
  path=$(long_path 5000)
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    printf 'open-read\n' | "${WITH[@]}" "" $p "$path" 2>"$T/err" >/dev/null || true
    line=$(<"$T/err")
    [ "$(tail -c 1 "$T/err" | od -An -c | tr -d ' ')" = '\n' ] || fail "no newline at the end"
    assert_equal "$(wc -l <"$T/err")" 1
    (( $(stat -c %s "$T/err") <= 4096 )) || fail "$(stat -c %s "$T/err") bytes"
    [[ $line == "$(name "$p"): open $D/xxx"*"...xxx"*"x: File name too long" ]] || fail "$line"
    # The last 240 bytes of the message before the reason are kept.
    [[ ${line%: File name too long} == *"...$(printf '%240s' | tr ' ' x)" ]] || fail "tail: $line"
    # The same words: C's start is 3 bytes longer (".py" is not in its name).
    line=${line#*: }
    if [ -z "${c_line:-}" ]; then
      c_line=$line
    else
      assert_equal "${line#*...}" "${c_line#*...}"
      local c_head=${c_line%%...*}
      assert_equal "${line%%...*}" "${c_head:0:${#c_head}-3}"
    fi
  done
  # A DIR of 3000 bytes: whole, with its reason (it was cut at 1023 bytes).
  path=$(long_path 3000)
  for p in "$(c fifo_client)" "$(py fifo_client)"; do
    run --separate-stderr $p "$path" hi
    assert_failure 1
    assert_equal "$stderr" "$(name "$p"): lstat $path: File name too long"
  done
}

# bats test_tags=asan
@test "-h, --help and an unknown option: usage, status 2, for every program of lesson 02, C and Python; '--' lets a path start with '-'" {
  local prog p opt
  for prog in fifo_node fifo_server fifo_client fifo_nonblock; do
    for p in "$(c $prog)" "$(py $prog)"; do
      for opt in -h --help --bogus; do
        run --separate-stderr $p $opt "$D" </dev/null
        assert_equal "$status $p $opt" "2 $p $opt"
        [[ $stderr == "$(name "$p"): usage: "* ]] || fail "$p $opt: $stderr"
      done
    done
  done
  cd "$T"
  for p in "$(c fifo_nonblock)" "$(py fifo_nonblock)"; do
    run --separate-stderr $p -- -x <<<open-read
    assert_equal "$status" 1
    assert_equal "$stderr" "$(name "$p"): open -x: No such file or directory"
  done
  for p in "$(c fifo_server)" "$(py fifo_server)"; do
    run --separate-stderr $p -n 1 -- -x
    assert_failure 1
    assert_equal "$stderr" "$(name "$p"): lstat -x: No such file or directory"
  done
  for p in "$(c fifo_client)" "$(py fifo_client)"; do
    run --separate-stderr $p -- -x hi
    assert_failure 1
    assert_equal "$stderr" "$(name "$p"): lstat -x: No such file or directory"
  done
  for p in "$(c fifo_node)" "$(py fifo_node)"; do
    run --separate-stderr $p -- b -x
    assert_failure 1
    assert_equal "$stderr" "$(name "$p") b: lstat -x: No such file or directory"
  done
}

@test "DIR given with a trailing slash: the FIFOs are named DIR/a-to-b, DIR/server, never DIR//a-to-b, C and Python" {
  local lang
  for lang in c py; do
    bg n $($lang fifo_node) --make b "$D/"
    wait_for blocked_opening_fifo "$n"
    assert_equal "$(<"$T/n.err")" "$(name "$($lang fifo_node)") b: opening $D/a-to-b for reading: waits for the other end"
    kill -TERM "$n"
    reaped "$n"
    bg s $($lang fifo_server) -n 1 "$D//"
    wait_for blocked_opening_fifo "$s"
    assert_equal "$(<"$T/s.err")" "$(name "$($lang fifo_server)"): waiting for the first client on $D/server"
    run --separate-stderr $($lang fifo_client) "$D/" hi
    assert_success
    assert_equal "$stderr" "$(name "$($lang fifo_client)"): sending to $D/server"
    reaped "$s"
  done
}

@test "a request with an empty reply path: shown as '', refused as not a name in DIR, C and Python" {
  local lang
  for lang in c py; do
    bg s $($lang fifo_server) -n 1 "$D"
    wait_for blocked_opening_fifo "$s"
    "$PYTHON" -c 'import os, struct, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, struct.pack("<i", 3) + b"\0hi")' "$D/server"
    reaped "$s"
    assert_equal "$status" 0
    assert_equal "$(<"$T/s.out")" "request 1: '': hi"
    assert_equal "$(sed -n 2p "$T/s.err")" "$(name "$($lang fifo_server)"): request 1: '': not a name in $D: refused"
  done
}
