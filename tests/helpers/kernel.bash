# tests/helpers/kernel.bash - what the kernel shows about a process and a
# pipe, read the way ipclab reads it (docs/architecture.md): /proc/PID/stat,
# wchan, syscall and fd links; FIONREAD and F_GETPIPE_SZ on a pipe.

# State letter: R running, S sleeping, D disk, T stopped, Z zombie.
proc_state() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  stat=${stat##*) }          # the name may hold spaces and ')': cut at the last
  echo "${stat%% *}"
}

proc_wchan() { cat "/proc/$1/wchan"; echo; }

# The syscall a process is blocked in, by name (x86_64 and aarch64 numbers
# for the calls the lessons use), then its first argument (the fd).
proc_syscall() {
  local nr arg0 rest
  read -r nr arg0 rest <"/proc/$1/syscall" || return 1
  [ "$nr" = running ] && { echo running; return; }
  echo "$(syscall_name "$nr") $((arg0))"
}

# proc_text VAR FILE: a /proc file's text into VAR, as one read() made it;
# false when FILE cannot be read (its process gone). Never loop `while read
# ... done <FILE` over a /proc file: bash reads ahead and seeks back after
# each line, and every read() there makes the file anew, so a field whose
# length changed in between tears the lines after it (a SigCgt read as
# "gCgt:"). read -d '' takes it whole (a /proc file of ours is well under
# one 4 KiB read), with no fork: it is polled often.
proc_text() {
  IFS= read -r -d '' "$1" 2>/dev/null <"$2"
  [ -n "${!1}" ]
}

MACHINE=$HOSTTYPE       # uname -m, without a process each test: bash knows it

syscall_name() {
  case "$MACHINE:$1" in
    x86_64:0) echo read ;; x86_64:1) echo write ;; x86_64:7) echo poll ;;
    x86_64:34) echo pause ;; x86_64:35) echo nanosleep ;; x86_64:61) echo wait4 ;;
    x86_64:128) echo rt_sigtimedwait ;; x86_64:130) echo rt_sigsuspend ;; x86_64:230) echo clock_nanosleep ;;
    x86_64:257) echo openat ;; x86_64:202) echo futex ;; x86_64:271) echo ppoll ;;
    x86_64:65) echo semop ;; x86_64:220) echo semtimedop ;;
    x86_64:242) echo mq_timedsend ;; x86_64:243) echo mq_timedreceive ;;
    aarch64:63) echo read ;; aarch64:64) echo write ;; aarch64:56) echo openat ;;
    aarch64:137) echo rt_sigtimedwait ;; aarch64:133) echo rt_sigsuspend ;; aarch64:260) echo wait4 ;; aarch64:73) echo ppoll ;;
    aarch64:98) echo futex ;; aarch64:193) echo semop ;; aarch64:192) echo semtimedop ;;
    aarch64:182) echo mq_timedsend ;; aarch64:183) echo mq_timedreceive ;;
    *) echo "syscall-$1" ;;
  esac
}

# Sleeping in a read of a pipe: state S, a pipe wchan, syscall read.
blocked_reading_pipe() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_wchan "$1") == *pipe_read* ]] &&
  [[ $(proc_syscall "$1") == "read "* ]]
}

# Sleeping in a write to a pipe: state S, a pipe wchan, syscall write.
blocked_writing_pipe() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_wchan "$1") == *pipe_write* ]] &&
  [[ $(proc_syscall "$1") == "write "* ]]
}

# Sleeping in poll (or ppoll, the one aarch64 has): state S, syscall poll
# or ppoll (the wchan, do_sys_poll or poll_schedule_timeout, is not relied on).
blocked_in_poll() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_syscall "$1") == @(poll|ppoll)" "* ]]
}

# Sleeping in sigwait (sigtimedwait): the demos' --hold.
blocked_in_sigwait() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_syscall "$1") == "rt_sigtimedwait "* ]]
}

# Sleeping in sem_wait (a POSIX semaphore is a futex; the wchan is
# futex_do_wait on 6.18, futex_wait_queue on 6.1: only "futex" is relied on).
blocked_in_sem_wait() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_wchan "$1") == *futex* ]] &&
  [[ $(proc_syscall "$1") == "futex "* ]]
}

# Sleeping in semop on a System V semaphore set (glibc's semop is the
# semtimedop system call on x86_64; the wchan, __do_semtimedop on 6.18,
# differs between kernels: only its "sem" is relied on).
blocked_in_semop() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_wchan "$1") == *sem* ]] &&
  [[ $(proc_syscall "$1") == @(semop|semtimedop)" "* ]]
}

# Sleeping in mq_receive on an empty POSIX queue (glibc's mq_receive is
# the mq_timedreceive system call; the wchan, wq_sleep here, is not relied on).
blocked_in_mq_receive() {
  [ "$(proc_state "$1")" = S ] &&
  [[ $(proc_syscall "$1") == "mq_timedreceive "* ]]
}

# Asleep in open() of a FIFO, waiting for a partner: state S, syscall
# openat (the wchan, wait_for_partner here, is not relied on).
blocked_opening_fifo() {
  [ "$(proc_state "$1")" = S ] && [[ $(proc_syscall "$1") == "openat "* ]]
}

# opening_for PID: what a process asleep in openat opens the file for,
# "reading", "writing" or "reading and writing", from the flags argument
# (the third) in /proc/PID/syscall; nothing when it is in no openat.
opening_for() {
  local nr dirfd path flags rest
  read -r nr dirfd path flags rest <"/proc/$1/syscall" 2>/dev/null || return 0
  [ "$(syscall_name "$nr")" = openat ] || return 0
  case $((flags & 3)) in
    0) echo reading ;; 1) echo writing ;; *) echo "reading and writing" ;;
  esac
}

# opening_path PID: the path a process asleep in openat opens, read as
# strace reads it: the second argument in /proc/PID/syscall points into its
# memory (/proc/PID/mem, read, which changes nothing); a relative path is
# joined to its working folder (dirfd AT_FDCWD) or to the folder its dirfd
# names. Nothing when it is in no openat.
opening_path() {
  "$PYTHON" - "$1" 2>/dev/null <<'PY' || return 0
import os, sys
pid = sys.argv[1]
nr, dirfd, ptr = open(f"/proc/{pid}/syscall").read().split()[:3]
if nr not in ("257", "56"):          # openat on x86_64, aarch64
    sys.exit(0)
fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
try:
    path = os.pread(fd, 4096, int(ptr, 16)).split(b"\0")[0]
finally:
    os.close(fd)
if not path.startswith(b"/"):
    d = int(dirfd, 16)
    at_fdcwd = d in (0xffffff9c, 0xffffffffffffff9c)
    base = os.readlink(f"/proc/{pid}/cwd" if at_fdcwd else f"/proc/{pid}/fd/{d}")
    path = os.path.join(os.fsencode(base), path)
sys.stdout.buffer.write(path + b"\n")
PY
}

# The socket calls by name, as /proc/PID/syscall numbers them (x86_64 and
# aarch64), then its first argument (the fd); the others as syscall_name
# names them. (Lessons 04 and 05: tcp.bash, uds.bash.)
sock_syscall() {
  local nr arg0 rest name
  read -r nr arg0 rest <"/proc/$1/syscall" || return 1
  [ "$nr" = running ] && { echo running; return; }
  case "$MACHINE:$nr" in
    x86_64:42|aarch64:203) name=connect ;; x86_64:43|aarch64:202) name=accept ;;
    x86_64:288|aarch64:242) name=accept4 ;; x86_64:44|aarch64:206) name=sendto ;;
    x86_64:45|aarch64:207) name=recvfrom ;; x86_64:46|aarch64:211) name=sendmsg ;;
    x86_64:47|aarch64:212) name=recvmsg ;; x86_64:232) name=epoll_wait ;;
    x86_64:281|aarch64:22) name=epoll_pwait ;;
    *) name=$(syscall_name "$nr") ;;
  esac
  echo "$name $((arg0))"
}

# asleep_in PID CALL...: state S, in one of the calls named (a pattern
# each: "accept*", "read", "recvfrom").
asleep_in() {
  local pid=$1 call now
  shift
  [ "$(proc_state "$pid")" = S ] || return 1
  now=$(sock_syscall "$pid") || return 1
  for call; do
    # shellcheck disable=SC2053
    [[ ${now%% *} == $call ]] && return 0
  done
  return 1
}

proc_gone() {
  [ ! -e "/proc/$1" ] || [ "$(proc_state "$1" 2>/dev/null)" = Z ] ||
    [ -z "$(proc_state "$1" 2>/dev/null)" ]
}

# fd_target PID FD: what descriptor FD of PID refers to (pipe:[81234]).
fd_target() { readlink "/proc/$1/fd/$2"; }

# pipe_level PID FD: "QUEUED CAPACITY" of the pipe behind descriptor FD of
# PID, asked on a short-lived read-only, non-blocking open of
# /proc/PID/fd/FD, closed at once so EOF and SIGPIPE stay as they were.
pipe_level() {
  "$PYTHON" - "$1" "$2" <<'PY'
import array, fcntl, os, sys, termios
fd = os.open(f"/proc/{sys.argv[1]}/fd/{sys.argv[2]}", os.O_RDONLY | os.O_NONBLOCK)
try:
    n = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, n)
    print(n[0], fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ))
finally:
    os.close(fd)
PY
}

# pipe_is_full PID FD: the pipe holds as many bytes as it can.
pipe_is_full() {
  local q c
  read -r q c < <(pipe_level "$1" "$2") && [ "$q" -gt 0 ] && [ "$q" -eq "$c" ]
}

# Stopped by a signal (SIGSTOP, Ctrl-Z): state T.
proc_stopped() { [ "$(proc_state "$1")" = T ]; }

# Exited but not yet reaped by its parent: state Z.
proc_zombie() { [ "$(proc_state "$1")" = Z ]; }

# proc_children PID: PID's children, one pid a line (none: no output).
proc_children() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do echo "$c"; done
}

# fd_mode PID FD: how descriptor FD of PID was opened: r, w or rw
# (the access mode in /proc/PID/fdinfo/FD's flags, an octal number).
fd_mode() {
  local key flags rest text
  proc_text text "/proc/$1/fdinfo/$2" || return 1
  while read -r key flags rest; do
    [ "$key" = flags: ] || continue
    case $((8#$flags & 3)) in 0) echo r ;; 1) echo w ;; *) echo rw ;; esac
    return 0
  done <<<"$text"
  return 1
}

# fds_on PID TARGET: PID's descriptors that refer to TARGET (pipe:[81234]),
# one "FD MODE" a line, in descriptor order: "5 r", "6 w".
fds_on() {
  local f fd
  for f in /proc/"$1"/fd/*; do
    fd=${f##*/}
    [ "$(readlink "$f" 2>/dev/null)" = "$2" ] && echo "$fd $(fd_mode "$1" "$fd")"
  done | sort -n
}
