-- your-reap-all.lua: exercise 03's reaping_master.py, the learner's own,
-- with four workers (sleep 1000). One is killed alone; then the master is
-- stopped (SIGSTOP) and two are killed together, so that one SIGCHLD
-- stands for both; it goes on (SIGCONT); then the last is killed. After
-- each step the narration says, from the kernel's view, which workers are
-- gone (reaped) and which are zombies (state Z) while the master sleeps.
scenario {
  title = "Your reaping_master.py: workers that end together, and zombies",
  about = "Exercise 03 live: your reaping_master.py starts four workers. One is killed alone, "
       .. "two together while your master is stopped (one SIGCHLD for both), then the last. "
       .. "Does it reap every one, or leave zombies (state Z) while it sleeps?",
  signals = true,
}

local m = spawn { Yours "03-reap-all", "--workers", "4", "--", "sleep", "1000",
                  name = "your master" }
local function spins() return not m:exited() and (m:cpu() or 0) >= 2 end
local ws = nil
pcall(wait_until, function()
  if m:exited() or spins() then return true end
  local k = m:children()
  if #k < 4 or not m:output():find("4 workers started", 1, true) then return false end
  for _, w in ipairs(k) do if not w:blocked_in("clock_nanosleep") then return false end end
  ws = k
  return true
end, 15, "your master to start four workers, each asleep")
if not ws then
  expect(false, "your master starts four workers and says so; instead it "
         .. (m:exited() and ("ended, " .. m:status()) or ("is " .. m:state().state)))
  if not m:exited() then m:kill() end
  wait_until(function() return m:exited() end, 10, "your master to end")
  return
end
say("Your master started four workers (sleep 1000), each asleep. It keeps SIGCHLD blocked and "
 .. "waits for it in sigwaitinfo(): its pane shows where it sleeps.")

-- zombies: its children the kernel shows ended and not reaped.
local function zombies()
  local z = {}
  for _, w in ipairs(m:children()) do
    if w:state().state == "zombie" then z[#z + 1] = tostring(w.pid) end
  end
  return z
end
-- stuck: a child of your master is a zombie while it sleeps with no
-- SIGCHLD pending (a child that ends makes SIGCHLD pending, or wakes it).
local function stuck()
  return #zombies() > 0 and m:state().state == "sleeping" and not m:pending("SIGCHLD")
end
-- settle W...: wait until each W is reaped (gone, not even a zombie), or
-- your master is stuck, seen twice half a second apart, or has ended.
local function settle(list, what)
  local function reaped()
    for _, w in ipairs(list) do
      if w:state().state ~= "exited" then return false end
    end
    return true
  end
  for _ = 1, 3 do
    pcall(wait_until, function() return m:exited() or spins() or reaped() or stuck() end, 10, what)
    if reaped() or m:exited() or spins() then break end
    sleep(0.5)                -- a second look: still so, for good
    if reaped() or stuck() then break end
  end
  return reaped()
end
-- report: what became of the workers in list, as the kernel shows them now.
local function report(ok, list)
  local z, left = zombies(), {}
  for _, w in ipairs(list) do
    if w:state().state ~= "exited" then left[#left + 1] = tostring(w.pid) end
  end
  local pids = {}
  for _, w in ipairs(list) do pids[#pids + 1] = tostring(w.pid) end
  if ok then
    say(("Reaped: worker%s %s; your master sleeps again%s."):format(#list > 1 and "s" or "",
        table.concat(pids, " and "), #z > 0 and (", zombies left: " .. table.concat(z, " ")) or ", no zombie left"))
  elseif m:exited() then
    say(("Your master ended, %s, before it reaped worker%s %s."):format(m:status() or "?",
        #left > 1 and "s" or "", table.concat(left, " and ")))
  else
    local s = m:state()
    say(("Not reaped: worker%s %s. Zombies (state Z): %s, while your master is %s%s, SIGCHLD %s. "
      .. "Nothing will wake it to reap %s."):format(#left > 1 and "s" or "", table.concat(left, " and "),
      #z > 0 and table.concat(z, " ") or "none", s.state,
      s.call and (" in " .. s.call .. "()") or "", m:pending("SIGCHLD") and "pending" or "not pending",
      #z > 1 and "them" or "it"))
  end
end

pause("Press space: the first worker is killed (SIGTERM), alone.")
ws[1]:signal("TERM")
local ok = settle({ ws[1] }, "the first worker reaped")
report(ok, { ws[1] })
expect(ok, "a worker that ends alone is reaped at once")

pause("Press space: your master is stopped (SIGSTOP), and two workers are killed (SIGKILL) together.")
m:stop()
wait_until(function() return m:state().state == "stopped" end, 10, "your master stopped")
ws[2]:kill()
ws[3]:kill()
wait_until(function() return ws[2]:state().state == "zombie" and ws[3]:state().state == "zombie" end,
           10, "both workers ended")
local x = m:signals()
say(("Both ended while your master was stopped: zombies %s. Its pending signals: %s. One SIGCHLD "
  .. "bit stands for both."):format(table.concat(zombies(), " "),
  x and #x.shared_pending > 0 and table.concat(x.shared_pending, " ") or "nothing"))
pause("Press space: your master goes on (SIGCONT).")
m:cont()
ok = settle({ ws[2], ws[3] }, "the two workers reaped")
report(ok, { ws[2], ws[3] })
expect(ok, "two workers that end together (one SIGCHLD) are both reaped: no zombie left")

pause("Press space: the last worker is killed (SIGKILL).")
ws[4]:kill()
wait_until(function() return ws[4]:exited() or ws[4]:state().state == "zombie" end, 10,
           "the last worker to end")
settle({ ws[4] }, "your master to reap the last worker")
pcall(wait_until, function() return m:exited() or spins() or stuck() end, 10, "your master to end")
if not m:exited() then
  report(false, ws)
  expect(false, "once the last worker has ended your master reaps it and ends")
  m:kill()
  wait_until(function() return m:exited() end, 10, "your master to be stopped")
  return
end
local out = m:output()
local lines = 0
for _ in out:gmatch("master: worker %d+ [^\n]*\n") do lines = lines + 1 end
say(("Your master ended, %s; it reported %d workers%s."):format(m:status(), lines,
    out:find("all 4 workers reaped", 1, true) and ", then 'all 4 workers reaped'" or ""))
expect(m:status() == "exit 0" and lines == 4 and out:find("all 4 workers reaped", 1, true),
       "each worker reported once, then 'all 4 workers reaped', status 0")
