-- your-client-left.lua: exercise 02's msg_server.py, the learner's own. A
-- client (the kit's tcp_peer.py) sends two frames and closes; does your
-- server close its end and sleep in accept(), or spin on recv() returning
-- b"" with the connection in CLOSE-WAIT? A second client comes after. The
-- narration says what the kernel shows: the server's state, its CPU time,
-- its sockets.
scenario {
  title = "Your msg_server.py after its client leaves: asleep, or spinning in CLOSE-WAIT?",
  about = "Exercise 02 live: your msg_server.py serves a client that sends two frames and closes. "
       .. "Does it close the connection and sleep in accept(), or spin on recv() returning b\"\" "
       .. "with its socket in CLOSE-WAIT? Then a second client comes.",
}

local server = spawn { Yours "02-client-left", name = "your server" }
local PEER = IPCLAB_PEERS .. "/../tests/helpers/tcp_peer.py"
pcall(wait_until, function()
  return server:exited() or server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10,
  "your server's readiness line")
local port = tonumber(server:output():match("listening on 127%.0%.0%.1:(%d+)"))
if not port then
  say(("Your server printed no readiness line and %s: %s"):format(
      server:exited() and ("ended with " .. server:status()) or "runs on", (server:output():sub(-200):gsub("%s+$", ""))))
  expect(false, "your server prints 'listening on 127.0.0.1:PORT' once it listens")
  if not server:exited() then server:kill() end
  return
end
pcall(wait_until, function() return server:exited() or server:blocked_in("accept4") end, 10,
      "your server asleep in accept()")
say(("Your server listens on 127.0.0.1:%d."):format(port))

-- held(): your server's sockets in CLOSE-WAIT, "fd 5", or nil.
local function held()
  local list = {}
  for _, s in ipairs(server:sockets()) do
    if s.state == "CLOSE-WAIT" then list[#list + 1] = "fd " .. s.fd end
  end
  return #list > 0 and table.concat(list, ", ") or nil
end
local function messages() return select(2, server:output():gsub("message %d+: ", "")) end

pause("Next a client sends two frames and closes its end. Press space.")
local c1 = spawn { Python(), PEER, tostring(port), "frame:hello", "frame:two words", "close",
                   name = "client 1", lang = "Python" }
pcall(wait_until, function() return server:exited() or (c1:exited() and messages() >= 2) end, 10,
      "your server to print the two messages")
expect(messages() >= 2, "your server printed the client's two messages")
local cpu = server:cpu() or 0
pcall(wait_until, function()
  return server:exited() or (not held() and server:blocked_in("accept4")) or (server:cpu() or 0) >= cpu + 0.3
end, 10, "your server to close the connection, or spin")
if server:exited() then
  say("Your server ended with " .. server:status() .. ": " .. (server:output():sub(-160):gsub("%s+$", "")))
elseif held() then
  local s = server:state()
  say(("The client has left; your server still holds its end, in CLOSE-WAIT (%s), and is %s%s: %.1f s "
       .. "of CPU since the client left."):format(held(), s.state, s.call and (" in " .. s.call .. "()") or "",
       (server:cpu() or 0) - cpu))
  if s.state == "running" then
    say("recv() returns b\"\" at once, again and again, and the loop never looks: it spins.")
  end
  pause("Press space.")
else
  say("The client has left; your server closed its end (no CLOSE-WAIT left) and sleeps in accept().")
end
expect(not server:exited() and not held() and server:blocked_in("accept4"),
       "once the client has left your server closes the connection and sleeps in accept(), using no CPU")

pause("Now a second client, with one frame. Press space.")
local c2 = spawn { Python(), PEER, tostring(port), "frame:second client", "close", name = "client 2", lang = "Python" }
local function queued()
  for _, s in ipairs(tcp(port)) do if s.state == "LISTEN" then return s.rq end end
  return 0
end
-- A server stuck on the first client never accepts the second: its
-- connection waits in the accept queue, and that is seen at once.
local stuck = held() ~= nil
pcall(wait_until, function()
  return server:exited() or server:output():find("second client", 1, true) or (stuck and c2:exited() and queued() >= 1)
end, 10, "your server to print the second client's message")
if not server:output():find("second client", 1, true) and queued() >= 1 then
  say(("The second client's connection waits in the accept queue (%d waiting), never accepted: your "
       .. "server is still busy with the first."):format(queued()))
end
expect(server:output():find("second client", 1, true), "your server served the second client too")
if not server:exited() then
  pause("Press space to end your server.")
  server:signal("TERM")
end
wait_until(function() return server:exited() end, 10, "your server to end")
if not c2:exited() then c2:kill() end
wait_until(function() return c2:exited() end, 10, "the second client gone")
