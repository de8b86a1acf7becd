-- tutorial-pair.lua: the common tutorial's FIFO pair (naive_writer,
-- naive_reader), as it is written there: one read() taken for one message.
-- A stand-in holds the FIFO open both ways, so the writer can finish before
-- a reader comes and what it wrote waits in the FIFO, as between two quick
-- messages on a busy machine.
scenario {
  title = "The tutorial's FIFO pair: one read() is not one message",
  about = "Two messages written before the reader reads come back in one read(); a long one in "
       .. "pieces of 1024 bytes. The C reader loses the second message without a word.",
}

-- printed(P): what process P printed, quoted line by line for the
-- narration, from its own output (on a small screen its pane may not show
-- it): a NUL byte as \0, a line that ends in a long run of x's counted.
local function printed(p)
  local lines = {}
  for line in p:output():gmatch("([^\n]*)\n") do
    local head, xs = line:match("^(.-)(x*)$")
    lines[#lines + 1] = #xs > 3 and ('"%s" and %d x\'s'):format(head, #xs)
                        or '"' .. line:gsub("%z", "\\0") .. '"'
  end
  return #lines > 0 and table.concat(lines, ", ") or "nothing"
end

local f = fifo("myfifo")             -- the tutorial's /tmp/myfifo, moved into the run's folder
local dir = f.path:match("(.*)/")
local env = { NAIVE_DIR = dir }      -- (the tutorial's programs take no path: it is fixed)
watch(f)
local holder = spawn { Python(), "-c", "import os, sys; fd = os.open(sys.argv[1], os.O_RDWR); sys.stdin.read()",
                       f.path, name = "stand-in", stdin = "pipe" }
wait_until(function() return holder:blocked_in("read") end, 10, "the stand-in holding the FIFO")
say("A stand-in holds the FIFO open to read and write (O_RDWR), so nobody waits in open().")

local w = spawn { C "naive_writer", "hello", "world", name = "writer", env = env }
wait_until(function() return w:exited() end, 10, "the writer to finish")
expect(f:level() == 12, "two messages, 'hello\\0' and 'world\\0', wait in the FIFO: 12 bytes")
say("The writer wrote 'hello' and 'world', each with its '\\0', in two write() calls, and exited.")
pause("Ask the class: what will the tutorial's reader print? Press space to start it.")
local r = spawn { C "naive_reader", name = "C reader", env = env }
wait_until(function() return r:blocked_in("read") and f:level() == 0 end, 10, "the C reader to take all")
expect(r:output() == "Received: hello\n",
       "one read() got both messages; printf(\"%s\") stopped at the first '\\0': 'world' is lost, unsaid")
say("The C reader printed " .. printed(r) .. ": read() returns what the FIFO holds, up to the "
 .. "size asked: both messages at once, and printf(\"%s\") stops at the first '\\0'.")
pause()

say("The C reader would wait in read() for ever (the stand-in holds a write end, so no end of "
 .. "file comes): the scenario ends it with SIGKILL, hence its 'EXITED: signal SIGKILL'.")
r:kill()
wait_until(function() return r:exited() end, 10, "the C reader gone")
local pw = spawn { Python "naive_writer.py", "hello", "world", name = "writer", env = env }
wait_until(function() return pw:exited() end, 10, "the Python writer to finish")
local pr = spawn { Python "naive_reader.py", name = "Python reader", env = env }
wait_until(function() return pr:blocked_in("read") and f:level() == 0 end, 10, "the Python reader to take all")
expect(pr:output() == "Received: hello\0world\n",
       "the Python reader got both in one read() too, and printed them as one message")
say("The Python reader printed " .. printed(pr) .. ": it cuts the last byte of each read(), "
 .. "taking it for the '\\0': one line with both messages, the '\\0' between them inside it.")
say("The scenario ends the Python reader the same way (SIGKILL): it too would wait for ever.")
pr:kill()
-- Gone before the next writer: a reader killed while asleep in read() may
-- still take the next bytes before it dies (it is woken by the data).
wait_until(function() return pr:exited() end, 10, "the Python reader gone")
pause()

local long = ("x"):rep(2500)
local w2 = spawn { Python "naive_writer.py", long, name = "long writer", env = env }
wait_until(function() return w2:exited() end, 10, "the long writer to finish")
expect(f:level() == 2501, "one message of 2500 bytes and its '\\0' waits in the FIFO")
local r2 = spawn { C "naive_reader", name = "C reader", env = env }
wait_until(function() return r2:blocked_in("read") and f:level() == 0 end, 10, "the C reader to take it")
local pieces = select(2, r2:output():gsub("Received: ", ""))
expect(r2:output() == "Received: " .. ("x"):rep(1024) .. "\nReceived: " .. ("x"):rep(1024)
       .. "\nReceived: " .. ("x"):rep(452) .. "\n",
       "one long message came out as three 'messages': reads of 1024, 1024 and 453 bytes "
       .. "(452 x's and the '\\0')")
say(("The reader printed %d lines for one message, %s: read() asks for 1024 bytes at most.")
    :format(pieces, printed(r2)))
say("The fix is lesson 01's framing: a 4-byte length, then the bytes; read until you have them all. "
 .. "fifo_node does that (the next scenario).")
holder:close_stdin()
wait_until(function() return r2:exited() end, 10, "the reader to see end of file once the stand-in is gone")
