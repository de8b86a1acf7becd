-- late.lua: when does a handler run? late.c and late.py make the same
-- calls: a handler for SIGUSR1, then sigwait() for SIGUSR2. In C the
-- handler runs the moment SIGUSR1 comes; in Python only once sigwait, one
-- long C call, has returned.
scenario {
  title = "When a handler runs: C at once, Python after the C call returns",
  about = "C and Python both sleep in sigwait() for SIGUSR2 and have a handler for SIGUSR1. "
       .. "SIGUSR1 comes: C's handler runs at once, inside sigwait; Python's only when SIGUSR2 "
       .. "has ended sigwait. The handlers' times, from the trace, say so.",
  signals = true,
}

-- The times the program printed: the handler's (its note) and sigwait's return.
local function times(p)
  local ran
  for _, e in ipairs(p:events()) do
    if e.ev == "note" and e.text then ran = ran or tonumber(e.text:match("handler ran at t=(%d+)")) end
  end
  return ran, tonumber(p:output():match("sigwait returned SIGUSR2 at t=(%d+)"))
end
local function in_sigwait(p) return p:blocked_in("rt_sigtimedwait") end

local c = spawn { C "late", name = "C late" }
local py = spawn { Python "late.py", name = "Py late" }
wait_until(function() return in_sigwait(c) and in_sigwait(py) end, 10, "both asleep in sigwait()")
say("Both catch SIGUSR1 and sleep in sigwait() for SIGUSR2 (rt_sigtimedwait). They block SIGUSR2 for "
 .. "it, yet their panes show nothing blocked: while sigwait waits, the kernel unblocks what it waits "
 .. "for. Watch their output lines.")
expect(c:pending("SIGUSR1") == false and py:pending("SIGUSR1") == false, "nothing pending in either")
expect(not c:signals().blocked.SIGUSR2 and not py:signals().blocked.SIGUSR2,
       "in sigwait() neither shows SIGUSR2 blocked")
pause("Press space: SIGUSR1 to both.")

c:signal("USR1")
py:signal("USR1")
wait_until(function()
  return c:output():find("handler runs", 1, true) and not py:pending("SIGUSR1") and in_sigwait(c) and in_sigwait(py)
end, 10, "SIGUSR1 delivered to both, both in sigwait() again")
say("C's handler ran at once: its line is there, and C sleeps in sigwait() again (glibc "
 .. "restarts it). Python's C-level handler ran too (nothing pending), but our Python handler has "
 .. "not: Python runs it between bytecodes, and it is inside one C call.")
expect(c:output():find("SIGUSR1's handler runs", 1, true) and in_sigwait(c),
       "C: the handler's line came while C still sleeps in sigwait()")
expect(not py:output():find("handler runs", 1, true) and in_sigwait(py) and not py:pending("SIGUSR1"),
       "Python: SIGUSR1 delivered (not pending), but no handler line while it sleeps in sigwait()")
pause("Press space: SIGUSR2 to both; sigwait returns.")

c:signal("USR2")
py:signal("USR2")
wait_until(function() return c:exited() and py:exited() end, 10, "both to end")
local c_ran, c_ret = times(c)
local p_ran, p_ret = times(py)
expect(c:status() == "exit 0" and py:status() == "exit 0" and c_ran and c_ret and p_ran and p_ret,
       "both end (exit 0) and print when the handler ran and when sigwait returned")
expect(p_ran > c_ran and py:output():find("handler runs.*sigwait returned"),
       "Python: the handler ran after C's, once SIGUSR2 had ended sigwait")
say(("Both end saying the handler had run; the trace's times tell when. C's ran %.1f ms before sigwait "
  .. "returned: at SIGUSR1. Python's ran on sigwait's way out, %d us before it returned: %.1f ms after C's."):format(
  (c_ret - c_ran) / 1000, p_ret - p_ran, (p_ran - c_ran) / 1000))
say("In Python a handler waits for the main thread to come back from C: keep long blocking calls "
 .. "interruptible (timeouts), or use set_wakeup_fd.")
