-- empty-pipe.lua: a reader asleep on an empty pipe, woken by the first write.
-- The writer holds (--hold) until SIGUSR1, so nothing is in the pipe; the
-- reader sleeps in read() on its stdin without using the CPU.
scenario {
  title = "The reader sleeps on an empty pipe",
  about = "The writer holds; the reader sleeps in read() until the first frame arrives, then reads to EOF.",
}

local p = pipe()
local writer = spawn { Python "pipe_writer.py", "--hold", name = "writer", stdout = p.w }
local reader = spawn { C "pipe_reader", name = "reader", stdin = p.r }
watch(p)

say("A Python writer and a C reader share one pipe. The writer waits for SIGUSR1 first.")
wait_until(function() return writer:blocked_in("rt_sigtimedwait") end, 10, "the writer holding")
wait_until(function() return reader:blocked_in("read") end, 10, "the reader asleep in read()")

local s = reader:state()
say(("The reader is %s in %s() on fd %d, %s (wchan %s)."):format(
  s.state, s.call, s.fd, s.object, s.wchan))
expect(s.state == "sleeping" and s.call == "read" and s.fd == 0,
       "the reader sleeps in read() on its stdin")
expect(p:level() == 0, "the pipe is empty: 0 bytes queued")
say("It uses no CPU: the kernel wakes it when a writer writes, or when no writer is left.")

pause("Ask the class: what happens when the writer writes? Press space to send SIGUSR1.")
writer:signal("USR1")
wait_until(function() return writer:exited() end, 10, "the writer to finish")
expect(writer:status() == "exit 0" and writer:output():find("wrote 5 frames", 1, true),
       "the writer wrote its five frames and exited")
wait_until(function() return reader:exited() end, 10, "the reader to see EOF")
expect(reader:output():find("frame 5: 32 bytes: message 5 from Python", 1, true)
       and reader:output():find("read 5 frames", 1, true), "the reader got all five frames")
expect(reader:status() == "exit 0", "the reader saw EOF and exited 0")
local reads = reader:events("read")
local last = reads[#reads]
expect(last and last.ev == "after" and last.ret == 0, "its last read() returned 0: EOF")
say("read() returned 0 once the writer had exited: no write end was left, so EOF.")
