"""words.py - what the hostile peers share: bad usage and numbers.

usage(why) and number(text, lo, hi) name the program (sys.argv[0]'s last
part) and exit 2, as the kit's programs do on bad usage.
"""
import os
import sys


def usage(why):
    prog = os.path.basename(sys.argv[0])
    sys.stderr.write(f"{prog}: {why}\n(see {prog} --help)\n")
    sys.exit(2)


def number(text, lo, hi):
    """int(text, 0) (so 0x10 is 16) from lo to hi, else usage()."""
    try:
        n = int(text, 0)
    except ValueError:
        usage(f"'{text}' is not a number")
    if not lo <= n <= hi:
        usage(f"{n} is not from {lo} to {hi}")
    return n
