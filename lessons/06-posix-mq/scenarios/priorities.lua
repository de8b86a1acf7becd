-- priorities.lua: the order of a POSIX queue. The tutorial's three
-- messages (A with the default priority 0, B with 2, C with 0) queued while
-- the receiver holds (--hold: it waits for SIGUSR1 before receiving); then
-- released, it takes B, A, C. C sends to Python, then Python to C. Last, a
-- receiver already waiting on an empty queue: the order is decided when a
-- message is taken.
scenario {
  title = "Priorities: the highest first, first in first out within one",
  about = "A, 2:B and 0:C queued while the receiver holds, then released: it takes B, A, C. "
       .. "C sender to Python receiver, then Python to C. A receiver already waiting takes A first.",
}

-- The texts a receiver printed, in order ("BAC"), and as said: "B (priority
-- 2), A (0), C (0)" (its pane shows only its last line).
local function order(p)
  local got, said = {}, {}
  for prio, text in p:output():gmatch("message %d+: priority (%d+), %d+ bytes?: ([^\n]*)") do
    got[#got + 1] = text
    said[#said + 1] = #said == 0 and ("%s (priority %s)"):format(text, prio) or ("%s (%s)"):format(text, prio)
  end
  return table.concat(got), table.concat(said, ", ")
end

-- One queue name for the whole run: each receiver makes the queue
-- (--create) and removes it at its end.
local name = ipcname("jobs")
local q = mqueue(name)
watch(q)

-- One round: a receiver that makes the queue and holds, a sender of the
-- three messages, then the release.
local function round(rx_argv, rx_name, tx_argv, tx_name, first)
  local rx = spawn { rx_argv, "--create", "--hold", "-n", "3", name, name = rx_name }
  wait_until(function() return rx:blocked_in("rt_sigtimedwait") end, 10, "the receiver holding")
  local tx = spawn { tx_argv, name, "A", "2:B", "0:C", name = tx_name }
  wait_until(function() return tx:exited() end, 10, "the sender to end")
  wait_until(function() return q:level() == 3 end, 10, "three messages queued")
  expect(tx:status() == "exit 0" and q:level() == 3,
         ("%s sent A (priority 0: none given), B (2), C (0): 3 wait"):format(tx_name))
  if first then
    say("The receiver made the queue and holds (--hold: it waits for SIGUSR1), so nothing is taken yet. "
        .. "The sender sent A with no priority (0), then 2:B, then 0:C.")
    pause("Ask the class: in what order will the receiver print them? Press space to release it.")
  else
    say("The same three, the other way round: " .. tx_name .. " sent them, " .. rx_name .. " holds.")
    pause("Press space to release the receiver.")
  end
  rx:signal("USR1")
  wait_until(function() return rx:exited() end, 10, "the receiver to take three and end")
  expect(rx:status() == "exit 0" and order(rx) == "BAC",
         rx_name .. " took B (priority 2), then A and C (priority 0, in the order sent)")
  expect(q:level() == nil, "the receiver, the queue's maker, removed it")
  say(rx_name .. " printed " .. select(2, order(rx)) .. ".")
  return rx
end

say("Three messages, as in the tutorial: A with the default priority, B with 2, C with 0. "
    .. "First a C sender and a Python receiver.")
round(Python "mq_receiver.py", "Python receiver", C "mq_sender", "C sender", true)
say("B first: mq_receive takes the oldest message of the highest priority. A and C, both 0, "
    .. "come out in the order sent. Priorities go from 0 to 32767.")
pause("Press space: C receives from Python.")
round(C "mq_receiver", "C receiver", Python "mq_sender.py", "Python sender", false)
say("The same order: the kernel orders the queue; C or Python makes no difference.")
pause("Ask: a receiver already asleep on the empty queue, the same three sent. Which comes first? Press space.")

local rx = spawn { C "mq_receiver", "--create", "-n", "3", name, name = "waiting receiver" }
wait_until(function() return rx:blocked_in("mq_timedreceive") end, 10, "the receiver asleep on the empty queue")
expect(q:level() == 0, "the receiver sleeps in mq_timedreceive: the queue is empty")
local tx = spawn { Python "mq_sender.py", name, "A", "2:B", "0:C", name = "sender" }
wait_until(function() return rx:exited() and tx:exited() end, 10, "both to end")
expect(rx:status() == "exit 0" and order(rx) == "ABC",
       "A first: it was taken at once by the waiting receiver, before B was sent")
say("It printed " .. select(2, order(rx)) .. ". A first this time: the receiver was waiting, "
    .. "and A was the only message when it was taken. "
    .. "The order is decided at each receive, among the messages queued then.")
