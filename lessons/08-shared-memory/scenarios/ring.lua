scenario {
  title = "A ring buffer: producer blocked on a full ring, consumer on an empty one",
  about = "A C producer and a Python consumer pass framed records through four "
       .. "slots of shared memory, counted by two semaphores: EMPTY (free slots) "
       .. "and FULL (records waiting).",
}

local seg, empty_name, full_name = ipcname("ring"), ipcname("empty"), ipcname("full")
local ring, empty, full = shm(seg), sem(empty_name), sem(full_name)
-- The ring's header: slots, slot size, head (next slot to fill), tail (next to empty).
watch(ring, { { "slots", 16, "u32" }, { "slot size", 20, "u32" },
              { "head", 24, "u32" }, { "tail", 28, "u32" } })
watch(empty)
watch(full)

local function head() return ring:read("u32", 24) end
local function tail() return ring:read("u32", 28) end
-- The payload of the frame in slot i (a 4-byte length, then the bytes).
local function slot_text(i)
  local at = 32 + i * ring:read("u32", 20)
  return ring:bytes(at + 4, ring:read("u32", at))
end
local function run_to(proc, op)
  local at = step(proc, 0)
  while at and at.op ~= op do at = step(proc) end
  return at
end

say("The C producer creates a ring of 4 slots (--slots 4) for payloads of up to 24 bytes "
    .. "(-s 24) and sends 6 records. Nobody consumes yet.")
local producer = spawn { C "shm_ring_producer", "--create", "--slots", "4", "-s", "24", "-n", "6",
                         seg, empty_name, full_name, name = "producer" }
wait_until(function() return producer:blocked_in("futex") end, 10, "the producer blocks")
local slots, slot_size = ring:read("u32", 16), ring:read("u32", 20)
say(("The header says %d slots of %d bytes: each a frame, its 4-byte length, then up to %d "
     .. "bytes of payload."):format(slots, slot_size, slot_size - 4))
expect(slots == 4 and slot_size == 4 + 24, "4 slots of 4 + 24 = 28 bytes")
say(("%d records in, EMPTY is %d: the producer sleeps in sem_wait(EMPTY). The ring is full.")
    :format(full:value(), empty:value()))
expect(empty:value() == 0 and full:value() == 4, "EMPTY 0, FULL 4")
expect(head() == 0 and tail() == 0, "head came round to tail: 0 and 0")
pause(("head == tail == %d, as in an empty ring. Who tells full from empty?"):format(head()))

local consumer = spawn { Python "shm_ring_consumer.py", "-n", "8", "--unlink",
                         seg, empty_name, full_name, name = "consumer", step = true }
run_to(consumer, "shm_load")
say(("The Python consumer took a record off FULL (now %d) and is about to copy slot %d: \"%s\".")
    :format(full:value(), tail(), slot_text(tail())))
expect(full:value() == 3, "FULL 3")
expect(slot_text(0) == "record 1 from C", "slot 0 holds record 1")
step(consumer)
expect(tail() == 1, "tail moved on to slot 1")
step(consumer)
wait_until(function() return head() == 1 and producer:blocked_in("futex") end, 10,
           "the producer refilled slot 0")
say(("It posted EMPTY: the producer woke, filled slot 0 with \"%s\", and sleeps again.")
    :format(slot_text(0)))
expect(slot_text(0) == "record 5 from C", "slot 0 now holds record 5")
expect(empty:value() == 0 and full:value() == 4, "full again: EMPTY 0, FULL 4")
pause("Now the consumer runs freely. It wants 8 records; only 6 were sent.")

run_free(consumer)
wait_until(function() return consumer:blocked_in("futex") and producer:exited() end, 10,
           "the consumer blocks, the producer is done")
local function taken() return select(2, consumer:output():gsub("record %d+ from C", "")) end
wait_until(function() return taken() >= 6 end, 10, "the consumer's lines")
say(("%d records taken, FULL is %d: the consumer sleeps in sem_wait(FULL). The ring is empty.")
    :format(taken(), full:value()))
expect(taken() == 6, "the consumer printed 6 records")
expect(producer:exited() and producer:status() == "exit 0"
       and producer:output():find("sent 6 records", 1, true), "the producer sent its 6 and left")
expect(empty:value() == 4 and full:value() == 0, "EMPTY 4, FULL 0")
expect(head() == 2 and tail() == 2, "head and tail both wrapped round to slot 2")
pause("A Python producer attaches and sends 2 more.")

local late = spawn { Python "shm_ring_producer.py", "-n", "2", seg, empty_name, full_name,
                     name = "producer 2" }
wait_until(function() return consumer:exited() and late:exited() end, 10, "all records passed")
local out = consumer:output()
expect(out:find("record 6 from C", 1, true) and out:find("record 2 from Python", 1, true)
       and out:find("received 8 records", 1, true),
       "the consumer printed C's 6 records and Python's 2")
expect(consumer:status() == "exit 0", "the consumer removed the three names and left")
