-- your-handler-flag.lua: exercise 01's notify_worker.c, the learner's own,
-- compiled with the kit's flags into the run's folder. It prints 5000
-- lines into a pipe nobody reads yet, fills it and sleeps in write(),
-- inside printf; then SIGUSR1. Does its handler write (the kernel shows it
-- asleep in write() with SIGUSR1 blocked: the handler's mask), or only
-- set a flag? Then a reader drains the pipe and counts the lines printed
-- twice and torn; SIGTERM ends it, status 0.
scenario {
  title = "Your notify_worker.c: a SIGUSR1 in the middle of printf",
  about = "Exercise 01 live: your notify_worker.c fills a pipe with printf and sleeps in write(); "
       .. "SIGUSR1 comes. Does your handler write too, inside printf's buffer, or only set a flag "
       .. "the main flow acts on? Then a reader counts lines printed twice and torn.",
  signals = true,
}


local mine = Yours "01-handler-flag"
say("First your notify_worker.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your notify_worker.c to compile")
expect(cc:status() == "exit 0", "your notify_worker.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local out = pipe("stdout")
watch(out)
local w = spawn { mine, "--lines", "5000", name = "your worker", stdout = out.w }
local function spins() return not w:exited() and (w:cpu() or 0) >= 2 end
pcall(wait_until, function()
  local s = w:signals()
  return w:exited() or spins() or (s and s.caught.SIGUSR1 and w:blocked_in("write")
                                   and out:level() == out:capacity())
end, 10, "the pipe full and your worker asleep in write()")
if not w:blocked_in("write") then
  expect(false, "your worker fills the pipe and sleeps in write(), its SIGUSR1 handler in place; "
         .. "instead it is " .. (w:exited() and ("ended, " .. w:status()) or w:state().state))
  if not w:exited() then w:kill() end
  wait_until(function() return w:exited() end, 10, "your worker to end")
  return
end
say(("Your worker printed into a pipe nobody reads: it holds %d bytes, full. It sleeps in write(), "
  .. "inside printf, writing out stdio's 4 KiB buffer. Its pane: SIGUSR1 caught, nothing blocked."):format(
  out:level()))
pause("Press space: SIGUSR1 now, while the main flow is inside printf.")

w:signal("USR1")
pcall(wait_until, function()
  return w:exited() or (not w:pending("SIGUSR1") and w:blocked_in("write"))
end, 10, "SIGUSR1 taken, your worker asleep in write() again")
local x = w:signals() or { blocked = {} }
local inside = x.blocked.SIGUSR1
if inside then
  say(("Taken (nothing pending), and your worker sleeps in write() again, blocked %s: the handler's "
    .. "mask. It is inside its handler, writing to the full pipe itself, on the buffer the main "
    .. "flow's printf was half way through."):format(table.concat(x.blocked, " ")))
elseif w:pending("SIGUSR1") then
  say("SIGUSR1 is still pending: your main flow blocks it while it prints, so the handler waits "
   .. "until printf is done.")
else
  say("Taken (nothing pending), and your worker sleeps in write() again with nothing blocked: the "
   .. "handler ran, wrote nothing, and returned; the main flow's write() went on (SA_RESTART).")
end
expect(not inside, "your handler writes nothing: after SIGUSR1 your worker sleeps in the main "
       .. "flow's write(), not in one inside its handler (SIGUSR1 not blocked)")
pause("Press space: a reader drains the pipe and counts lines printed twice and torn.")

local reader = spawn { Python(), "-c", [[
import collections, re, sys
lines = sys.stdin.buffer.read().decode(errors="replace").split("\n")[:-1]
nums = [int(m.group(1)) for m in (re.fullmatch(r"worker \d+: line (\d+)", l) for l in lines) if m]
twice = sum(1 for n in collections.Counter(nums).values() if n > 1)
ok = r"worker \d+: (line \d+|notified by SIGUSR1 \(\d+ so far\)|stopping on SIGTERM)"
torn = [l for l in lines if not re.fullmatch(ok, l)]
notices = sum(1 for l in lines if "notified by SIGUSR1" in l and re.fullmatch(ok, l))
print(f"reader: {len(nums)} numbered lines, {twice} printed twice, {len(torn)} torn, {notices} notice{'' if notices == 1 else 's'}")
for l in torn[:2]:
    print(f"reader: torn: {l[:120]}")
]], name = "reader", stdin = out.r }
pcall(wait_until, function()
  local s = w:state()
  return w:exited() or (out:level() == 0 and s.state == "sleeping" and s.call ~= "write")
end, 10, "the pipe drained, your worker waiting for signals")
local s = w:state()
say(("All written: your worker is %s%s. Now SIGTERM."):format(s.state,
    s.call and (" in " .. s.call .. "()") or ""))
if not w:exited() then w:signal("TERM") end
pcall(wait_until, function() return w:exited() and reader:exited() end, 10,
      "your worker and the reader to end")
if not w:exited() then w:kill() end
wait_until(function() return w:exited() and reader:exited() end, 10, "both to end")
local n, twice, torn, notices = reader:output():match(
  "reader: (%d+) numbered lines, (%d+) printed twice, (%d+) torn, (%d+) notices?")
say(("The reader: %s numbered lines (5000 printed), %s printed twice, %s torn, notices: %s."):format(
  n or "?", twice or "?", torn or "?", notices or "?"))
expect(n == "5000" and twice == "0" and torn == "0",
       "every line came out once and whole: 5000 numbered lines, none twice, none torn")
expect(notices == "1", "one SIGUSR1, one notice")
expect(w:status() == "exit 0", "on SIGTERM your worker ended with status 0")
