-- nonblocking.lua: what O_NONBLOCK changes on a FIFO, one call at a time.
-- Two fifo_nonblock programs share one FIFO: a C writer and a Python
-- reader; the scenario types their commands and shows each answer.
scenario {
  title = "O_NONBLOCK: ENXIO, end of file and EAGAIN instead of waiting",
  about = "With O_NONBLOCK nothing sleeps: opening to write with no reader fails (ENXIO), "
       .. "a read with no writer returns 0, a read with a writer and no data fails (EAGAIN).",
}

local f = fifo("jobs")
watch(f)
local writer = spawn { C "fifo_nonblock", f.path, name = "writer", stdin = "pipe" }
local reader = spawn { Python "fifo_nonblock.py", f.path, name = "reader", stdin = "pipe" }

-- Type one command at a program; wait for the line it prints; return it.
local function ask(p, command)
  local before = select(2, p:output():gsub("\n", ""))
  p:write(command .. "\n")
  local line = wait_until(function()
    local out = p:output()
    if select(2, out:gsub("\n", "")) > before then
      return out:match("([^\n]*)\n$")
    end
  end, 10, p.name .. " to answer " .. command)
  say(("%s> %s   -> %s"):format(p.name, command, line))
  return line
end

say("One FIFO, no process has it open. The writer (C) tries first.")
expect(ask(writer, "open-write"):find("ENXIO", 1, true),
       "open(O_WRONLY | O_NONBLOCK) with no reader fails at once with ENXIO")
say("A blocking open() would sleep here (scenario 'open() of a FIFO waits for a partner'). O_NONBLOCK answers now: no reader.")
pause()
expect(ask(reader, "open-read") == "open-read: opened",
       "open(O_RDONLY | O_NONBLOCK) succeeds at once, with no writer")
expect(ask(reader, "read"):find("read: 0: end of file", 1, true),
       "a read with no writer returns 0, end of file, not EAGAIN")
say("No writer has the FIFO open, so read() says end of file: the same answer as after a writer leaves. "
 .. "A reader cannot tell 'not yet' from 'gone' this way.")
pause()
expect(ask(writer, "open-write") == "open-write: opened", "now there is a reader: open-write succeeds")
local h = f:holders()
expect(#h == 2, "the kernel shows both ends held: one reader, one writer")
expect(ask(reader, "read"):find("EAGAIN", 1, true),
       "a read with a writer but nothing in the FIFO fails with EAGAIN")
say("EAGAIN means 'a writer is there, try again later'. A loop that retries at once spins: "
 .. "poll() is the way to wait for data without blocking in read().")
pause()
ask(writer, "write hello")
wait_until(function() return f:level() == 5 end, 10, "5 bytes in the FIFO")
expect(f:level() == 5, "the FIFO holds the 5 bytes written")
pause("The FIFO holds 5 bytes (its row above). Press space: the reader reads.")
expect(ask(reader, "read") == "read: 5 bytes: hello", "the reader gets them")
ask(writer, "close")
expect(ask(reader, "read"):find("read: 0: end of file", 1, true),
       "the writer closed: read returns 0, end of file, again")
pause()
ask(writer, "open-write")
ask(reader, "close")
expect(ask(writer, "write late"):find("EPIPE", 1, true),
       "the reader closed: write fails with EPIPE (SIGPIPE ignored)")
writer:close_stdin()
reader:close_stdin()
wait_until(function() return writer:exited() and reader:exited() end, 10, "both to end")
expect(writer:status() == "exit 0" and reader:status() == "exit 0", "both ended at the end of their input, status 0")
