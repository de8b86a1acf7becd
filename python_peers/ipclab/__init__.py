"""ipclab's shared helpers for the Python peers.

Mirror images of demos/common/ in C: trace (the trace protocol), frame (the
length-prefixed wire format), err (messages that name the call and the
object), posix (POSIX message queues and named semaphores through ctypes).
"""
