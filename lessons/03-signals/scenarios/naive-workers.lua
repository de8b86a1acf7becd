-- naive-workers.lua: the common tutorial's master and workers, as written
-- there (naive_master.c, naive_worker.c). The master starts ten workers,
-- sleeps a second, pokes each with SIGUSR1, and on Ctrl-C forwards SIGINT
-- and exits. What goes wrong, read from the kernel.
scenario {
  title = "The tutorial's master and workers: what goes wrong",
  about = "A C master starts ten C workers and pokes them with SIGUSR1. A worker that dies stays a "
       .. "zombie: nobody waits. On Ctrl-C the master forwards SIGINT and exits; the workers catch it, "
       .. "and spin on (state R, sharing the CPUs), orphans: their flag is a plain int.",
  signals = true,
}


local m = spawn { C "naive_master", C "naive_worker", name = "master" }
say("naive_master (C) forks ten naive_worker (C), sleeps one second ('give them time to start'), "
 .. "then sends each SIGUSR1. Each worker spins in while (running) { }.")
local ws = wait_until(function()
  local k = m:children()
  if #k < 10 or not m:blocked_in("clock_nanosleep") then return false end
  for _, w in ipairs(k) do
    local s = w:signals()
    if not (s and s.caught.SIGUSR1) then return false end
  end
  return k
end, 15, "ten workers with their handlers, and the master asleep")
local s = ws[1]:signals()
say(("Ten workers, each %s, caught %s: spinning. The master sleeps its second."):format(
  ws[1]:state().state, table.concat(s.caught, " ")))
expect(#ws == 10, "the master started ten workers, each catching SIGUSR1, SIGINT and SIGTERM")
-- Each handler prints "Worker PID: got SIGUSR1" (into the master's output: they share it).
local function count(text) return select(2, m:output():gsub(text, "")) end
wait_until(function() return count("got SIGUSR1") == 10 end, 15, "ten workers to take SIGUSR1")
local alive = 0
for _, w in ipairs(ws) do if not w:exited() then alive = alive + 1 end end
say(("The second is over; SIGUSR1 came and each handler printed 'got SIGUSR1' (a worker not yet at "
  .. "signal() would have died of it: the second is a guess). %d of 10 alive."):format(alive))
expect(alive == 10, "all ten took SIGUSR1 and live: this time each had its handler in time")
pause("Press space: one worker is killed (SIGKILL), as a crash would.")

local dead = ws[1]
dead:kill()
wait_until(function() return dead:state().state == "zombie" end, 10, "the dead worker a zombie")
say(("Worker %d died, and the kernel keeps it as a zombie (state Z) with its status for its "
  .. "parent to collect: the master never calls wait()."):format(dead.pid))
expect(dead:state().state == "zombie", "the killed worker stays a zombie: the master never waits")
say("The master now loops on sleep(1). Its pane counts the time from the first of them: between two "
 .. "it is awake too briefly for a sample to see.")
pause("Press space: SIGINT to the master alone (kill -INT; a Ctrl-C in a terminal would reach the "
   .. "workers too, in the same process group).")

m:signal("INT")
wait_until(function() return m:exited() end, 10, "the master to forward SIGINT and exit")
wait_until(function() return dead:exited() end, 10, "the zombie collected by the new parent")
wait_until(function()
  if count("stopping") < 9 then return false end
  for k = 2, 10 do if ws[k]:pending("SIGINT") then return false end end
  return true
end, 15, "the nine to take SIGINT")
local running, spinning = 0, 0
for k = 2, 10 do
  local w = ws[k]
  if not w:exited() and not w:pending("SIGINT") then running = running + 1 end
  if w:state().state == "running" then spinning = spinning + 1 end
end
say(("The master sent SIGINT to each and exited (%s), without waiting. SIGINT's default action "
  .. "would end a worker; each caught it and printed 'stopping': %d of 9 still alive, %d running right now."):format(
  m:status(), running, spinning))
expect(m:status() == "exit 0" and running == 9,
       "the master exited; the nine workers caught SIGINT and did not stop: orphans")
expect(spinning > 0, "the orphans still spin (state running)")
say("The handler set running = 0, but the compiler (optimising, as the kit builds) read running once, before the loop: "
 .. "it never looks again. volatile sig_atomic_t is the fix; worker.c and master.c do it right.")
pause("Press space: we end them with SIGKILL (their handler catches SIGTERM too).")
for k = 2, 10 do ws[k]:kill() end
wait_until(function()
  for k = 2, 10 do if not ws[k]:exited() then return false end end
  return true
end, 10, "the nine orphans gone")
expect(ws[2]:status() == "signal SIGKILL", "only SIGKILL ended them")
