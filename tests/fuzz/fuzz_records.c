/* fuzz_records.c - record_reader's reading of fixed-size records
 * (demos/01-pipes/record_reader.c: read_full, and describe for a torn
 * record) on any bytes.
 *
 * Input: 2 bytes, the record size less 1 (little-endian: 1 to 65536
 * bytes, as -s SIZE), then the bytes writers put in the pipe. The target
 * runs record_reader's loop: read a record (into a buffer of exactly SIZE
 * bytes: ASan sees a byte beyond), stop at EOF or at a record cut short
 * (the program's "cut short by EOF"), describe a record whose bytes are not
 * all the same.
 * Properties: a record is torn exactly when its bytes are not all equal;
 * its description ("record N torn: 'C' x 4000 then 'P' x 96") is one line
 * whose runs add up to the record's size (at most that, when it ends in
 * "then ..."), in at most SHOW_RUNS runs.
 */
#define FUZZ_TRAP
#include "fuzz.h"

#define main record_reader_main
#include "../../demos/01-pipes/record_reader.c"
#undef main

#include <stdlib.h>

/* The runs of a description: their number, and the sum of their lengths. */
static void check_description(const char *text, size_t len, long nr, long size)
{
    char head[48];
    int n = snprintf(head, sizeof head, "record %ld torn:", nr);
    long runs = 0, sum = 0;

    fuzz_require(len > (size_t)n && strncmp(text, head, (size_t)n) == 0 && text[len - 1] == '\n'
                 && memchr(text, '\n', len) == text + len - 1,
                 "a torn record not described in one line \"record N torn: ...\"");
    /* Each run ends " x COUNT": the byte shown before it may be 'x' too. */
    for (const char *p = text + n; (p = strstr(p, " x ")) != NULL; ) {
        char *end;
        long count = strtol(p + 3, &end, 10);
        if (end == p + 3) {
            p += 1;
            continue;
        }
        runs++, sum += count;
        p = end;
    }
    int more = strstr(text, " then ...") != NULL;
    fuzz_require(runs >= 2 && runs <= SHOW_RUNS,
                 "a torn record described in too few or many runs");
    fuzz_require(more ? sum < size : sum == size, "runs that do not add up to the record's size");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    long rsize = 1 + (long)(data[0] | data[1] << 8), records = 0, got;
    unsigned char *record = malloc((size_t)rsize);
    size_t outlen;
    const char *out;

    if (record == NULL)
        abort();
    int fd = fuzz_stream(data + 2, size - 2);
    while ((got = read_full(fd, record, rsize)) > 0) {
        if (got < rsize)
            break;                  /* record_reader: "cut short by EOF" */
        records++;
        int equal = 1;
        for (long i = 1; i < rsize && equal; i++)
            equal = record[i] == record[0];
        int torn = memcmp(record, record + 1, (size_t)rsize - 1) != 0;
        fuzz_require(torn == !equal,
                     "a record called torn whose bytes are all equal, or not torn");
        if (torn) {             /* only describe() prints: stdout was empty */
            describe(records, record, rsize);
            out = fuzz_output(&outlen);
            check_description(out, outlen, records, rsize);
        }
    }
    free(record);
    return 0;
}
