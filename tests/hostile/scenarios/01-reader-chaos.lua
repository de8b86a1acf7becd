-- 01-reader-chaos.lua: lesson 01's readers facing a writer that breaks
-- every rule. tests/hostile/hostile_pipe.py plays random steps (whole
-- frames, garbage, a bad length, a frame cut short), then exits, dies or
-- stops for ever; the same steps go into a C reader and a Python reader.
-- Each must end with status 0 or 1 and its own words: never a signal or a
-- traceback. The steps come from math.random: `ipclab run FILE --seed S`
-- plays the same ones again (scripts/soak passes a seed per run).
scenario {
  title = "Readers facing a hostile writer (random steps)",
  about = "hostile_pipe.py chaos into pipe_reader, C and Python: a message and status 0 or 1, never a signal.",
}

local HOSTILE = "../tests/hostile/hostile_pipe.py"
local seed, steps = math.random(1, 999999), math.random(1, 8)
say(("hostile_pipe.py --seed %d chaos %d writes into a C reader and a Python reader.")
    :format(seed, steps))

local pairs_ = {}
for _, reader in ipairs { C "pipe_reader", Python "01-pipes/pipe_reader.py" } do
  local p = pipe()
  local peer = spawn { Python(HOSTILE), "--seed", tostring(seed), "chaos", tostring(steps),
                       stdout = p.w, name = "hostile writer" }
  pairs_[#pairs_ + 1] = { peer = peer, reader = spawn { reader, stdin = p.r } }
end

-- A peer stopped for ever (its last step "pause") keeps the pipe open: the
-- reader rightly waits for the rest. Once every reader has ended or waits
-- on a stopped peer, the stopped peers are killed, as a crash would end them.
local function paused(p) return p:blocked_in("pause") or p:blocked_in("ppoll") end
wait_until(function()
  for _, q in ipairs(pairs_) do
    if not (q.reader:exited() or q.peer:exited() or paused(q.peer)) then return false end
  end
  return true
end, 20, "each reader to end or its writer to stop")
for _, q in ipairs(pairs_) do
  if not q.peer:exited() then q.peer:kill() end
end
wait_until(function() return pairs_[1].reader:exited() and pairs_[2].reader:exited() end, 10,
           "both readers to end")
for _, q in ipairs(pairs_) do
  local st, out = q.reader:status(), q.reader:output()
  expect(st == "exit 0" or st == "exit 1", q.reader.name .. " ended with status 0 or 1: " .. st)
  expect(not out:find("Traceback", 1, true) and not out:find("Sanitizer", 1, true),
         q.reader.name .. ": no traceback, no sanitizer report")
  expect(st == "exit 0" or out:find("pipe_reader[%.py]*: "), q.reader.name .. " said why it stopped")
end
