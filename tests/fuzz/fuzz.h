/* fuzz.h - what the fuzz targets (tests/fuzz/fuzz_NAME.c) share.
 *
 * A target is one function, LLVMFuzzerTestOneInput, fed one input (any
 * bytes) per call. It is built twice (docs/fuzzing.md): by scripts/fuzz
 * with clang -fsanitize=fuzzer,address,undefined, libFuzzer's main
 * mutating inputs for ever; and by `make fuzz-replay` with replay.c as its
 * main (no libFuzzer, gcc or clang, ASan+UBSan), which feeds it each file
 * of tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME once. Either
 * way a sanitizer report, or a property the target checks with
 * fuzz_require, ends the process with a report: that is a failure.
 *
 * Some parsers of peer bytes live in a demo's own file (a demo is one
 * file a student reads top to bottom, main included). A target reaches
 * them by including that file with its main renamed, after defining
 * FUZZ_TRAP: then the demo's fail() (bad data: a message and exit 1) jumps
 * back to the target's setjmp(fuzz_trap) instead of ending the process,
 * and its die() (a failed system call: never expected here) aborts with
 * the message.
 */
#ifndef IPCLAB_FUZZ_H
#define IPCLAB_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A descriptor that reads data[0..size) from its start, then EOF (0 bytes):
 * one memfd, made on the first call and refilled on each. What a program
 * reads from a pipe whose writer wrote these bytes and closed its end. */
int fuzz_stream(const uint8_t *data, size_t size);

/* Before the first input, LLVMFuzzerInitialize (here, in fuzzlib.c; both
 * libFuzzer and replay.c call it) removes IPCLAB_TRACE_FD and
 * IPCLAB_STEP_FD from the environment (a target never traces, even when
 * started under ipclab) and makes descriptor 1 (standard output) a memfd,
 * so that a target can check what a demo printed: fuzz_output() returns
 * the bytes written to it since the previous call (NUL-terminated, *len of
 * them, a buffer kept until the next call) and empties it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *fuzz_output(size_t *len);

/* A property that must hold: if ok is 0, print "fuzz: property failed:
 * what" on stderr and abort() (libFuzzer then saves the input as a crash). */
void fuzz_require(int ok, const char *what);

/* FUZZ_TRAP: fail() and die() of an included demo (see above). After a
 * fail(), fuzz_trap_status holds its status and fuzz_trap_msg its message. */
extern jmp_buf fuzz_trap;
extern int fuzz_trap_status;
extern char fuzz_trap_msg[512];
#ifdef FUZZ_TRAP
#define fail fuzz_fail
#define die fuzz_die
#endif

#endif
