-- 01-parent-chaos.lua: lesson 01's parents facing a child that breaks
-- every rule. pipe_parent starts tests/hostile/hostile_pipe.py --child as
-- its child: it plays random steps up the reply pipe (whole frames, garbage,
-- a bad length, a reply cut short), then exits, dies or stops for ever.
-- Each parent must end with status 0 or 1 and its own words, having reaped
-- its child: never a signal, a traceback or a hang. `--seed S` replays.
scenario {
  title = "Parents facing a hostile child (random steps)",
  about = "pipe_parent, C and Python, with hostile_pipe.py --child chaos: a message and status 0 or 1.",
}

local HOSTILE = "../tests/hostile/hostile_pipe.py"
local seed, steps = math.random(1, 999999), math.random(1, 8)
say(("A C parent and a Python parent each ping a child that plays "
     .. "hostile_pipe.py --seed %d --child chaos %d."):format(seed, steps))

local parents = {}
for _, parent in ipairs { C "pipe_parent", Python "01-pipes/pipe_parent.py" } do
  parents[#parents + 1] = spawn { parent, "-n", "3", "--", Python(HOSTILE), "--seed",
                                  tostring(seed), "--child", "chaos", tostring(steps) }
end

-- A child stopped for ever (its last step "pause") may hold a reply half
-- sent, or simply never end: its parent rightly waits. Once each parent has
-- ended or has only a stopped child, the stopped children are killed.
local function paused(p) return p:blocked_in("pause") or p:blocked_in("ppoll") end
local function settled(parent)
  if parent:exited() then return true end
  local kids = parent:children()
  return #kids > 0 and paused(kids[1])
end
wait_until(function() return settled(parents[1]) and settled(parents[2]) end, 20,
           "each parent to end or its child to stop")
for _, parent in ipairs(parents) do
  for _, kid in ipairs(parent:exited() and {} or parent:children()) do
    if paused(kid) then kid:kill() end
  end
end
wait_until(function() return parents[1]:exited() and parents[2]:exited() end, 10,
           "both parents to end")
for _, parent in ipairs(parents) do
  local st, out = parent:status(), parent:output()
  expect(st == "exit 0" or st == "exit 1", parent.name .. " ended with status 0 or 1: " .. st)
  expect(not out:find("Traceback", 1, true) and not out:find("Sanitizer", 1, true),
         parent.name .. ": no traceback, no sanitizer report")
  expect(st == "exit 0" or out:find("pipe_parent[%.py]*: "), parent.name .. " said why it stopped")
end
