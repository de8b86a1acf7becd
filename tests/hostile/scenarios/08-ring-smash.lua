-- 08-ring-smash.lua: lesson 08's ring facing a process that writes random
-- values anywhere in the segment (tests/hostile/hostile_shm.py smash) while
-- a producer and a consumer pass 300 records, C and Python (which side is
-- which is chosen at random). Each must finish, or stop with a message
-- naming the segment and status 1: never a signal or a traceback. When one
-- stops, the other sleeps in sem_wait for a post that will never come (it
-- cannot know) and is killed. `--seed S` replays the choices.
scenario {
  title = "A ring facing random writes (hostile_shm.py smash)",
  about = "Producer and consumer, C and Python, while a peer smashes the segment: finish or a message, status 0 or 1.",
}

local seg, empty_name, full_name = ipcname("ring"), ipcname("empty"), ipcname("full")
local seed, c_producer = math.random(1, 999999), math.random(2) == 1
local maker = spawn { C "shm_ring_producer", "--create", "--slots", "4", "-n", "0",
                      seg, empty_name, full_name, name = "maker" }
wait_until(function() return maker:exited() end, 10, "the ring to be made")
say(("hostile_shm.py --seed %d smash 0 writes anywhere in %s; a %s producer and a %s consumer "
     .. "pass 300 records."):format(seed, seg, c_producer and "C" or "Python",
                                     c_producer and "Python" or "C"))
-- Held (SIGUSR1) until both programs have attached and checked the header:
-- then it smashes while they run.
local hostile = spawn { Python "../tests/hostile/hostile_shm.py", "--seed", tostring(seed),
                        "--posix", seg, "hold", "smash", "0", name = "hostile" }
local function side(lang, prog, name)
  local argv = lang and C(prog) or Python("08-shared-memory/" .. prog .. ".py")
  return spawn { argv, "-n", "300", seg, empty_name, full_name, name = name }
end
local producer = side(c_producer, "shm_ring_producer", "producer")
local consumer = side(not c_producer, "shm_ring_consumer", "consumer")
local function attached(p)
  local opened = 0
  for _, ev in ipairs(p:events("sem_open")) do
    if ev.ev == "after" then opened = opened + 1 end
  end
  return p:exited() or opened == 2
end
wait_until(function()
  return attached(producer) and attached(consumer) and hostile:blocked_in("rt_sigtimedwait")
end, 10, "both programs to attach")
hostile:signal("USR1")

wait_until(function()
  return (producer:exited() or producer:blocked_in("futex"))
     and (consumer:exited() or consumer:blocked_in("futex"))
     and (producer:exited() or consumer:exited())
end, 20, "both to end, or one to end and the other to wait for good")
hostile:signal("TERM")
for _, p in ipairs { producer, consumer } do
  if not p:exited() then p:kill() end
end
wait_until(function() return producer:exited() and consumer:exited() and hostile:exited() end,
           10, "all three to end")
for _, p in ipairs { producer, consumer } do
  local st, out = p:status(), p:output()
  expect(st == "exit 0" or st == "exit 1" or st == "signal SIGKILL",
         p.name .. " ended with status 0 or 1 (or was killed waiting): " .. st)
  expect(not out:find("Traceback", 1, true) and not out:find("Sanitizer", 1, true),
         p.name .. ": no traceback, no sanitizer report")
end
expect(hostile:output():find("writes"), "the hostile peer wrote: " .. hostile:output())
