-- notification.lua: mq_notify. The kit's mq_notified registers, waits in
-- sigwaitinfo, and at each notification registers again FIRST, then
-- drains the queue until EAGAIN: every message is taken. With --forget
-- it never registers again: a message sent after its first drain stays
-- queued, nothing is pending, and it waits for good.
scenario {
  title = "Notification: mq_notify fires once; --forget misses a message",
  about = "mq_notified registers with mq_notify (SIGUSR2) and sleeps in sigwaitinfo. A message to the "
       .. "empty queue fires it, once: it registers again first, then takes every message until "
       .. "EAGAIN. With --forget it never registers again: the next message waits in the queue "
       .. "while the program waits for a notification that never comes.",
}

local name = ipcname("jobs")
local q = mqueue(name)
watch(q)

local function waiting(p, k)
  return p:output():find("waiting for notification " .. k, 1, true) and p:blocked_in("rt_sigtimedwait")
end

say("The C mq_notified makes the queue, blocks SIGUSR2, registers with mq_notify (SIGEV_SIGNAL "
    .. "SIGUSR2) and takes what is queued (nothing: EAGAIN). Then it sleeps in sigwaitinfo.")
local n = spawn { C "mq_notified", "--create", "-n", "2", name, name = "notified" }
wait_until(function() return n:exited() or waiting(n, 1) end, 10, "mq_notified waiting for notification 1")
local reg = q:notify()
expect(waiting(n, 1) and q:level() == 0 and reg and reg.process == n and reg.signal == "SIGUSR2",
       "mq_notified is registered (the queue's NOTIFY_PID is its pid, SIGUSR2) and asleep in "
       .. "rt_sigtimedwait (sigwaitinfo); the queue is empty")
pause("Ask the class: a message comes. What does the kernel do? Press space: a Python sender sends 3:first.")

local s1 = spawn { Python "mq_sender.py", name, "3:first", name = "sender" }
wait_until(function() return s1:exited() and (n:exited() or waiting(n, 2)) end, 10,
           "mq_notified waiting for notification 2")
expect(n:output():find("notified 1: SIGUSR2, si_code SI_MESGQ", 1, true)
       and n:output():find("registered again: mq_notify SIGEV_SIGNAL SIGUSR2\nmessage 1: priority 3, 5 bytes: first",
                           1, true),
       "notified 1 (SI_MESGQ, the sender's pid): registered again FIRST, then took 'first'")
say("The message came to an EMPTY queue: the kernel sent SIGUSR2 and dropped the registration (it "
    .. "fires once). mq_notified registered again, then drained until EAGAIN: it waits again, registered.")
pause("Press space: a C sender sends 'second'.")

local s2 = spawn { C "mq_sender", name, "second", name = "sender 2" }
wait_until(function() return s2:exited() and n:exited() end, 10, "mq_notified to end")
expect(n:status() == "exit 0" and n:output():find("notified 2: SIGUSR2", 1, true)
       and n:output():find("message 2: priority 0, 6 bytes: second", 1, true) and q:level() == nil,
       "notified 2: it took 'second' and ended with status 0; the queue removed")
say("Registered again before draining, it is told of every message that comes to the empty queue.")
pause("Press space: the Python mq_notified with --forget, the classic bug: it never registers again.")

local f = spawn { Python "mq_notified.py", "--create", "--forget", "-n", "2", name, name = "notified --forget" }
wait_until(function() return f:exited() or waiting(f, 1) end, 10, "--forget waiting for notification 1")
local s3 = spawn { C "mq_sender", name, "3:first", name = "sender 3" }
wait_until(function() return s3:exited() and (f:exited() or waiting(f, 2)) end, 10,
           "--forget waiting for notification 2")
expect(f:output():find("not registered again (--forget)", 1, true) and waiting(f, 2)
       and q:notify() == nil,
       "notified 1, took 'first', did not register again (NOTIFY_PID 0: nobody), and waits for notification 2")
say("The queue's row names who is registered: nobody now (no 'registered:'). The notification ended the registration, "
    .. "and --forget never made another.")
pause("Press space: a sender sends 'second'.")

local s4 = spawn { Python "mq_sender.py", name, "second", name = "sender 4" }
wait_until(function() return s4:exited() end, 10, "the sender to end")
local sig = f:signals()
expect(q:level() == 1 and f:blocked_in("rt_sigtimedwait") and sig and not sig.shared_pending.SIGUSR2,
       "'second' waits in the queue (1 message), no SIGUSR2 pending, the program asleep in sigwaitinfo")
say("Nobody was registered when 'second' came: no signal. The program waits for a notification that "
    .. "will never come, its message in the queue. It would wait for ever.")
pause("Press space: it is ended (SIGTERM); it made the queue, so it removes it.")
f:signal("TERM")
wait_until(function() return f:exited() end, 10, "--forget to end")
expect(q:level() == nil, "the queue is removed: nothing left")
