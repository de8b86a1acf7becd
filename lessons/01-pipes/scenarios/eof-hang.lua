-- eof-hang.lua: EOF needs every write end closed. pipe_parent talks to its
-- child over two pipes; with --forget-close it keeps its own copy of the up
-- pipe's write end, and read() on that pipe never returns 0.
scenario {
  title = "EOF needs every write end closed",
  about = "A parent forgets to close its copy of the write end it gave its child: the child exits, the parent waits in read() forever.",
}

say("First the right way: the C parent closes the ends it gave its Python child.")
local good = spawn { C "pipe_parent", "-n", "3", "--", Python "pipe_child.py", name = "parent" }
wait_until(function() return good:exited() end, 10, "the parent to finish")
expect(good:output():find("reply 3: pong: ping 3 (from Python)", 1, true)
       and good:output():find("sent 3 pings, got 3 replies", 1, true), "three pings, three replies")
expect(good:output():find("child exited with status 0", 1, true),
       "the child exited and the parent reaped it")
expect(good:status() == "exit 0", "the parent saw EOF and exited 0")

pause("Now the parent forgets to close its copy of the up pipe's write end. Press space.")
local bad = spawn { C "pipe_parent", "--forget-close", "-n", "3", "--",
                    Python "pipe_child.py", name = "forgetful parent" }
wait_until(function() return bad:output():find("reply 3:", 1, true) end, 10,
           "the three replies")
-- The child has closed its write end and exited: the kernel keeps it as a
-- zombie until its parent waits for it, which this parent never will.
local child = wait_until(function() return bad:children()[1] end, 10, "the parent's child")
wait_until(function() return child:state().state == "zombie" end, 10, "the child to exit")
wait_until(function() return bad:blocked_in("read") end, 10, "the parent asleep in read()")

local s = bad:state()
say(("After the last reply the parent is %s in %s() on fd %d, %s."):format(
  s.state, s.call, s.fd, s.object))
expect(s.state == "sleeping" and s.call == "read", "the parent sleeps in read()")
expect(not bad:output():find("child exited", 1, true), "it never gets to reap its child")
expect(child:state().state == "zombie", "the child is a zombie (Z): exited, never reaped")
say("The child has closed its end and exited; nobody waits for it: it stays a zombie (Z).")
-- The write end it kept, as it says: "keeping pipe:[81234] (fd 6), ...".
local kept, kept_fd = bad:output():match("keeping (pipe:%[%d+%]) %(fd (%d+)%)")
expect(kept == s.object, "the write end it kept is on the pipe it reads: both ends of one pipe")
say("read() returns 0 only when no process holds a write end, and the parent holds one itself.")
pause(("Look at /proc/%d/fd: fd %d and fd %s are both %s. Press space to kill the parent.")
      :format(bad.pid, s.fd, kept_fd, s.object))
bad:kill()
wait_until(function() return bad:exited() end, 10, "the parent to die")
expect(bad:status() == "signal SIGKILL", "killed: nothing else would have ended it")
