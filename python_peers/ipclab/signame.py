"""Signals by name, both ways: "SIGUSR1", "SIGRTMIN+3".

Mirror image of demos/common/signame.c. The trace and the lesson 03
programs name signals this way, never by a bare number: a real-time
signal's number depends on the C library, its name does not.
"""
import re
import signal


def name(sig):
    """'SIGUSR1', 'SIGRTMIN', 'SIGRTMIN+3'; 'SIG?' for no signal."""
    sig = int(sig)
    if sig == signal.SIGRTMIN:
        return "SIGRTMIN"
    if signal.SIGRTMIN < sig <= signal.SIGRTMAX:
        return f"SIGRTMIN+{sig - signal.SIGRTMIN}"
    try:
        return signal.Signals(sig).name if 0 < sig < signal.SIGRTMIN else "SIG?"
    except ValueError:
        return "SIG?"


def number(text):
    """The signal a name stands for, with or without 'SIG' ('USR1',
    'SIGRTMIN+3', 'RTMAX-1'), or 0 when it names none. A number is no name."""
    text = text[3:] if text.startswith("SIG") else text
    m = re.fullmatch(r"(RTMIN|RTMAX)(?:([+-])([0-9]{1,2}))?", text)
    if m:
        n = int(m[3] or 0) * (-1 if m[2] == "-" else 1)
        sig = (signal.SIGRTMIN if m[1] == "RTMIN" else signal.SIGRTMAX) + n
        return sig if signal.SIGRTMIN <= sig <= signal.SIGRTMAX else 0
    sig = getattr(signal.Signals, "SIG" + text, None) if re.fullmatch(r"[A-Z0-9]+", text) else None
    # Aliases (SIGIOT, SIGPOLL) are names too, as in C; SIGRTMIN/MAX are done.
    return int(sig) if sig is not None and 0 < sig < signal.SIGRTMIN else 0
