-- pause-race.lua: `while (!got) pause();` tests the flag, then sleeps. Step
-- mode holds pause_race between the test and pause(); the signal comes
-- there; let go, it sleeps in pause() with nothing left to wake it. The
-- fix blocks SIGUSR1 before the test: sigsuspend (C) and sigwait (Python)
-- take it at once.
scenario {
  title = "The pause() race, forced: and sigsuspend, sigwait",
  about = "Step mode holds a C program between its flag test and pause(); SIGUSR1 comes there, "
       .. "the handler runs, and pause() then sleeps with nothing to wake it. With SIGUSR1 blocked "
       .. "it waits, pending, and sigsuspend (C) or sigwait (Python) takes it at once.",
  signals = true,
}

-- Let proc run until it waits before a call named op.
local function run_to(proc, op)
  local at = step(proc, 0)
  while at and at.op ~= op do at = step(proc) end
  return at
end

local c = spawn { C "pause_race", name = "C pause", step = true }
local at = run_to(c, "pause")
expect(at and at.op == "pause", "pause_race (C) is held before pause(): it has tested the flag (0)")
say("pause_race (C) caught SIGUSR1, tested its flag (not set) and is held, by ipclab, "
 .. "just before pause(): the few instructions between the test and the call.")
pause("Press space: SIGUSR1 arrives inside that window.")

c:signal("USR1")
wait_until(function() return not c:pending("SIGUSR1") end, 10, "SIGUSR1 delivered")
say("Nothing is pending: the signal was delivered, the handler ran and set the flag. "
 .. "But the flag was tested already.")
expect(not c:exited() and not c:pending("SIGUSR1"), "SIGUSR1 delivered while held: nothing pending")
pause("Press space: let it go on into pause().")

local went = step(c)
wait_until(function() return c:blocked_in("pause") and c:state().since >= 1 end, 10,
           "the C program asleep in pause() for a second")
local s = c:signals()
say(("The kernel: %s in %s() for %.1f s; pending: %s. Nothing will wake it."):format(
  c:state().state, c:state().call, c:state().since,
  #s.shared_pending == 0 and "nothing" or table.concat(s.shared_pending, " ")))
expect(went and went.blocked and went.op == "pause" and c:blocked_in("pause") and #s.shared_pending == 0,
       "let go, it sleeps in pause() with nothing pending: the signal it waits for is gone")
pause("Press space: the fix, pause_race --fix (C): SIGUSR1 blocked from before the test, then sigsuspend.")

local f = spawn { C "pause_race", "--fix", name = "C fix", step = true }
at = run_to(f, "sigsuspend")
s = f:signals()
expect(at and at.op == "sigsuspend" and s.blocked.SIGUSR1,
       "pause_race --fix is held before sigsuspend, SIGUSR1 blocked")
f:signal("USR1")
wait_until(function() return f:pending("SIGUSR1") end, 10, "SIGUSR1 pending")
s = f:signals()
say(("Sent in the same window: the kernel shows it blocked %s, pending %s. It waits. "
  .. "(Its pane's 'queued' counts all your user's processes.)"):format(
  table.concat(s.blocked, " "), table.concat(s.shared_pending, " ")))
expect(s.shared_pending.SIGUSR1, "SIGUSR1 sent in the window waits, pending")
pause("Press space: let it go on into sigsuspend, which unblocks SIGUSR1 and sleeps in one step.")
step(f)
wait_until(function() return f:exited() end, 10, "the fixed C program to end")
expect(f:status() == "exit 0" and f:output():find("got SIGUSR1", 1, true),
       "sigsuspend took the pending SIGUSR1 at once: 'got SIGUSR1', exit 0")
pause("Press space: Python's fix, pause_race.py --fix: SIGUSR1 blocked, then signal.sigwait.")

local py = spawn { Python "pause_race.py", "--fix", name = "Py fix", step = true }
at = run_to(py, "sigwait")
s = py:signals()
expect(at and at.op == "sigwait" and s.blocked.SIGUSR1,
       "pause_race.py --fix is held before sigwait, SIGUSR1 blocked")
py:signal("USR1")
wait_until(function() return py:pending("SIGUSR1") end, 10, "SIGUSR1 pending")
say("Pending in Python too: blocked, it waits for sigwait, and no handler runs.")
expect(py:pending("SIGUSR1"), "SIGUSR1 sent in the window waits, pending, in Python too")
pause("Press space: let it go on into sigwait.")
step(py)
wait_until(function() return py:exited() end, 10, "the Python program to end")
expect(py:status() == "exit 0" and py:output():find("got SIGUSR1", 1, true),
       "sigwait took it from the pending set at once: 'got SIGUSR1', exit 0")
pause("Press space: a second SIGUSR1 to the C program still asleep in pause().")

c:signal("USR1")
wait_until(function() return c:exited() end, 10, "the first C program to end")
expect(c:status() == "exit 0" and c:output():find("got SIGUSR1", 1, true),
       "only a second signal wakes pause(): then it sees the flag and ends")
say("Block the signal before the test; then wait with sigsuspend or sigwait, never pause().")
