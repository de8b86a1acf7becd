-- your-whole-reply.lua: exercise 01's frame_client.c, the learner's own,
-- compiled with the kit's flags into the run's folder, against a server
-- (tests/helpers/tcp_peer.py --serve) that sends its reply in pieces: the
-- header in two, the payload in two, each once the kernel shows your client
-- asleep in recv() with nothing left to receive.
scenario {
  title = "Your frame_client.c, its reply sent in pieces",
  about = "Exercise 01 live: your frame_client.c (compiled as the grader does) sends a request; "
       .. "the server sends the reply's header in two pieces, then its payload in two. A client "
       .. "that takes one recv() for a whole header is caught in the act. Then a server closes "
       .. "half-way through a reply: does your client say so, or spin?",
}

local mine = Yours "01-whole-reply"
say("First your frame_client.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your frame_client.c to compile")
expect(cc:status() == "exit 0", "your frame_client.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

-- The reply "hello back" (10 bytes): header 0a 00 00 00 as 0a 00 | 00 00,
-- payload "hel" | "lo back"; the server holds (SIGUSR1) between pieces.
local PEER = IPCLAB_PEERS .. "/../tests/helpers/tcp_peer.py"
local server = spawn { Python(), PEER, "--serve", "request", "hex:0a00", "hold", "hex:0000", "hold",
                       "bytes:hel", "hold", "bytes:lo back", "eof", name = "server", lang = "Python" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local client = spawn { mine, tostring(port), "hello", name = "your client" }

-- taken(): your client asleep in a receive on its socket, nothing left in it.
local function taken()
  local s = client:sockets()[1]
  return s and s.rq == 0 and (client:blocked_in("recvfrom") or client:blocked_in("read")
                              or client:blocked_in("recvmsg"))
end
local function holds() return server:blocked_in("rt_sigtimedwait") end

pcall(wait_until, function() return client:exited() or (holds() and taken()) end, 10, "the first piece taken")
say("The server read your request and sent 2 of the reply's 4 header bytes.")
expect(not client:exited() and taken(),
       "after 2 header bytes your client waits in recv() for the other 2, printing nothing")
if client:exited() then
  say(("Your client ended with %s: %s"):format(client:status(), (client:output():sub(-200):gsub("%s+$", ""))))
  server:kill()
  return
end
pause("Press space: the other 2 header bytes.")
server:signal("USR1")
pcall(wait_until, function() return client:exited() or (holds() and taken()) end, 10, "the header taken")
pause("Press space: 3 of the 10 payload bytes.")
server:signal("USR1")
pcall(wait_until, function() return client:exited() or (holds() and taken()) end, 10, "3 payload bytes taken")
expect(not client:exited() and taken() and client:output() == "",
       "after 3 of 10 payload bytes it still waits in recv(), printing nothing yet")
pause("Press space: the rest.")
if not client:exited() then server:signal("USR1") end
pcall(wait_until, function() return client:exited() end, 10, "your client to end")
expect(client:status() == "exit 0" and client:output():find("hello back\n", 1, true),
       "then it prints the whole reply, 'hello back', and ends with status 0")
say(("Your client ended with %s, having printed: %s"):format(client:status() or "?",
    (client:output():sub(-160):gsub("%s+$", ""))))
if not client:exited() then client:kill() end
wait_until(function() return client:exited() end, 10, "your client gone")
if not server:exited() then server:kill() end
wait_until(function() return server:exited() end, 10, "the server gone")

-- A second server sends a header for 10 bytes, 3 of them, and closes: from
-- then on recv() returns 0 at once, every time. A loop that ignores that 0
-- never ends; it spins, burning CPU.
pause("Press space: a server that closes the connection half-way through its reply.")
local closer = spawn { Python(), PEER, "--serve", "request", "hex:0a000000", "bytes:abc", "close",
                       name = "closing server", lang = "Python" }
port = tonumber(wait_until(function()
  return closer:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local again = spawn { mine, tostring(port), "hello", name = "your client again" }
wait_until(function() return closer:exited() end, 10, "the server to send 3 of 10 bytes and close")
local spun = false
pcall(wait_until, function()
  if again:exited() then return true end
  spun = again:cpu() >= 0.5
  return spun
end, 10, "your client to end")
expect(not spun and again:status() == "exit 1" and again:output():find("3 of 10 payload bytes", 1, true),
       "told 3 of 10 bytes and an end of file, it says the server closed after 3 of 10 payload bytes, status 1")
if spun then
  say("Your client spins (its CPU time grows): recv() returns 0 once the server has closed, at once, "
      .. "for ever. Stop the loop when recv() returns 0.")
  again:kill()
else
  say(("Your client ended with %s: %s"):format(again:status() or "?",
      (again:output():sub(-160):gsub("%s+$", ""))))
end
wait_until(function() return again:exited() end, 10, "your client gone")
