-- sigpipe.lua: writing to a pipe nobody reads. The reader takes one frame
-- and exits; the writer's next write() raises SIGPIPE (or fails with EPIPE
-- when SIGPIPE is ignored).
scenario {
  title = "SIGPIPE: writing to a pipe nobody reads",
  about = "The reader leaves after one frame; the writer dies of SIGPIPE, or gets EPIPE with SIGPIPE ignored.",
}

local p = pipe()
local reader = spawn { Python "pipe_reader.py", "-n", "1", "--hold", name = "reader", stdin = p.r }
local writer = spawn { C "pipe_writer", "-n", "0", name = "writer", stdout = p.w }
local q = pipe()
local reader2 = spawn { C "pipe_reader", "-n", "1", "--hold", name = "reader 2", stdin = q.r }
local writer2 = spawn { Python "pipe_writer.py", "-n", "0", "--ignore-sigpipe",
                        name = "writer 2", stdout = q.w }
watch(p)

say("The C writer writes without end; the Python reader holds, then reads one frame only.")
wait_until(function() return writer:blocked_in("write") end, 10, "the writer asleep on a full pipe")
wait_until(function() return reader:blocked_in("rt_sigtimedwait") end, 10, "the reader holding")
pause("Ask the class: what happens to the writer when the reader leaves? Press space.")
reader:signal("USR1")
wait_until(function() return reader:exited() end, 10, "the reader to leave")
expect(reader:output():find("frame 1: 32 bytes", 1, true), "the reader read one frame")
wait_until(function() return writer:exited() end, 10, "the writer to end")
expect(writer:status() == "signal SIGPIPE", "the writer was killed by SIGPIPE (shell status 141)")
say("No read end left: write() raises SIGPIPE, whose default action kills the writer.")

pause("Now a Python writer that ignores SIGPIPE. Press space.")
watch(q)
wait_until(function() return writer2:blocked_in("write") end, 10, "writer 2 asleep on a full pipe")
wait_until(function() return reader2:blocked_in("rt_sigtimedwait") end, 10, "reader 2 holding")
reader2:signal("USR1")
wait_until(function() return writer2:exited() end, 10, "writer 2 to end")
expect(writer2:status() == "exit 1", "writer 2 exited 1")
expect(writer2:output():find("write pipe:%[%d+%] %(fd 1%): Broken pipe"),
       "it says which call failed on which pipe: Broken pipe (EPIPE)")
wait_until(function() return reader2:exited() end, 10, "reader 2 to end")
say("Python ignores SIGPIPE by default; pipe_writer.py puts back SIG_DFL, as C has it, "
    .. "unless told not to (--ignore-sigpipe).")
