-- full-pipe.lua: a writer asleep on a full pipe. The reader holds (--hold);
-- the writer fills the pipe's 16 pages and sleeps in write().
scenario {
  title = "The writer sleeps on a full pipe",
  about = "Nobody reads: the writer fills 64 KiB (16 pages) and sleeps in write(). Small frames leave it 'full' at 64896 bytes.",
}

local p = pipe()
local reader = spawn { C "pipe_reader", "--hold", "-q", "-n", "200", name = "reader", stdin = p.r }
local writer = spawn { Python "pipe_writer.py", "-n", "0", "-s", "1020", name = "writer", stdout = p.w }
local q = pipe()
local reader2 = spawn { C "pipe_reader", "--hold", "-q", name = "reader 2", stdin = q.r }
local writer2 = spawn { C "pipe_writer", "-n", "0", "-s", "100", name = "writer 2", stdout = q.w }
watch(p)

say("The reader holds. The writer writes frames of 1024 bytes: 4 of header, 1020 of payload.")
wait_until(function() return reader:blocked_in("rt_sigtimedwait") end, 10, "the reader holding")
wait_until(function() return writer:blocked_in("write") end, 10, "the writer asleep in write()")

local s = writer:state()
say(("The writer is %s in %s() on fd %d, %s."):format(s.state, s.call, s.fd, s.object))
expect(s.state == "sleeping" and s.call == "write" and s.fd == 1,
       "the writer sleeps in write() on its stdout")
expect(p:level() == 65536 and p:capacity() == 65536, "the pipe holds 65536 of 65536 bytes")
say("16 pages of 4096 bytes; four 1024-byte frames fill a page exactly: 64 frames.")

pause("Press space: the reader reads 200 frames and leaves.")
reader:signal("USR1")
wait_until(function() return reader:exited() end, 10, "the reader to read 200 frames")
expect(reader:status() == "exit 0", "the reader read its 200 frames")
wait_until(function() return writer:exited() end, 10, "the writer to notice")
expect(writer:status() == "signal SIGPIPE",
       "with no reader left, the writer's next write() killed it: SIGPIPE")

pause("Now frames of 100 bytes (104 on the wire). Press space.")
watch(q)
wait_until(function() return writer2:blocked_in("write") end, 10, "writer 2 asleep in write()")
expect(q:level() == 64896 and q:capacity() == 65536,
       "'full' at 64896 of 65536 bytes")
say("A small write goes into the last page only if it fits whole: 39 frames of 104 bytes")
say("fill 4056 bytes of a page; the 40th starts a new one. 16 x 4056 = 64896.")
pause("Press space to end.")
writer2:kill()
reader2:kill()
wait_until(function() return writer2:exited() and reader2:exited() end, 10, "both to end")
