-- blocking.lua: where a POSIX queue makes a program wait. A receiver on
-- an empty queue sleeps in mq_timedreceive until a message comes; a sender
-- on a full one (--maxmsg 3) sleeps in mq_timedsend until a receive makes
-- room. Then the two ways not to wait: O_NONBLOCK (EAGAIN at once) and a
-- deadline (mq_timedreceive: ETIMEDOUT).
scenario {
  title = "Blocking: asleep on an empty queue, on a full one; EAGAIN, ETIMEDOUT",
  about = "A receiver sleeps in mq_timedreceive until a message comes; a sender on a full queue "
       .. "(--maxmsg 3) sleeps in mq_timedsend until a receive makes room. Then --nonblock "
       .. "fails at once (EAGAIN), and --timeout gives up at its deadline (ETIMEDOUT).",
}

local name = ipcname("jobs")
local q = mqueue(name)
watch(q)

local function sent(p)
  local n = 0
  for _ in p:output():gmatch("sent %d+:") do n = n + 1 end
  return n
end

-- Part 1: an empty queue.
local rx = spawn { Python "mq_receiver.py", "--create", "-n", "1", name, name = "receiver" }
wait_until(function() return rx:blocked_in("mq_timedreceive") end, 10, "the receiver asleep on the empty queue")
local s = rx:state()
expect(q:level() == 0 and s.object == name,
       "the receiver sleeps in mq_timedreceive on the queue (fd " .. tostring(s.fd) .. "): 0 messages")
say("The Python receiver made the queue and called mq_receive: nothing there, so it sleeps in the "
    .. "kernel, in mq_timedreceive (glibc's mq_receive, no deadline). It uses no CPU.")
pause("Ask the class: what wakes it? Press space: a C sender sends one message.")

local tx = spawn { C "mq_sender", name, "5:wake", name = "sender" }
wait_until(function() return rx:exited() and tx:exited() end, 10, "both to end")
expect(rx:status() == "exit 0" and rx:output():find("message 1: priority 5, 4 bytes: wake", 1, true),
       "the send woke the receiver: it took 'wake' and ended")
expect(q:level() == nil, "the receiver made the queue, so it removed it")
say("mq_send gave the message to the sleeping receiver, which woke and printed it. "
    .. "Its maker gone, the queue is gone too.")
pause("Press space: a sender makes a queue with room for 3 messages (--maxmsg 3) and sends 4.")

-- Part 2: a full queue. The sender makes it (--keep: it leaves it behind).
local full = spawn { C "mq_sender", "--create", "--keep", "--maxmsg", "3", name, "one", "two", "three", "four",
                     name = "sender --maxmsg 3" }
wait_until(function() return sent(full) == 3 and full:blocked_in("mq_timedsend") end, 10,
           "the sender asleep on the full queue")
expect(sent(full) == 3 and q:level() == 3 and q:capacity() == 3,
       "3 sent; the queue is at its capacity, 3 of 3; the sender sleeps in mq_timedsend")
say("Three went in; the fourth mq_send sleeps in mq_timedsend: the queue holds 3 of 3, mq_maxmsg. "
    .. "Nobody receives, so it waits.")
pause("Ask: what wakes it? Press space: a Python receiver takes one message (-n 1).")

local one = spawn { Python "mq_receiver.py", "-n", "1", name, name = "receiver -n 1" }
wait_until(function() return one:exited() and full:exited() end, 10, "the receive and the sender to end")
expect(one:output():find("message 1: priority 0, 3 bytes: one", 1, true) and full:status() == "exit 0"
       and sent(full) == 4, "the receiver took 'one'; that made room, and the sender woke and sent 'four'")
expect(q:level() == 3, "the queue is full again: two, three, four (the sender kept it: --keep)")
say("The receive took 'one' and made room: the sender woke, sent 'four' and ended. "
    .. "The queue is full again, 3 of 3, and stays: the sender made it with --keep.")
pause("Press space: a sender with --nonblock (O_NONBLOCK) tries the full queue.")

-- Part 3: not waiting. O_NONBLOCK fails at once; a deadline gives up.
local nb = spawn { Python "mq_sender.py", "--nonblock", name, "five", name = "sender --nonblock" }
wait_until(function() return nb:exited() end, 10, "the non-blocking sender to end")
expect(nb:status() == "exit 1" and nb:output():find("Resource temporarily unavailable: the queue is full", 1, true),
       "O_NONBLOCK, a full queue: mq_send fails at once, EAGAIN")
expect(q:level() == 3, "nothing was added: still 3 of 3")
say("No sleep: mq_send failed at once, EAGAIN ('Resource temporarily unavailable'). "
    .. "Whether to retry, and when, is the program's choice.")
pause("Press space: a C receiver with --timeout 2 takes what is there, then waits 2 s at most.")

local tr = spawn { C "mq_receiver", "--timeout", "2", "--unlink", "-n", "4", name, name = "receiver --timeout 2" }
wait_until(function()
  return tr:output():find("message 3:", 1, true) and tr:blocked_in("mq_timedreceive")
end, 10, "the receiver to take three and wait")
expect(tr:output():find("message 3: priority 0, 4 bytes: four", 1, true) and q:level() == 0,
       "it took two, three, four, and sleeps in mq_timedreceive again")
say("Asleep again, now with a deadline: an absolute CLOCK_REALTIME time, 2 s after the call.")
wait_until(function() return tr:exited() end, 10, "the deadline to pass")
expect(tr:status() == "exit 1" and tr:output():find("Connection timed out: the queue stayed empty for 2 s", 1, true)
       and q:level() == nil, "past it: ETIMEDOUT; --unlink removed the queue on that way out too")
say("Past the deadline: ETIMEDOUT (strerror: 'Connection timed out'). Nothing is left: "
    .. "--unlink removes the queue however the program ends.")
