-- orphans.lua: a master killed with SIGKILL can forward nothing: its
-- workers run on, orphans, with another parent. Three fixes in master.c
-- and master.py: PR_SET_PDEATHSIG (the kernel sends each worker SIGTERM when
-- the master dies), a pipe only the master writes to (its death is their
-- end of input), and a process group the master leads (one kill -- -PGID).
scenario {
  title = "Orphans: the master killed with SIGKILL, and three fixes",
  about = "SIGKILL cannot be caught: the master forwards nothing and its workers run on, now the "
       .. "children of another process (ps shows it). With PR_SET_PDEATHSIG, or stdin a pipe only "
       .. "the master holds, they end with it; in its process group, one kill ends them all.",
  signals = true,
}

local function notes(w, text)
  local n = 0
  for _, e in ipairs(w:events()) do
    if e.ev == "note" and e.text and e.text:find(text, 1, true) then n = n + 1 end
  end
  return n
end
-- Start a master with two workers; wait until both sleep in read() and
-- the master in sigwaitinfo().
local function start(master_argv, fix, worker_argv, mname, stdin)
  local m = spawn { master_argv, "--workers", "2", "--orphan-fix", fix, "--", worker_argv,
                    name = mname, stdin = stdin }
  local ws = wait_until(function()
    local k = m:children()
    if #k < 2 or not m:blocked_in("rt_sigtimedwait") then return false end
    for _, w in ipairs(k) do if not w:blocked_in("read") then return false end end
    return k
  end, 15, "two workers asleep in read() and " .. mname .. " in sigwaitinfo()")
  return m, ws
end
-- ps, as in a second terminal: "PID PPID COMMAND" of each pid.
local function ps(pids)
  local list = {}
  for _, p in ipairs(pids) do list[#list + 1] = tostring(p) end
  local p = spawn { "ps", "-o", "pid=,ppid=,comm=", "-p", table.concat(list, ","), name = "ps" }
  wait_until(function() return p:exited() end, 10, "ps to answer")
  local rows = {}
  for pid, ppid, comm in p:output():gmatch("(%d+)%s+(%d+)%s+(%S+)") do
    rows[tonumber(pid)] = { ppid = tonumber(ppid), comm = comm }
  end
  return rows
end

say("A Python master with two C workers (--orphan-fix none). Its workers read the master's stdin, "
 .. "a pipe ipclab holds open: they sleep in read().")
local m, ws = start(Python "master.py", "none", C "worker", "Py master", "pipe")
local before = ps({ m.pid, ws[1].pid, ws[2].pid })
local ipclab = before[m.pid].ppid          -- the master's own parent: ipclab
say(("ps: worker %d's parent is %d, worker %d's is %d: the master (pid %d)."):format(
  ws[1].pid, before[ws[1].pid].ppid, ws[2].pid, before[ws[2].pid].ppid, m.pid))
expect(before[ws[1].pid].ppid == m.pid and before[ws[2].pid].ppid == m.pid, "both workers are the master's children")
pause("Press space: kill -KILL the master. SIGKILL cannot be caught or blocked.")

m:kill()
wait_until(function() return m:exited() end, 10, "the master to die")
local after = ps({ ws[1].pid, ws[2].pid, ipclab })
local p1, p2 = after[ws[1].pid], after[ws[2].pid]
local parent = p1 and after[p1.ppid]
say(("The master died of %s and forwarded nothing. ps: the workers' parent is now %d (%s), the "
  .. "ipclab that started the master: a subreaper. In a terminal it would be init or your session's "
  .. "systemd."):format(m:status(), p1 and p1.ppid or -1, parent and parent.comm or "?"))
expect(m:status() == "signal SIGKILL" and ws[1]:blocked_in("read") and ws[2]:blocked_in("read"),
       "the master died of SIGKILL; both workers still sleep in read(): orphans")
expect(p1 and p2 and p1.ppid ~= m.pid and p1.ppid == ipclab and p2.ppid == ipclab,
       "ps: their parent is now another process (ipclab, a subreaper), not the master")
say("Nobody will tell them to stop: they would sleep in read() for ever.")
pause("Press space: we end them by hand with SIGTERM.")
for _, w in ipairs(ws) do w:signal("TERM") end
wait_until(function() return ws[1]:exited() and ws[2]:exited() end, 10, "the orphans to end")
pause("Press space: the same with --orphan-fix pdeathsig: a C master, two Python workers.")

m, ws = start(C "master", "pdeathsig", Python "worker.py", "C master", "pipe")
say("Each worker asked the kernel with prctl(PR_SET_PDEATHSIG, SIGTERM): SIGTERM to me when my parent dies.")
pause("Press space: kill -KILL the master.")
m:kill()
wait_until(function() return m:exited() and ws[1]:exited() and ws[2]:exited() end, 10,
           "the master and both workers to end")
local ok = 0
for _, w in ipairs(ws) do
  -- (The workers write to the master's stdout: their lines are in its output.)
  if notes(w, "stopping") == 1 and m:output():find(("worker %d: stopping on SIGTERM"):format(w.pid), 1, true)
     and w:status() == "exit 0" then ok = ok + 1 end
end
say(("The master died of %s; the kernel sent each worker SIGTERM: %d of 2 stopped on it."):format(m:status(), ok))
expect(m:status() == "signal SIGKILL" and ok == 2, "pdeathsig: both workers got SIGTERM when the master died, and stopped")
pause("Press space: --orphan-fix pipe: a Python master, two C workers reading a pipe only the master writes to.")

m, ws = start(Python "master.py", "pipe", C "worker", "Py master")
say("The workers' stdin is now a pipe whose only write end the master holds (never writes).")
pause("Press space: kill -KILL the master.")
m:kill()
wait_until(function() return m:exited() and ws[1]:exited() and ws[2]:exited() end, 10,
           "the master and both workers to end")
ok = 0
for _, w in ipairs(ws) do
  local eof = false
  for _, e in ipairs(w:events("read")) do eof = eof or (e.ev == "after" and e.ret == 0) end
  if eof and m:output():find(("worker %d: end of input"):format(w.pid), 1, true) and w:status() == "exit 0" then
    ok = ok + 1
  end
end
say(("The master died of %s; the kernel closed its write end, so each worker's read() returned 0: "
  .. "%d of 2 saw end of input and exited 0."):format(m:status(), ok))
expect(m:status() == "signal SIGKILL" and ok == 2, "pipe: both workers saw end of input when the master died, and ended")
pause("Press space: --orphan-fix pgroup: a C master leads a process group its two Python workers are in; "
   .. "SIGKILL to the whole group.")

m, ws = start(C "master", "pgroup", Python "worker.py", "C master", "pipe")
local g = spawn { "ps", "-o", "pid=,pgid=", "-p", ("%d,%d,%d"):format(m.pid, ws[1].pid, ws[2].pid), name = "ps" }
wait_until(function() return g:exited() end, 10, "ps to answer")
local same = 0
for pid, pgid in g:output():gmatch("(%d+)%s+(%d+)") do
  if tonumber(pgid) == m.pid and tonumber(pid) ~= m.pid then same = same + 1 end
end
say(("ps: %d of 2 workers are in process group %d, the master's. kill -KILL -- -%d signals every process "
  .. "of the group at once, as a terminal's Ctrl-C sends SIGINT to its foreground group."):format(same, m.pid, m.pid))
expect(same == 2, "both workers are in the master's process group")
pause(("Press space: kill -KILL -- -%d."):format(m.pid))
local k = spawn { "kill", "-KILL", "--", "-" .. m.pid, name = "kill" }
wait_until(function() return k:exited() and m:exited() and ws[1]:exited() and ws[2]:exited() end, 10,
           "the master and both workers to end")
say(("The master died of %s, and so did its workers (%s, %s): one kill for the group, no orphan."):format(
  m:status(), ws[1]:status(), ws[2]:status()))
expect(m:status() == "signal SIGKILL" and ws[1]:status() == "signal SIGKILL" and ws[2]:status() == "signal SIGKILL",
       "pgroup: SIGKILL to the group ended the master and both workers")
say("A process can die without a word (SIGKILL, a crash): make its death itself the signal, or signal "
 .. "its whole group.")
