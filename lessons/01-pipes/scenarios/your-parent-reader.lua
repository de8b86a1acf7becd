-- your-parent-reader.lua: exercise 03's parent_reader.py, the learner's
-- own: it forks a child that writes 3 frames into a pipe and exits. The
-- parent sees EOF only when no write end is left open anywhere, its own
-- copy included: the kernel shows where it sleeps if it forgot.
scenario {
  title = "Your parent_reader.py: EOF once the child is gone?",
  about = "Exercise 03 live: your parent forks a writer child. When the child exits, "
       .. "does your parent see EOF, or sleep in read() on a pipe it still holds open itself?",
}

local parent = spawn { Yours "03-close-write-end", "-n", "3", name = "your parent" }
say("Your parent makes a pipe and forks; the child writes 3 frames and exits.")
wait_until(function() return parent:exited() or
                             parent:output():find("message 3 from the child", 1, true) end,
           10, "your parent to print the child's frames")
if parent:exited() and not parent:output():find("message 3 from the child", 1, true) then
  local out = parent:output()
  say(("Your parent ended before the child's frames, with %s: %s"):format(parent:status(),
      out:match("[^\n]*line %d+[^\n]*\n[^\n]*\n[^\n]*Error[^\n]*") or out:sub(-200)))
  expect(false, "your parent prints the child's 3 frames")
  return
end
expect(parent:output():find("message 3 from the child", 1, true),
       "your parent printed the child's 3 frames")
pause("The child is gone. Does your parent see EOF? Press space.")
wait_until(function() return parent:exited() or parent:blocked_in("read") end, 10,
           "your parent to end, or to sleep in read()")
sleep(0.5)                  -- a parent that saw EOF has ended by now
if not parent:exited() then
  local s = parent:state()
  say(("Your parent is %s in %s() on fd %d, %s: its own write end keeps the pipe open, "
       .. "so EOF never comes."):format(s.state, s.call or "?", s.fd or -1, s.object or "?"))
end
expect(parent:exited(), "your parent saw EOF once the child was gone")
expect(parent:status() == "exit 0", "and ended with status 0")
if not parent:exited() then parent:kill() end
