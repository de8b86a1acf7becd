-- your-sized-receiver.lua: exercise 01's sized_receiver.c, the learner's
-- own, compiled with the kit's flags, on a queue of the kernel's default
-- size (8192-byte messages) that a Python sender filled. Does it take the
-- messages, or fail with EMSGSIZE?
scenario {
  title = "Your sized_receiver.c, on a queue of 8192-byte messages",
  about = "Exercise 01 live: a Python sender makes a queue of the default size (messages of up to "
       .. "8192 bytes) and queues three short messages. Your sized_receiver.c takes them: does its "
       .. "buffer fit the queue's mq_msgsize, or does every mq_receive fail with EMSGSIZE?",
}

local mine = Yours "01-sized-receiver"
say("First your sized_receiver.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your sized_receiver.c to compile")
expect(cc:status() == "exit 0", "your sized_receiver.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local name = ipcname("jobs")
local q = mqueue(name)
watch(q)
local tx = spawn { Python "mq_sender.py", "--create", "--keep", name, "3:urgent", "hello", "1:a longer one",
                   name = "sender" }
wait_until(function() return tx:exited() end, 10, "the sender to end")
expect(tx:status() == "exit 0" and q:level() == 3, "3 messages wait in a queue of 8192-byte messages")
say("The sender made the queue with the kernel's default sizes: room for 10 messages of up to 8192 "
    .. "bytes (its first line). Three short ones wait, the longest 12 bytes.")
pause("Press space: your sized_receiver takes 3 messages.")

local yours = spawn { mine, name, "3", name = "your receiver" }
wait_until(function() return yours:exited() or yours:blocked_in("mq_timedreceive") end, 10,
           "your receiver to end")
local o = yours:output()
expect(yours:exited() and yours:status() == "exit 0", "your receiver ended with status 0")
expect(o:find("message 1: priority 3, 6 bytes: urgent\nmessage 2: priority 1, 12 bytes: a longer one\n"
              .. "message 3: priority 0, 5 bytes: hello", 1, true),
       "it printed the 3 messages whole, highest priority first")
expect(q:level() == 0, "the queue is empty: it took all 3")
if o:find("Message too long", 1, true) then
  say("mq_receive failed with EMSGSIZE: your buffer is smaller than the queue's mq_msgsize, 8192. "
      .. "The kernel checks the buffer, not the message: the 6-byte 'urgent' stays queued ("
      .. tostring(q:level()) .. " messages). Ask mq_getattr, allocate mq_msgsize bytes and pass "
      .. "that number (sizeof of a malloc'd pointer is 8, the pointer's size).")
elseif yours:exited() and yours:status() == "exit 0" then
  say("Your receiver took all three: its buffer held 8192 bytes, this queue's size. A buffer of 8192 "
      .. "guessed would too; make grade also tries a queue of "
      .. "100000-byte messages, in a private IPC namespace where msgsize_max is raised: a guessed "
      .. "8192 fails there.")
end
if not yours:exited() then yours:kill() end
local rm = spawn { Python(), "-c", "import sys; sys.path.insert(0, sys.argv[1]); from ipclab import posix; "
                   .. "posix.mq_unlink(sys.argv[2])", IPCLAB_PEERS, name, name = "mq_unlink" }
wait_until(function() return rm:exited() and yours:exited() end, 10, "the queue removed")
expect(q:level() == nil, "the queue is removed (mq_unlink): nothing left")
