-- your-ring-consumer.lua: exercise 02's ring_consumer.py, the learner's
-- own, behind the kit's C producer: 6 records through a ring of 4 slots,
-- so the tail must come round from slot 3 to slot 0.
scenario {
  title = "Your ring_consumer.py: round the ring",
  about = "Exercise 02 live: the kit's producer sends 6 records through 4 slots; your "
       .. "consumer takes them. After slot 3 the tail must come round to slot 0.",
}

local seg, empty_name, full_name = ipcname("ring"), ipcname("empty"), ipcname("full")
local ring, empty, full = shm(seg), sem(empty_name), sem(full_name)
watch(ring, { { "slots", 16, "u32" }, { "slot size", 20, "u32" },
              { "head", 24, "u32" }, { "tail", 28, "u32" } })
watch(empty)
watch(full)

local producer = spawn { C "shm_ring_producer", "--create", "--slots", "4", "-s", "24", "-n", "6",
                         seg, empty_name, full_name, name = "producer" }
wait_until(function() return producer:blocked_in("futex") end, 10, "the producer to fill the ring")
say("The producer filled the 4 slots and sleeps in sem_wait(EMPTY); 2 records wait to go in.")
pause("Next your consumer takes 6 records. Watch the tail: 0, 1, 2, 3, then? Press space.")
local mine = spawn { Yours "02-ring-wraparound", "-n", "6", seg, empty_name, full_name,
                     name = "your consumer" }
wait_until(function() return mine:exited() end, 10, "your consumer to take 6 records")
local function taken() return select(2, mine:output():gsub("record %d+ from C", "")) end
say(("Your consumer took %d records and ended with %s; the tail is %d.")
    :format(taken(), mine:status(), ring:read("u32", 28) or -1))
expect(taken() == 6 and mine:output():find("record 6 from C", 1, true),
       "your consumer printed the 6 records, the 5th and 6th from slots 0 and 1")
expect(ring:read("u32", 28) == 2, "the tail came round: 6 records in 4 slots leave it at 2")
expect(mine:status() == "exit 0", "your consumer ends with status 0")
wait_until(function() return producer:exited() end, 10, "the producer to end")
-- The ring and its semaphores are ipcname()s: ipclab removes them at the end.
