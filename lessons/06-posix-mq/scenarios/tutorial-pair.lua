-- tutorial-pair.lua: the common tutorial's POSIX queue pair
-- (naive_mq_sender, naive_mq_receiver), as it is written there: no O_EXCL,
-- mode 0666, a fixed 1024-byte receive buffer, no mq_unlink. Then the
-- kit's pair (mq_receiver, mq_sender.py) doing the same job right.
scenario {
  title = "The tutorial's queue: whoever comes first makes it, nobody removes it",
  about = "The tutorial's sender comes first: its queue has the kernel's sizes (8192 bytes), and the "
       .. "receiver's 1024-byte buffer fails (EMSGSIZE). Both end; the queue stays, mode 0644. "
       .. "Then the kit's pair: O_EXCL, 0600, sized by mq_getattr, removed.",
}

local name = ipcname("jobs")
local q = mqueue(name)
watch(q)

-- The mode the kernel gave the queue, from the first line of a kit
-- program (it asks fstat): "opened /NAME: mode 0644, room for ...".
local function mode_of(p)
  return p:output():match("mode (%d+), room for")
end

say("The tutorial's sender: mq_open(O_CREAT, 0666, NULL), no O_EXCL, the kernel's default sizes. "
    .. "It sends 'hello' and 'world' (each with its '\\0') and ends.")
say("It runs with umask 022, most machines' default.")
pause("Ask the class: once the sender has ended, is its queue still there? Press space to run it.")

-- sh sets the umask, then becomes the sender (exec): the same process.
local tx = spawn { "sh", "-c", 'umask 022 && exec "$0" "$@"', C "naive_mq_sender", name, "hello", "world",
                   name = "tutorial sender", lang = "C" }
wait_until(function() return tx:exited() end, 10, "the tutorial's sender to end")
wait_until(function() return q:level() == 2 end, 10, "two messages in the queue")
expect(tx:status() == "exit 0" and q:level() == 2 and q:capacity() == 10,
       "the sender has ended; its queue stays, 2 messages of 10 waiting")
say("The sender is gone; its queue is not: 2 of 10 messages wait in the kernel, "
    .. "up to 8192 bytes each (msgsize_default: the row's max).")
pause("Ask: the tutorial's receiver asks for messages of 1024 bytes. What will it get? Press space.")

local rx = spawn { C "naive_mq_receiver", name, name = "tutorial receiver" }
wait_until(function() return rx:exited() end, 10, "the tutorial's receiver to end")
expect(rx:status() == "exit 1" and rx:output():find("mq_receive: Message too long", 1, true)
       and q:level() == 2, "its first mq_receive fails, EMSGSIZE; both messages stay queued")
say("No O_EXCL: its mq_open opened the queue that was there, and its attr (1024 bytes) was "
    .. "ignored without a word. A 1024-byte buffer, 8192-byte messages: EMSGSIZE, even for 'hello'.")
pause("Both have ended. Press space: the kit's receiver asks to make the queue (--create).")

local refused = spawn { C "mq_receiver", "--create", "-n", "2", name, name = "receiver --create" }
wait_until(function() return refused:exited() end, 10, "the kit's receiver to end")
expect(refused:status() == "exit 1" and refused:output():find("File exists", 1, true)
       and q:level() == 2, "--create (O_EXCL) refuses the taken name: File exists; the queue is untouched")
say("The kit's --create uses O_EXCL: it refuses a name that is taken rather than use a queue "
    .. "it did not make, with sizes and a mode it did not choose.")
pause("Press space: the kit's Python receiver opens the leftover (--unlink: then removes it).")

local drain = spawn { Python "mq_receiver.py", "--unlink", "-n", "2", name, name = "receiver --unlink" }
wait_until(function() return drain:exited() end, 10, "the kit's Python receiver to end")
local mode = mode_of(drain)
expect(mode == "0644", "the tutorial's queue has mode 0644: 0666 less the umask 022")
expect(drain:status() == "exit 0" and drain:output():find("up to 8192 bytes, 2 queued", 1, true)
       and drain:output():find("message 2: priority 0, 6 bytes: world.", 1, true) and q:level() == nil,
       "sized from mq_getattr (8192), the kit's receiver takes both, then removes the queue")
say(("Its first line: mode %s, so others may open it and take our messages. It took both, "
    .. "6 bytes each ('\\0' shown as '.'), then called mq_unlink: no such queue."):format(mode or "?"))
pause("Press space: the kit's pair from the start. The C receiver makes the queue.")

local kr = spawn { C "mq_receiver", "--create", "-n", "2", name, name = "C receiver" }
wait_until(function() return kr:output():find("created ", 1, true) end, 10, "the receiver's readiness line")
wait_until(function() return kr:blocked_in("mq_timedreceive") end, 10, "the receiver asleep on the empty queue")
expect(mode_of(kr) == "0600" and q:level() == 0, "the kit's queue: mode 0600 whatever the umask, empty")
say("--create: O_CREAT | O_EXCL, mode 0600. A sender starts after the receiver's first line, never "
    .. "after a sleep. It sleeps in mq_timedreceive: glibc's mq_receive, with no deadline.")
pause("Press space: the Python sender sends 'hello' and 'world'.")

local ks = spawn { Python "mq_sender.py", name, "hello", "world", name = "Python sender" }
wait_until(function() return kr:exited() and ks:exited() end, 10, "both to end")
expect(ks:status() == "exit 0" and kr:status() == "exit 0"
       and kr:output():find("message 1: priority 0, 5 bytes: hello", 1, true)
       and kr:output():find("message 2: priority 0, 5 bytes: world", 1, true),
       "C received Python's two messages, 5 bytes each: the kernel keeps each length, no '\\0' needed")
expect(q:level() == nil, "the receiver, the queue's maker, removed it at its end")
say("Each message came whole, with its length: no '\\0' needed. Its maker removed the queue "
    .. "(mq_unlink) at its end, as it would on an error or SIGTERM.")
