-- endings.lua: how a connection ends. Half-close (shutdown(SHUT_WR)) and
-- the server still answers; reset (close with unread data); a send on a
-- connection the server has closed: EPIPE with MSG_NOSIGNAL, death by
-- SIGPIPE without it.
scenario {
  title = "Endings: half-close, reset, EPIPE and SIGPIPE",
  about = "A client that shuts down its sending side still gets its replies (FIN-WAIT-2 and "
       .. "CLOSE-WAIT). One that closes with its reply unread resets the connection. A send into a "
       .. "connection the server has closed: EPIPE with MSG_NOSIGNAL, killed by SIGPIPE without it.",
}

local server = spawn { C "tcp_server", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local function state_of(p, st)
  for _, s in ipairs(tcp(port)) do if s.state == st and (p == nil or s.process == p) then return s end end
end

say("1. Half-close. A client connects and waits (--hold); then the server is stopped (SIGSTOP), so "
    .. "that the states hold still.")
local half = spawn { C "tcp_client", "--hold", "--shutdown", tostring(port), "first", "second", name = "half-close" }
wait_until(function()
  return half:blocked_in("rt_sigtimedwait") and state_of(server, "ESTABLISHED") and server:blocked_in("poll")
end, 10, "the client accepted and held")
server:stop()
wait_until(function() return server:state().state == "stopped" end, 10, "the server stopped")
pause("Press space: the client sends two requests, then shutdown(SHUT_WR): no more requests.")
half:signal("USR1")
wait_until(function() return half:output():find("shutdown(SHUT_WR)", 1, true) and state_of(half, "FIN-WAIT-2")
                             and state_of(server, "CLOSE-WAIT") and state_of(server, "CLOSE-WAIT").rq == 20 end,
           10, "FIN-WAIT-2 and CLOSE-WAIT")
local cw = state_of(server, "CLOSE-WAIT")
expect(state_of(half, "FIN-WAIT-2") and cw.rq == 20,
       "the client's end in FIN-WAIT-2; the server's in CLOSE-WAIT, its Recv-Q 20: 19 bytes of requests and 1 for the FIN")
say(("The client's socket: FIN-WAIT-2. The server's: CLOSE-WAIT, Recv-Q %d: the FIN takes a "
     .. "sequence number. The client can still read."):format(cw.rq))
pause("Press space: the server goes on.")
server:cont()
wait_until(function() return half:exited() end, 10, "the half-closed client to end")
expect(half:status() == "exit 0" and half:output():find("reply 2: second (from C)", 1, true),
       "the server answered both requests after the half-close, then closed: the client read its replies and EOF")
say("Both replies came; then the server's recv() returned 0 and it closed its end too.")
pause()

say("2. Reset. A client sends a request and closes once the reply has arrived, without reading it.")
local rst = spawn { C "tcp_client", "--reset", tostring(port), "hello", name = "reset" }
wait_until(function() return rst:exited() and server:output():find("Connection reset by peer", 1, true) end, 10,
           "the server to see the reset")
expect(server:output():find("recv 127.0.0.1:%d+: Connection reset by peer") ~= nil,
       "closing with unread data sent a reset: the server's recv() failed with ECONNRESET")
say("The server said: " .. (server:output():match("tcp_server: client [^\n]*reset by peer") or "?")
    .. ". It goes on serving others.")
pause()

say("3. A server that is gone. Two clients connect and wait (--hold); then the server is killed.")
local quiet = spawn { C "tcp_client", "--hold", tostring(port), "one", "two", name = "MSG_NOSIGNAL" }
local loud = spawn { C "tcp_client", "--hold", "--no-nosignal", tostring(port), "one", "two", name = "no MSG_NOSIGNAL" }
-- accepted(C): the server holds its end of client C's connection (one
-- still in the accept queue would be reset when the server dies, not closed).
local function accepted(c)
  local mine = c:sockets()[1]
  if not mine then return false end
  for _, x in ipairs(tcp(port)) do
    if x.port == port and x.peer_port == mine.port and x.process == server then return true end
  end
  return false
end
wait_until(function()
  return quiet:blocked_in("rt_sigtimedwait") and loud:blocked_in("rt_sigtimedwait") and accepted(quiet)
         and accepted(loud) and server:blocked_in("poll")
end, 10, "both clients connected, accepted and held")
server:kill()
wait_until(function() return server:exited() and state_of(quiet, "CLOSE-WAIT") and state_of(loud, "CLOSE-WAIT") end,
           10, "both clients' ends in CLOSE-WAIT")
say("The server's ends were closed by the kernel: both clients' sockets are in CLOSE-WAIT. Their first "
    .. "send gets a reset back; the second finds no connection.")
pause("Ask the class: what happens to each client's second send? Press space to release them.")
quiet:signal("USR1")
loud:signal("USR1")
wait_until(function() return quiet:exited() and loud:exited() end, 10, "both clients to end")
expect(quiet:status() == "exit 1" and quiet:output():find("Broken pipe", 1, true),
       "with MSG_NOSIGNAL the send fails with EPIPE: 'Broken pipe', status 1")
expect(loud:status() == "signal SIGPIPE", "without MSG_NOSIGNAL the kernel raises SIGPIPE: the client dies of it, without a word")
say("One said: " .. (quiet:output():match("tcp_client: send[^\n]*") or "?") .. ". The other died of "
    .. "SIGPIPE (status 141 in a shell), silently.")
