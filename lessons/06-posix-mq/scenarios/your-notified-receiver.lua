-- your-notified-receiver.lua: exercise 02's notified_receiver.py, the
-- learner's own. One message waits before it starts; once it waits for a
-- notification it is stopped, two messages are sent (one notification for
-- both), and it is let go. Does it take both, or wait for good?
scenario {
  title = "Your notified_receiver.py: one notification, two messages",
  about = "Exercise 02 live: your notified_receiver.py registers with mq_notify and waits. It is "
       .. "stopped, two messages come (the first fires the notification, the second nothing: the "
       .. "queue is no longer empty), and it goes on: does it take both, or wait for good?",
}

local name = ipcname("jobs")
local q = mqueue(name)
watch(q)
local tx = spawn { C "mq_sender", "--create", "--keep", name, "0:early", name = "maker" }
wait_until(function() return tx:exited() end, 10, "the queue made")
expect(tx:status() == "exit 0" and q:level() == 1, "a queue with one message, 'early', before anyone registers")

local mine = Yours "02-notified-receiver"
local rx = spawn { mine, name, "3", name = "your receiver" }
local function waiting(k)
  return rx:output():find("waiting for notification " .. k, 1, true) and rx:blocked_in("rt_sigtimedwait")
end
wait_until(function() return rx:exited() or waiting(1) end, 10, "your receiver waiting for notification 1")
expect(waiting(1) and q:level() == 0,
       "your receiver took 'early' (queued before it registered) and sleeps in sigwaitinfo (rt_sigtimedwait)")
if rx:exited() then
  say("Your receiver ended: " .. (rx:output():sub(-200):gsub("%s+$", "")))
  return
end
pause("Press space: your receiver is stopped (SIGSTOP), and a sender sends 1:first and 2:second.")

rx:stop()
wait_until(function() return rx:state().state == "stopped" end, 10, "your receiver stopped")
local two = spawn { C "mq_sender", name, "1:first", "2:second", name = "sender" }
wait_until(function() return two:exited() end, 10, "the sender to end")
expect(q:level() == 2 and rx:pending("SIGUSR2"),
       "2 messages queued, one SIGUSR2 pending: the first fired the registration, the second nothing")
say("The first message came to an empty queue: the kernel sent SIGUSR2 and the registration is gone. "
    .. "The second came to a queue that was not empty: nothing. One notification, two messages.")
pause("Press space: your receiver goes on (SIGCONT).")

rx:cont()
local function stuck()
  local s = rx:signals()
  return rx:blocked_in("rt_sigtimedwait") and s and not s.shared_pending.SIGUSR2
end
wait_until(function() return rx:exited() or stuck() end, 10, "your receiver to end, or to wait for good")
expect(rx:exited() and rx:status() == "exit 0" and q:level() == 0,
       "your receiver took both after one notification and ended with status 0")
if not rx:exited() then
  say(("Your receiver waits for notification 2 with %d message(s) still queued, and none will come: "
       .. "a notification fires only when a message comes to an EMPTY queue. Take every message, "
       .. "until mq_receive says EAGAIN; and register again before taking."):format(q:level() or 0))
  pause("Press space: your receiver is ended (SIGKILL): it would wait for ever.")
  rx:kill()
else
  say("One notification stood for two messages: your receiver took them until EAGAIN.")
end
wait_until(function() return rx:exited() end, 10, "your receiver gone")
local rm = spawn { Python(), "-c", "import sys; sys.path.insert(0, sys.argv[1]); from ipclab import posix; "
                   .. "posix.mq_unlink(sys.argv[2])", IPCLAB_PEERS, name, name = "mq_unlink" }
wait_until(function() return rm:exited() end, 10, "the queue removed")
expect(q:level() == nil, "the queue is removed (mq_unlink): nothing left")
