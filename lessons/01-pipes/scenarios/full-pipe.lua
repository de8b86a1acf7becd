-- full-pipe.lua: a writer asleep on a full pipe. The reader holds (--hold);
-- the writer fills the pipe's pages and sleeps in write().
scenario {
  title = "The writer sleeps on a full pipe",
  about = "Nobody reads: the writer fills the pipe (64 KiB by default, 16 pages) and sleeps in write(). Frames that do not fill a page exactly leave it 'full' short of that.",
}

local p = pipe()
local reader = spawn { C "pipe_reader", "--hold", "-q", "-n", "200", name = "reader", stdin = p.r }
local writer = spawn { Python "pipe_writer.py", "-n", "0", "-s", "1020", name = "writer", stdout = p.w }
local q = pipe()
local reader2 = spawn { C "pipe_reader", "--hold", "-q", name = "reader 2", stdin = q.r }
local writer2 = spawn { C "pipe_writer", "-n", "0", "-s", "100", name = "writer 2", stdout = q.w }
watch(p)

-- The size of the process's first write(), from its trace: one frame.
local function frame_size(proc)
  for _, ev in ipairs(proc:events("write")) do
    if ev.ev == "before" then return ev.len end
  end
end

say("The reader holds. The writer writes frames with 1020 bytes of payload (-s 1020).")
wait_until(function() return reader:blocked_in("rt_sigtimedwait") end, 10, "the reader holding")
wait_until(function() return writer:blocked_in("write") end, 10, "the writer asleep in write()")
local size = wait_until(function() return frame_size(writer) end, 10, "the writer's first write")
expect(size == 4 + 1020, "each frame is one write() of 1024 bytes: 4 of header, 1020 of payload")

local s = writer:state()
say(("The writer is %s in %s() on fd %d, %s."):format(s.state, s.call, s.fd, s.object))
expect(s.state == "sleeping" and s.call == "write" and s.fd == 1,
       "the writer sleeps in write() on its stdout")
local level, cap = p:level(), p:capacity()
say(("The pipe holds %d of %d bytes: %d frames of %d, four to a page of 4096, %d pages.")
    :format(level, cap, level // size, size, cap // 4096))
expect(level == cap, "full: the pipe holds all it can")

pause("Press space: the reader reads 200 frames and leaves.")
reader:signal("USR1")
wait_until(function() return reader:exited() end, 10, "the reader to read 200 frames")
expect(reader:status() == "exit 0" and reader:output():find("read 200 frames", 1, true),
       "the reader read its 200 frames")
wait_until(function() return writer:exited() end, 10, "the writer to notice")
expect(writer:status() == "signal SIGPIPE",
       "with no reader left, the writer's next write() killed it: SIGPIPE")

pause("Now frames with 100 bytes of payload (-s 100). Press space.")
watch(q)
wait_until(function() return writer2:blocked_in("write") end, 10, "writer 2 asleep in write()")
local size2 = wait_until(function() return frame_size(writer2) end, 10, "writer 2's first write")
local level2, cap2 = q:level(), q:capacity()
local per_page, pages = 4096 // size2, cap2 // 4096
say(("Frames of %d bytes on the wire. Writer 2 sleeps with %d of %d bytes in the pipe.")
    :format(size2, level2, cap2))
expect(size2 == 104 and level2 < cap2, "'full' short of the capacity")
say(("A small write goes into the last page only if it fits whole: %d frames of %d bytes "
     .. "fill %d bytes of a page; the next starts a new one. %d x %d = %d.")
    :format(per_page, size2, per_page * size2, pages, per_page * size2, pages * per_page * size2))
expect(level2 == pages * per_page * size2, "full at the pages' whole frames, no more")
pause("Press space to end.")
writer2:kill()
reader2:kill()
wait_until(function() return writer2:exited() and reader2:exited() end, 10, "both to end")
