-- boundaries.lua: the same three sends ("message 1", "message 2",
-- "message 3") to a stream, a seqpacket and a dgram server that reads only
-- once all three wait. How many reads does each take?
scenario {
  title = "Stream, seqpacket, dgram: where one message ends",
  about = "Three sends wait at the server before it reads. A stream gives them back as bytes "
       .. "(one read takes all); seqpacket and dgram keep each message whole, one read each.",
}

local function reads(p)
  local n, texts = 0, {}
  for t in p:output():gmatch("read %d+: [^\n]*") do n = n + 1; texts[#texts + 1] = "'" .. t .. "'" end
  return n, table.concat(texts, ", ")
end

-- The connected types: the server asleep in accept() is stopped (SIGSTOP)
-- while the client connects and sends, then let go.
for _, t in ipairs({ "stream", "seqpacket" }) do
  local path = rundir() .. "/" .. t .. ".sock"
  local srv = spawn { C "uds_server", "--type", t, "-n", "1", path, name = t .. " server" }
  wait_until(function() return srv:blocked_in("accept4") end, 10, "the " .. t .. " server in accept()")
  srv:stop()
  wait_until(function() return srv:state().state == "stopped" end, 10, "the server stopped")
  local cl = spawn { C "uds_client", "--type", t, path, name = t .. " client" }
  wait_until(function() return cl:exited() end, 10, "the client to send its three and leave")
  say(("A %s client sent three messages of 9 bytes, one send() each, while the server was stopped."):format(t))
  pause("Ask the class: how many reads will the server take? Press space to let it go on.")
  srv:cont()
  wait_until(function() return srv:exited() end, 10, "the server to read and end")
  local n, texts = reads(srv)
  if t == "stream" then
    expect(n == 1, "stream: one read took all three sends (27 bytes): no boundaries")
  else
    expect(n == 3, "seqpacket: three reads, one message each")
  end
  say(("%s: %d read%s: %s."):format(t, n, n == 1 and "" or "s", texts))
  pause()
end

-- dgram: no connection; the server holds (--hold) before reading, the
-- datagrams wait in its queue.
local path = rundir() .. "/dgram.sock"
local srv = spawn { C "uds_server", "--type", "dgram", "--hold", "-n", "3", path, name = "dgram server" }
wait_until(function() return srv:output():match("bound to") end, 10, "the dgram server bound")
local cl = spawn { C "uds_client", "--type", "dgram", path, name = "dgram client" }
wait_until(function() return cl:exited() end, 10, "the client to send three datagrams")
local function bound()
  for _, s in ipairs(unix(path)) do if s.process == srv then return s end end
end
expect(bound() and bound().rq == 9, "three datagrams wait at the dgram server; the kernel shows the next one's size: 9 bytes")
say("Three datagrams wait in the dgram server's queue (the kernel gives the next one's size: 9).")
pause("Press space: the server reads (SIGUSR1 ends its hold).")
srv:signal("USR1")
wait_until(function() return srv:exited() end, 10, "the dgram server to read three")
local n, texts = reads(srv)
expect(n == 3, "dgram: three reads, one datagram each")
say(("dgram: %d reads: %s. Frame a stream (lesson 01); seqpacket and dgram keep boundaries."):format(n, texts))
