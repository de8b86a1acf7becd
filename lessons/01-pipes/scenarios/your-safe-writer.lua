-- your-safe-writer.lua: exercise 02's safe_writer.py, the learner's own,
-- writing into a pipe whose reader takes one frame and goes away: the
-- next write() raises SIGPIPE, or fails with EPIPE when SIGPIPE is ignored.
scenario {
  title = "Your safe_writer.py when its reader goes away",
  about = "Exercise 02 live: your writer fills a pipe; its reader takes one frame and leaves. "
       .. "Does your writer end with its own words and status 1, or die of SIGPIPE, or print a traceback?",
}

local p = pipe()
local reader = spawn { Python "pipe_reader.py", "-n", "1", "--hold", name = "reader", stdin = p.r }
local writer = spawn { Yours "02-safe-writer", "-n", "0", name = "your writer", stdout = p.w }
watch(p)
wait_until(function() return writer:blocked_in("write") or writer:exited() end, 10,
           "your writer to fill the pipe")
if writer:exited() then                     -- it never got going: say why, stop here
  local out = writer:output()
  say(("Your writer ended at once with %s: %s"):format(writer:status(),
      out:match("[^\n]*line %d+[^\n]*\n[^\n]*\n[^\n]*Error[^\n]*") or out:sub(-200)))
  expect(false, "your writer runs until the pipe is full")
  return
end
say(("Your writer sleeps in write(): the pipe holds %d of %d bytes."):format(p:level() or 0,
    p:capacity() or 0))
pause("Next the reader takes one frame and exits. Press space.")
reader:signal("USR1")
wait_until(function() return writer:exited() end, 10, "your writer to end")
say("Your writer ended with " .. writer:status() .. ".")
expect(writer:status() ~= "signal SIGPIPE", "it was not killed by SIGPIPE")
expect(not writer:output():find("Traceback", 1, true), "it printed no traceback")
expect(writer:status() == "exit 1" and writer:output():find("reader gone", 1, true),
       "it said 'reader gone' and ended with status 1")
