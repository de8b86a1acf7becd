-- backlog.lua: a one-at-a-time server serves one client; the others wait
-- in its listening socket's accept queue, completed by the kernel, not
-- accepted. With --backlog 1 two wait; a fourth's SYN is dropped and its
-- connect() sleeps in SYN-SENT until there is room.
scenario {
  title = "The accept queue: clients waiting for a one-at-a-time server",
  about = "tcp_server --one-at-a-time --backlog 1 serves one client to its end. The kernel completes "
       .. "the next connections by itself and queues them (the listener's Recv-Q); when the queue "
       .. "is full a fourth client waits in SYN-SENT.",
}

local server = spawn { C "tcp_server", "--one-at-a-time", "--backlog", "1", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local function listener()
  for _, s in ipairs(tcp(port)) do if s.state == "LISTEN" then return s end end
end
wait_until(function() return server:blocked_in("accept4") end, 10, "the server asleep in accept()")
say(("The server listens on 127.0.0.1:%d with a backlog of 1 and sleeps in accept(): no client yet."):format(port))
pause("Press space: three clients connect, each then waits (--hold) before sending.")

local held = {}
for i, text in ipairs({ "one", "two", "three" }) do
  held[i] = spawn { C "tcp_client", "--hold", tostring(port), text, name = "client " .. text }
  wait_until(function() return held[i]:blocked_in("rt_sigtimedwait") end, 10, "client " .. text .. " connected")
end
wait_until(function() local l = listener(); return l and l.rq == 2 and server:blocked_in("read") end, 10,
           "two connections queued, the server reading the first")
local l = listener()
expect(l.rq == 2 and l.backlog == 1, "two connections wait in the accept queue (Recv-Q 2), backlog 1: Linux queues backlog + 1")
local s = server:state()
say(("The server accepted client one and sleeps in %s() on its socket, waiting for a request that "
     .. "does not come. Clients two and three have connect()ed: the kernel completed them, and they "
     .. "wait in the queue (its Recv-Q %d, backlog %d)."):format(s.call or "?", l.rq, l.backlog))
pause("Press space: a fourth client connects to the full queue.")

local fourth = spawn { C "tcp_client", tostring(port), "four", name = "client four" }
local function syn_sent()
  for _, x in ipairs(tcp(port)) do if x.state == "SYN-SENT" and x.process == fourth then return x end end
end
wait_until(function() return syn_sent() and fourth:blocked_in("connect") end, 10, "the fourth client in SYN-SENT")
expect(syn_sent() ~= nil, "the fourth client's socket is in SYN-SENT: its SYN was dropped, the queue is full")
say("The fourth client sleeps in connect(), its socket in SYN-SENT: the kernel dropped its SYN and "
    .. "it tries again later, until there is room. Nothing is refused; it only waits.")
pause("Press space: the held clients are released (SIGUSR1) and send their requests.")

for _, c in ipairs(held) do c:signal("USR1") end
wait_until(function()
  for _, c in ipairs(held) do if not c:exited() then return false end end
  return fourth:exited()
end, 20, "every client answered")
local ok = true
for _, c in ipairs(held) do ok = ok and c:status() == "exit 0" end
expect(ok and fourth:status() == "exit 0", "all four clients got their replies, one after the other")
say("All four were answered, one at a time. A one-at-a-time server stuck on one client leaves every "
    .. "other in that queue: the default tcp_server serves them together with poll().")
server:signal("TERM")
wait_until(function() return server:exited() end, 10, "the server to end")
