-- handler-safety.lua: a handler may call only async-signal-safe functions.
-- worker --handler print calls printf in its handler; with SA_RESTART (what
-- glibc's signal() sets) and a full stdout, the handler's printf runs in the
-- middle of the main flow's printf: the same stdio buffer, written twice.
-- Then the fixes, each asleep in poll(): the self-pipe, signalfd (C) and
-- set_wakeup_fd (Python).
scenario {
  title = "A handler that prints; the fixes: self-pipe, signalfd, set_wakeup_fd",
  about = "A C worker's handler calls printf while the main flow is inside printf (stdout full): "
       .. "lines come out twice and torn. The fixes turn the signal into something poll() waits "
       .. "for: a self-pipe, a signalfd, Python's set_wakeup_fd.",
  signals = true,
}

local function notes(w, text)
  local n = 0
  for _, e in ipairs(w:events()) do
    if e.ev == "note" and e.text and e.text:find(text, 1, true) then n = n + 1 end
  end
  return n
end
local function in_poll(w) return w:blocked_in("poll") or w:blocked_in("ppoll") end

local out = pipe("stdout")
watch(out)
local w = spawn { C "worker", "--handler", "print", "--restart", "--lines", "5000",
                  name = "C print", stdin = "pipe", stdout = out.w }
say("worker --handler print --restart prints 5000 numbered lines with printf into a pipe nobody "
 .. "reads yet; its SIGUSR1 handler calls printf too (the mistake).")
wait_until(function() return w:blocked_in("write") and out:level() == out:capacity() end, 10,
           "the pipe full and the worker asleep in write()")
say(("The pipe holds %d bytes, full: the worker sleeps in write(), inside printf, in the middle of "
  .. "writing out stdio's buffer."):format(out:level()))
expect(w:blocked_in("write") and out:level() == out:capacity(), "the worker sleeps in write() on a full pipe")
pause("Press space: SIGUSR1 now; its handler's printf runs inside the main flow's printf.")

w:signal("USR1")
wait_until(function()
  local x = w:signals()
  return x and not w:pending("SIGUSR1") and x.blocked.SIGUSR1 and w:blocked_in("write")
end, 10, "SIGUSR1 delivered, the worker asleep in write() inside its handler")
local x = w:signals()
say(("Delivered (nothing pending). The pane now shows blocked %s: the handler's mask (sa_mask), "
  .. "so the worker is inside its handler, asleep in write() of the handler's own printf, "
  .. "on the buffer the main flow was writing out."):format(table.concat(x.blocked, " ")))
expect(x.blocked.SIGUSR1 and w:blocked_in("write"),
       "the worker sleeps in write() inside its handler (the handler's mask blocks SIGUSR1)")
pause("Press space: a reader drains the pipe and counts lines printed twice and lines torn apart.")
-- The reader counts instead of showing 5000 lines: lines seen twice, lines torn.
local reader = spawn { Python(), "-c", [[
import collections, re, sys
lines = sys.stdin.buffer.read().decode(errors="replace").split("\n")[:-1]
twice = [l for l, n in collections.Counter(lines).items() if n > 1]
torn = [l for l in lines if not re.fullmatch(r"worker \d+: (line \d+|notified by SIGUSR1.*|end of input)", l)]
print(f"reader: {len(lines)} lines, {len(twice)} printed twice, {len(torn)} torn")
for l in torn[:2]:
    print(f"reader: torn: {l}")
]], name = "reader", stdin = out.r }
wait_until(function() return reader:blocked_in("read") and out:level() == 0 and w:blocked_in("read") end, 10,
           "the reader to drain the pipe, the worker asleep in read() on its stdin")
w:close_stdin()
wait_until(function() return w:exited() and reader:exited() end, 10, "the worker and the reader to end")
local total, twice, torn = reader:output():match("reader: (%d+) lines, (%d+) printed twice, (%d+) torn")
say(("The reader: %s lines where 5003 were printed: %s printed twice, %s torn. (5003: 5000 numbered, "
  .. "'end of input' and two notices: the handler's own, and the main loop's '(1 so far)'.)"):format(
  total or "?", twice or "?", torn or "?"))
expect(tonumber(twice or 0) > 0 and tonumber(torn or 0) > 0,
       "printf in the handler corrupted the output: lines printed twice, and lines torn")
pause("Press space: why, and the fixes.")
say("printf is not async-signal-safe: its buffer was half written when the handler came. "
 .. "In a handler: set a volatile sig_atomic_t flag, or write() a byte, nothing more.")
say("The fixes: three workers that sleep in poll() on their stdin and on a descriptor the signal makes readable.")

local sp = spawn { C "worker", "--handler", "selfpipe", name = "C selfpipe", stdin = "pipe" }
local sf = spawn { C "worker", "--handler", "signalfd", name = "C signalfd", stdin = "pipe" }
local wf = spawn { Python "worker.py", "--handler", "wakeupfd", name = "Py wakeupfd", stdin = "pipe" }
local all = { sp, sf, wf }
wait_until(function() return in_poll(sp) and in_poll(sf) and in_poll(wf) end, 10, "all three asleep in poll()")
local s = sf:signals()
say(("C selfpipe: its handler only write()s a byte to a pipe of its own. C signalfd: no handler at all: "
  .. "blocked %s, read from a signalfd. Python: set_wakeup_fd; Python's own C handler writes the byte."):format(
  table.concat(s.blocked, " ")))
expect(s.blocked.SIGUSR1 and not s.caught.SIGUSR1 and sp:signals().caught.SIGUSR1,
       "signalfd: SIGUSR1 blocked, no handler; selfpipe: SIGUSR1 caught")
expect(in_poll(sp) and in_poll(sf) and in_poll(wf), "all three sleep in poll()")
pause("Press space: SIGUSR1 to all three.")

for _, x in ipairs(all) do x:signal("USR1") end
wait_until(function()
  for _, x in ipairs(all) do
    if notes(x, "handled SIGUSR1") ~= 1 or not in_poll(x) then return false end
  end
  return true
end, 10, "each to act on SIGUSR1 and sleep in poll() again")
local got = 0
for _, e in ipairs(sf:events("read")) do if e.ev == "after" and e.sig == "SIGUSR1" then got = got + 1 end end
expect(got == 1, "signalfd: read() returned SIGUSR1 once (the trace)")
expect(sp:output():find("notified by SIGUSR1 (1 so far)", 1, true) and sf:output():find("notified by SIGUSR1 (1 so far)", 1, true)
       and wf:output():find("notified by SIGUSR1 (1 so far)", 1, true),
       "each of the three acted on SIGUSR1 at once, from its main loop, and sleeps in poll() again")
say("poll() returned on the pipe or the signalfd, and each main loop said so at once, with no line "
 .. "of input; the signalfd's read() gave the signal and its sender.")
local function last(x) return (x:output():match("([^\n]*)\n?$")) or "" end
say(("Their last lines (a small screen leaves their panes no room for them): %s / %s / %s"):format(last(sp), last(sf), last(wf)))
pause("Press space: their input ends.")
for _, x in ipairs(all) do x:close_stdin() end
wait_until(function() return sp:exited() and sf:exited() and wf:exited() end, 10, "the three to end")
expect(sp:status() == "exit 0" and sf:status() == "exit 0" and wf:status() == "exit 0",
       "at end of input each says so and exits 0")
