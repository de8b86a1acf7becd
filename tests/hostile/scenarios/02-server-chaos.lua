-- 02-server-chaos.lua: lesson 02's server facing a client that breaks every
-- rule. tests/hostile/hostile_pipe.py writes random steps (whole frames of
-- random bytes, garbage, a bad length, a frame cut short) into the server's
-- FIFO, then exits, dies or stops for ever. The server (C or Python, by the
-- seed) must end with status 0 or 1 and its own words, or live on: never a
-- signal or a traceback. `ipclab run FILE --seed S` replays the same steps.
scenario {
  title = "A FIFO server facing a hostile client (random steps)",
  about = "hostile_pipe.py chaos into fifo_server's FIFO: the server says why it stops, or serves the next client.",
}

local HOSTILE = "../tests/hostile/hostile_pipe.py"
local seed, steps = math.random(1, 999999), math.random(1, 8)
local server_argv = math.random(2) == 1 and C "fifo_server" or Python "02-fifos/fifo_server.py"
local srv = fifo("server", { make = false })
local dir = srv.path:match("(.*)/")
watch(srv)
local server = spawn { server_argv, dir, name = "server" }
wait_until(function() return server:blocked_in("openat") end, 10, "the server waiting for a client")
say(("hostile_pipe.py --seed %d chaos %d writes into the server's FIFO."):format(seed, steps))
local peer = spawn { "sh", "-c", 'f=$1; shift; exec "$@" >"$f"', "sh", srv.path,
                     Python(HOSTILE), "--seed", tostring(seed), "chaos", tostring(steps),
                     name = "hostile client" }

-- A peer stopped for ever (its last step "pause") may leave a frame cut
-- short: the server rightly waits for the rest. Then the peer is killed.
local function paused(p) return p:blocked_in("pause") or p:blocked_in("ppoll") end
wait_until(function() return server:exited() or peer:exited() or paused(peer) end, 20,
           "the server to end or the hostile client to be done")
if not peer:exited() then peer:kill() end
wait_until(function() return peer:exited() end, 10, "the hostile client gone")

-- The next client: answered, or the server ends, or both wait (the server
-- for the rest of a frame the hostile one cut short: it cannot know).
local good = spawn { C "fifo_client", dir, "still there?", name = "good client" }
local function polling(p) return p:blocked_in("poll") or p:blocked_in("ppoll") end
wait_until(function()
  return good:exited() or server:exited() or (polling(good) and server:blocked_in("read"))
end, 20, "the good client answered, the server ended, or both waiting")
if good:exited() and good:status() ~= "exit 0" then   -- the server on its way out, or alive?
  wait_until(function() return server:exited() or server:blocked_in("read") end, 10,
             "the server to end or to wait for its next client")
end
local st, out = server:status(), server:output()
expect(st == nil or st == "exit 0" or st == "exit 1", "the server ended with status 0 or 1, or lives on: " .. tostring(st))
expect(not out:find("Traceback", 1, true) and not out:find("Sanitizer", 1, true), "the server: no traceback, no sanitizer report")
expect(st == nil or out:find("fifo_server[%.py]*: "), "the server said why it stopped")
if good:exited() and not server:exited() then       -- a server that lives on serves
  expect(good:output():find("answer %d+: still there%? %(from ") ~= nil, "the good client got its answer")
end
if not server:exited() then server:signal("TERM") end
if not good:exited() then good:kill() end
wait_until(function() return server:exited() and good:exited() end, 10, "the server and the client to end")
