/* fuzz_trace.c - ipclab's reading of the trace pipe (tui/traceline.c) on
 * any bytes.
 *
 * Input: what the programs wrote to the one trace pipe they share. ipclab
 * cuts it into lines (lines_room, lines_added: a buffer of 8192 bytes) and
 * parses each line into an event (trace_parse). This target does the same,
 * twice: reading as much as fits each time, and in small reads of 1 to 13
 * bytes, so lines arrive whole and in pieces.
 * Properties: the lines handed over are exactly the input's whole lines
 * (each ended by '\n', whatever bytes it holds, NUL included), in order,
 * each once, except lines too long for the buffer (over LINE_LONGEST
 * bytes), which are dropped whole: a program's garbage never costs another
 * program's line, nor becomes a line of its own. An event parsed is one of
 * a program (pid > 0, ev b, a or n) with every number within its
 * documented range and every text field ending within its array; its pid
 * is the line's pid= field, a whole decimal number of 1 to 2^22; a signal
 * (sig=) is 1 to 64, to=, from= and value= kept only in range. Each
 * line, and an event's text and object, are also put through clean_text
 * (what the transcript and the screen show), checked in check_clean.
 */
#include "fuzz.h"
#include "ipclab.h"

#include <stdlib.h>
#include <string.h>

/* The longest line the buffer takes: its size less the newline and the NUL. */
#define LINE_LONGEST (sizeof ((struct lines *)0)->buf - 2)

struct expect {
    const uint8_t *data;
    size_t size, pos;           /* the next line starts at data + pos */
    long lines;                 /* lines handed over so far */
};

/* The input's next whole line not too long, from e->pos: its start and
 * length; 0 when there is none left (what follows the last '\n' is not a
 * line yet). */
static int next_line(struct expect *e, const uint8_t **line, size_t *len)
{
    for (;;) {
        const uint8_t *nl = e->pos < e->size ?
            memchr(e->data + e->pos, '\n', e->size - e->pos) : NULL;
        if (nl == NULL)
            return 0;
        *line = e->data + e->pos;
        *len = (size_t)(nl - *line);
        e->pos += *len + 1;
        if (*len <= LINE_LONGEST)
            return 1;
    }
}

static int ends_within(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static void check_event(const struct event *ev)
{
    fuzz_require(ev->pid > 0, "an event with no pid accepted");
    fuzz_require(ev->ev == 'b' || ev->ev == 'a' || ev->ev == 'n', "an event of no kind accepted");
    fuzz_require(ev->fd >= -1 && ev->fd <= 1 << 20, "fd out of range");
    fuzz_require(ev->len >= 0, "a negative len");
    fuzz_require(ev->ret >= -1, "ret below -1");
    fuzz_require(ev->step == 0 || ev->step == 1, "step neither 0 nor 1");
    fuzz_require(ends_within(ev->op, sizeof ev->op) && ends_within(ev->err, sizeof ev->err) &&
                 ends_within(ev->obj, sizeof ev->obj) && ends_within(ev->data, sizeof ev->data) &&
                 ends_within(ev->text, sizeof ev->text), "a text field not ended in its array");
    for (const char *d = ev->data; *d; d++)
        fuzz_require(*d >= ' ' && *d < 127, "data that is not printable");
    /* Signals: sig= a name of 1 to 64; to=, from=, value= only when whole
     * numbers in range (kill's pid argument, a sender's pid, an int). */
    fuzz_require(ev->sig >= 0 && ev->sig <= SIG_MAX, "a signal out of 1 to 64");
    fuzz_require((ev->has & ~(EV_TO | EV_FROM | EV_VALUE)) == 0, "a field claimed that is none");
    fuzz_require(!(ev->has & EV_TO) || (ev->to >= -(1L << 22) && ev->to <= 1L << 22), "to out of range");
    fuzz_require(!(ev->has & EV_FROM) || (ev->from >= 0 && ev->from <= 1L << 22), "from out of range");
    fuzz_require(!(ev->has & EV_VALUE) || (ev->value >= -2147483648L && ev->value <= 2147483647L),
                 "value out of an int's range");
}

/* The pid a line claims, read the plain way: its last pid= field (fields
 * are split at spaces; the line ends at its first NUL), percent-decoded,
 * all decimal digits. -1 when there is none or it is not a number. */
static long claimed_pid(const char *line)
{
    const char *p = line, *val = NULL;
    while ((p = strstr(p, "pid=")) != NULL) {
        if (p == line || p[-1] == ' ')
            val = p + 4;
        p += 4;
    }
    if (val == NULL)
        return -1;
    long pid = 0;
    int digits = 0;
    for (const char *s = val; *s && *s != ' '; s++) {
        int c = (unsigned char)*s;
        if (c == '%' && s[1] && s[2]) {
            char hex[3] = { s[1], s[2], 0 };
            c = (int)strtol(hex, NULL, 16);
            s += 2;
            if (c == 0)
                break;                  /* a decoded NUL ends the value */
        }
        if (c < '0' || c > '9' || pid > 1L << 40)
            return -1;
        pid = pid * 10 + (c - '0');
        digits++;
    }
    return digits ? pid : -1;
}

/* clean_text (tui/text.c), what every text shown or logged goes through:
 * never longer, and after it valid UTF-8 with no control character (tab
 * kept) and no bidirectional control. */
static void check_clean(const char *text)
{
    char s[sizeof ((struct lines *)0)->buf];
    size_t before = strlen(text);
    memcpy(s, text, before + 1);
    clean_text(s, 1);
    fuzz_require(strlen(s) <= before, "clean_text made text longer");
    const unsigned char *u = (const unsigned char *)s;
    for (size_t k = 0; u[k];) {
        size_t n = u[k] < 0x80 ? 1 : (u[k] & 0xe0) == 0xc0 ? 2 : (u[k] & 0xf0) == 0xe0 ? 3
                 : (u[k] & 0xf8) == 0xf0 ? 4 : 0;
        fuzz_require(n > 0 && (n > 1 || u[k] >= ' ' || u[k] == '\t') && u[k] != 0x7f,
                     "clean_text left a control character or a stray byte");
        unsigned long c = n == 1 ? u[k] : u[k] & (0x7f >> n);
        for (size_t j = 1; j < n; j++) {
            fuzz_require((u[k + j] & 0xc0) == 0x80, "clean_text left a cut UTF-8 character");
            c = c << 6 | (u[k + j] & 0x3f);
        }
        fuzz_require(!(c >= 0x80 && c < 0xa0) && c != 0x202e && c != 0x2066,
                     "clean_text left a C1 or bidirectional control");
        k += n;
    }
}

static void each(char *line, size_t len, void *arg)
{
    struct expect *e = arg;
    const uint8_t *want;
    size_t want_len;
    struct event ev;

    fuzz_require(next_line(e, &want, &want_len), "a line handed over that the input does not end");
    fuzz_require(len == want_len && memcmp(line, want, len) == 0,
                 "a line handed over that is not the input's next whole line");
    e->lines++;
    char copy[sizeof ((struct lines *)0)->buf];
    memcpy(copy, line, len + 1);
    check_clean(copy);
    if (trace_parse(line, &ev)) {
        check_event(&ev);
        check_clean(ev.text);
        check_clean(ev.obj);
        /* pid=12abc is no pid 12, nor pid=4294967308 (it wraps to 12). */
        fuzz_require(claimed_pid(copy) == ev.pid && ev.pid <= 1L << 22,
                     "a pid accepted that is not the line's whole decimal number up to 2^22");
    }
}

/* Feed the input as reads of at most step bytes each (0: as much as fits). */
static void feed(const uint8_t *data, size_t size, size_t step)
{
    static struct lines b;
    struct expect e = { data, size, 0, 0 };
    const uint8_t *rest_line;
    size_t rest_len, k = 0;

    memset(&b, 0, sizeof b);
    for (size_t off = 0; off < size; k++) {
        char *at;
        size_t n = lines_room(&b, &at);
        fuzz_require(n > 0, "no room left for the next read");
        if (step && n > 1 + (step + k) % 13)
            n = 1 + (step + k) % 13;
        if (n > size - off)
            n = size - off;
        memcpy(at, data + off, n);
        off += n;
        lines_added(&b, n, each, &e);
    }
    fuzz_require(!next_line(&e, &rest_line, &rest_len),
                 "a whole line of the input never handed over");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed(data, size, 0);
    feed(data, size, 1);
    return 0;
}
