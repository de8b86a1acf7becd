-- full-queues.lua: where a Unix socket makes a sender wait. A dgram
-- receiver that does not read (--hold) and a sender that sends until it
-- cannot; then a stream listener with backlog 1 busy with one client,
-- and more clients than its queue holds.
scenario {
  title = "Full queues: asleep in sendto() and in connect()",
  about = "A dgram receiver that does not read: past max_dgram_qlen datagrams the sender sleeps in "
       .. "sendto(). A busy listener with backlog 1: two connections queue, the next sleeps in connect().",
}

local path = rundir() .. "/rx.sock"
local rx = spawn { C "uds_server", "--type", "dgram", "--hold", "-n", "0", path, name = "receiver" }
wait_until(function() return rx:output():match("bound to") end, 10, "the receiver bound")
local tx = spawn { C "uds_client", "--type", "dgram", "--count", "0", path, name = "sender" }
wait_until(function() return tx:blocked_in("sendto") end, 10, "the sender asleep in sendto()")
local function count(p, what)
  local n = 0
  for _ in p:output():gmatch(what) do n = n + 1 end
  return n
end
local queued = count(tx, "sent %d+:")
expect(tx:blocked_in("sendto") and tx:state().socket ~= nil,
       "the sender sleeps in sendto() on its socket: the receiver's queue is full")
say(("The receiver reads nothing. The sender got %d datagrams out, then fell asleep in sendto(): "
     .. "the queue holds one more than net.unix.max_dgram_qlen."):format(queued))
pause("Press space: we kill it. Its datagrams stay: they are in the receiver's queue now.")
tx:kill()
local tx2 = spawn { C "uds_client", "--type", "dgram", "--count", "3", path, name = "sender 2" }
wait_until(function() return tx2:blocked_in("sendto") end, 10, "sender 2 asleep in sendto()")
expect(count(tx2, "sent %d+:") == 0, "a second sender sleeps in its first sendto(): the queue is still full")
say("A second sender, three datagrams: asleep in its first sendto(). The queue is still full.")
pause("Press space: the receiver reads; the second sender wakes.")
rx:signal("USR1")
wait_until(function() return tx2:exited() and count(rx, "read %d+:") == queued + 3 end, 10,
           "sender 2 to end and the receiver to read everything")
expect(tx2:status() == "exit 0" and count(tx2, "sent %d+:") == 3,
       "the second sender woke once the receiver made room, sent its three and ended")
say(("The receiver read %d datagrams: the first sender's %d, though it is dead, then the second's 3. "
     .. "Each read made room, and the sleeping sender woke."):format(queued + 3, queued))
pause("Press space: a listener with a full backlog.")
rx:kill()
wait_until(function() return rx:exited() end, 10, "the receiver gone")

local spath = rundir() .. "/srv.sock"
local srv = spawn { C "uds_server", "--backlog", "1", spath, name = "server" }
wait_until(function() return srv:blocked_in("accept4") end, 10, "the server in accept()")
-- Stopped (SIGSTOP), it accepts nothing: every connection stays queued.
srv:stop()
wait_until(function() return srv:state().state == "stopped" end, 10, "the server stopped")
local clients = {}
for k = 1, 3 do
  clients[k] = spawn { C "uds_client", "--hold", spath, name = "client " .. k }
end
local asleep = wait_until(function()
  for _, c in ipairs(clients) do if c:blocked_in("connect") then return c end end
end, 10, "a client asleep in connect()")
local function listener()
  for _, s in ipairs(unix(spath)) do if s.state == "LISTEN" then return s end end
end
wait_until(function() return listener() and listener().rq == 2 end, 10, "two connections queued")
expect(listener().backlog == 1 and listener().rq == 2,
       "backlog 1, two connections wait to be accepted: one more than the backlog")
expect(asleep:blocked_in("connect"), asleep.name .. " sleeps in connect(), waiting for room")
say(("The server is stopped: it accepts nothing. Backlog 1: %d connections wait in its queue, and "
     .. "%s sleeps in connect(). No SYN-SENT as in TCP: connect() waits for room."):format(listener().rq,
     asleep.name))
pause("Press space: the server goes on and accepts; the sleeping client's connect() completes.")
srv:cont()
wait_until(function() return asleep:blocked_in("rt_sigtimedwait") or asleep:exited() end, 10,
           "the connect() to complete")
expect(asleep:exited() or asleep:blocked_in("rt_sigtimedwait"),
       asleep.name .. "'s connect() completed once the server made room (it now holds for SIGUSR1)")
say(asleep.name .. " is connected: accept() took a connection from the queue, and made room for it.")
pause("Press space to end them all.")
for _, c in ipairs(clients) do c:kill() end
srv:kill()
wait_until(function() return srv:exited() end, 10, "all gone")
