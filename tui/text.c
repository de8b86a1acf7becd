/* text.c - bounded copies of text, used by every part of ipclab; a file of
 * its own so that the trace-line parser links without the rest (the fuzz
 * target tests/fuzz/fuzz_trace.c). */
#include "ipclab.h"

#include <string.h>

void scopy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}
