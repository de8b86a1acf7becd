-- your-retry-eintr.lua: exercise 02's read_worker.c, the learner's own,
-- compiled with the kit's flags into the run's folder, its standard input
-- a pipe ipclab feeds. SIGUSR1 while it sleeps in read(): does it die of
-- EINTR, say nothing until the next line (SA_RESTART), or say 'notified'
-- at once and read on? Then a line of work, a second SIGUSR1, the end.
scenario {
  title = "Your read_worker.c: a SIGUSR1 while it waits in read()",
  about = "Exercise 02 live: your read_worker.c sleeps in read() on an empty pipe; SIGUSR1 "
       .. "comes, without SA_RESTART. read() returns -1, EINTR: does your worker die of it, "
       .. "or say 'notified' at once and read again?",
  signals = true,
}


local mine = Yours "02-retry-eintr"
say("First your read_worker.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your read_worker.c to compile")
expect(cc:status() == "exit 0", "your read_worker.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local w = spawn { mine, name = "your worker", stdin = "pipe" }
local function spins() return not w:exited() and (w:cpu() or 0) >= 2 end
pcall(wait_until, function()
  local s = w:signals()
  return w:exited() or spins() or (s and s.caught.SIGUSR1 and w:blocked_in("read"))
end, 10, "your worker asleep in read(), its SIGUSR1 handler in place")
if not w:blocked_in("read") then
  expect(false, "your worker sleeps in read() of its empty input, its SIGUSR1 handler in place; "
         .. "instead it is " .. (w:exited() and ("ended, " .. w:status()) or w:state().state))
  if not w:exited() then w:kill() end
  wait_until(function() return w:exited() end, 10, "your worker to end")
  return
end
say("Your worker sleeps in read() of its standard input, an empty pipe. Its pane: SIGUSR1 caught.")

-- notify K: SIGUSR1 while it sleeps in read(); true once it has said
-- "(K so far)" and sleeps in read() again. A worker that ended, or that
-- took the signal and went back to read() without a word (looked at twice,
-- half a second apart), is told from the kernel's view.
local function notify(k)
  local text = ("notified by SIGUSR1 (%d so far)"):format(k)
  local function said() return w:output():find(text, 1, true) ~= nil end
  local function quiet() return not w:pending("SIGUSR1") and w:blocked_in("read") and not said() end
  w:signal("USR1")
  for _ = 1, 3 do
    pcall(wait_until, function()
      return w:exited() or spins() or (said() and w:blocked_in("read")) or quiet()
    end, 10, "your worker to take SIGUSR1")
    if w:exited() or said() then break end
    sleep(0.5)                -- a second look: still so, for good
    if said() or quiet() then break end
  end
  if said() then
    say(("read() returned -1, EINTR; your worker said '%s' at once and sleeps in read() again."):format(text))
  elseif w:exited() then
    -- (Without the program's name: ipclab built your file as yours-read_worker.)
    local msg = w:output():match("[^\n]*Interrupted system call[^\n]*")
    msg = msg and msg:gsub("^yours%-read_worker: ", "")
    say(("Your worker ended, %s%s: read() returned -1, EINTR, and it took that for an error."):format(
      w:status() or "?", msg and (", saying '" .. msg .. "'") or ""))
  else
    say("Your worker took SIGUSR1 (nothing pending) and sleeps in read() again without a word: "
     .. "the kernel restarted read() (SA_RESTART?), so the notice waits for the next line.")
  end
  expect(said() and not w:exited(), ("SIGUSR1 number %d: your worker says '%s' at once and "
         .. "reads on"):format(k, text))
  return said() and not w:exited()
end

pause("Press space: SIGUSR1, while your worker sleeps in read().")
if not notify(1) then
  if not w:exited() then w:close_stdin() end
  pcall(wait_until, function() return w:exited() end, 10, "your worker to end")
  if not w:exited() then w:kill() end
  wait_until(function() return w:exited() end, 10, "your worker to end")
  return
end

pause("Press space: a line of work, then SIGUSR1 again.")
w:write("after\n")
pcall(wait_until, function()
  return w:exited() or (w:output():find("got: after", 1, true) and w:blocked_in("read"))
end, 10, "your worker to print the line and read again")
expect(w:output():find("got: after", 1, true), "your worker printed the line of work")
notify(2)

pause("Press space: its input ends.")
w:close_stdin()
pcall(wait_until, function() return w:exited() end, 10, "your worker to end")
if not w:exited() then w:kill() end
wait_until(function() return w:exited() end, 10, "your worker to end")
expect(w:status() == "exit 0" and w:output():find("end of input", 1, true),
       "at the end of its input your worker says so and ends with status 0")
