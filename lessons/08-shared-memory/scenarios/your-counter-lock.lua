-- your-counter-lock.lua: exercise 01's locked_counter.c, the learner's own,
-- against the kit's Python counter on one shared counter, in step mode:
-- your counter waits before its load; Python then tries to load too. With
-- the semaphore taken, Python sleeps in sem_wait; without, it loads the
-- same value and one increment is lost, every time.
scenario {
  title = "Your locked_counter.c: does Python have to wait?",
  about = "Exercise 01 live: your counter stops before its load; then Python tries to load. "
       .. "Held properly, the semaphore puts Python to sleep in sem_wait; if not, both load "
       .. "the same value and an increment is lost.",
}

local seg, lock = ipcname("counter"), ipcname("lock")
local counter, s = shm(seg), sem(lock)
watch(counter, { { "counter", 16, "u64" } })
watch(s)

local function run_to(proc, op)
  local at = step(proc, 0)
  while at and at.op ~= op do at = step(proc) end
  return at
end

local maker = spawn { C "shm_counter", "--create", "--sem", lock, "-n", "0", seg, name = "create" }
wait_until(function() return maker:exited() end, 10, "the segment and the semaphore made")

local mine = Yours "01-counter-lock"
say("Your locked_counter.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your locked_counter.c to compile")
expect(cc:status() == "exit 0", "your locked_counter.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  -- Its first error, where it is: the rest is in the transcript (--record).
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local me = spawn { mine, "--sem", lock, "-n", "1", seg, name = "your counter", step = true }
local py = spawn { Python "shm_counter.py", "--sem", lock, "-n", "1", seg, name = "Python",
                   step = true }
run_to(me, "shm_load")
say(("Your counter waits before its load; the semaphore is %d."):format(s:value() or -1))
expect(s:value() == 0, "your counter holds the semaphore (0) before it loads")
step(me)
say(("Your counter loads %d."):format(counter:read("u64", 16)))
pause("Now Python wants the counter too. Press space.")
-- Python goes on, a traced call at a time: to its load, or asleep.
local at = step(py, 0)
while at and not at.blocked and at.op ~= "shm_load" do at = step(py) end
if at and at.blocked then
  say("Python sleeps in " .. at.op .. ": your counter holds the semaphore.")
else
  step(py)
  say(("Python loads %d too: nothing stopped it."):format(counter:read("u64", 16)))
  step(me)
  step(py)
  say(("Your counter stores, then Python stores over it: the counter says %d.")
      :format(counter:read("u64", 16)))
end
expect(py:blocked_in("futex"), "Python sleeps in sem_wait while your counter holds it")
run_free(py)
run_free(me)
wait_until(function() return me:exited() and py:exited() end, 10, "both to end")
expect(me:status() == "exit 0", "your counter ends with status 0")
say(("The counter says %d after 2 increments."):format(counter:read("u64", 16)))
expect(counter:read("u64", 16) == 2, "2 increments, 2 counted: nothing lost")
expect(s:value() == 1, "the semaphore is free again")

local remover = spawn { Python "shm_counter.py", "-n", "0", "--unlink", "--sem", lock, seg,
                        name = "remove" }
wait_until(function() return remover:exited() end, 10, "names removed")
