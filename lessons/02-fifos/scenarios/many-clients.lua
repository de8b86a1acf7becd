-- many-clients.lua: one server on a well-known FIFO, C and Python clients
-- at once, each answered on a reply FIFO of its own. Requests are at most
-- PIPE_BUF bytes, so each arrives whole however many clients write at once.
scenario {
  title = "A FIFO server with many clients",
  about = "Three C and three Python clients write requests into one server FIFO at once; "
       .. "each request arrives whole, and each answer goes back on the client's own reply FIFO. "
       .. "A client that dies before its answer costs that answer only.",
}

local srv = fifo("server", { make = false })    -- fifo_server makes DIR/server
local dir = srv.path:match("(.*)/")
watch(srv)
-- A client waits for its answer in poll() (ppoll on some architectures).
local function waiting(c) return c:blocked_in("poll") or c:blocked_in("ppoll") end

local server = spawn { C "fifo_server", dir, name = "server" }
wait_until(function() return server:blocked_in("openat") end, 10, "the server waiting for a client")
say("The C server made DIR/server (0600) and sleeps in open() until a first client opens it.")
local first = spawn { Python "fifo_client.py", dir, "first", name = "client 0" }
wait_until(function() return first:exited() and server:blocked_in("read") end, 10,
           "the first client answered and the server asleep in read()")
say("Now it holds both ends of its FIFO (its own write end: no spinning) and sleeps in read().")
say("We stop it (SIGSTOP), so the requests queue up in its FIFO where we can count them.")
server:stop()
wait_until(function() return server:state().state == "stopped" end, 10, "the server stopped")

local clients = {}
for k = 1, 6 do
  local argv = k % 2 == 1 and C "fifo_client" or Python "fifo_client.py"
  clients[k] = spawn { argv, dir, ("job %d"):format(k), name = ("client %d"):format(k) }
end
wait_until(function()
  for _, c in ipairs(clients) do if not waiting(c) then return false end end
  return true
end, 10, "all six clients asleep in poll() on their reply FIFOs and the server's FIFO")
local queued = srv:level()
say(("Six requests wait in the server's FIFO: %d bytes, six frames, none mixed with another."):format(queued))
expect(queued > 0, "the six requests are queued in the server's FIFO")
local writers, own = 0, 0
for _, h in ipairs(srv:holders()) do
  if h.access == "write" then
    if h.process == server then own = own + 1 else writers = writers + 1 end
  end
end
say("Each client keeps its write end of DIR/server while it waits: poll() tells it POLLERR there "
 .. "the moment no process has the FIFO open to read, so a client never waits for a dead server.")
expect(writers == 6 and own == 1,
       "each of the six waiting clients holds a write end of the server's FIFO, and the server its own")
pause("Press space: the server goes on (SIGCONT).")
server:cont()
wait_until(function()
  for _, c in ipairs(clients) do if not c:exited() then return false end end
  return true
end, 10, "every client to get its answer")
local right = 0
for k, c in ipairs(clients) do
  if c:status() == "exit 0" and c:output():find(("answer %%d+: job %d %%(from C%%)"):format(k)) then
    right = right + 1
  end
end
expect(right == 6, "each of the six clients got the answer to its own request, and exited 0")
say("Each request was one write() of at most PIPE_BUF (4096) bytes: the kernel never interleaves those.")
pause("Press space: a client that dies before its answer.")

server:stop()
wait_until(function() return server:state().state == "stopped" end, 10, "the server stopped")
say("The server is stopped again. A Python client, 'doomed', sends its request and waits for the answer.")
local gone = spawn { Python "fifo_client.py", dir, "never read", name = "doomed" }
wait_until(function() return waiting(gone) end, 10, "the doomed client asleep in poll()")
say("The scenario kills it now (SIGKILL, as a crash would): its request stays in the server's "
 .. "FIFO, and its reply FIFO stays there, with no reader.")
gone:kill()
wait_until(function() return gone:exited() end, 10, "the doomed client killed")
pause("Ask the class: what happens when the server answers a client that is gone? Press space: SIGCONT.")
server:cont()
wait_until(function() return server:output():find("request 8", 1, true) end, 10, "the server to take request 8")
local after = spawn { C "fifo_client", dir, "still here?", name = "next" }
wait_until(function() return after:exited() end, 10, "the next client answered")
expect(server:output():find("request 8:.*ENXIO") or server:output():find("request 8:.*the client is gone"),
       "the server said that request 8's client is gone (ENXIO: no reader on its reply FIFO)")
expect(after:status() == "exit 0" and after:output():find("answer 9: still here? (from C)", 1, true),
       "the server went on: the next client got answer 9")
expect(not server:exited(), "the server is still running")
say("The scenario ends the server with SIGTERM: it removes its FIFO, DIR/server, as it goes.")
server:signal("TERM")
wait_until(function() return server:exited() end, 10, "the server to end")
