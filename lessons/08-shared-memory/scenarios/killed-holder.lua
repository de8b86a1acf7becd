scenario {
  title = "Killed while holding the semaphore: POSIX versus System V SEM_UNDO",
  about = "A counter is killed between sem_wait and sem_post. A POSIX semaphore "
       .. "stays taken for ever; a System V one taken with SEM_UNDO is given back "
       .. "by the kernel when the holder dies, one taken without it is not.",
}

local function run_to(proc, op)
  local at = step(proc, 0)
  while at and at.op ~= op do at = step(proc) end
  return at
end

local function run(argv, what)
  local p = spawn(argv)
  wait_until(function() return p:exited() end, 10, what)
  expect(p:status() == "exit 0", what)
end

-- Part 1: POSIX. The kernel knows nothing about who holds a sem_t.
say("A counter takes the lock, then is killed before it gives it back. "
    .. "Who unlocks? First with a POSIX semaphore, then twice with System V.")
local seg, lock = ipcname("counter"), ipcname("lock")
local s = sem(lock)
watch(shm(seg), { { "counter", 16, "u64" } })
watch(s)
run({ C "shm_counter", "--create", "--sem", lock, "-n", "0", seg, name = "create" },
    "POSIX segment and semaphore made")

local c = spawn { C "shm_counter", "--sem", lock, "-n", "1", seg, name = "C", step = true }
run_to(c, "shm_load")
expect(s:value() == 0, "C holds the POSIX semaphore")
pause("C holds the semaphore. Now it is killed (kill -9): no cleanup code runs.")
c:kill()
wait_until(function() return c:exited() end, 10, "C gone")
expect(s:value() == 0, "C is gone, and the semaphore is still 0")

local py = spawn { Python "shm_counter.py", "--sem", lock, "-n", "1", seg, name = "Python" }
wait_until(function() return py:blocked_in("futex") end, 10, "Python waits")
say("Python sleeps in sem_wait, and nobody will ever post: a process that died "
    .. "holding a POSIX semaphore takes the unlock with it.")
pause()
py:kill()
run({ C "shm_counter", "-n", "0", "--unlink", "--sem", lock, seg, name = "remove" },
    "POSIX names removed")

-- Part 2: System V with SEM_UNDO. The kernel keeps each process's balance.
local key, semkey = sysvkey("counter"), sysvkey("lock")
local v = sem(semkey)
watch(shm(key), { { "counter", 16, "u64" } })
watch(v)
run({ Python "sysv_counter.py", "--create", "--sem", tostring(semkey), "-n", "0", tostring(key),
      name = "create" }, "System V segment and semaphore set made")

local c2 = spawn { C "sysv_counter", "--sem", tostring(semkey), "--undo", "-n", "1", tostring(key),
                   name = "C", step = true }
run_to(c2, "shm_load")
expect(v:value() == 0, "C holds the System V semaphore (semop -1, SEM_UNDO)")
pause("Same again, with System V and SEM_UNDO: C is killed while it holds the semaphore.")
c2:kill()
wait_until(function() return c2:exited() end, 10, "C gone")
wait_until(function() return v:value() == 1 end, 10, "semaphore given back")
say(("At C's exit the kernel undid its semop -1: the semaphore is %d again."):format(v:value()))

local py2 = spawn { Python "sysv_counter.py", "--sem", tostring(semkey), "--undo", "-n", "1",
                    tostring(key), name = "Python" }
wait_until(function() return py2:exited() end, 10, "Python done")
expect(py2:status() == "exit 0", "Python took the semaphore and counted")
expect(py2:output():find("counter now 1", 1, true), "the counter is 1: C's increment never happened")

-- Part 3: System V without SEM_UNDO: nobody keeps a balance.
pause("Once more, System V without --undo: C is killed while it holds the semaphore.")
local c3 = spawn { C "sysv_counter", "--sem", tostring(semkey), "-n", "1", tostring(key),
                   name = "C", step = true }
run_to(c3, "shm_load")
expect(v:value() == 0, "C holds the System V semaphore (semop -1, no SEM_UNDO)")
c3:kill()
wait_until(function() return c3:exited() end, 10, "C gone")
say(("C is gone, and the semaphore is %d: without --undo, System V behaves like POSIX.")
    :format(v:value()))
expect(v:value() == 0, "the value stays 0")
run({ Python "sysv_counter.py", "-n", "0", "--unlink", "--sem", tostring(semkey), tostring(key),
      name = "remove" }, "System V segment and set removed")
