-- backlog.lua: a one-at-a-time server serves one client; the others wait
-- in its listening socket's accept queue, completed by the kernel, not
-- accepted. With --backlog 0 one waits (Linux queues backlog + 1); the next
-- one's SYN is dropped and its connect() sleeps in SYN-SENT until there is
-- room. (Backlog 0 keeps the screen to four panes; tests/04-tcp-connect.bats
-- shows backlog 1 holding two.)
scenario {
  title = "The accept queue: clients waiting for a one-at-a-time server",
  about = "tcp_server --one-at-a-time --backlog 0 serves one client to its end. The kernel completes "
       .. "the next connection by itself and queues it (the listener's Recv-Q); with the queue full "
       .. "a third client waits in SYN-SENT.",
}

local server = spawn { C "tcp_server", "--one-at-a-time", "--backlog", "0", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local function listener()
  for _, s in ipairs(tcp(port)) do if s.state == "LISTEN" then return s end end
end
wait_until(function() return server:blocked_in("accept4") end, 10, "the server asleep in accept()")
say(("The server listens on 127.0.0.1:%d with a backlog of 0 and sleeps in accept(): no client yet."):format(port))
pause("Press space: two clients connect; each then waits (--hold) before sending.")

local held = {}
for i, text in ipairs({ "one", "two" }) do
  held[i] = spawn { C "tcp_client", "--hold", tostring(port), text, name = "client " .. text }
  wait_until(function() return held[i]:blocked_in("rt_sigtimedwait") end, 10, "client " .. text .. " connected")
end
wait_until(function() local l = listener(); return l and l.rq == 1 and server:blocked_in("read") end, 10,
           "one connection queued, the server reading the first")
local l = listener()
expect(l.rq == 1 and l.backlog == 0, "one connection waits in the accept queue (Recv-Q 1) with backlog 0: Linux queues backlog + 1")
say("The server accepted client one and sleeps in read() on its socket: no request yet.")
say(("Client two's connect() returned: the kernel completed it. Not accepted, it waits: LISTEN's "
     .. "Recv-Q %d, of backlog %d."):format(l.rq, l.backlog))
pause("Press space: a third client connects.")

local third = spawn { C "tcp_client", tostring(port), "three", name = "client three" }
local function syn_sent()
  for _, x in ipairs(tcp(port)) do if x.state == "SYN-SENT" and x.process == third then return x end end
end
wait_until(function() return syn_sent() and third:blocked_in("connect") end, 10, "the third client in SYN-SENT")
expect(syn_sent() ~= nil, "the third client's socket is in SYN-SENT: its SYN was dropped, the queue is full")
say("Client three sleeps in connect(), in SYN-SENT: the kernel dropped its SYN.")
pause("It sends it again later, until there is room: nothing refused. Press space: one and two send.")

for _, c in ipairs(held) do c:signal("USR1") end
wait_until(function() return held[1]:exited() and held[2]:exited() and third:exited() end, 20,
           "every client answered")
expect(held[1]:status() == "exit 0" and held[2]:status() == "exit 0" and third:status() == "exit 0",
       "all three clients got their replies, one after the other")
say("All three were answered, one at a time. A one-at-a-time server stuck on one client leaves the "
    .. "others in its queue: the default tcp_server serves them together with poll().")
server:signal("TERM")
wait_until(function() return server:exited() end, 10, "the server to end")
