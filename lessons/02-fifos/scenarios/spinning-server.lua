-- spinning-server.lua: a FIFO server at end of file. Without a write end of
-- its own, once the last client closes, read() returns 0 at once on every
-- call: a loop on it spins. Holding its own write end, it sleeps instead.
scenario {
  title = "The server that spins at end of file",
  about = "When the last client closes, read() on the server's FIFO returns 0 on every call: "
       .. "a loop on it uses a whole CPU. Keeping a write end open makes it sleep until the next client.",
}

local srv = fifo("server", { make = false })    -- fifo_server makes DIR/server itself
local dir = srv.path:match("(.*)/")
watch(srv)

say("A Python server started the tutorial's way (--no-keep-open): it opens its FIFO only to read.")
local server = spawn { Python "fifo_server.py", "--no-keep-open", dir, name = "server" }
wait_until(function() return server:blocked_in("openat") end, 10, "the server waiting for its first client")
say("It sleeps in open(): no client has the FIFO open to write yet.")
local client = spawn { C "fifo_client", dir, "hello", name = "client" }
wait_until(function() return client:exited() end, 10, "the client to get its answer")
expect(client:status() == "exit 0" and client:output():find("answer 1: hello (from Python)", 1, true),
       "the client got its answer")
pause("Ask the class: the client has gone. What does the server's read() do now?")

-- A teacher may end the server with k at a pause: the lesson goes on.
local function gone() return server:exited() end
wait_until(function() return gone() or server:state().state == "running" end, 10, "the server running")
local cpu = server:cpu()
wait_until(function() return gone() or server:cpu() >= cpu + 0.3 end, 10, "the server to use 0.3 s of CPU")
if not gone() then
  local h = srv:holders()
  expect(#h == 1 and h[1].process == server and h[1].access == "read",
         "only the server holds its FIFO, for reading: no writer is left")
  expect(server:state().state == "running" and not server:blocked_in("read"),
         "the server is running, not asleep: read() returns 0 at once, again and again")
  say(("It used %.1f s of CPU with no client at all. The timeline fills with 'read 0: end of file'."):format(
    server:cpu() - cpu))
  say("read() returns 0 whenever no writer has the FIFO open: end of file is not 'wait'.")
  pause("Press space: the fix.")
end
if not gone() then
  say("The scenario ends the spinning server with SIGTERM: it removes its FIFO as it goes "
   .. "(SIGKILL would leave it).")
  server:signal("TERM")
end
wait_until(gone, 10, "the spinning server ended")
if server:status() == "signal SIGKILL" then
  say("The server was killed with SIGKILL (the k key): it had no chance to remove its FIFO, "
   .. "so a new server would find the name taken (mkfifo: File exists). We remove it.")
  local rm = spawn { "rm", "-f", srv.path, name = "rm" }
  wait_until(function() return rm:exited() end, 10, "the leftover FIFO removed")
end

say("The kit's way: the server also opens its FIFO to write and keeps that end. "
 .. "A writer is always there (itself), so read() sleeps until a client writes.")
local fixed = spawn { C "fifo_server", dir, name = "server" }
wait_until(function() return fixed:blocked_in("openat") end, 10, "the fixed server waiting for a client")
local c2 = spawn { Python "fifo_client.py", dir, "hello again", name = "client" }
wait_until(function() return c2:exited() and fixed:blocked_in("read") end, 10,
           "the client answered and the server asleep in read()")
expect(c2:output():find("answer 1: hello again (from C)", 1, true), "the client got its answer")
local cpu2 = fixed:cpu()
local h2 = srv:holders()
local ends = {}
for _, x in ipairs(h2) do if x.process == fixed then ends[x.access] = x.fd end end
expect(ends.read and ends.write, "the server holds both ends of its FIFO: a read end and its own write end")
expect(fixed:blocked_in("read"), "with no client it sleeps in read(), using no CPU")
sleep(0.5)
expect(fixed:blocked_in("read") and fixed:cpu() - cpu2 < 0.1, "half a second later: still asleep, no CPU used")
