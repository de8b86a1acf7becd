/* fuzz_sigmask.c - ipclab's reading of a process's signals (tui/sigmask.c)
 * on any bytes.
 *
 * Input: the text of a /proc/PID/status file (what procfs_signals reads),
 * any bytes. sig_parse_status takes it whole or not at all.
 * Properties: refused, the state it was given is unchanged, byte for
 * byte; accepted, each of SigQ, SigPnd, ShdPnd, SigBlk, SigIgn and SigCgt
 * is at the start of exactly one line, and that line is the key, ':',
 * tabs or spaces, then exactly 16 hex digits (SigQ: 1-18 digits, '/',
 * 1-18 digits) and the line's end, and the state holds those values (read
 * here the plain way, with strtoull); Threads, when there, is one whole
 * number of at least 1. What is said of the state (sig_describe, every
 * form) ends within its buffer, and each signal it names (but those after
 * "all but") is in one of the masks. Names: sig_number(sig_name(n)) is n
 * for 1 to 64; the input's first bytes as a name give 0 or a signal whose
 * name reads back.
 */
#include "fuzz.h"
#include "ipclab.h"

#include <stdlib.h>
#include <string.h>

static const char *const keys[] = { "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt" };

/* The one line of the input that starts with "KEY:", its value (after tabs
 * and spaces) copied into val; -1 when none, -2 when more than one. */
static int value_of(const char *text, size_t len, const char *key, char *val, size_t vlen)
{
    size_t klen = strlen(key);
    int found = -1;
    for (size_t at = 0; at < len;) {
        const char *line = text + at, *nl = memchr(line, '\n', len - at);
        size_t n = nl ? (size_t)(nl - line) : len - at;
        at += n + 1;
        if (n <= klen || memcmp(line, key, klen) != 0 || line[klen] != ':')
            continue;
        if (found == 0)
            return -2;
        found = 0;
        size_t v = klen + 1;
        while (v < n && (line[v] == '\t' || line[v] == ' '))
            v++;
        size_t m = n - v < vlen - 1 ? n - v : vlen - 1;
        memcpy(val, line + v, m);
        val[m] = '\0';
        if (memchr(val, '\0', m) != NULL || n - v >= vlen - 1)
            val[0] = '\0', val[1] = 'X';    /* a NUL or too long: no value */
    }
    return found;
}

static int all_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (!strchr("0123456789abcdefABCDEF", s[k]))
            return 0;
    return 1;
}

static int digits(const char *s, size_t n)
{
    if (n < 1 || n > 18)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return 0;
    return 1;
}

static void check_names_in(const char *text, unsigned long long all, int brief)
{
    char word[64];
    int but = 0;                        /* after "all but": names a set lacks */
    for (const char *t = text; *t;) {
        size_t n = strcspn(t, " ;|");
        if (*t == ';' || *t == '|')
            but = 0;
        if (n > 0 && n < sizeof word) {
            memcpy(word, t, n);
            word[n] = '\0';
            if (!strcmp(word, "but"))
                but = 1;
            int sig = sig_number(word);
            int glibc = !strcmp(word, "SIG32(glibc)") || !strcmp(word, "SIG33(glibc)");
            if (glibc)
                sig = word[4] == '2' ? 32 : 33;
            if (sig && !but && (brief || !strncmp(word, "SIG", 3) || glibc))
                fuzz_require(all >> (sig - 1) & 1, "a signal said that no mask holds");
        }
        t += n;
        while (*t == ' ' || *t == ';' || *t == '|')
            t++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1), val[64], name[24];
    struct sigstate s, before;

    memcpy(text, data, size);
    memset(&s, 0xa5, sizeof s);
    before = s;
    if (sig_parse_status(text, size, &s) == -1) {
        fuzz_require(memcmp(&s, &before, sizeof s) == 0, "a refused status changed the state");
    } else {
        unsigned long long want[5];
        for (int k = 0; k < 6; k++) {
            fuzz_require(value_of(text, size, keys[k], val, sizeof val) == 0,
                         "accepted without exactly one line of each key");
            if (k == 0) {
                const char *slash = strchr(val, '/');
                fuzz_require(slash && digits(val, (size_t)(slash - val)) &&
                             digits(slash + 1, strlen(slash + 1)), "accepted a SigQ that is not N/N");
                fuzz_require(s.queued == strtol(val, NULL, 10) && s.limit == strtol(slash + 1, NULL, 10),
                             "SigQ read wrong");
            } else {
                fuzz_require(all_hex(val, 16), "accepted a mask that is not 16 hex digits");
                want[k - 1] = strtoull(val, NULL, 16);
            }
        }
        fuzz_require(s.pending == want[0] && s.shared == want[1] && s.blocked == want[2] &&
                     s.ignored == want[3] && s.caught == want[4], "a mask read wrong");
        int th = value_of(text, size, "Threads", val, sizeof val);
        fuzz_require(th == -1 || (th == 0 && digits(val, strlen(val)) && strtol(val, NULL, 10) >= 1),
                     "accepted a Threads line that is not one whole number");
        fuzz_require(s.threads >= 1 && s.nthread == 0, "threads out of range");
        /* What is said of it, in every form, for a few programs. */
        static const char *const comms[] = { "python3", "sh", "pipe_reader" };
        unsigned long long all = s.pending | s.shared | s.blocked | s.ignored | s.caught;
        for (int c = 0; c < 3; c++)
            for (int f = 0; f < 3; f++) {
                char out[200];
                memset(out, 'x', sizeof out);
                sig_describe(&s, comms[c], f > 0, f > 0 ? f - 1 : 0, out, sizeof out);
                fuzz_require(memchr(out, '\0', sizeof out) != NULL, "a description not ended in its buffer");
                if (strlen(out) == sizeof out - 1 && strrchr(out, ' '))
                    *strrchr(out, ' ') = '\0';   /* cut at the end: its last word may be a part */
                check_names_in(out, all, f > 0);
            }
    }
    for (int n = 1; n <= SIG_MAX; n++)
        fuzz_require(sig_number(sig_name(n, name, sizeof name)) == n, "a signal's name does not read back");
    size_t m = size < sizeof name - 1 ? size : sizeof name - 1;
    char guess[sizeof name];
    memcpy(guess, data, m);
    guess[m] = '\0';
    int sig = sig_number(guess);
    fuzz_require(sig >= 0 && sig <= SIG_MAX, "a name read as no signal number");
    if (sig)
        fuzz_require(sig_number(sig_name(sig, name, sizeof name)) == sig, "a name that does not read back");
    free(text);
    return 0;
}
