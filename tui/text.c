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
    clean_text(line, 0);
    n = strlen(line);
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}

/* Length of the UTF-8 character at s (1 to 4) and its code point, or 0
 * when the bytes there are not one (a stray, overlong or cut sequence). */
static size_t utf8_char(const unsigned char *s, unsigned long *cp)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
             : s[0] >= 0xe0 && s[0] < 0xf0 ? 3 : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
    unsigned long c = n == 1 ? s[0] : n == 2 ? s[0] & 0x1fu : n == 3 ? s[0] & 0x0fu : s[0] & 0x07u;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[k] & 0x3fu);
    }
    if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c < 0xe000))) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
        return 0;
    *cp = c;
    return n;
}

/* Text fit for a terminal or a transcript, in place (never longer):
 * bytes that are not UTF-8, control characters (C0 but tab when keep_tab,
 * DEL, C1) and the bidirectional controls (U+200E/F, U+202A-E, U+2066-9)
 * each become one '?'. Newlines are control characters too. */
void clean_text(char *text, int keep_tab)
{
    unsigned char *s = (unsigned char *)text, *out = s;
    while (*s) {
        unsigned long c = 0;
        size_t n = utf8_char(s, &c);
        int bad = n == 0 || (c < 0x20 && !(keep_tab && c == '\t')) || (c >= 0x7f && c < 0xa0) ||
                  c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
                  (c >= 0x2066 && c <= 0x2069);
        if (bad) {
            *out++ = '?';
            s += n ? n : 1;
        } else {
            memmove(out, s, n);
            out += n;
            s += n;
        }
    }
    *out = '\0';
}
