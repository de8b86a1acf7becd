/* fuzz_frame.c - frame_read (demos/common/frame.c) on any byte stream.
 *
 * Input: the bytes a peer wrote to a pipe before closing it. Every program
 * that speaks frames (pipe_reader, pipe_child, pipe_parent) reads them with
 * frame_read until EOF or an error; so does this target, twice: into a
 * buffer of FRAME_MAX bytes, as the programs do, and into one of 64 bytes,
 * where a longer frame must be refused, not written past the end (both
 * buffers are malloc'd at their exact size: ASan sees a byte beyond).
 * Properties: each frame is its header's length of payload, within the
 * buffer; the frames read add up to no more than the input; FRAME_EOF comes
 * only where the input ends; FRAME_ERROR comes with a reason.
 */
#include "fuzz.h"
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#define SMALL 64

static void read_all(const uint8_t *data, size_t size, unsigned char *buf, size_t cap)
{
    int fd = fuzz_stream(data, size);
    size_t used = 0;            /* input bytes the frames read so far took */
    char why[160];

    for (;;) {
        why[0] = '\0';
        long len = frame_read(fd, buf, cap, why, sizeof why);
        if (len == FRAME_EOF) {
            fuzz_require(used == size, "FRAME_EOF before the end of the input");
            return;
        }
        if (len == FRAME_ERROR) {
            fuzz_require(why[0] != '\0', "FRAME_ERROR without a reason");
            return;
        }
        fuzz_require(len >= 0 && (size_t)len <= cap, "a frame longer than the buffer");
        fuzz_require(used + 4 + (size_t)len <= size, "a frame made of more bytes than were sent");
        const uint8_t *h = data + used;
        fuzz_require((uint32_t)len == ((uint32_t)h[0] | (uint32_t)h[1] << 8 |
                                       (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24),
                     "a payload length that is not its header's (4 bytes, little-endian)");
        fuzz_require(memcmp(buf, data + used + 4, (size_t)len) == 0,
                     "a payload that is not the bytes after its header");
        used += 4 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char *big, *small;

    if (big == NULL && ((big = malloc(FRAME_MAX)) == NULL || (small = malloc(SMALL)) == NULL))
        abort();
    read_all(data, size, big, FRAME_MAX);
    read_all(data, size, small, SMALL);
    return 0;
}
