-- interrupted.lua: a signal that comes while a worker sleeps in read().
-- worker.c's handler only sets a flag. Without SA_RESTART the read()
-- fails with EINTR and the loop acts at once; with SA_RESTART the kernel
-- restarts the read() and the flag waits for the next line. worker.py
-- --restart: Python retries the read itself (PEP 475).
scenario {
  title = "A signal interrupts read(): EINTR, SA_RESTART, PEP 475",
  about = "A C worker asleep in read() on an empty pipe gets SIGUSR1: without SA_RESTART read() "
       .. "fails with EINTR; with SA_RESTART it goes back to sleep in read(). "
       .. "The Python worker retries by itself (PEP 475).",
  signals = true,
}

local function reads(w, errno)
  local n = 0
  for _, e in ipairs(w:events("read")) do
    if e.ev == "after" and (errno == nil or e.errno == errno) then n = n + 1 end
  end
  return n
end
-- Delivered (no longer pending) and asleep in read() again.
local function back_in_read(w)
  return not w:pending("SIGUSR1") and w:blocked_in("read")
end

say("worker (C) installs a handler for SIGUSR1, INT and TERM with sigaction, no SA_RESTART, "
 .. "and reads lines from its stdin, a pipe nobody writes to yet.")
local a = spawn { C "worker", name = "C worker", stdin = "pipe" }
wait_until(function() return a:blocked_in("read") end, 10, "the C worker asleep in read()")
local s = a:signals()
say(("The kernel: it sleeps in read(); caught %s."):format(table.concat(s.caught, " ")))
expect(s.caught.SIGINT and s.caught.SIGUSR1 and s.caught.SIGTERM and a:blocked_in("read"),
       "the C worker catches SIGINT SIGUSR1 SIGTERM and sleeps in read()")
pause("Press space: we send it SIGUSR1.")

a:signal("USR1")
wait_until(function() return reads(a, "EINTR") == 1 and back_in_read(a) end, 10,
           "read() to fail with EINTR and the worker to read again")
say("The handler ran inside read(); read() returned -1, errno EINTR (the timeline: read EINTR). "
 .. "The loop saw the flag at once, said so, and called read() again.")
expect(reads(a, "EINTR") == 1 and reads(a) == 1, "the trace: the C worker's read() returned -1 EINTR")
expect(a:output():find("read stdin: Interrupted system call (EINTR)", 1, true)
       and a:output():find("notified by SIGUSR1 (1 so far)", 1, true),
       "the worker said EINTR, then 'notified by SIGUSR1' at once")
pause("Press space: the same worker with --restart (SA_RESTART), then SIGUSR1.")

local b = spawn { C "worker", "--restart", name = "C restart", stdin = "pipe" }
wait_until(function() return b:blocked_in("read") end, 10, "the --restart worker asleep in read()")
b:signal("USR1")
wait_until(function() return back_in_read(b) end, 10, "SIGUSR1 delivered and the worker in read() again")
say("SIGUSR1 was delivered (nothing pending) and the handler set the flag, but the kernel "
 .. "restarted read(): the worker sleeps in read() again and has said nothing.")
expect(reads(b) == 0 and not b:output():find("notified", 1, true),
       "with SA_RESTART no read() returned: the worker sleeps in read() and has not acted on the flag")
pause("Press space: a line arrives on its stdin.")
b:write("job 1\n")
wait_until(function() return b:output():find("notified by SIGUSR1", 1, true) end, 10, "the flag acted on")
expect(b:output():find("got: job 1\n.*notified by SIGUSR1 %(1 so far%)"),
       "only after the line ('got: job 1') did the loop see the flag: the notice waited")
pause("Press space: the Python worker with --restart (Python's default, PEP 475), then SIGUSR1.")

local py = spawn { Python "worker.py", "--restart", name = "Py restart", stdin = "pipe" }
wait_until(function() return py:blocked_in("read") end, 10, "the Python worker asleep in read()")
py:signal("USR1")
wait_until(function() return back_in_read(py) end, 10, "SIGUSR1 delivered and the Python worker in read() again")
say("In Python the kernel's read() did fail with EINTR, but os.read ran the handler and "
 .. "called read() again by itself (PEP 475): the trace, around os.read, shows no return.")
expect(reads(py) == 0 and not py:output():find("notified", 1, true),
       "os.read retried: the Python worker sleeps in read() and has not acted on the flag")
py:write("job 1\n")
wait_until(function() return py:output():find("notified by SIGUSR1", 1, true) end, 10, "the flag acted on")
expect(py:output():find("got: job 1\n.*notified by SIGUSR1 %(1 so far%)"),
       "Python too: the notice waited for the next line")
say("So: a flag alone is not enough when the loop sleeps in read(). Without SA_RESTART, handle EINTR; "
 .. "with it, wake the loop another way (the self-pipe, signalfd: next scenario).")

for _, w in ipairs({ a, b, py }) do w:close_stdin() end
wait_until(function() return a:exited() and b:exited() and py:exited() end, 10, "the workers to end")
expect(a:status() == "exit 0" and b:status() == "exit 0" and py:status() == "exit 0",
       "at end of input each worker says so and exits 0")
