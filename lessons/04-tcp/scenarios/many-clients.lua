-- many-clients.lua: the default tcp_server keeps every connection in one
-- poll() (Python: a selectors selector). A client that stops half-way
-- through a frame holds only its own bytes: the others are answered.
scenario {
  title = "Many clients at once: poll(), and nobody starved",
  about = "A client stops half-way through a frame. A one-at-a-time server would wait on it for ever; "
       .. "the poll() server takes what it sent, keeps it, and answers three C and three Python "
       .. "clients beside it.",
}

local lang = math.random(2) == 1 and "C" or "Python"
local server = spawn { lang == "C" and C "tcp_server" or Python "tcp_server.py", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "the server's readiness line"))
local PEER = IPCLAB_PEERS .. "/../tests/helpers/tcp_peer.py"
-- A slow client: two bytes of a header, then it waits (SIGUSR1), then the rest.
local slow = spawn { Python(), PEER, tostring(port), "hex:0400", "hold", "hex:0000", "bytes:slow", "reply",
                     name = "half-way", lang = "Python" }
local function slow_end()
  local mine = slow:sockets()[1]
  if not mine then return nil end
  for _, s in ipairs(tcp(port)) do if s.port == port and s.peer_port == mine.port then return s end end
end
wait_until(function()
  local s = slow_end()
  return slow:blocked_in("rt_sigtimedwait") and s and s.process == server and s.rq == 0
         and (server:blocked_in("poll") or server:blocked_in("epoll_wait"))
end, 10, "the server to take the two bytes and go back to waiting")
local st = server:state()
say(("The %s server took the 2 header bytes the half-way client sent (its Recv-Q is 0), keeps them, "
     .. "and sleeps in %s() again: it never waits in recv() for the rest."):format(lang, st.call or "?"))
pause("Press space: three C and three Python clients come while that one is stuck half-way.")

local clients = {}
for i = 1, 3 do
  clients[#clients + 1] = spawn { C "tcp_client", tostring(port), "C client " .. i, name = "C " .. i }
  clients[#clients + 1] = spawn { Python "tcp_client.py", tostring(port), "Python client " .. i, name = "Python " .. i }
end
wait_until(function()
  for _, c in ipairs(clients) do if not c:exited() then return false end end
  return true
end, 20, "every client to end")
local answered = 0
for _, c in ipairs(clients) do
  if c:status() == "exit 0" and c:output():find("reply 1: ", 1, true) then answered = answered + 1 end
end
expect(answered == 6, "all six clients were answered while the half-way client held its frame")
if slow:exited() then                   -- ended by hand (k): no frame to finish
  say(("%d of 6 clients got their reply. The half-way client is gone (%s, with k?): the server saw "
       .. "its end of file half-way through a frame, said so, and closed its end."):format(answered,
       slow:status()))
else
  say(("%d of 6 clients got their reply; the half-way client still waits, its 2 bytes kept by the "
       .. "server."):format(answered))
  pause("Press space: the half-way client sends the rest of its frame.")
  if not slow:exited() then slow:signal("USR1") end
  wait_until(function() return slow:exited() end, 10, "the half-way client's reply")
  expect(slow:status() == "exit 0" and slow:output():find("reply 1: slow (from " .. lang .. ")", 1, true),
         "the half-way client is answered too, its frame put together from the pieces")
  say("It got '" .. (slow:output():match("reply 1: [^\n]*") or "nothing") .. "'. Nobody starved.")
end
server:signal("TERM")
wait_until(function() return server:exited() end, 10, "the server to end")
