-- master.lua: the master and its workers done right, both ways round.
-- master.py starts three C workers, master.c three Python workers. Each
-- worker closes its end of a ready pipe once its handlers are in place;
-- the master notifies only then, forwards Ctrl-C's SIGINT, and reaps
-- every worker with sigwaitinfo(SIGCHLD) + waitpid.
scenario {
  title = "A master and its workers, done right: Python + C, C + Python",
  about = "A Python master starts three C workers, waits until each is ready, notifies them with "
       .. "SIGUSR1, forwards SIGINT, and reaps every one with its status: no zombie, no orphan. "
       .. "Then a C master with Python workers.",
  signals = true,
}

local function notes(w, text)
  local n = 0
  for _, e in ipairs(w:events()) do
    if e.ev == "note" and e.text and e.text:find(text, 1, true) then n = n + 1 end
  end
  return n
end

local function play(master_argv, worker_argv, mname, wlang)
  -- The workers inherit the master's stdin: a pipe ipclab keeps open and
  -- never writes to, so they sleep in read() until told to stop.
  local m = spawn { master_argv, "--workers", "3", "--notify", "--", worker_argv,
                    name = mname, stdin = "pipe" }
  -- SIGUSR1 sent to pid (the master's trace: kill returned 0).
  local function notified(pid)
    for _, e in ipairs(m:events("kill")) do
      if e.ev == "after" and e.ret == 0 and e.sig == "SIGUSR1" and e.to == pid then return true end
    end
    return false
  end
  local ws = wait_until(function()
    local k = m:children()
    if #k < 3 or not m:blocked_in("rt_sigtimedwait") then return false end
    for _, w in ipairs(k) do
      if not notified(w.pid) or w:pending("SIGUSR1") or not w:blocked_in("read") then return false end
    end
    return k
  end, 15, "SIGUSR1 sent to three workers and taken, they asleep in read(), the master in sigwaitinfo()")
  local ok, said = 0, 0
  for _, w in ipairs(ws) do
    if w:signals().caught.SIGUSR1 then ok = ok + 1 end
    if notes(w, "handled SIGUSR1") == 1 then said = said + 1 end
  end
  say(("Each %s worker closed its end of the ready pipe once its handlers were in place; the master "
    .. "sent SIGUSR1 only after EOF there: %d of 3 caught it, nothing pending."):format(wlang, ok))
  say(("%d of 3 said 'notified' at once (in the master's pane: they write to its stdout). A SIGUSR1 "
    .. "that comes just before read() waits for the next wake-up: the pause() race."):format(said))
  expect(ok == 3 and m:output():find("master: 3 workers ready", 1, true),
         "each of the three " .. wlang .. " workers was ready, and took the SIGUSR1 sent to it (nothing pending)")
  pause("Press space: the master, asleep in sigwaitinfo().")
  local s = m:signals()
  say(("The master sleeps in sigwaitinfo(). Its pane shows %s blocked: while it waits, the kernel "
    .. "unblocks the signals it waits for; when the call returns they are blocked again."):format(
    #s.blocked == 0 and "nothing" or table.concat(s.blocked, " ")))
  expect(not s.blocked.SIGINT and m:blocked_in("rt_sigtimedwait"),
         "in sigwaitinfo() the kernel shows SIGINT unblocked, for the wait only")
  if mname == "C master" then
    say(("Its pane: SIGPIPE %s. A write to a stdout nobody reads fails (EPIPE); the master then "
      .. "ends and reaps its workers, no orphans."):format(
      s.ignored.SIGPIPE and "ignored" or "not ignored"))
  end
  pause("Press space: we stop the master (SIGSTOP), as if busy elsewhere, then send SIGINT to the master "
     .. "alone (kill -INT; a Ctrl-C in a terminal would reach its workers too).")

  m:stop()
  wait_until(function() return m:state().state == "stopped" end, 10, "the master stopped")
  m:signal("INT")
  wait_until(function() return m:pending("SIGINT") end, 10, "SIGINT pending in the master")
  s = m:signals()
  say(("Stopped, its wait was cut short and its mask is back. The kernel: blocked %s; pending %s. SIGINT waits; "
    .. "the workers know nothing yet. (Its pane's 'queued' counts all your user's processes.)"):format(
    table.concat(s.blocked, " "), table.concat(s.shared_pending, " ")))
  expect(s.blocked.SIGINT and s.blocked.SIGTERM and s.blocked.SIGCHLD
         and s.shared_pending.SIGINT, "the master blocks SIGINT SIGTERM SIGCHLD: SIGINT waits, pending")
  pause("Press space: the master goes on (SIGCONT).")

  m:cont()
  wait_until(function() return m:exited() end, 15, "the master to stop its workers and end")
  local stopped, reaped = 0, 0
  for _, w in ipairs(ws) do
    if w:exited() and notes(w, "stopping") == 1 then stopped = stopped + 1 end
    if m:output():find(("worker %d exited with status 0"):format(w.pid), 1, true) then reaped = reaped + 1 end
  end
  say(("sigwaitinfo took the pending SIGINT; the master sent SIGINT to each worker, then took their "
    .. "SIGCHLDs and reaped them with waitpid: %d stopped on SIGINT, %d reaped 'with status 0'."):format(
    stopped, reaped))
  local sent = 0
  for _, e in ipairs(m:events("kill")) do
    if e.ev == "after" and e.ret == 0 and e.sig == "SIGINT" then sent = sent + 1 end
  end
  expect(sent == 3 and stopped == 3, "the master forwarded SIGINT to each worker, and each stopped on it")
  expect(reaped == 3 and m:output():find("all 3 workers reaped", 1, true) and m:status() == "exit 0",
         "the master reaped each by pid with its status, then exited 0: no zombie, no orphan")
end

say("Python master (master.py), three C workers (worker).")
play(Python "master.py", C "worker", "Py master", "C")
pause("Press space: the other way round, a C master and three Python workers.")
say("C master (master), three Python workers (worker.py).")
play(C "master", Python "worker.py", "C master", "Python")
say("Ready pipe before notifying; signals blocked and taken with sigwaitinfo; every SIGCHLD "
 .. "reaps all that ended (two may make one); the first stop signal forwarded, a second would send "
 .. "SIGKILL; each worker reaped with its status.")
