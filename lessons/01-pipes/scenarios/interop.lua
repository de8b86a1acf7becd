-- interop.lua: C and Python speak the same frames. A C parent talks to a
-- Python child over two pipes, a Python parent to a C child; a C writer
-- feeds a Python reader through a pipe ipclab makes.
scenario {
  title = "C and Python, one wire format",
  about = "Length-prefixed frames between C and Python: a parent and its child over two pipes, both ways.",
}

say("A C parent sends three pings down one pipe; its Python child answers up another.")
local a = spawn { C "pipe_parent", "-n", "3", "--", Python "pipe_child.py", name = "C parent" }
wait_until(function() return a:exited() end, 10, "the C parent to finish")
expect(a:output():find("reply 3: pong: ping 3 (from Python)", 1, true)
       and a:output():find("got 3 replies", 1, true), "three replies from Python")
expect(a:status() == "exit 0", "the C parent reaped its child and exited 0")

pause("Now the other way round: a Python parent and a C child. Press space.")
local b = spawn { Python "pipe_parent.py", "-n", "3", "--", C "pipe_child", name = "Python parent" }
wait_until(function() return b:exited() end, 10, "the Python parent to finish")
expect(b:output():find("reply 3: pong: ping 3 (from C)", 1, true)
       and b:output():find("got 3 replies", 1, true), "three replies from C")
expect(b:status() == "exit 0", "the Python parent reaped its child and exited 0")

pause("Last, a pipe between a C writer and a Python reader. Press space.")
local p = pipe()
local writer = spawn { C "pipe_writer", "-n", "3", "-s", "64", name = "C writer", stdout = p.w }
local reader = spawn { Python "pipe_reader.py", name = "Python reader", stdin = p.r }
watch(p)
wait_until(function() return writer:exited() and reader:exited() end, 10, "both to finish")
expect(reader:output():find("frame 3: 64 bytes: message 3 from C", 1, true),
       "the Python reader decoded the C writer's frames")
local writes, whole = 0, true
for _, ev in ipairs(writer:events("write")) do
  if ev.ev == "after" then
    writes = writes + 1
    whole = whole and ev.ret == 68
  end
end
expect(writes == 3 and whole, "each frame is one write() of 68 bytes: 4 + 64")
say("The header is 4 bytes, little-endian: 40 00 00 00 means 64. Python: struct.pack('<i', 64).")
