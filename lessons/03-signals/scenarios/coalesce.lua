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
-- SigQ, the queued count, is kept per user (per real user ID, in each user
-- namespace): every process of that user together. The receiver runs in a
-- user namespace of its own (unshare --user, which any user may do where
-- the system allows it), so its SigQ counts its own signals only. Where the
-- system refuses, it runs as it is, and its SigQ also counts whatever other
-- processes of your user have queued.
local function start(argv)
  local r = spawn { argv, name = "receiver", lang = "C", stdin = "pipe" }
  wait_until(function()
    local s = r:signals()
    return r:exited() or (s and s.blocked.SIGUSR1 and s.blocked.SIGRTMIN)
  end, 10, "the receiver to block SIGUSR1 and SIGRTMIN")
  return r
end
-- (C "count" is a table, { path }: [1] is the path, for unshare to run.)
local receiver = start { "unshare", "--user", C "count" [1] }
local own = not receiver:exited()
if not own then
  say("(unshare --user failed here: " .. (receiver:output():match("[^\n]+") or receiver:status())
   .. ". The receiver runs without it.)")
  receiver = start(C "count")
end

say("count (C) blocks SIGUSR1 and SIGRTMIN with sigprocmask, then reads its stdin. "
 .. "Watch its pane: the blocked set, then what is pending.")
wait_until(function() return receiver:blocked_in("read") end, 10, "the receiver asleep in read()")
local s = receiver:signals()
local base = own and 0 or s.queued       -- what SigQ counts that is not the receiver's
if own then
  say(("The kernel: blocked %s; pending: %s; queued %d. SigQ counts per user; count runs in a "
    .. "user namespace of its own (unshare --user): only its signals count."):format(
    table.concat(s.blocked, " "), #s.shared_pending == 0 and "nothing" or table.concat(s.shared_pending, " "),
    s.queued))
else
  say(("The kernel: blocked %s; pending: %s; queued %d: SigQ counts every signal queued to any "
    .. "process of your user, not only this one's."):format(
    table.concat(s.blocked, " "), #s.shared_pending == 0 and "nothing" or table.concat(s.shared_pending, " "),
    s.queued))
end
-- What the pane's "queued" says, and, without a namespace, what it counts.
local function queued(x)
  if own then return ("queued %d"):format(x.queued) end
  return ("queued %d for your user, all its processes (%d before we started)"):format(x.queued, base)
end
expect(#s.blocked == 2 and #s.shared_pending == 0 and (not own or s.queued == 0),
       own and "the receiver blocks SIGUSR1 and SIGRTMIN; nothing pending, nothing queued"
           or "the receiver blocks SIGUSR1 and SIGRTMIN; nothing pending")
pause(("Press space: Python (flood.py) sends SIGUSR1 %d times with os.kill."):format(N))

local py = spawn { Python "flood.py", "-n", tostring(N), tostring(receiver.pid), name = "py sender" }
wait_until(function() return py:exited() end, 10, "the Python sender to finish")
local sent = 0
for _, e in ipairs(py:events("kill")) do
  if e.ev == "after" and e.ret == 0 and e.sig == "SIGUSR1" then sent = sent + 1 end
end
expect(py:status() == "exit 0" and sent == N, ("Python's kill(SIGUSR1) succeeded %d times"):format(N))
s = receiver:signals()
say(("%d kill() calls, each returned 0. The kernel: pending %s; %s."):format(
  sent, table.concat(s.shared_pending, " "), queued(s)))
expect(#s.shared_pending == 1 and s.shared_pending[1] == "SIGUSR1" and (not own or s.queued == 1),
       ("SIGUSR1 sent %d times is pending once (one bit in ShdPnd%s)"):format(N, own and "; SigQ 1" or ""))
say("A standard signal that is already pending is dropped: the 19 later sends changed nothing.")
pause(("Press space: C (flood) sends SIGRTMIN %d times with sigqueue, values 1 to %d."):format(N, N))

local c = spawn { C "flood", "-n", tostring(N), "--signal", "SIGRTMIN", "--queue",
                  tostring(receiver.pid), name = "C sender" }
wait_until(function() return c:exited() end, 10, "the C sender to finish")
expect(c:status() == "exit 0", "C's sigqueue(SIGRTMIN) succeeded " .. N .. " times")
s = receiver:signals()
if own then
  say(("The kernel: pending %s; queued %d: one for SIGUSR1, %d for SIGRTMIN."):format(
    table.concat(s.shared_pending, " "), s.queued, s.queued - 1))
else
  say(("The kernel: pending %s; %s: of them one for SIGUSR1, %d for SIGRTMIN."):format(
    table.concat(s.shared_pending, " "), queued(s), N))
end
expect(s.shared_pending.SIGRTMIN and (not own or s.queued == N + 1),
       own and ("SIGRTMIN is queued once per send: SigQ %d (%d + the one SIGUSR1)"):format(N + 1, N)
           or "SIGRTMIN is pending (the values below count each send)")
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
