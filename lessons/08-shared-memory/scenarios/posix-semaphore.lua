scenario {
  title = "The fix: a POSIX named semaphore around each increment",
  about = "C takes the semaphore and loads; Python tries to load too and "
       .. "sleeps in sem_wait until C has stored and posted. The count is exact.",
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

say("C creates the segment and the semaphore, value 1: free.")
local maker = spawn { C "shm_counter", "--create", "--sem", lock, "-n", "0", seg, name = "create" }
wait_until(function() return maker:exited() end, 10, "segment and semaphore made")
expect(s:value() == 1, "the semaphore is 1: nobody holds it")

local c = spawn { C "shm_counter", "--sem", lock, "-n", "2", seg, name = "C", step = true }
local py = spawn { Python "shm_counter.py", "--sem", lock, "-n", "2", seg,
                   name = "Python", step = true }
run_to(c, "shm_load")
say("C has done sem_wait: 1 -> 0. It holds the semaphore and waits before its load.")
expect(s:value() == 0, "the semaphore is 0: C holds it")
step(c)
say(("C loads %d."):format(counter:read("u64", 16)))

run_to(py, "sem_wait")
pause("Python wants to load now, as in the lost update. What happens?")
run_free(py)
wait_until(function() return py:blocked_in("futex") end, 10, "Python asleep in sem_wait")
say("Python sleeps in sem_wait, a futex in the kernel: the value is 0.")
expect(s:value() == 0, "still 0 while Python waits (Linux does not count waiters)")

step(c)
say(("C stores %d, Python still asleep."):format(counter:read("u64", 16)))
expect(py:blocked_in("futex"), "Python has not loaded anything")
pause("Next, C posts the semaphore (0 -> 1) and Python wakes up. Press space.")
run_free(c)

wait_until(function() return c:exited() and py:exited() end, 10, "both done")
expect(c:status() == "exit 0" and py:status() == "exit 0", "both exit 0")
expect(counter:read("u64", 16) == 4, "4 increments, 4 counted: nothing lost")
expect(s:value() == 1, "the semaphore is free again")

local remover = spawn { Python "shm_counter.py", "-n", "0", "--unlink", "--sem", lock, seg,
                        name = "remove" }
wait_until(function() return remover:exited() end, 10, "names removed")
expect(remover:status() == "exit 0", "the segment and the semaphore are unlinked")
