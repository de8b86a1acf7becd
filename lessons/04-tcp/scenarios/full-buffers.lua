-- full-buffers.lua: a writer whose peer reads nothing. The bytes pile up
-- in the receiver's socket (its Recv-Q) and in the sender's (its Send-Q,
-- sent but not acknowledged: the receiver's window is shut), then the
-- sender sleeps in send(). Killing the reader with all that unread resets
-- the connection.
scenario {
  title = "Both buffers full: the writer asleep in send()",
  about = "tcp_server --no-read accepts a client and never reads it; tcp_client --flood sends 64 KiB "
       .. "frames. Recv-Q and Send-Q climb, then the client sleeps in sendmsg(). The server killed, "
       .. "the client's send() fails: Connection reset by peer.",
}

local server = spawn { C "tcp_server", "--no-read", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
wait_until(function() return server:blocked_in("poll") end, 10, "the server asleep in poll()")
say(("The server listens on 127.0.0.1:%d; it will accept a client and never read from it (--no-read)."):format(port))
pause("Press space: a client sends 64 KiB frames as fast as it can, never reading.")

local client = spawn { C "tcp_client", "--flood", "65536", tostring(port), name = "client" }
local function ends()
  local mine = client:sockets()[1]
  if not mine then return nil end
  for _, s in ipairs(tcp(port)) do
    if s.port == port and s.peer_port == mine.port then return mine, s end
  end
end
-- Full for sure: the client asleep in sendmsg() and both queues the same
-- at two samples in a row (while it still sends, they climb).
local last
wait_until(function()
  local c, s = ends()
  if not (c and s and client:blocked_in("sendmsg") and s.rq > 0 and c.sq > 0) then return false end
  local now = s.rq .. " " .. c.sq
  local same = now == last
  last = now
  return same
end, 10, "the client asleep in sendmsg(), both queues still")
local c, s = ends()
expect(client:blocked_in("sendmsg"), "the client sleeps in sendmsg(): both buffers are full")
expect(s.rq > 0 and c.sq > 0, "bytes wait at both ends: the server's Recv-Q and the client's Send-Q")
say(("%d bytes wait: the server's Recv-Q (not read) plus the client's Send-Q (not acknowledged), "
     .. "in the socket rows."):format(s.rq + c.sq))
pause("The server's window is shut: the client sleeps in sendmsg(), for good. Press space.")
say("The kernel sizes both buffers itself, and may move bytes from one queue to the other: the sum holds.")
pause("Ask the class: what happens to the client if the server dies now? Press space to kill it.")

server:kill()
wait_until(function() return client:exited() end, 10, "the client to end")
expect(client:status() == "exit 1" and client:output():find("Connection reset by peer", 1, true),
       "the client's send() failed: Connection reset by peer (ECONNRESET), status 1")
say("The client said: " .. (client:output():match("tcp_client: send[^\n]*") or client:output():sub(-160))
    .. ". A socket closed with unread data sends a reset, not an orderly end.")
