-- tutorial-pair.lua: the common tutorial's TCP pair (naive_server,
-- naive_client), as it is written there: one recv(conn, buf, 50, 0) taken
-- for one message, its result never looked at. The server is stopped
-- (SIGSTOP) while the client sends, as on a busy machine: the kernel
-- completes the connection and queues the bytes all the same.
scenario {
  title = "The tutorial's TCP pair: one recv() is not one message",
  about = "Two sends come back from one recv(); a C string's NUL hides the second. Then the "
       .. "client leaves: recv() returns 0 at once, for ever, and the server spins at 100% CPU, "
       .. "its socket in CLOSE-WAIT.",
}

-- port_of(P): the port in P's readiness line, "listening on 127.0.0.1:PORT".
local function port_of(p)
  return tonumber(wait_until(function() return p:output():match("listening on 127%.0%.0%.1:(%d+)") end,
                             10, p.name .. "'s readiness line"))
end
local function listener(port)
  for _, s in ipairs(tcp(port)) do if s.state == "LISTEN" then return s end end
end
local function conn(port, state)
  for _, s in ipairs(tcp(port)) do if s.state == state then return s end end
end
-- received(P): P's "Received:" lines, quoted for the narration.
local function received(p)
  local lines = {}
  for line in p:output():gmatch("(Received: [^\n]*)\n") do
    if #lines == 3 then lines[4] = "..." break end
    lines[#lines + 1] = '"' .. line .. '"'
  end
  return #lines > 0 and table.concat(lines, ", ") or "nothing"
end

-- The spinning server prints its last line millions of times: its stdout
-- goes through a pipe to a filter that passes each line once (the
-- transcript and the screen would drown otherwise).
local out = pipe("stdout")
local server = spawn { C "naive_server", name = "server", stdout = out.w }
local filter = spawn { Python(), "-u", "-c", "import sys\nlast = None\nfor line in sys.stdin:\n"
                       .. "    if line != last:\n        print(line, end='')\n    last = line",
                       name = "filter", stdin = out.r }
local port = port_of(filter)
wait_until(function() return server:blocked_in("accept") end, 10, "the server asleep in accept()")
say(("The tutorial's server listens on 127.0.0.1:%d and sleeps in accept(). We stop it (SIGSTOP), "
     .. "as if the machine were busy."):format(port))
server:stop()
wait_until(function() return server:state().state == "stopped" end, 10, "the server stopped")

local client = spawn { C "naive_client", "--nul", tostring(port), "hello", "world", name = "client" }
wait_until(function() return client:exited() end, 10, "the client to send and leave")
wait_until(function()
  local l, q = listener(port), conn(port, "CLOSE-WAIT")
  return l and l.rq == 1 and q and q.rq == 13
end, 10, "one connection queued, its bytes and FIN in")
expect(client:status() == "exit 0", "the client connected, sent 'hello\\0' and 'world\\0' in two send()s, and closed")
local q = conn(port, "CLOSE-WAIT")
expect(q and q.process == nil and q.rq == 13,
       "the connection waits in the accept queue, held by no process, its Recv-Q 13: 12 bytes and the FIN")
say(("The kernel completed the connection without the server: it waits in the accept queue (%d of %d), "
     .. "its Recv-Q %d bytes: 12 of text and NULs, 1 for the client's FIN. (No row of its own: "
     .. "no process holds it yet; the LISTEN row counts it.)"):format(
     listener(port).rq, listener(port).backlog, q and q.rq or -1))
pause("Ask the class: what will the server print when it runs again? Press space to let it go on.")

local cpu0 = server:cpu()
server:cont()
wait_until(function() return filter:output():find("Received: hello\n", 1, true) end, 10, "the server's first line")
expect(not filter:output():find("world", 1, true),
       "one recv() took both sends; printf(\"%s\") stopped at the first '\\0': 'world' is lost, unsaid")
say("The server printed " .. received(filter) .. ". TCP is a byte stream: nothing marks where one "
    .. "send() ends. One recv() returned all 12 bytes.")
pause()

wait_until(function() return server:cpu() >= cpu0 + 0.3 end, 10, "the server to use 0.3 s of CPU")
local cw = conn(port, "CLOSE-WAIT")
expect(cw and cw.process == server, "the server's end of the connection is in CLOSE-WAIT: the client "
       .. "closed, the server never did")
expect(server:state().state ~= "sleeping" or not server:blocked_in("recvfrom"),
       "the server is not asleep in recv(): recv() returns 0 at once, again and again")
say(("And now it spins: %.1f s of CPU already, its last line printed again and again (the filter "
     .. "shows it once). recv() returning 0 means the peer closed; the loop never looks."):format(
     server:cpu() - cpu0))
pause("Press space: the fix.")
say("The kit's tcp_server frames its messages (a 4-byte length, then the bytes), reads until a "
    .. "frame is whole, and closes the connection when recv() returns 0.")
pause("Press space to end the spinning server; then one long send().")
server:kill()
wait_until(function() return server:exited() and filter:exited() end, 10, "the server and its filter gone")

-- One send of 120 bytes to a second server, stopped as the first was.
local out2 = pipe("stdout")
local server2 = spawn { C "naive_server", name = "server 2", stdout = out2.w }
local filter2 = spawn { Python(), "-u", "-c", "import sys\nlast = None\nfor line in sys.stdin:\n"
                        .. "    if line != last:\n        print(line, end='')\n    last = line",
                        name = "filter 2", stdin = out2.r }
local port2 = port_of(filter2)
wait_until(function() return server2:blocked_in("accept") end, 10, "the second server asleep in accept()")
server2:stop()
wait_until(function() return server2:state().state == "stopped" end, 10, "the second server stopped")
local a, b, c = ("a"):rep(50), ("b"):rep(50), ("c"):rep(20)
local long = spawn { C "naive_client", tostring(port2), a .. b .. c, name = "client" }
wait_until(function() return long:exited() end, 10, "the long client to send and leave")
say("A client sent one message of 120 bytes (50 a's, 50 b's, 20 c's) in one send(), no '\\0'. The server reads 50 at most.")
pause("Ask the class: what will it print? Press space to let the server go on.")
server2:cont()
wait_until(function() return select(2, filter2:output():gsub("Received: ", "")) >= 3 end, 10, "three lines")
expect(filter2:output():find("Received: " .. a .. "\nReceived: " .. b .. "\nReceived: " .. c .. ("b"):rep(30) .. "\n", 1, true),
       "one send() came out as three 'messages' of 50, 50 and 20 bytes; the last printed with 30 b's left from the one before")
-- Its lines, too long for a pane, quoted with each run of one letter
-- counted: "Received: a*50".
local quoted = {}
for line in filter2:output():gmatch("Received: ([^\n]*)") do
  local parts, i = {}, 1
  while i <= #line do
    local ch, j = line:sub(i, i), i
    while line:sub(j + 1, j + 1) == ch do j = j + 1 end
    parts[#parts + 1] = ch .. "*" .. (j - i + 1)
    i = j + 1
  end
  quoted[#quoted + 1] = "Received: " .. table.concat(parts, " ")
end
say("It printed three lines for one message (" .. table.concat(quoted, " | ") .. "): the buffer is "
    .. "never cleared, nothing marks where the 20 bytes end (garbage after a missing '\\0').")
pause("Press space to end the second server.")
server2:kill()
wait_until(function() return server2:exited() and filter2:exited() end, 10, "the second server and its filter gone")
