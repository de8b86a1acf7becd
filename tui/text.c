/* text.c - bounded copies of text, used by every part of ipclab; a file of
 * its own so that the trace-line parser links without the rest (the fuzz
 * target tests/fuzz/fuzz_trace.c). */
#include "ipclab.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void scopy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* "ipclab: MESSAGE" on stderr, in one write(). Names in it come from the
 * user (a file name, an argument): control bytes become '?', so a name can
 * neither break the line nor drive the terminal. */
void complain(const char *fmt, ...)
{
    char line[1200] = "ipclab: ";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + 8, sizeof line - 9, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    while (n > 8 && line[n - 1] == '\n')
        line[--n] = '\0';
    for (char *c = line; *c; c++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
            *c = '?';
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}
