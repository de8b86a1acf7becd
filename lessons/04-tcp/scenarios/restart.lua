-- restart.lua: the side that closes first keeps the connection in
-- TIME-WAIT for about a minute. When that is the server, a new server on
-- the same port meets EADDRINUSE, unless it sets SO_REUSEADDR.
scenario {
  title = "Restarting a server: TIME-WAIT, EADDRINUSE and SO_REUSEADDR",
  about = "A server killed with a client connected closes first: its end of the connection stays in "
       .. "TIME-WAIT on its port. A new server there without SO_REUSEADDR fails in bind() (Address "
       .. "already in use); with it (the kit's default) it listens.",
}

local server = spawn { C "tcp_server", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local client = spawn { C "tcp_client", tostring(port), name = "client" }
wait_until(function() return client:blocked_in("recvfrom") or client:blocked_in("read") end, 10,
           "the client connected, waiting for the server to close")
local function server_end()
  for _, s in ipairs(tcp(port)) do
    if s.state == "ESTABLISHED" and s.port == port and s.process == server then return s end
  end
end
wait_until(server_end, 10, "the server's end of the connection")
say(("A server on port %d and a client that sends nothing: it waits for the server to close. The "
     .. "server's end of the connection: %s -> %s."):format(port, server_end()["local"], server_end().peer))
pause("Press space: the server is killed. Which side closes first?")

server:kill()
wait_until(function() return client:exited() end, 10, "the client to see the end")
local function time_wait()
  for _, s in ipairs(tcp(port)) do if s.state == "TIME-WAIT" and s.port == port then return s end end
end
wait_until(time_wait, 10, "TIME-WAIT on the server's port")
local tw = time_wait()
expect(tw.process == nil and tw.port == port,
       "the server's end of the connection is in TIME-WAIT on its port, held by no process")
say(("The kernel keeps %s -> %s in TIME-WAIT, held by no process, about a minute: the server closed first."):format(
    tw["local"], tw.peer))
pause("Press space: a new server on the same port, without SO_REUSEADDR.")

local again = spawn { C "tcp_server", "--port", tostring(port), "--no-reuseaddr", name = "server again" }
wait_until(function() return again:exited() end, 10, "the second server to end")
expect(again:status() == "exit 1" and again:output():find("Address already in use", 1, true),
       "without SO_REUSEADDR bind() fails: EADDRINUSE, status 1")
say("It said: " .. (again:output():match("tcp_server: bind[^\n]*") or again:output():sub(-120)))
pause("Press space: the same, with SO_REUSEADDR (the kit's default).")

local third = spawn { C "tcp_server", "--port", tostring(port), "-n", "1", name = "server third" }
wait_until(function() return third:output():find("listening on 127.0.0.1:" .. port, 1, true) or third:exited() end,
           10, "the third server to listen")
expect(third:output():find("listening on 127.0.0.1:" .. port, 1, true) and time_wait() ~= nil,
       "with SO_REUSEADDR it listens on the same port, the TIME-WAIT still there")
say("It listens on the same port beside the TIME-WAIT: SO_REUSEADDR, set before bind(), every time a "
    .. "server starts.")
local c2 = spawn { C "tcp_client", tostring(port), "are you back?", name = "client 2" }
wait_until(function() return c2:exited() and third:exited() end, 10, "a client answered by the new server")
expect(c2:output():find("reply 1: are you back? (from C)", 1, true), "a client gets its reply from the restarted server")
