-- your-frame-reader.lua: exercise 01's frame_reader.c, the learner's own,
-- compiled with the kit's flags into the run's folder, then fed by ipclab
-- a byte at a time where it matters: a header in two pieces, a payload in
-- two pieces, then a frame cut short by EOF. The checks are the exercise's
-- rules; a skeleton fails them on screen, where you can see why.
scenario {
  title = "Your frame_reader.c, fed a frame in pieces",
  about = "Exercise 01 live: your frame_reader.c (compiled as the grader does) reads frames "
       .. "that arrive in pieces, then one cut short by EOF. A reader that does not loop on "
       .. "read() is caught in the act.",
}

local mine = Yours "01-frame-reader"
say("First your frame_reader.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your frame_reader.c to compile")
expect(cc:status() == "exit 0", "your frame_reader.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  -- Its first error, where it is: the rest is in the transcript (--record).
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local function header(n) return string.pack("<i4", n) end

-- 1. Pieces: an empty frame's header in two parts (3 bytes, then the 4th),
-- then a frame of 5 bytes whose payload comes in two parts.
local reader = spawn { mine, name = "your reader", stdin = "pipe" }
wait_until(function() return reader:blocked_in("read") end, 10, "your reader asleep in read()")
say("Your reader sleeps in read() on an empty pipe: nothing to read yet.")
pause("Next, 3 of the 4 bytes of an empty frame's header (length 0). A reader that takes "
      .. "what read() returns as a whole header prints an empty frame now. Press space.")
reader:write(header(0):sub(1, 3))
wait_until(function() return reader:exited() or reader:blocked_in("read") end, 10,
           "your reader to read the 3 bytes")
sleep(0.3)  -- a reader that went on would be seen now
expect(reader:blocked_in("read") and not reader:output():find("frame 1"),
       "after 3 header bytes it waits in read() for the 4th, printing nothing")
reader:write(header(0):sub(4))
wait_until(function() return reader:exited() or reader:output():find("frame 1") end, 10,
           "your reader to print the empty frame")
expect(reader:output():find("frame 1: 0 bytes: \n", 1, true), "with the 4th byte: frame 1: 0 bytes")
reader:write(header(5) .. "hel")
sleep(0.3)
expect(reader:blocked_in("read") and not reader:output():find("frame 2"),
       "after 3 of 5 payload bytes it still waits, printing nothing yet")
reader:write("lo")
wait_until(function() return reader:exited() or reader:output():find("frame 2") end, 10,
           "your reader to print frame 2")
expect(reader:output():find("frame 2: 5 bytes: hello", 1, true), "then it prints frame 2: hello")
reader:close_stdin()
wait_until(function() return reader:exited() end, 10, "your reader to see EOF")
expect(reader:status() == "exit 0", "EOF between frames: it ends with status 0")
say("Your reader ended with " .. reader:status() .. ".")

-- 2. Cut short: a header for 10 bytes, 3 of them, then EOF.
pause("Now a frame cut short: a header for 10 bytes, 3 of them, then EOF. Press space.")
local cut = spawn { mine, name = "your reader 2", stdin = "pipe" }
cut:write(header(10) .. "abc")
cut:close_stdin()
wait_until(function() return cut:exited() end, 10, "your reader to end")
expect(cut:status() == "exit 1" and cut:output():find("cut short", 1, true),
       "a payload cut short by EOF: a message saying so, status 1")
say("Your reader ended with " .. cut:status() .. ".")
