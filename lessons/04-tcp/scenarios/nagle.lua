-- nagle.lua: Nagle's algorithm and the delayed ACK. A request of two small
-- writes, its reply, 20 times over: with Nagle the second write waits for
-- the first's acknowledgement, which the other end delays. The figures are
-- this machine's, this run's: shown, never checked.
scenario {
  title = "Small writes and Nagle's algorithm: measured",
  about = "nagle sends each request as two small writes. With Nagle's algorithm (the default) each "
       .. "exchange waits for the delayed-ACK timer; with TCP_NODELAY it does not. The times are "
       .. "this machine's.",
}

local function ms(p) return tonumber(p:output():match("([%d.]+) ms per exchange")) end

say("nagle runs both ends of one connection in one process: 20 requests, each a 4-byte header and a "
    .. "4-byte payload in two send()s, each answered.")
local slow = spawn { C "nagle", "-n", "20", name = "nagle" }
wait_until(function() return slow:exited() end, 30, "nagle to end")
expect(slow:status() == "exit 0" and slow:output():find("TCP_NODELAY: 0", 1, true),
       "nagle ran with TCP_NODELAY off (getsockopt says 0)")
say(("With Nagle's algorithm: %s ms per exchange (this machine, this run)."):format(tostring(ms(slow))))
pause("Ask the class: why so long, on a loopback? Press space to run it with TCP_NODELAY.")

local fast = spawn { C "nagle", "-n", "20", "--nodelay", name = "nagle --nodelay" }
wait_until(function() return fast:exited() end, 30, "nagle --nodelay to end")
expect(fast:status() == "exit 0" and fast:output():find("TCP_NODELAY: 1", 1, true),
       "nagle --nodelay ran with TCP_NODELAY on (getsockopt says 1)")
say(("With TCP_NODELAY: %s ms per exchange."):format(tostring(ms(fast))))
say("Nagle holds the payload until the header is acknowledged; the server end delays that ACK (about "
    .. "40 ms on Linux), hoping to send it with a reply that needs the payload. Better than "
    .. "TCP_NODELAY: one write a message (sendmsg, as frame_send does).")
