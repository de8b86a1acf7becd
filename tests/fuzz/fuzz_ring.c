/* fuzz_ring.c - shm_ring_consumer's reading of a ring's slots
 * (demos/08-shared-memory/shm_ring_consumer.c: take, and main's check of
 * each frame's length) on any bytes.
 *
 * Input: the bytes of a ring segment as the consumer maps it, a buffer of
 * exactly their size (ASan sees a byte beyond). When ring_check accepts
 * it, the target takes records as the consumer does, round the ring twice:
 * take() copies slot tail out and moves tail on; a frame whose length does
 * not fit the slot is refused (main: "does not fit the N-byte slot").
 * Properties: take() reads only within the segment and leaves tail naming
 * a slot; a record the consumer prints is the payload bytes of the slot it
 * came from, and no more than the slot holds.
 */
#define FUZZ_TRAP
#include "fuzz.h"

#define main shm_ring_consumer_main
#include "../../demos/08-shared-memory/shm_ring_consumer.c"
#undef main

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *seg = malloc(size ? size : 1);
    unsigned char frame[4 + RING_RECORD_MAX];
    uint32_t slots, slot_size, slot;

    if (seg == NULL)
        abort();
    memcpy(seg, data, size);
    if (ring_check((const struct ring_seg *)seg, size, &slots, &slot_size) != NULL) {
        free(seg);
        return 0;
    }
    struct ring r = { (struct ring_seg *)seg, size, slots, slot_size, "fuzz" };
    for (uint32_t k = 0; k < 2 * slots; k++) {
        long len = take(&r, frame, &slot);
        fuzz_require(r.seg->tail < slots, "tail left naming no slot");
        if (len > (long)r.slot_size - 4)    /* main refuses it: bad data */
            break;
        fuzz_require(len >= 0, "a negative frame length");
        fuzz_require(memcmp(frame + 4, r.seg->slot + (size_t)slot * slot_size + 4,
                            (size_t)len) == 0,
                     "a record that is not the bytes of its slot");
    }
    free(seg);
    return 0;
}
