scenario {
  title = "The lost update: C and Python add 1 to one shared counter",
  about = "Step mode forces C load, Python load, C store, Python store: "
       .. "both store the same value and one increment is gone, every time.",
}

-- The counter lives in POSIX shared memory: a 24-byte file in /dev/shm,
-- a 16-byte header ("ICNT", version, size) and the counter at offset 16.
local seg = ipcname("counter")
local counter = shm(seg)
watch(counter, { { "counter", 16, "u64" } })

-- Let proc run until it waits before a call named op (maybe it already does).
local function run_to(proc, op)
  local at = step(proc, 0)
  while at and at.op ~= op do at = step(proc) end
  return at
end

say("C creates the segment and sets the counter to 0, then exits: the segment stays.")
local maker = spawn { C "shm_counter", "--create", "-n", "0", seg, name = "create" }
wait_until(function() return maker:exited() end, 10, "the segment made")
expect(counter:bytes(0, 4) == "ICNT", "the segment starts with the magic ICNT")
expect(counter:read("u64", 16) == 0, "the counter is 0")

-- Each side adds 1 three times: a load, an add, a store, each traced.
local c = spawn { C "shm_counter", "-n", "3", seg, name = "C", step = true }
local py = spawn { Python "shm_counter.py", "-n", "3", seg, name = "Python", step = true }
run_to(c, "shm_load")
run_to(py, "shm_load")
say("Both have mapped the segment and wait before their first load.")
pause("Ask the class: each side adds 1 three times. What will the counter say?")

-- The first round a step at a time, a pause after each (the class watches
-- every load and store); the other two in one go.
local function beat(round) if round == 1 then pause() end end
for round = 1, 3 do
  local n = counter:read("u64", 16)
  step(c)
  say(("Round %d. C loads %d into a register."):format(round, n))
  beat(round)
  step(py)
  say(("Python loads %d too: C has not stored yet."):format(n))
  beat(round)
  step(c)
  say(("C stores %d."):format(n + 1))
  expect(counter:read("u64", 16) == n + 1, ("the counter went to %d"):format(n + 1))
  beat(round)
  step(py)
  say(("Python stores %d as well, over C's: one increment lost."):format(n + 1))
  expect(counter:read("u64", 16) == n + 1, ("the counter is still %d"):format(n + 1))
  pause()
end

wait_until(function() return c:exited() and py:exited() end, 10, "both done")
expect(c:status() == "exit 0" and py:status() == "exit 0", "both exit 0")
expect(counter:read("u64", 16) == 3, "6 increments, 3 forced interleavings: the counter says 3")
say("Running freely it is luck: two counters started together lose some updates, or "
    .. "none, a different number every run. Forced, the loss is certain.")

local remover = spawn { Python "shm_counter.py", "-n", "0", "--unlink", seg, name = "remove" }
wait_until(function() return remover:exited() end, 10, "the segment removed")
expect(remover:output():find("counter now 3", 1, true), "the remover reads 3 and unlinks the name")
