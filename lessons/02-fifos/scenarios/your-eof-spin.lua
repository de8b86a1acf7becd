-- your-eof-spin.lua: exercise 02's log_server.py, the learner's own, on a
-- FIFO the run makes. A client (the kit's pipe_writer) writes two frames
-- and goes; read() on a FIFO returns 0 whenever no process has it open for
-- writing: does your server then sleep until the next client, or spin at
-- EOF? A second client comes after.
scenario {
  title = "Your log_server.py between two clients: asleep, or spinning at EOF?",
  about = "Exercise 02 live: your log_server.py serves a client that writes two frames and goes. "
       .. "With no client left, does it sleep in read(), or spin at 100% CPU on read() returning 0? "
       .. "Then a second client comes.",
}

local log = fifo("log")
watch(log)
local server = spawn { Yours "02-eof-spin", log.path, name = "your server" }
wait_until(function() return server:exited() or server:blocked_in("openat") end, 10,
           "your server to open its FIFO")
if server:exited() then
  local out = server:output()
  say(("Your server ended at once with %s: %s"):format(server:status(),
      out:match("[^\n]*line %d+[^\n]*\n[^\n]*\n[^\n]*Error[^\n]*") or out:sub(-200)))
  expect(false, "your server waits for its first client")
  return
end
say("Your server sleeps in openat(): a FIFO's open() for reading waits for a writer.")

-- A client: the kit's pipe_writer with its standard output on the FIFO.
local function client(n, name)
  return spawn { "sh", "-c", 'exec "$0" -n "$1" >"$2"', C "pipe_writer", tostring(n), log.path,
                 name = name, lang = "C" }
end

pause("Next a client writes two frames into the FIFO and closes it. Press space.")
local c1 = client(2, "client 1")
wait_until(function() return server:exited() or
                             server:output():find("message 2:", 1, true) end, 10,
           "your server to print the client's two messages")
expect(server:output():find("message 2:", 1, true), "your server printed the client's two messages")
wait_until(function() return c1:exited() end, 10, "the client to end")
say("The client has gone: no process has the FIFO open for writing now.")
sleep(1)                    -- a second with no client: asleep, or spinning all along
local s = server:state()
say(("A second later your server is %s%s."):format(s.state,
    s.call and (" in " .. s.call .. "()") or ""))
if s.state == "running" then
  say("read() returns 0 (EOF) at once, again and again: the loop spins at 100% CPU.")
end
expect(server:blocked_in("read") or server:blocked_in("openat"),
       "with no client your server sleeps in read() (or open()), not spinning")

pause("Now a second client comes, with one frame. Press space.")
client(1, "client 2")
wait_until(function() return server:exited() or
                             server:output():find("message 3:", 1, true) end, 10,
           "your server to print the second client's message")
expect(server:output():find("message 3:", 1, true), "your server served the second client too")
if not server:exited() then server:signal("TERM") end
wait_until(function() return server:exited() end, 10, "your server to end")
