-- torn-records.lua: two writers share one pipe. A write() of up to PIPE_BUF
-- (4096) bytes is atomic; a 100000-byte one is not. Made certain: the C
-- writer fills the pipe and sleeps in the middle of its first record; we stop
-- it (its write() returns the 65536 bytes it got in), let the Python writer
-- write, then continue the C writer, which writes the rest of its record.
scenario {
  title = "Torn records: two writers, records larger than the pipe",
  about = "A C and a Python writer send 100000-byte records with one write() each; the reader finds records made of both.",
}

local p = pipe()
local reader = spawn { C "record_reader", "-s", "100000", "--hold", name = "reader", stdin = p.r }
local cw = spawn { C "record_writer", "-s", "100000", "-n", "3", name = "C writer", stdout = p.w }
local pw = spawn { Python "record_writer.py", "-s", "100000", "-n", "3", "--hold",
                   name = "Python writer", stdout = p.w }
watch(p)

say("Each record is 100000 bytes of one letter, C or P, sent with ONE write() call.")
wait_until(function() return reader:blocked_in("rt_sigtimedwait") end, 10, "the reader holding")
wait_until(function() return cw:blocked_in("write") end, 10, "the C writer asleep in write()")
local first = wait_until(function()
  for _, ev in ipairs(cw:events("write")) do if ev.ev == "before" then return ev end end
end, 10, "the C writer's first write")
expect(first.len == 100000, "the C writer's first write() asks for all 100000 bytes")
local cap = p:capacity()
say(("The pipe holds %d of its %d bytes, all from that one write()."):format(p:level(), cap))
expect(p:level() == cap, "the pipe is full of the C writer's first record")
say("The C writer sleeps in the middle of its first record.")

pause("Press space: the Python writer starts too.")
wait_until(function() return pw:blocked_in("rt_sigtimedwait") end, 10, "the Python writer holding")
pw:signal("USR1")
wait_until(function() return pw:blocked_in("write") end, 10, "the Python writer asleep in write()")
say("Both writers sleep in write(). Now we stop the C writer (SIGSTOP).")
cw:stop()
wait_until(function() return cw:state().state == "stopped" end, 10, "the C writer stopped")
say("The stop interrupts its write(), which returns the bytes it got in (a short write).")

pause("Press space: the reader starts reading; the Python writer gets the pipe.")
reader:signal("USR1")
wait_until(function() return pw:exited() end, 10, "the Python writer to finish")
say("The Python writer wrote all its records. Now the C writer continues: it writes the rest.")
cw:cont()
wait_until(function() return cw:exited() and reader:exited() end, 10, "all to finish")
expect(reader:output():find(("record 1 torn: 'C' x %d then 'P' x %d"):format(cap, 100000 - cap),
                            1, true),
       ("record 1 is torn: %d bytes of C, then the Python writer's bytes"):format(cap))
expect(reader:output():find("6 records, 2 torn", 1, true), "6 records, 2 of them torn")
local returned
for _, ev in ipairs(cw:events("write")) do
  if ev.ev == "after" then returned = returned or ev.ret end
end
say(("The C writer's first write() returned %s of 100000: it wrote the rest after SIGCONT.")
    :format(returned))
expect(returned == cap, "its first write() returned what the pipe held when it stopped")
say("A write() of at most PIPE_BUF bytes is never split like this: the kernel puts it in "
    .. "whole, or waits until it can (the README shows it, records of PIPE_BUF bytes).")
