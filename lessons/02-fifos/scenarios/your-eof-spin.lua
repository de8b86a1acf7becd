-- your-eof-spin.lua: exercise 02's log_server.py, the learner's own, on a
-- FIFO the run makes. A client (the kit's pipe_writer) writes two frames
-- and goes; read() on a FIFO returns 0 whenever no process has it open for
-- writing: does your server then sleep until the next client, or spin at
-- EOF? A second client comes after. The narration says what the kernel
-- shows (the server's state, the FIFO's holders); a server that opens its
-- write end first, and so waits in open() for a reader that never comes,
-- is caught there and ends in a FAILED check, not a scenario error.
scenario {
  title = "Your log_server.py between two clients: asleep, or spinning?",
  about = "Exercise 02 live: your log_server.py serves a client that writes two frames and goes. "
       .. "With no client left, does it sleep in read(), or spin at 100% CPU on read() returning 0? "
       .. "Then a second client comes.",
}

local log = fifo("log")
watch(log)
local server = spawn { Yours "02-eof-spin", log.path, name = "your server" }
local for_words = { read = "reading", write = "writing", ["read-write"] = "reading and writing" }

-- open_on_log [ACCESS]: who has the FIFO open, as the kernel shows it
-- (log:holders()), only those that can write when ACCESS is "write":
-- "your server fd 4 (write)", or "nobody".
local function open_on_log(access)
  local list = {}
  for _, h in ipairs(log:holders()) do
    if not h.opening and (access ~= "write" or h.access ~= "read") then
      list[#list + 1] = ("%s fd %d (%s)"):format(h.process.name, h.fd, h.access)
    end
  end
  return #list > 0 and table.concat(list, ", ") or "nobody"
end

-- Over 2 s of CPU time: it spins (a program asleep uses none).
local function spins() return not server:exited() and (server:cpu() or 0) >= 2 end

-- waits_for_reader: asleep in open() of the FIFO for writing while nobody
-- has it open: no reader will ever come (the clients only write).
local function waits_for_reader()
  local s = server:state()
  return s.call == "openat" and s.opening == "write" and open_on_log() == "nobody"
end

pcall(wait_until, function()
  return server:exited() or server:blocked_in("openat") or server:blocked_in("read") or spins()
end, 10, "your server to open its FIFO")
if server:exited() then
  local out = server:output()
  say(("Your server ended at once with %s: %s"):format(server:status(),
      out:match("[^\n]*line %d+[^\n]*\n[^\n]*\n[^\n]*Error[^\n]*") or out:sub(-200)))
  expect(false, "your server waits for its first client")
  return
end

local s = server:state()
if s.call == "openat" and s.opening == "read" then
  say("Your server is asleep in open() of FIFO log for reading: a FIFO's open() for reading "
      .. "waits for a writer, the first client.")
elseif s.call == "openat" then
  say(("Your server is asleep in open() of FIFO log for %s; open on it: %s."):format(
      for_words[s.opening] or s.opening, open_on_log()))
elseif s.call == "read" then
  say(("Your server is asleep in read() of FIFO log; open on it: %s. It opened the FIFO without "
      .. "waiting for a client."):format(open_on_log()))
else
  say(("Your server is %s%s."):format(s.state, s.call and (" in " .. s.call .. "()") or ""))
end

-- A client: the kit's pipe_writer with its standard output on the FIFO.
local function client(n, name)
  return spawn { "sh", "-c", 'exec "$0" -n "$1" >"$2"', C "pipe_writer", tostring(n), log.path,
                 name = name, lang = "C" }
end

pause("Next a client writes two frames into the FIFO and closes it. Press space.")
local c1 = client(2, "client 1")
pcall(wait_until, function()
  return server:exited() or server:output():find("message 2:", 1, true) or spins() or
         (waits_for_reader() and c1:blocked_in("openat"))
end, 10, "your server to print the client's two messages")
if waits_for_reader() then
  sleep(0.5)                -- a second look: still so, for good
  if waits_for_reader() and c1:blocked_in("openat") then
    say("Your server is asleep in open() of FIFO log for writing, and so is the client: no "
        .. "reader has it open, and your server opens its read end only after. Two writers "
        .. "wait for a reader that never comes.")
    expect(false, "your server printed the client's two messages; instead it is asleep in open() "
           .. "of FIFO log for writing, before its read end is open: no client can reach it")
    say("Neither would ever wake: the scenario ends your server and the client (SIGKILL).")
    server:kill()
    c1:kill()
    wait_until(function() return server:exited() and c1:exited() end, 10, "both to be stopped")
    return
  end
end
expect(server:output():find("message 2:", 1, true), "your server printed the client's two messages")
pcall(wait_until, function() return c1:exited() end, 10, "the client to end")
if not c1:exited() then
  say("The client has not ended 10 s after its two messages: the scenario ends it (SIGKILL).")
  c1:kill()
end

local writers = open_on_log("write")
if writers == "nobody" then
  say("The client has gone: no process has the FIFO open for writing now, so read() returns "
      .. "0 (EOF) at once.")
else
  say(("The client has gone; the FIFO still has a writer: %s. read() waits for data instead of "
      .. "returning 0 (EOF)."):format(writers))
end
sleep(1)                    -- a second with no client: asleep, or spinning all along
s = server:state()
say(("A second later your server is %s%s."):format(s.state,
    s.call and (" in " .. s.call .. "()") or ""))
if s.state == "running" then
  say("read() returns 0 (EOF) at once, again and again: the loop spins at 100% CPU.")
end
expect(server:blocked_in("read") or server:blocked_in("openat"),
       "with no client your server sleeps in read() (or open()), not spinning")

pause("Now a second client comes, with one frame. Press space.")
local c2 = client(1, "client 2")
pcall(wait_until, function()
  return server:exited() or server:output():find("message 3:", 1, true) or
         (c2:exited() and server:blocked_in("read"))
end, 10, "your server to print the second client's message")
expect(server:output():find("message 3:", 1, true), "your server served the second client too")
if not server:exited() then
  say("The scenario ends your server with SIGTERM: a server runs until it is told to stop.")
  server:signal("TERM")
end
wait_until(function() return server:exited() end, 10, "your server to end")
if not c2:exited() then
  say("The second client had not ended: the scenario ends it (SIGKILL).")
  c2:kill()
end
