-- your-open-order.lua: exercise 01's ping_node.c, the learner's own,
-- compiled with the kit's flags into the run's folder, then run as both
-- nodes of a pair on two FIFOs: node b first, then node a. open() of a
-- FIFO returns only once the other end is opened too: nodes whose opens
-- do not meet are caught asleep in openat, both, for good; nodes that
-- never see EOF (O_RDWR: each holds a write end of what it reads) asleep
-- in read(). Each is told from what the kernel shows (state, holders).
scenario {
  title = "Your ping_node.c: two nodes, two FIFOs, one open order",
  about = "Exercise 01 live: your ping_node.c (compiled as the grader does) runs as node b, "
       .. "then as node a, on two FIFOs. Do their opens meet, or do both sleep in openat() "
       .. "for ever, each waiting for the other?",
}

local mine = Yours "01-open-order"
say("First your ping_node.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your ping_node.c to compile")
expect(cc:status() == "exit 0", "your ping_node.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  -- Its first error, where it is: the rest is in the transcript (--record).
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end
say("It is built as yours-ping_node in the run's folder: its messages start 'yours-ping_node b:'.")

local a_to_b, b_to_a = fifo("a-to-b"), fifo("b-to-a")
local dir = a_to_b.path:match("(.*)/")
watch(a_to_b)
watch(b_to_a)

local channels = { ["a-to-b"] = a_to_b, ["b-to-a"] = b_to_a }
local for_words = { read = "reading", write = "writing", ["read-write"] = "reading and writing" }

-- who_holds CH [EXCEPT]: who has FIFO CH open, and how, or waits in open()
-- of it, as the kernel shows it (channel:holders()), leaving out EXCEPT's
-- wait: "your node b fd 3 (read-write)"; or "nobody" ("nobody else" when
-- EXCEPT's own wait was left out: it is there itself).
local function who_holds(ch, except)
  local list, left_out = {}, false
  for _, h in ipairs(ch:holders()) do
    if not h.opening then
      list[#list + 1] = ("%s fd %d (%s)"):format(h.process.name, h.fd, h.access)
    elseif h.process ~= except then
      list[#list + 1] = ("%s waits in open() (for %s)"):format(h.process.name, for_words[h.access])
    else
      left_out = true
    end
  end
  return #list > 0 and table.concat(list, ", ") or left_out and "nobody else" or "nobody"
end

-- holds_end P CH ACCESS: P has FIFO CH open for ACCESS ("read": read or
-- read-write; "write": write or read-write).
local function holds_end(p, ch, access)
  for _, h in ipairs(ch:holders()) do
    if h.process == p and not h.opening and (h.access == access or h.access == "read-write") then
      return true
    end
  end
  return false
end

-- where P: what the kernel shows of node P, in words, and the call it
-- sleeps in ("openat", "read", ...; nil when it ended or runs).
local function where(p)
  if p:exited() then return p.name .. " ended with " .. p:status(), nil end
  local s = p:state()
  if s.call == "openat" and s.opening then
    local path = s.object:match("^FIFO (.*)$") or s.object
    local name = path:match("[^/]*$")
    local ch = channels[name]
    return ("%s is asleep in open() of FIFO %s for %s; it needs somebody to open it for %s. "
            .. "Open or waiting on %s: %s"):format(p.name, name, for_words[s.opening],
            s.opening == "write" and "reading" or "writing", name, ch and who_holds(ch, p) or "?"),
           "openat"
  end
  if s.call == "read" and s.object then
    local name = s.object:match("[^/]*$")
    local ch = channels[name]
    local text = ("%s is asleep in read() of FIFO %s; open on it: %s"):format(p.name, name,
                                                                          ch and who_holds(ch) or "?")
    if ch and holds_end(p, ch, "write") then
      text = text .. ". It holds a write end of it itself: read() never returns 0 (EOF)"
    end
    return text, "read"
  end
  if s.state == "sleeping" and s.call then
    return ("%s is asleep in %s()"):format(p.name, s.call), s.call
  end
  return ("%s is %s"):format(p.name, s.state), nil
end

local b = spawn { mine, "b", dir, name = "your node b" }
-- Asleep in its first open() (or, opening without waiting, in read() or
-- write()), or ended.
pcall(wait_until, function()
  return b:exited() or b:blocked_in("openat") or b:blocked_in("read") or b:blocked_in("write")
end, 10, "your node b to reach its first open()")
if b:exited() then
  say("Your node b ended at once, with " .. b:status() .. ": " .. b:output():sub(-200))
  expect(false, "your node b waits in open() for node a")
  return
end
local function sentence(text) return (text:gsub("^%l", string.upper)) .. "." end
local wb0, cb0 = where(b)
say(sentence(wb0) .. (cb0 == "openat" and " A FIFO's open() returns only once the other end is opened too." or ""))
pause("Next your node a starts, on the same two FIFOs. Do their opens meet? Press space.")

local a = spawn { mine, "-n", "3", "a", dir, name = "your node a" }
-- Both ended, or stuck for good: each asleep in open(), read() or write()
-- of a FIFO (or ended), with no call made by either between two looks.
-- Nodes whose calls meet are never seen so: the second open, or a write,
-- wakes the first. A node that spins (2 s of CPU time) is stuck too.
local function asleep(p)
  return p:exited() or p:blocked_in("openat") or p:blocked_in("read") or p:blocked_in("write")
end
local function spins(p) return not p:exited() and (p:cpu() or 0) >= 2 end
local function calls() return #a:events() + #b:events() end
local function settled() return (a:exited() and b:exited()) or spins(a) or spins(b) or (asleep(a) and asleep(b)) end
local stuck = false
for _ = 1, 20 do
  local ok = pcall(wait_until, settled, 10, "your nodes to end, or to sleep both")
  if not ok or (a:exited() and b:exited()) or spins(a) or spins(b) then
    stuck = not (a:exited() and b:exited())
    break
  end
  local before = calls()
  sleep(0.5)                -- a second look: still so, no call made in between
  if asleep(a) and asleep(b) and calls() == before then
    stuck = not (a:exited() and b:exited())
    break
  end
end

local verdict = "both nodes ended: their opens met"
if stuck then
  local wa, ca = where(a)
  local wb, cb = where(b)
  if spins(a) or spins(b) then
    local p = spins(a) and a or b
    verdict = verdict .. "; instead " .. p.name .. " spins: over 2 s of CPU time without ending"
  elseif ca == "openat" and cb == "openat" then
    say("Both nodes sleep in open(), and neither made a call since ipclab last looked: each waits "
        .. "for the other to open a FIFO, which it can do only once its own open() has returned. "
        .. "A deadlock.")
    verdict = verdict .. "; instead both sleep in open() for good, each waiting for the other (a deadlock)"
  elseif a:exited() or b:exited() then
    local gone, left = a:exited() and a or b, a:exited() and b or a
    verdict = ("%s; instead %s ended with %s, and %s sleeps for good"):format(verdict, gone.name,
              gone:status(), left.name)
    if holds_end(left, left == a and b_to_a or a_to_b, "write") then
      say("One node has ended; the other sleeps in read() for good: read() of a FIFO returns 0 "
          .. "(EOF) only once no process holds a write end, and it holds one itself.")
      verdict = verdict .. " in read(): it holds a write end of the FIFO it reads (O_RDWR), so it never sees EOF there"
    else
      say("One node has ended, and the other sleeps for good: it waits for something only the "
          .. "node that has gone could do.")
    end
  elseif (ca == "read" or not ca) and (cb == "read" or not cb) and
         (holds_end(a, b_to_a, "write") or holds_end(b, a_to_b, "write")) then
    say("Your nodes sleep in read() for good, and made no call since ipclab last looked: read() "
        .. "of a FIFO returns 0 (EOF) only once no process holds a write end, and a node that "
        .. "opened it for reading and writing holds one itself.")
    verdict = verdict .. "; instead they sleep in read() for good: a node that holds a write end "
              .. "of the FIFO it reads (O_RDWR) never sees EOF there"
  else
    say("Your nodes sleep for good, and made no call since ipclab last looked: each waits for "
        .. "something only the other could do.")
    verdict = verdict .. "; instead they sleep for good, each waiting for the other"
  end
  say(sentence(wa))
  say(sentence(wb))
end
expect(a:exited() and b:exited(), verdict)
expect(a:output():find("reply 3: pong: ping 3 (from C)", 1, true),
       "node a printed the 3 replies")
expect(a:status() == "exit 0" and b:status() == "exit 0", "both ended with status 0")
if not (a:exited() and b:exited()) then
  -- Left as they are, on screen, until the presenter has looked.
  local both = not a:exited() and not b:exited()
  pause(("Look at %s panes: nothing will change. Press space: the scenario ends %s (SIGKILL)."):format(
        both and "the two nodes'" or "the node's", both and "them" or "it"))
  if not a:exited() then a:kill() end
  if not b:exited() then b:kill() end
  wait_until(function() return a:exited() and b:exited() end, 10, "your nodes to be ended")
end
