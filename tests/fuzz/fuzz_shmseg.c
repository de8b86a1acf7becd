/* fuzz_shmseg.c - the shared-segment header checks (demos/common/shmseg.c)
 * on any bytes.
 *
 * Input: the bytes of a segment as an attacher maps it (a peer may have
 * written any of them, and the segment may be any size). The target
 * copies them into a buffer of exactly their size (ASan sees a byte
 * beyond) and asks what lesson 08's programs ask: is it a counter
 * (seg_check, as shm_counter and sysv_counter do), is it a whole ring
 * (ring_check, as ring_open does), and are head and tail slot numbers
 * (ring_index_check, as ring_index does before every use)? Head and tail
 * are asked about twice: as the segment holds them, and as a peer stores
 * them later: the input's last 8 bytes, as two 4-byte numbers.
 * Properties: a check that says yes leaves nothing to go wrong: the
 * counter lies within the segment; the ring's slots and slot size are in
 * their documented ranges and every slot lies within the segment; head and
 * tail, once checked, name a slot. A check that says no gives a reason.
 */
#include "fuzz.h"
#include "shmseg.h"

#include <stdlib.h>
#include <string.h>

static volatile unsigned char sink;     /* loads the compiler must make */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* malloc: aligned as a mapping is, for the 4- and 8-byte fields. */
    unsigned char *seg = malloc(size ? size : 1);
    uint32_t slots = 0, slot_size = 0, i;
    const char *why;

    if (seg == NULL)
        abort();
    memcpy(seg, data, size);

    why = seg_check((const struct seg_header *)seg, size, COUNTER_MAGIC,
                    sizeof(struct counter_seg));
    if (why == NULL) {
        fuzz_require(size >= sizeof(struct counter_seg), "a counter accepted in too few bytes");
        sink = (unsigned char)((struct counter_seg *)seg)->counter;
    } else {
        fuzz_require(why[0] != '\0', "a counter refused without a reason");
    }

    why = ring_check((const struct ring_seg *)seg, size, &slots, &slot_size);
    if (why != NULL) {
        fuzz_require(why[0] != '\0', "a ring refused without a reason");
        free(seg);
        return 0;
    }
    fuzz_require(slots >= 1 && slots <= RING_SLOTS_MAX, "slots out of range accepted");
    fuzz_require(slot_size >= 4 + RING_RECORD_MIN && slot_size <= 4 + RING_RECORD_MAX,
                 "a slot size out of range accepted");
    fuzz_require(sizeof(struct ring_seg) + (size_t)slots * slot_size <= size,
                 "slots that do not fit the segment accepted");
    struct ring r = { (struct ring_seg *)seg, size, slots, slot_size, "fuzz" };
    const char *fields[] = { "head", "tail", "head", "tail" };
    for (int f = 0; f < 4; f++) {
        if (f == 2) {           /* the peer's later stores */
            uint32_t later[2];
            memcpy(later, data + size - 8, 8);
            r.seg->head = later[0], r.seg->tail = later[1];
        }
        why = ring_index_check(&r, fields[f], &i);
        if (why != NULL) {
            fuzz_require(why[0] != '\0', "an index refused without a reason");
            continue;
        }
        fuzz_require(i < slots, "an index accepted that names no slot");
        /* The slot's first and last bytes: within the segment (ASan). */
        sink = r.seg->slot[(size_t)i * slot_size];
        sink = r.seg->slot[(size_t)i * slot_size + slot_size - 1];
    }
    free(seg);
    return 0;
}
