-- coalesce.lua: a standard signal is pending at most once; a real-time
-- signal queues once per send, with its value. count.c blocks SIGUSR1 and
-- SIGRTMIN and reads its stdin; flood.py and flood.c send; when its input
-- ends, count takes every pending signal with sigtimedwait and counts.
scenario {
  title = "Standard signals coalesce, real-time signals queue",
  about = "A C receiver blocks SIGUSR1 and SIGRTMIN. Python sends SIGUSR1 20 times: one is pending. "
       .. "C sends SIGRTMIN 20 times with sigqueue: 20 are queued. The receiver takes 1 and 20, "
       .. "values 1 to 20 in order.",
  signals = true,
}

local N = 20
-- The receiver runs as a user of its own (a random uid, no account): SigQ,
-- the queued count, is per real user, all its processes together.
local uid = 200000 + math.random(1, 900000000)
local receiver = spawn { "setpriv", "--reuid=" .. uid, "--regid=" .. uid, "--clear-groups",
                         C "count", name = "receiver", lang = "C", stdin = "pipe" }

say("count (C) blocks SIGUSR1 and SIGRTMIN with sigprocmask, then reads its stdin. "
 .. "Watch its pane: the blocked set, then what is pending.")
wait_until(function()
  local s = receiver:signals()
  return s and s.blocked.SIGUSR1 and s.blocked.SIGRTMIN
end, 10, "the receiver to block SIGUSR1 and SIGRTMIN")
wait_until(function() return receiver:blocked_in("read") end, 10, "the receiver asleep in read()")
local s = receiver:signals()
say(("The kernel: blocked %s; pending: %s; queued %d for its user."):format(
  table.concat(s.blocked, " "), #s.shared_pending == 0 and "nothing" or table.concat(s.shared_pending, " "),
  s.queued))
expect(#s.blocked == 2 and #s.shared_pending == 0 and s.queued == 0,
       "the receiver blocks SIGUSR1 and SIGRTMIN; nothing pending, nothing queued")
pause(("Press space: Python (flood.py) sends SIGUSR1 %d times with os.kill."):format(N))

local py = spawn { Python "flood.py", "-n", tostring(N), tostring(receiver.pid), name = "py sender" }
wait_until(function() return py:exited() end, 10, "the Python sender to finish")
local sent = 0
for _, e in ipairs(py:events("kill")) do
  if e.ev == "after" and e.ret == 0 and e.sig == "SIGUSR1" then sent = sent + 1 end
end
expect(py:status() == "exit 0" and sent == N, ("Python's kill(SIGUSR1) succeeded %d times"):format(N))
s = receiver:signals()
say(("%d kill() calls, each returned 0. The kernel: pending %s; queued %d."):format(
  sent, table.concat(s.shared_pending, " "), s.queued))
expect(#s.shared_pending == 1 and s.shared_pending[1] == "SIGUSR1" and s.queued == 1,
       ("SIGUSR1 sent %d times is pending once (one bit in ShdPnd; SigQ 1)"):format(N))
say("A standard signal that is already pending is dropped: the 19 later sends changed nothing.")
pause(("Press space: C (flood) sends SIGRTMIN %d times with sigqueue, values 1 to %d."):format(N, N))

local c = spawn { C "flood", "-n", tostring(N), "--signal", "SIGRTMIN", "--queue",
                  tostring(receiver.pid), name = "C sender" }
wait_until(function() return c:exited() end, 10, "the C sender to finish")
expect(c:status() == "exit 0", "C's sigqueue(SIGRTMIN) succeeded " .. N .. " times")
s = receiver:signals()
say(("The kernel: pending %s; queued %d: one for SIGUSR1, %d for SIGRTMIN."):format(
  table.concat(s.shared_pending, " "), s.queued, s.queued - 1))
expect(s.shared_pending.SIGRTMIN and s.queued == N + 1,
       ("SIGRTMIN is queued once per send: SigQ %d (%d + the one SIGUSR1)"):format(N + 1, N))
pause("Press space: the receiver's input ends; it takes each pending signal with sigtimedwait.")

receiver:close_stdin()
wait_until(function() return receiver:exited() end, 10, "the receiver to count and end")
local usr1, values = 0, {}
for _, e in ipairs(receiver:events("sigtimedwait")) do
  if e.sig == "SIGUSR1" then usr1 = usr1 + 1 end
  if e.sig == "SIGRTMIN" then values[#values + 1] = e.value end
end
local in_order = #values == N
for k = 1, #values do in_order = in_order and values[k] == k end
say(("It took SIGUSR1 %d time and SIGRTMIN %d times, values %s."):format(usr1, #values,
  table.concat(values, " ")))
expect(usr1 == 1, "sigtimedwait took SIGUSR1 once")
expect(in_order, ("sigtimedwait took SIGRTMIN %d times, values 1 to %d in the order sent"):format(N, N))
expect(receiver:status() == "exit 0" and receiver:output():find("SIGRTMIN arrived " .. N .. " times, values 1 to "
       .. N .. " in order", 1, true), "count says so itself, and exits 0")
say("Use a real-time signal (sigqueue) when every send counts; a standard one says only 'at least once'.")
